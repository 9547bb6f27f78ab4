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
  $('#depts tbody').replaceChildren(...S.depts.map((d) => h('tr', {}, h('th', { scope: 'row', text: d.id }), h('td', { text: d.name }), h('td', { text: kept(d) }))));
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
