// The supervisor console: queues, agents, open conversations and the day's
// charts, live. It polls every few seconds and refreshes at once when the
// desk WebSocket reports a change. Any conversation opens read-only here
// (history and triage, no reply box) and can be reassigned.
import { api, h, $, duration, since, clock, CHANNELS, departmentNames, setupSignIn, currentAgent, whenSignedOut, Socket, setupStatus, keepFocus } from './common.js';

const S = { me: null, depts: {}, socket: null, timer: 0, soon: 0, busy: false, agents: [], viewing: '', seen: new Set(), histAt: 0, histTimer: 0, goal: 0.8 };
const POLL_MS = 3000;

function isSupervisor(a) { return a && (a.role === 'supervisor' || a.role === 'admin'); }

function announce(text) {
  $('#announce').textContent = '';
  setTimeout(() => { $('#announce').textContent = text; }, 50);
}

function showSignIn() {
  stop();
  S.me = null;
  for (const id of ['app', 'forbidden', 'session']) $('#' + id).hidden = true;
  $('#conn').textContent = '';
  $('#signin').hidden = false;
  $('#email').focus();
}
whenSignedOut(showSignIn);

function stop() {
  clearInterval(S.timer);
  clearInterval(S.statsTimer);
  clearInterval(S.histInterval);
  if (S.socket) { S.socket.close(); S.socket = null; }
}

async function start(agent, fresh) {
  S.me = agent;
  $('#signin').hidden = true;
  $('#session').hidden = false;
  $('#me').textContent = agent.name || agent.email;
  $('#status').value = agent.status || 'available';
  if (!isSupervisor(agent)) {
    $('#forbidden').hidden = false;
    if (fresh) $('#forbidden h1').focus();
    return;
  }
  $('#app').hidden = false;
  S.depts = await departmentNames();
  await refresh();
  S.timer = setInterval(refresh, POLL_MS);
  refreshStats();
  S.statsTimer = setInterval(refreshStats, 20000);
  refreshHistory();
  S.histInterval = setInterval(refreshHistory, 30000);
  S.socket = new Socket({
    onEvent,
    onResume: () => { refresh(); refreshHistory(); if (S.viewing) view(S.viewing, false); },
    onState: (s) => { $('#conn').textContent = s === 'live' ? '' : 'Live updates interrupted. Reconnecting…'; }
  });
  S.socket.connect();
  if (fresh) $('#app h1').focus();
}

function onEvent(ev) {
  if (ev.type === 'message' && ev.message && ev.message.conversationId === S.viewing) addMessage(ev.message);
  if (ev.type === 'note' && ev.note && ev.note.conversationId === S.viewing) addNote(ev.note);
  if (ev.type && (ev.type.startsWith('conversation.') || ev.type.startsWith('agent.'))) {
    refreshSoon();
    if (ev.conversation && ev.conversation.id === S.viewing) { S.viewed = Object.assign(S.viewed || {}, ev.conversation); viewerMeta(); }
  }
}

function refreshSoon() {
  clearTimeout(S.soon);
  S.soon = setTimeout(() => { refresh(); historySoon(); }, 200);
}

// historySoon refreshes the charts at most every two seconds: each refresh
// scans the day's conversations.
function historySoon() {
  const wait = Math.max(0, S.histAt + 2000 - Date.now());
  clearTimeout(S.histTimer);
  S.histTimer = setTimeout(refreshHistory, wait);
}

function pct(x) { return Math.round((x ?? 1) * 100) + ' %'; }
function agentName(id) { const a = S.agents.find((x) => x.id === id); return a ? a.name || a.email : id || ''; }

