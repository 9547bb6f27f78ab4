// Administration for supervisors: webhooks, the external bot, agents,
// departments and canned responses. Every form reports "Saved" or the API's
// error in its section's polite live region.
import { api, h, $, setupSignIn, currentAgent, whenSignedOut } from './common.js';

const S = { me: null, depts: [], agents: [] };

function isSupervisor(a) { return a && (a.role === 'supervisor' || a.role === 'admin'); }

function showSignIn() {
  S.me = null;
  for (const id of ['app', 'forbidden', 'session']) $('#' + id).hidden = true;
  $('#conn').textContent = '';
  $('#signin').hidden = false;
  $('#email').focus();
}
whenSignedOut(showSignIn);

// say puts a message in a section's live region; the same text twice in a
// row is cleared first so that it is announced again.
function say(id, text, isError) {
  const el = $('#' + id);
  el.classList.toggle('failed', !!isError);
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 50);
}

// saving runs fn with the form's submit button disabled and reports the outcome.
async function saving(form, statusId, fn) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await fn();
    say(statusId, 'Saved');
    return true;
  } catch (e) {
    if (e.status !== 401) say(statusId, 'Not saved: ' + e.message, true);
    return false;
  } finally {
    button.disabled = false;
  }
}

// act runs a row action (delete, toggle) and reports the outcome.
async function act(statusId, done, fn) {
  try {
    await fn();
    say(statusId, done);
  } catch (e) {
    if (e.status !== 401) say(statusId, 'Failed: ' + e.message, true);
  }
}

function checks(container, items, name) {
  const legend = container.querySelector('legend');
  container.replaceChildren(legend, ...items.map(({ value, label }) => {
    const id = `${name}-${value}`.replace(/[^a-zA-Z0-9_-]/g, '-');
    return h('span', { class: 'check' },
      h('input', { type: 'checkbox', id, name, value }),
      h('label', { for: id, text: label }));
  }));
}

function checked(container) {
  return [...container.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
}

function deptName(id) {
  const d = S.depts.find((x) => x.id === id);
  return d ? d.name : id;
}

function actionButton(text, what, onclick) {
  return h('button', { type: 'button', class: 'quiet small', onclick }, text, h('span', { class: 'sr', text: ' ' + what }));
}

// — Webhooks —

async function loadWebhooks() {
  const { webhooks, eventTypes } = await api('GET', '/admin/webhooks');
  if (!$('#wh-events input')) checks($('#wh-events'), (eventTypes || []).map((t) => ({ value: t, label: t })), 'wh-event');
  $('#webhooks tbody').replaceChildren(...(webhooks || []).map((w) => h('tr', {},
    h('th', { scope: 'row', text: w.id }),
    h('td', { class: 'wrap', text: w.url }),
    h('td', { class: 'wrap', text: (w.events || []).join(', ') }),
    h('td', {}, h('div', { class: 'row-actions' },
      actionButton('Deliveries', w.id, () => showDeliveries(w.id)),
      actionButton('Delete', w.id, () => act('webhooks-status', `Deleted ${w.id}`, async () => {
        await api('DELETE', '/admin/webhooks/' + encodeURIComponent(w.id));
        if (S.deliveriesFor === w.id) $('#deliveries-box').hidden = true;
        await loadWebhooks();
      })))))));
  $('#webhooks-empty').hidden = (webhooks || []).length > 0;
}

async function showDeliveries(id) {
  try {
    const { deliveries } = await api('GET', '/admin/webhooks/' + encodeURIComponent(id) + '/deliveries');
    S.deliveriesFor = id;
    $('#deliveries-caption').textContent = `Deliveries to ${id}`;
    $('#deliveries tbody').replaceChildren(...(deliveries || []).map((d) => h('tr', {},
      h('td', { text: d.at ? new Date(d.at).toLocaleString() : '' }),
      h('td', { text: d.type || '' }),
      h('td', { text: d.delivered ? `Delivered${d.status ? ' (' + d.status + ')' : ''}` : `Failed${d.status ? ' (' + d.status + ')' : ''}` }),
      h('td', { class: 'num', text: String(d.attempts ?? '') }),
      h('td', { class: 'wrap', text: d.error || '' }),
      h('td', { text: d.deliveryId || '' }))));
    $('#deliveries-empty').hidden = (deliveries || []).length > 0;
    $('#deliveries-box').hidden = false;
    say('webhooks-status', `${(deliveries || []).length} deliveries to ${id}`);
  } catch (e) {
    if (e.status !== 401) say('webhooks-status', 'Could not load deliveries: ' + e.message, true);
  }
}

$('#webhook-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const body = { id: $('#wh-id').value.trim(), url: $('#wh-url').value.trim(), secret: $('#wh-secret').value, events: checked($('#wh-events')) };
  const ok = await saving(form, 'webhooks-status', async () => {
    await api('PUT', '/admin/webhooks', body);
    await loadWebhooks();
  });
  if (ok) form.reset();
});

