// The supervisor console: queues and agents, live. It polls every few
// seconds and refreshes at once when the desk WebSocket reports a change.
import { api, h, $, duration, departmentNames, setupSignIn, currentAgent, whenSignedOut, Socket, setupStatus } from './common.js';

const S = { me: null, depts: {}, socket: null, timer: 0, soon: 0, busy: false };
const POLL_MS = 3000;

function isSupervisor(a) { return a && (a.role === 'supervisor' || a.role === 'admin'); }

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
  S.socket = new Socket({
    onEvent: (ev) => { if (ev.type && (ev.type.startsWith('conversation.') || ev.type.startsWith('agent.'))) refreshSoon(); },
    onResume: refresh,
    onState: (s) => { $('#conn').textContent = s === 'live' ? '' : 'Live updates interrupted. Reconnecting…'; }
  });
  S.socket.connect();
  if (fresh) $('#app h1').focus();
}

function refreshSoon() {
  clearTimeout(S.soon);
  S.soon = setTimeout(refresh, 200);
}

function pct(x) { return Math.round((x ?? 1) * 100) + ' %'; }

async function refresh() {
  if (S.busy || !S.me) return;
  S.busy = true;
  try {
    const [{ queues }, { agents }] = await Promise.all([api('GET', '/supervisor/queues'), api('GET', '/supervisor/agents')]);
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
      h('td', { class: 'num', text: String(a.activeConversations || 0) }),
      h('td', { text: a.role }),
      h('td', { text: (a.departments || []).map((d) => S.depts[d] || d).join(', ') }))));
    $('#updated').textContent = 'Updated ' + new Date().toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
    if (S.socket && S.socket.ws) $('#conn').textContent = '';
  } catch (e) {
    if (e.status === 403) { stop(); $('#app').hidden = true; $('#forbidden').hidden = false; }
    else if (e.status !== 401) $('#conn').textContent = 'Could not refresh: ' + e.message;
  } finally {
    S.busy = false;
  }
}

// refreshStats shows the day's numbers; they scan every conversation, so
// they refresh less often than the queues.
async function refreshStats() {
  try {
    const st = await api('GET', '/supervisor/stats');
    const rows = [
      ['Conversations', String(st.conversations)],
      ['Resolved by the assistant', `${st.containedByBot} (${Math.round((st.containmentRate || 0) * 100)} %)`],
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