async function refresh() {
  if (S.busy || !S.me) return;
  S.busy = true;
  try {
    const [{ queues }, { agents }, { conversations }] = await Promise.all([
      api('GET', '/supervisor/queues'), api('GET', '/supervisor/agents'), api('GET', '/supervisor/conversations')]);
    S.agents = agents;
    if (queues[0] && queues[0].serviceLevelGoal) S.goal = queues[0].serviceLevelGoal;
    $('#queues tbody').replaceChildren(...queues.map((q) => h('tr', { class: q.waiting > 0 && q.agentsAvailable === 0 ? 'warn' : null },
      h('th', { scope: 'row', text: q.name || S.depts[q.departmentId] || q.departmentId }),
      h('td', { class: 'num', text: String(q.waiting) }),
      h('td', { class: 'num', text: q.waiting ? duration(q.longestWaitSeconds) : '—' }),
      h('td', { class: 'num', text: String(q.agentsAvailable) }),
      h('td', { class: 'num', text: String(q.agentsBusy) }),
      h('td', { class: 'num', text: String(q.agentsAway ?? 0) }),
      h('td', { class: 'num', text: pct(q.serviceLevel) }))));
    $('#agents tbody').replaceChildren(...agents.map((a) => h('tr', {},
      h('th', { scope: 'row' }, h('span', { text: a.name || a.email }), h('span', { class: 'sr', text: ' ' + a.email })),
      h('td', {}, h('span', { class: 'pill pill-' + (a.status || 'offline'), text: a.status || 'offline' })),
      h('td', { class: 'num', text: a.statusSince ? duration(since(a.statusSince)) : '—' }),
      h('td', { class: 'num', text: String(a.activeConversations || 0) }),
      h('td', { text: a.role }),
      h('td', { text: (a.departments || []).map((d) => S.depts[d] || d).join(', ') }))));
    renderOpen(conversations);
    fillAgents();
    $('#updated').textContent = 'Updated ' + new Date().toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
    if (S.socket && S.socket.ws) $('#conn').textContent = '';
  } catch (e) {
    if (e.status === 403) { stop(); $('#app').hidden = true; $('#forbidden').hidden = false; }
    else if (e.status !== 401) $('#conn').textContent = 'Could not refresh: ' + e.message;
  } finally {
    S.busy = false;
  }
}

function renderOpen(convs) {
  convs.sort((a, b) => (a.state === b.state ? 0 : a.state === 'queued' ? -1 : 1) || Date.parse(a.queuedAt || a.createdAt) - Date.parse(b.queuedAt || b.createdAt));
  $('#open-empty').hidden = convs.length > 0;
  const body = $('#open tbody');
  keepFocus(body, () => body.replaceChildren(...convs.map((c) => {
    const words = c.lastMessage || '…';
    const from = c.state === 'queued' ? c.queuedAt || c.createdAt : c.assignedAt || c.createdAt;
    return h('tr', { class: c.id === S.viewing ? 'current' : null },
      h('td', { class: 'wrap', dir: 'auto', text: words }),
      h('td', { text: S.depts[c.departmentId] || c.departmentId || '' }),
      h('td', { text: CHANNELS[c.channel] || c.channel }),
      h('td', { text: c.state === 'queued' ? (c.offeredAgentId ? 'offered' : 'waiting') : c.state }),
      h('td', { text: agentName(c.assignedAgentId || c.offeredAgentId) || '—' }),
      h('td', { class: 'num', text: duration(since(from)) }),
      h('td', {}, h('button', { type: 'button', class: 'quiet small', text: 'View', 'aria-label': `View conversation: ${words.slice(0, 60)}`, 'data-key': 'view:' + c.id, onclick: () => view(c.id, true) })));
  })));
}

// ---- read-only view and reassign ----
function fillAgents() {
  const sel = $('#reassign-agent');
  const keep = sel.value;
  const c = S.viewed;
  const list = S.agents.filter((a) => !a.disabled && (!c || !c.departmentId || (a.departments || []).includes(c.departmentId)));
  sel.replaceChildren(...list.map((a) => h('option', { value: a.id, text: `${a.name || a.email} (${a.status || 'offline'}, ${a.activeConversations || 0} active)` })));
  if (list.some((a) => a.id === keep)) sel.value = keep;
}

async function view(id, focus) {
  $('#viewer-error').textContent = '';
  let data;
  try {
    data = await api('GET', '/desk/conversations/' + encodeURIComponent(id));
  } catch (e) {
    $('#viewer-error').textContent = 'Could not open the conversation: ' + e.message;
    $('#viewer').hidden = false;
    return;
  }
  if (S.viewing !== id) { $('#viewer-log').replaceChildren(); S.seen.clear(); }
  S.viewing = id;
  S.viewed = data.conversation;
  S.contact = data.contact || {};
  $('#viewer').hidden = false;
  viewerMeta();
  for (const m of data.messages) addMessage(m);
  for (const n of data.notes || []) addNote(n);
  fillAgents();
  const log = $('#viewer-log');
  log.scrollTop = log.scrollHeight;
  if (focus) $('#viewer-title').focus();
}