// — External bot —

async function loadBot() {
  const { externalBot: b } = await api('GET', '/admin/external-bot');
  $('#bot-url').value = b.url || '';
  $('#bot-enabled').checked = !!b.enabled;
  $('#bot-secret').value = '';
  $('#bot-state').textContent = (b.enabled ? 'The external bot is enabled.' : 'The external bot is off.') + (b.secret ? ' A secret is saved.' : ' No secret is saved.');
}

$('#bot-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { enabled: $('#bot-enabled').checked, url: $('#bot-url').value.trim(), secret: $('#bot-secret').value };
  await saving(e.currentTarget, 'bot-status', async () => {
    await api('PUT', '/admin/external-bot', body);
    await loadBot();
  });
});

// — Agents —

async function loadAgents() {
  const { agents } = await api('GET', '/admin/agents');
  S.agents = agents || [];
  $('#agents tbody').replaceChildren(...S.agents.map((a) => h('tr', { class: a.disabled ? 'off' : null },
    h('th', { scope: 'row', text: a.name || a.email }),
    h('td', { text: a.email }),
    h('td', { text: a.role }),
    h('td', { class: 'wrap', text: (a.departments || []).map(deptName).join(', ') }),
    h('td', { text: (a.languages || []).join(', ') }),
    h('td', {}, h('span', { class: 'pill pill-' + (a.status || 'offline'), text: a.status || 'offline' })),
    h('td', { class: 'num', text: String(a.activeConversations || 0) }),
    h('td', { text: a.disabled ? 'Deactivated' : 'Active' }),
    h('td', {}, S.me && a.id === S.me.id ? h('span', { text: 'You' })
      : actionButton(a.disabled ? 'Reactivate' : 'Deactivate', a.name || a.email, () => act('agents-status',
        `${a.disabled ? 'Reactivated' : 'Deactivated'} ${a.name || a.email}`, async () => {
          await api('PUT', '/admin/agents', { id: a.id, email: a.email, name: a.name, role: a.role,
            departments: a.departments || [], languages: a.languages || [], disabled: !a.disabled });
          await loadAgents();
        }))))));
}

$('#agent-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const body = {
    email: $('#ag-email').value.trim(), name: $('#ag-name').value.trim(), role: $('#ag-role').value,
    departments: checked($('#ag-depts')),
    languages: $('#ag-langs').value.split(',').map((s) => s.trim()).filter(Boolean),
    password: $('#ag-password').value
  };
  const ok = await saving(form, 'agents-status', async () => {
    await api('PUT', '/admin/agents', body);
    await loadAgents();
  });
  if (ok) form.reset();
});

// — Departments —

async function loadDepts() {
  const { departments } = await api('GET', '/desk/departments');
  S.depts = departments || [];
  const kept = (d) => (d.retentionDays > 0
    ? `${d.retentionDays} days, then ${d.retentionAction === 'anonymize' ? 'anonymized' : 'deleted'}` : 'Forever');
  $('#depts tbody').replaceChildren(...S.depts.map((d) => h('tr', {}, h('th', { scope: 'row', text: d.id }), h('td', { text: d.name }), h('td', { text: kept(d) }),
    h('td', {}, actionButton('Routing settings', 'of ' + d.name, () => openRouting(d.id))))));
  const keep = new Set(checked($('#ag-depts')));
  checks($('#ag-depts'), S.depts.map((d) => ({ value: d.id, label: d.name })), 'ag-dept');
  for (const c of $('#ag-depts').querySelectorAll('input')) c.checked = keep.has(c.value);
}

$('#dept-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const body = { id: $('#dp-id').value.trim(), name: $('#dp-name').value.trim() };
  const days = $('#dp-retention-days').value.trim();
  if (days !== '') {
    body.retentionDays = Number(days);
    body.retentionAction = $('#dp-retention-action').value;
  }
  const ok = await saving(form, 'depts-status', async () => {
    await api('PUT', '/admin/departments', body);
    await loadDepts();
    await loadAgents();
  });
  if (ok) form.reset();
});

// — Department routing: hours, strategy, service level —

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const RT = { id: '', escalation: undefined };

// seconds reads a Go duration as the API writes it ("1m30s", "500ms").
function seconds(d) {
  if (typeof d === 'number') return d;
  let total = 0;
  for (const [, n, unit] of String(d || '').matchAll(/([\d.]+)(h|ms|m|s|µs|us|ns)/g)) {
    total += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 1e-3 }[unit] || 0);
  }
  return total;
}

function timeZones() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { /* older browsers: a short list */ }
  if (!zones.length) zones = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Europe/London'];
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

// buildWeek makes one group per weekday (Monday first) with opening and
// closing times; both empty means closed that day.
function buildWeek() {
  const order = [1, 2, 3, 4, 5, 6, 0];
  $('#rt-week').replaceChildren(...order.map((i) => {
    const day = DAYS[i];
    const field = (what, label) => h('div', { class: 'field' },
      h('label', { for: `rt-${i}-${what}`, text: label }),
      h('input', { id: `rt-${i}-${what}`, name: `${what}${i}`, inputmode: 'numeric', size: 6, 'aria-describedby': `rt-${i}-error` }));
    return h('fieldset', { class: 'checks' }, h('legend', { text: day }),
      h('div', { class: 'fields' }, field('from', 'Opens'), field('to', 'Closes')),
      h('p', { class: 'error', id: `rt-${i}-error` }));
  }));
  $('#rt-tz').replaceChildren(...timeZones().map((z) => h('option', { value: z, text: z })));
}

function showHoursFields() {
  const on = $('#rt-hours-on').checked;
  for (const el of $('#routing-form').querySelectorAll('#rt-tz, #rt-week input, #rt-holidays')) el.disabled = !on;
}
$('#rt-hours-on').addEventListener('change', showHoursFields);

function summary(r) {
  const parts = [`Strategy ${r.strategy.replace('_', ' ')}`, r.mode === 'offer' ? `offers of ${seconds(r.offerTimeout)} s` : 'direct assignment',
    `goal ${Math.round((r.serviceLevelGoal || 0) * 100)}% answered within ${seconds(r.serviceLevelTarget)} s`];
  if (!r.hours) parts.push('always open');
  else {
    const open = r.hours.week.map((spans, i) => (spans.length ? `${DAYS[i].slice(0, 3)} ${spans.map((s) => s.from + '–' + s.to).join(', ')}` : ''))
      .filter(Boolean);
    parts.push(`open ${open.length ? open.join('; ') : 'never'} (${r.hours.timeZone || 'UTC'})`);
    if ((r.hours.holidays || []).length) parts.push(`closed on ${r.hours.holidays.join(', ')}`);
  }
  return 'In force: ' + parts.join('; ') + '.';
}