function viewerMeta() {
  const c = S.viewed;
  if (!c) return;
  const who = (S.contact && (S.contact.name || S.contact.email || S.contact.phone)) || 'Citizen';
  $('#viewer-title').textContent = `${who} · ${CHANNELS[c.channel] || c.channel} (read-only)`;
  const bits = [S.depts[c.departmentId] || c.departmentId || 'Unrouted', c.state];
  if (c.assignedAgentId && c.state === 'assigned') bits.push('with ' + agentName(c.assignedAgentId));
  $('#viewer-meta').textContent = bits.join(' · ');
  const t = c.triage;
  const rows = t ? [['Triage department', S.depts[t.department] || t.department], ['Urgency', t.urgency], ['Language', t.language],
    ['Wants a person', t.wantsHuman ? 'yes' : 'no'], ['Confidence', Math.round((t.confidence || 0) * 100) + ' %']] : [['Triage', 'none']];
  if (t && t.summary) rows.push(['Summary', t.summary]);
  if (t && t.reasons && t.reasons.length) rows.push(['Reasons', t.reasons.join('; ')]);
  $('#viewer-triage').replaceChildren(...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]));
  $('#reassign').hidden = c.state === 'closed';
}

function authorLabel(m) {
  const a = m.author || {};
  if (a.kind === 'citizen') return 'Citizen';
  if (a.kind === 'bot') return 'Assistant (automated)';
  if (a.kind === 'agent') return a.name || 'Caseworker';
  return 'System';
}

function addMessage(m) {
  if (!m || !m.id || S.seen.has(m.id)) return;
  S.seen.add(m.id);
  const kind = ['citizen', 'bot', 'agent'].includes(m.author && m.author.kind) ? m.author.kind : 'system';
  $('#viewer-log').append(h('div', { class: `msg msg-${kind}`, 'data-at': m.createdAt },
    h('span', { class: 'who', text: authorLabel(m) }), h('span', { class: 'sr', text: ': ' }),
    h('p', { class: 'text', dir: 'auto', text: m.text }),
    h('span', { class: 'meta' }, h('time', { datetime: m.createdAt, text: clock(m.createdAt) }), m.channel ? ' · ' + (CHANNELS[m.channel] || m.channel) : null)));
}

function addNote(n) {
  if (!n || S.seen.has(n.id)) return;
  S.seen.add(n.id);
  const div = h('div', { class: 'msg msg-note', 'data-at': n.createdAt },
    h('span', { class: 'who', text: 'Internal note' }), h('span', { class: 'sr', text: ': ' }),
    h('p', { class: 'text', dir: 'auto', text: n.text }), h('time', { class: 'meta', datetime: n.createdAt, text: clock(n.createdAt) }));
  const at = Date.parse(n.createdAt);
  const before = [...$('#viewer-log').children].find((c) => Date.parse(c.dataset.at) > at) || null;
  $('#viewer-log').insertBefore(div, before);
}

$('#reassign').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.viewing;
  const agentId = $('#reassign-agent').value;
  if (!id || !agentId) return;
  $('#viewer-error').textContent = '';
  // Busy, not disabled: disabling the focused button would drop a keyboard
  // user's focus to the top of the page.
  const button = $('#reassign button[type=submit]');
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  try {
    const { conversation } = await api('POST', `/supervisor/conversations/${encodeURIComponent(id)}/assign`, { agentId });
    if (S.viewing === id && conversation) { S.viewed = conversation; viewerMeta(); }
    announce(`Reassigned to ${agentName(agentId)}.`);
    refresh();
  } catch (err) {
    $('#viewer-error').textContent = 'Could not reassign: ' + err.message;
  } finally {
    button.removeAttribute('aria-disabled');
  }
});
$('#viewer-close').addEventListener('click', () => {
  S.viewing = '';
  S.viewed = null;
  $('#viewer').hidden = true;
  $('#open-caption').parentElement.parentElement.focus();
});

// ---- charts ----
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text != null) el.textContent = text;
  return el;
}
function hm(iso) { return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }

// chart draws one series as an SVG line chart with a text alternative: the
// SVG is an image named by the caption and described by a summary, and the
// same numbers are in a table.
function chart(fig, samples, { value, max, fmt, goal, label }) {
  const W = 560, H = 200, L = 44, R = 12, T = 10, B = 26;
  const t0 = Date.parse(samples[0].at), t1 = Date.parse(samples[samples.length - 1].at);
  const x = (iso) => L + (t1 > t0 ? (Date.parse(iso) - t0) / (t1 - t0) : 1) * (W - L - R);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  const id = fig.id;
  const values = samples.map(value);
  const peak = Math.max(...values), low = Math.min(...values);
  const last = samples[samples.length - 1];
  const summary = `${label} from ${hm(samples[0].at)} to ${hm(last.at)}: now ${fmt(value(last))}; highest ${fmt(peak)}, lowest ${fmt(low)}.`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, focusable: 'false' });
  svg.append(s('desc', { id: `${id}-desc` }, summary));
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(s('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  const ticks = Math.min(6, samples.length);
  for (let i = 0; i < ticks; i++) {
    const smp = samples[Math.round((i * (samples.length - 1)) / Math.max(1, ticks - 1))];
    svg.append(s('text', { x: x(smp.at), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === ticks - 1 ? 'end' : 'middle' }, hm(smp.at)));
  }
  svg.append(s('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  svg.append(s('line', { class: 'axis', x1: L, x2: L, y1: T, y2: y(0) }));
  if (goal != null) svg.append(s('line', { class: 'goal', x1: L, x2: W - R, y1: y(goal), y2: y(goal) }));
  const pts = samples.map((p) => `${x(p.at).toFixed(1)},${y(value(p)).toFixed(1)}`).join(' ');
  svg.append(s('polyline', { class: 'line', points: pts }));
  svg.append(s('circle', { cx: x(last.at), cy: y(value(last)), r: 4, fill: '#0b4f8a' }));
  fig.querySelector('.plot').replaceChildren(svg);
  fig.querySelector('.now').textContent = `Now: ${fmt(value(last))}` + (goal != null ? ` (goal ${fmt(goal)})` : '');
  fig.querySelector('.chart-data').replaceChildren(h('table', {},
    h('caption', { text: label }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Time' }), h('th', { scope: 'col', class: 'num', text: label }))),
    h('tbody', {}, ...samples.slice().reverse().map((p) => h('tr', {},
      h('th', { scope: 'row' }, h('time', { datetime: p.at, text: hm(p.at) })), h('td', { class: 'num', text: fmt(value(p)) }))))));
}

async function refreshHistory() {
  if (!S.me) return;
  S.histAt = Date.now();
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const from = new Date(Math.max(midnight.getTime(), Date.now() - 24 * 3600e3));
  try {
    const { samples } = await api('GET', `/supervisor/stats/history?step=300&since=${encodeURIComponent(from.toISOString().replace(/\.\d+Z$/, 'Z'))}`);
    if (!samples || !samples.length) return;
    const peak = Math.max(...samples.map((p) => p.waiting));
    chart($('#chart-waiting'), samples, { value: (p) => p.waiting, max: Math.max(4, Math.ceil(peak / 4) * 4), fmt: (v) => String(Math.round(v)), label: 'Citizens waiting' });
    chart($('#chart-sl'), samples, { value: (p) => p.serviceLevel, max: 1, fmt: (v) => Math.round(v * 100) + ' %', goal: S.goal, label: 'Service level' });
  } catch { /* the queues show the error */ }
}

// refreshStats shows the day's numbers; they scan every conversation, so
// they refresh less often than the queues.
async function refreshStats() {
  try {
    const st = await api('GET', '/supervisor/stats');
    const rows = [
      ['Conversations', String(st.conversations)],
      ['Resolved by the assistant (containment)', `${st.containedByBot} (${Math.round((st.containmentRate || 0) * 100)} %)`],
      ['Average first response', st.averageFirstResponseSeconds ? duration(st.averageFirstResponseSeconds) : '—'],
      ['Average handling time', st.averageHandleSeconds ? duration(st.averageHandleSeconds) : '—'],
      ['Average rating', st.ratings ? `${st.averageRating.toFixed(1)} of 5 (${st.ratings} ${st.ratings === 1 ? 'rating' : 'ratings'})` : '—']
    ];
    $('#stats').replaceChildren(...rows.map(([k, v]) => h('div', {}, h('dt', { text: k }), h('dd', { text: v }))));
  } catch { /* the queues show the error */ }
}

setupSignIn({ form: $('#signin-form'), error: $('#signin-error'), onSignedIn: start });
// Signing in makes a supervisor available for conversations too (those of
// their departments); the console shows that and lets them step away.
setupStatus($('#status'), () => S.me, (msg) => { $('#conn').textContent = msg; });

$('#signout').addEventListener('click', async () => {
  try { await api('POST', '/desk/logout'); } catch { /* signed out either way */ }
  showSignIn();
});

(async () => {
  const agent = await currentAgent().catch(() => null);
  if (agent) start(agent, false);
  else showSignIn();
})();