function fillRouting(view) {
  const r = view.routing;
  RT.escalation = view.override ? view.override.escalation : undefined;
  $('#rt-summary').textContent = summary(r);
  $('#rt-strategy').value = r.strategy;
  $('#rt-mode').value = r.mode;
  $('#rt-offer').value = String(seconds(r.offerTimeout));
  $('#rt-goal').value = String(Math.round((r.serviceLevelGoal || 0) * 100));
  $('#rt-target').value = String(seconds(r.serviceLevelTarget));
  $('#rt-hours-on').checked = !!r.hours;
  const hrs = r.hours || { timeZone: 'UTC', week: [[], [], [], [], [], [], []], holidays: [] };
  const tz = $('#rt-tz');
  if (hrs.timeZone && ![...tz.options].some((o) => o.value === hrs.timeZone)) tz.append(h('option', { value: hrs.timeZone, text: hrs.timeZone }));
  tz.value = hrs.timeZone || 'UTC';
  for (let i = 0; i < 7; i++) {
    const span = (hrs.week[i] || [])[0];
    $(`#rt-${i}-from`).value = span ? span.from : '';
    $(`#rt-${i}-to`).value = span ? span.to : '';
  }
  $('#rt-holidays').value = (hrs.holidays || []).join('\n');
  showHoursFields();
}

async function openRouting(id) {
  const form = $('#routing-form');
  if (!$('#rt-week').children.length) buildWeek();
  clearRoutingErrors();
  try {
    const view = await api('GET', `/admin/departments/${encodeURIComponent(id)}/routing`);
    RT.id = id;
    $('#rt-title').textContent = 'Routing of ' + deptName(id);
    const admin = S.me && S.me.role === 'admin';
    $('#rt-fields').disabled = !admin;
    $('#rt-readonly').hidden = admin;
    fillRouting(view);
    form.hidden = false;
    $('#rt-title').focus();
  } catch (e) {
    if (e.status !== 401) say('routing-status', 'Could not load the routing settings: ' + e.message, true);
  }
}

$('#rt-close').addEventListener('click', () => {
  $('#routing-form').hidden = true;
  const row = [...$('#depts tbody').rows].find((tr) => tr.cells[0].textContent === RT.id);
  (row ? row.querySelector('button') : $('#depts-title')).focus();
});

function clearRoutingErrors() {
  for (const el of $('#routing-form').querySelectorAll('.error')) el.textContent = '';
  for (const el of $('#routing-form').querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// routingBody reads the form; it marks what is wrong next to each field and
// returns null then.
function routingBody() {
  clearRoutingErrors();
  const bad = [];
  const fail = (input, errId, text) => {
    input.setAttribute('aria-invalid', 'true');
    $('#' + errId).textContent = text;
    bad.push(input);
  };
  const num = (sel, errId, min, max, what) => {
    const v = $(sel).value.trim();
    const n = Number(v);
    if (v === '' || !Number.isFinite(n) || n < min || n > max) { fail($(sel), errId, `${what} must be a number from ${min} to ${max}.`); return 0; }
    return n;
  };
  const body = { strategy: $('#rt-strategy').value, mode: $('#rt-mode').value,
    offerTimeout: num('#rt-offer', 'rt-offer-error', 1, 3600, 'The offer timeout'),
    serviceLevelGoal: num('#rt-goal', 'rt-goal-error', 1, 100, 'The goal') / 100,
    serviceLevelTarget: num('#rt-target', 'rt-target-error', 1, 86400, 'The threshold') };
  if ($('#rt-hours-on').checked) {
    const clock = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
    const week = [];
    for (let i = 0; i < 7; i++) {
      const from = $(`#rt-${i}-from`), to = $(`#rt-${i}-to`);
      const f = from.value.trim(), t = to.value.trim();
      if (f === '' && t === '') { week.push([]); continue; }
      if (!clock.test(f)) { fail(from, `rt-${i}-error`, `${DAYS[i]}: the opening time must be like 09:00, or both times empty for closed.`); week.push([]); continue; }
      if (!clock.test(t)) { fail(to, `rt-${i}-error`, `${DAYS[i]}: the closing time must be like 17:30 (24:00 for midnight).`); week.push([]); continue; }
      if (t <= f) { fail(to, `rt-${i}-error`, `${DAYS[i]}: the office must close after it opens.`); week.push([]); continue; }
      week.push([{ from: f, to: t }]);
    }
    const holidays = $('#rt-holidays').value.split(/[\s,]+/).filter(Boolean);
    const wrong = holidays.filter((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d + 'T00:00:00Z')));
    if (wrong.length) fail($('#rt-holidays'), 'rt-holidays-error', `Not a date as YYYY-MM-DD: ${wrong.join(', ')}.`);
    body.hours = { timeZone: $('#rt-tz').value, week, holidays };
  }
  if (RT.escalation !== undefined) body.escalation = RT.escalation; // kept as saved: not edited here
  if (bad.length) {
    say('routing-status', `Not saved: ${bad.length === 1 ? 'one field needs' : bad.length + ' fields need'} correcting.`, true);
    bad[0].focus();
    return null;
  }
  return body;
}

$('#routing-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = routingBody();
  if (!body) return;
  await saving(e.currentTarget, 'routing-status', async () => {
    const view = await api('PUT', `/admin/departments/${encodeURIComponent(RT.id)}/routing`, body);
    fillRouting(view);
  });
});

// — Canned responses —

async function loadCanned() {
  const { canned } = await api('GET', '/desk/canned');
  $('#canned tbody').replaceChildren(...(canned || []).map((c) => h('tr', {},
    h('th', { scope: 'row', text: '/' + c.shortcut }),
    h('td', { text: c.title || '' }),
    h('td', { class: 'wrap', text: c.text }),
    h('td', {}, actionButton('Delete', '/' + c.shortcut, () => act('canned-status', `Deleted /${c.shortcut}`, async () => {
      await api('DELETE', '/supervisor/canned/' + encodeURIComponent(c.id));
      await loadCanned();
    }))))));
}

$('#canned-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const body = { shortcut: $('#cn-shortcut').value.trim(), title: $('#cn-title').value.trim(), text: $('#cn-text').value };
  const ok = await saving(form, 'canned-status', async () => {
    await api('PUT', '/supervisor/canned', body);
    await loadCanned();
  });
  if (ok) form.reset();
});

// — Knowledge base —

const KB_LANGS = { en: 'English', es: 'Spanish', fr: 'French', vi: 'Vietnamese', zh: 'Chinese', ar: 'Arabic', ht: 'Haitian Creole', tl: 'Tagalog' };

// kbPath is an article's API path: its id's slashes travel as %2F.
function kbPath(id) { return '/admin/kb/' + encodeURIComponent(id); }

async function loadKBDepts() {
  const { departments } = await api('GET', '/desk/departments');
  S.kbDepts = new Map((departments || []).map((d) => [d.id, d.name]));
  const sel = $('#kb-dept');
  const keep = sel.value;
  sel.replaceChildren(...(departments || []).map((d) => h('option', { value: d.id, text: d.name })));
  if (keep) sel.value = keep;
}

async function loadKB() {
  const [{ articles }] = await Promise.all([api('GET', '/admin/kb'), loadKBDepts()]);
  S.kb = articles || [];
  $('#kb tbody').replaceChildren(...S.kb.map((a) => h('tr', {},
    h('th', { scope: 'row', class: 'wrap', text: a.id }),
    h('td', { class: 'wrap', text: a.title }),
    h('td', { text: KB_LANGS[a.language] || a.language || '' }),
    h('td', { text: (S.kbDepts && S.kbDepts.get(a.department)) || a.department || '' }),
    h('td', { class: 'wrap', text: a.url || '' }),
    h('td', { text: a.updatedAt ? new Date(a.updatedAt).toLocaleString() : '' }),
    h('td', {}, h('div', { class: 'row-actions' },
      actionButton('Edit', a.id, () => editArticle(a.id)),
      actionButton('Delete', a.id, (e) => askConfirm('kb', `Delete the article ${a.id} (${a.title})? The bot stops using it at once.`, e.currentTarget,
        () => act('kb-status', `Deleted ${a.id}`, async () => {
          await api('DELETE', kbPath(a.id));
          await loadKB();
        }))))))));
  $('#kb-empty').hidden = S.kb.length > 0;
}

async function editArticle(id) {
  try {
    const { article: a } = await api('GET', kbPath(id));
    $('#kb-id').value = a.id;
    $('#kb-title-input').value = a.title;
    $('#kb-lang').value = a.language;
    $('#kb-dept').value = a.department;
    $('#kb-url').value = a.url;
    $('#kb-summary').value = a.summary || '';
    $('#kb-body').value = a.body || '';
    $('#kb-title-input').focus();
    say('kb-status', `Editing ${a.id}`);
  } catch (e) {
    if (e.status !== 401) say('kb-status', 'Could not open the article: ' + e.message, true);
  }
}

// confirms holds what each section's confirmation will do, and where focus
// goes back to.
const confirms = {};

function askConfirm(which, question, from, action) {
  confirms[which] = { action, from };
  $(`#${which}-question`).textContent = question;
  $(`#${which}-confirm`).hidden = false;
  $(`#${which}-yes`).focus();
}

function closeConfirm(which, refocus) {
  const c = confirms[which];
  delete confirms[which];
  $(`#${which}-confirm`).hidden = true;
  if (refocus && c && c.from && c.from.isConnected) c.from.focus();
  else if (refocus) $(`#${which}-caption`).closest('.table-wrap').focus();
  return c;
}

for (const which of ['kb', 'tokens']) {
  $(`#${which}-no`).addEventListener('click', () => closeConfirm(which, true));
  $(`#${which}-confirm`).addEventListener('keydown', (e) => { if (e.key === 'Escape') closeConfirm(which, true); });
  $(`#${which}-yes`).addEventListener('click', async () => {
    const c = closeConfirm(which, false);
    if (c) await c.action();
    $(`#${which}-caption`).closest('.table-wrap').focus();
  });
}

$('#kb-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const id = $('#kb-id').value.trim();
  if (!id) { say('kb-status', 'Not saved: an article ID is required', true); $('#kb-id').focus(); return; }
  const body = {
    title: $('#kb-title-input').value.trim(), language: $('#kb-lang').value, department: $('#kb-dept').value,
    url: $('#kb-url').value.trim(), summary: $('#kb-summary').value.trim(), body: $('#kb-body').value
  };
  const ok = await saving(form, 'kb-status', async () => {
    await api('PUT', kbPath(id), body);
    await loadKB();
  });
  if (ok) form.reset();
});

$('#kb-clear').addEventListener('click', () => { $('#kb-form').reset(); $('#kb-id').focus(); });

// — API tokens (admins signed in in person) —

const SCOPES = { admin: 'Admin (all but API tokens)', supervisor: 'Supervisor', 'supervisor-read': 'Supervisor, read only' };

function when(t, none) { return t ? new Date(t).toLocaleString() : none; }

async function loadTokens() {
  const { tokens } = await api('GET', '/admin/api-tokens');
  $('#tokens tbody').replaceChildren(...(tokens || []).map((t) => h('tr', {},
    h('th', { scope: 'row', class: 'wrap', text: t.name }),
    h('td', { text: SCOPES[t.scope] || t.scope }),
    h('td', { text: when(t.expiresAt, 'Never') }),
    h('td', { text: when(t.lastUsedAt, 'Not used yet') }),
    h('td', { text: when(t.createdAt, '') }),
    h('td', {}, actionButton('Revoke', t.name, (e) => askConfirm('tokens', `Revoke the API token “${t.name}”? Integrations using it stop working at once.`, e.currentTarget,
      () => act('tokens-status', `Revoked ${t.name}`, async () => {
        await api('DELETE', '/admin/api-tokens/' + encodeURIComponent(t.id));
        await loadTokens();
      })))))));
  $('#tokens-empty').hidden = (tokens || []).length > 0;
}

function hideSecret() {
  $('#token-secret').value = '';
  $('#token-secret-box').hidden = true;
}

$('#token-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.currentTarget;
  const body = { name: $('#tk-name').value.trim(), scope: $('#tk-scope').value };
  const day = $('#tk-expiry').value;
  if (day) body.expiresAt = day + 'T00:00:00Z';
  hideSecret();
  let secret = '';
  const ok = await saving(form, 'tokens-status', async () => {
    ({ secret } = await api('POST', '/admin/api-tokens', body));
    await loadTokens();
  });
  if (!ok) return;
  form.reset();
  $('#token-secret').value = secret;
  $('#token-secret-box').hidden = false;
  $('#token-secret-title').focus();
  say('tokens-status', 'Token created. Copy it now: it is shown only once.');
});

$('#token-copy').addEventListener('click', async () => {
  const input = $('#token-secret');
  try {
    await navigator.clipboard.writeText(input.value);
    say('tokens-status', 'Token copied to the clipboard');
  } catch {
    input.select();
    say('tokens-status', 'Copying was not allowed: the token is selected, press Ctrl+C (or ⌘C) to copy it', true);
  }
});

$('#token-done').addEventListener('click', () => {
  hideSecret();
  $('#tk-name').focus();
});

// startMine loads the knowledge base and, for admins, the API tokens.
async function startMine(agent) {
  const admin = agent.role === 'admin';
  $('#tokens-section').hidden = !admin;
  $('#tokens-link').hidden = !admin;
  hideSecret();
  const loads = [['kb-status', loadKB]];
  if (admin) loads.push(['tokens-status', loadTokens]);
  await Promise.all(loads.map(async ([id, fn]) => {
    try { await fn(); } catch (e) {
      if (e.status !== 401 && e.status !== 403) say(id, 'Could not load: ' + e.message, true);
    }
  }));
}

// — Start —

async function start(agent, fresh) {
  S.me = agent;
  $('#signin').hidden = true;
  $('#session').hidden = false;
  $('#me').textContent = agent.name || agent.email;
  if (!isSupervisor(agent)) {
    $('#forbidden').hidden = false;
    if (fresh) $('#forbidden h1').focus();
    return;
  }
  $('#app').hidden = false;
  if (fresh) $('#app h1').focus();
  startMine(agent);
  const loads = [
    ['webhooks', loadWebhooks], ['bot', loadBot], ['canned', loadCanned],
    ['depts', async () => { await loadDepts(); await loadAgents(); }]
  ];
  await Promise.all(loads.map(async ([id, fn]) => {
    try { await fn(); } catch (e) {
      if (e.status === 403) { $('#app').hidden = true; $('#forbidden').hidden = false; }
      else if (e.status !== 401) say(id === 'depts' ? 'agents-status' : id + '-status', 'Could not load: ' + e.message, true);
    }
  }));
}

setupSignIn({ form: $('#signin-form'), error: $('#signin-error'), onSignedIn: start });

$('#signout').addEventListener('click', async () => {
  try { await api('POST', '/desk/logout'); } catch { /* signed out either way */ }
  showSignIn();
});

(async () => {
  const agent = await currentAgent().catch(() => null);
  if (agent) start(agent, false);
  else showSignIn();
})();
