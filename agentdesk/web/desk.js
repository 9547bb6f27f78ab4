// The caseworker's desk: sign-in, status, my conversations and my
// departments' queue, the open conversation, replies, all live over the desk
// WebSocket.
import {
  api, h, $, uuid, duration, since, clock, CHANNELS, departmentNames,
  setupSignIn, currentAgent, whenSignedOut, Socket, setupStatus
} from './common.js';

const S = {
  me: null,
  depts: {},
  mine: new Map(), // id → conversation
  queue: new Map(),
  unread: new Map(), // id → count of citizen messages not yet seen
  openId: '',
  open: null, // the open conversation
  msgs: new Map(), // message id → element, for the open conversation
  pending: new Map(), // clientMessageId → {el, id}
  socket: null,
  refreshTimer: 0,
  canned: [], // canned responses: {shortcut, title, text}
  deliveries: {} // message id → {state, detail} for the open conversation
};

const el = {
  signin: $('#signin'), app: $('#app'), session: $('#session'), me: $('#me'), status: $('#status'),
  signout: $('#signout'), consoleLink: $('#console-link'), conn: $('#conn'),
  mine: $('#mine'), queue: $('#queue'), mineCount: $('#mine-count'), queueCount: $('#queue-count'),
  mineEmpty: $('#mine-empty'), queueEmpty: $('#queue-empty'),
  placeholder: $('#placeholder'), thread: $('#thread'), title: $('#conv-title'), meta: $('#conv-meta'),
  accept: $('#accept'), triage: $('#triage'), triageList: $('#triage-list'),
  transferToggle: $('#transfer-toggle'), transferPanel: $('#transfer-panel'), transferDept: $('#transfer-dept'), transferNote: $('#transfer-note'),
  closeToggle: $('#close-toggle'), closePanel: $('#close-panel'), disposition: $('#disposition'),
  noteBox: $('#note-box'), noteForm: $('#note-form'), note: $('#note'),
  history: $('#history'), historySummary: $('#history-summary'), historyList: $('#history-list'),
  canned: $('#canned'), cannedStatus: $('#canned-status'),
  log: $('#log'), typing: $('#typing'), replyForm: $('#reply-form'), reply: $('#reply'), replyError: $('#reply-error')
};

// ---- sign-in and session ----
function showSignIn() {
  if (S.socket) { S.socket.close(); S.socket = null; }
  S.me = null;
  el.app.hidden = true;
  el.session.hidden = true;
  el.conn.textContent = '';
  el.signin.hidden = false;
  $('#email').focus();
}
whenSignedOut(showSignIn);

async function start(agent, fresh) {
  S.me = agent;
  el.signin.hidden = true;
  el.app.hidden = false;
  el.session.hidden = false;
  el.me.textContent = agent.name || agent.email;
  el.status.value = agent.status || 'available';
  el.consoleLink.hidden = !(agent.role === 'supervisor' || agent.role === 'admin');
  S.depts = await departmentNames();
  api('GET', '/desk/canned').then((r) => { S.canned = r.canned || []; }).catch(() => {});
  S.socket = new Socket({ onEvent, onResume: resume, onState: (s) => { el.conn.textContent = s === 'live' ? '' : 'Connection lost. Reconnecting…'; } });
  S.socket.connect();
  await refreshLists();
  route();
  if (fresh) $('#mine-title').focus();
}

setupSignIn({ form: $('#signin-form'), error: $('#signin-error'), onSignedIn: start });

el.signout.addEventListener('click', async () => {
  try { await api('POST', '/desk/logout'); } catch { /* signed out either way */ }
  S.mine.clear(); S.queue.clear(); S.unread.clear();
  closeThread();
  history.replaceState(null, '', location.pathname);
  showSignIn();
});

setupStatus(el.status, () => S.me, (msg) => { el.conn.textContent = msg; });

// ---- lists ----
async function refreshLists() {
  try {
    const [a, q] = await Promise.all([
      api('GET', '/desk/conversations?state=assigned'),
      api('GET', '/desk/conversations?state=queued')
    ]);
    S.mine = new Map(a.conversations.map((c) => [c.id, c]));
    S.queue = new Map(q.conversations.map((c) => [c.id, c]));
    renderLists();
  } catch (e) {
    if (e.status !== 401) el.conn.textContent = 'Could not load conversations: ' + e.message;
  }
}
function refreshSoon() {
  clearTimeout(S.refreshTimer);
  S.refreshTimer = setTimeout(refreshLists, 150);
}

function deptName(id) { return S.depts[id] || id || 'Unrouted'; }
function waitingSince(c) { return c.state === 'queued' ? c.queuedAt || c.createdAt : c.assignedAt || c.createdAt; }

function item(c) {
  const n = S.unread.get(c.id) || 0;
  const urgent = c.triage && c.triage.urgency && c.triage.urgency !== 'normal';
  const link = h('a', { href: '#/c/' + encodeURIComponent(c.id), class: 'conv-link', 'aria-current': c.id === S.openId ? 'true' : null },
    h('span', { class: 'line1' },
      h('span', { class: 'chan', text: `${CHANNELS[c.channel] || c.channel} · ${deptName(c.departmentId)}` }),
      urgent ? h('span', { class: 'urgent', text: c.triage.urgency === 'emergency' ? 'Emergency' : 'High' }) : null,
      h('span', { class: 'age', text: duration(since(waitingSince(c))) })),
    h('span', { class: 'preview', dir: 'auto', text: c.lastMessage || '…' }),
    n ? h('span', { class: 'badge', text: `${n} new` }) : null);
  return h('li', {}, link);
}

function renderList(ul, map, count, empty) {
  const list = [...map.values()].sort((a, b) => (b.priority || 0) - (a.priority || 0) || Date.parse(waitingSince(a)) - Date.parse(waitingSince(b)));
  ul.replaceChildren(...list.map(item));
  count.textContent = list.length ? `(${list.length})` : '';
  empty.hidden = list.length > 0;
}
function renderLists() {
  renderList(el.mine, S.mine, el.mineCount, el.mineEmpty);
  renderList(el.queue, S.queue, el.queueCount, el.queueEmpty);
  const unread = [...S.mine.keys()].reduce((n, id) => n + (S.unread.get(id) || 0), 0);
  document.title = (unread ? `(${unread}) ` : '') + 'Desk · CivicDesk';
}
setInterval(() => { if (S.me) renderLists(); }, 15000);

// ---- events ----
function onEvent(ev) {
  const c = ev.conversation;
  if (ev.type === 'message' && ev.message) {
    const m = ev.message;
    const known = S.mine.get(m.conversationId) || S.queue.get(m.conversationId);
    if (known && m.author && m.author.kind === 'citizen') {
      known.lastMessage = m.text.replace(/\s+/g, ' ').slice(0, 140);
      if (m.conversationId !== S.openId || document.hidden) S.unread.set(m.conversationId, (S.unread.get(m.conversationId) || 0) + 1);
    }
    if (m.conversationId === S.openId) addMessage(m);
    if (known) renderLists(); else if (c && (c.assignedAgentId === S.me.id || c.state === 'queued')) refreshSoon();
    return;
  }
  if (ev.type === 'typing') {
    if (c && c.id === S.openId && ev.author && ev.author.kind === 'citizen') showTyping(ev.reason !== 'stopped');
    return;
  }
  if (ev.type && ev.type.startsWith('conversation.') && c) {
    // Update at once from the event, then confirm from the server.
    const prev = S.mine.get(c.id) || S.queue.get(c.id);
    if (prev && !c.lastMessage) c.lastMessage = prev.lastMessage;
    S.mine.delete(c.id); S.queue.delete(c.id);
    if (c.state === 'assigned' && c.assignedAgentId === S.me.id) S.mine.set(c.id, c);
    else if (c.state === 'queued' && (S.me.departments || []).includes(c.departmentId)) S.queue.set(c.id, c);
    renderLists();
    refreshSoon();
    if (c.id === S.openId) { S.open = Object.assign(S.open || {}, c); renderHead(); }
  }
}

function resume() {
  refreshLists();
  if (S.openId) loadThread(S.openId, false);
}

// ---- the open conversation ----
function route() {
  const m = location.hash.match(/^#\/c\/(.+)$/);
  const id = m ? decodeURIComponent(m[1]) : '';
  if (id) openThread(id); else closeThread();
}
addEventListener('hashchange', () => { if (S.me) route(); });

function closeThread() {
  S.openId = ''; S.open = null; S.msgs.clear(); S.pending.clear();
  el.thread.hidden = true;
  el.placeholder.hidden = false;
  renderLists();
}

async function openThread(id) {
  const fromClick = document.activeElement && document.activeElement.classList.contains('conv-link');
  if (S.openId !== id) {
    S.openId = id;
    S.msgs.clear(); S.pending.clear(); S.deliveries = {};
    el.log.replaceChildren();
    el.history.hidden = true;
    el.history.open = false;
    el.reply.value = '';
    el.replyError.textContent = '';
    showTyping(false);
  }
  S.unread.delete(id);
  renderLists();
  await loadThread(id, fromClick);
}

async function loadThread(id, focus) {
  let data;
  try {
    data = await api('GET', '/desk/conversations/' + encodeURIComponent(id));
  } catch (e) {
    if (S.openId !== id) return;
    el.placeholder.hidden = false;
    el.thread.hidden = true;
    $('#conv-none').textContent = e.status === 404 ? 'Conversation not found' : 'Could not open the conversation';
    return;
  }
  if (S.openId !== id) return;
  S.open = data.conversation;
  S.contact = data.contact || {};
  S.deliveries = data.deliveries || {};
  for (const [mid, div] of S.msgs) { const m = data.messages.find((x) => x.id === mid); if (m) fill(div, m); }
  el.placeholder.hidden = true;
  el.thread.hidden = false;
  renderHead();
  const items = [...data.messages];
  for (const m of items) addMessage(m);
  for (const n of data.notes || []) addNote(n);
  el.log.scrollTop = el.log.scrollHeight;
  if (focus) (canReply() ? el.reply : el.title).focus();
  loadHistory(id, data.conversation.contactId);
}

// loadHistory lists the contact's other conversations, on every channel.
async function loadHistory(id, contactId) {
  if (!contactId) return;
  let data;
  try {
    data = await api('GET', '/desk/contacts/' + encodeURIComponent(contactId) + '/history');
  } catch {
    return;
  }
  if (S.openId !== id) return;
  const others = (data.conversations || []).filter((e) => e.conversation.id !== id).reverse();
  el.history.hidden = others.length === 0;
  el.historySummary.textContent = `Earlier conversations (${others.length})`;
  el.historyList.replaceChildren(...others.map((e) => {
    const c = e.conversation;
    const when = new Date(c.createdAt);
    const label = `${isNaN(when) ? '' : when.toLocaleDateString([], { day: 'numeric', month: 'short' }) + ' · '}${CHANNELS[c.channel] || c.channel} · ${deptName(c.departmentId)} · ${c.state} · ${e.messages.length} messages`;
    const box = h('details', {}, h('summary', { text: label }));
    box.addEventListener('toggle', () => {
      if (!box.open || box.dataset.filled) return;
      box.dataset.filled = '1';
      for (const m of e.messages) { const d = h('div'); fill(d, m); box.append(d); }
      if (!e.messages.length) box.append(h('p', { text: 'Not visible to you (another department).' }));
    });
    return box;
  }));
}

function canReply() { return S.open && S.open.state !== 'closed'; }

function renderHead() {
  const c = S.open;
  if (!c) return;
  const who = (S.contact && (S.contact.name || S.contact.email || S.contact.phone)) || 'Citizen';
  el.title.textContent = `${who} · ${CHANNELS[c.channel] || c.channel}`;
  el.title.tabIndex = -1;
  const bits = [deptName(c.departmentId)];
  if (c.state === 'queued') bits.push('waiting in the queue ' + duration(since(c.queuedAt || c.createdAt)));
  else if (c.state === 'assigned') bits.push(c.assignedAgentId === S.me.id ? 'assigned to you' : 'assigned to a colleague');
  else if (c.state === 'closed') bits.push('closed');
  else bits.push('with the assistant');
  el.meta.textContent = bits.join(' · ');
  el.accept.hidden = c.state !== 'queued';
  el.closeToggle.hidden = c.state === 'closed';
  el.transferToggle.hidden = c.state === 'closed';
  if (c.state === 'closed') { togglePanel(el.transferToggle, el.transferPanel, false); togglePanel(el.closeToggle, el.closePanel, false); }
  el.reply.disabled = !canReply();
  el.replyForm.querySelector('button').disabled = !canReply();
  const t = c.triage;
  el.triage.hidden = !t;
  if (t) {
    const rows = [['Department', deptName(t.department)], ['Urgency', t.urgency], ['Language', t.language],
      ['Wants a person', t.wantsHuman ? 'yes' : 'no'], ['Confidence', Math.round((t.confidence || 0) * 100) + ' %']];
    if (t.summary) rows.push(['Summary', t.summary]);
    if (t.reasons && t.reasons.length) rows.push(['Reasons', t.reasons.join('; ')]);
    el.triageList.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]));
  }
}

function authorLabel(m) {
  const a = m.author || {};
  if (a.kind === 'citizen') return 'Citizen';
  if (a.kind === 'bot') return 'Assistant (automated)';
  if (a.kind === 'agent') return a.id === S.me.id ? 'You' : a.name || 'Caseworker';
  return 'System';
}

function fill(div, m) {
  const kind = ['citizen', 'bot', 'agent'].includes(m.author && m.author.kind) ? m.author.kind : 'system';
  const mine = kind === 'agent' && m.author.id === S.me.id;
  div.className = `msg msg-${kind}${mine ? ' msg-mine' : ''}`;
  div.dataset.id = m.id;
  div.dataset.seq = String(m.seq || 0);
  div.dataset.at = m.createdAt || '';
  div.replaceChildren(
    h('span', { class: 'who', text: authorLabel(m) }), h('span', { class: 'sr', text: ': ' }),
    h('p', { class: 'text', dir: 'auto', text: m.text }),
    h('span', { class: 'meta' },
      h('time', { datetime: m.createdAt, text: clock(m.createdAt) }),
      m.channel && m.channel !== 'webchat' ? ' · ' + (CHANNELS[m.channel] || m.channel) : null,
      deliveryNote(m)));
}

// deliveryNote tells how an outgoing SMS or email fared.
function deliveryNote(m) {
  const d = S.deliveries[m.id];
  if (!d || !d.state || (m.author && m.author.kind === 'citizen')) return null;
  const failed = /fail|undeliver|bounce|reject/i.test(d.state);
  return h('span', { class: failed ? 'delivery-failed' : null, text: ' · ' + d.state.replace(/_/g, ' ') + (failed && d.detail ? ': ' + d.detail : '') });
}

function place(div, seq) {
  let before = null;
  for (const c of el.log.children) {
    if (c === div) continue;
    const s = Number(c.dataset.seq || 0);
    if (!s || s > seq) { before = c; break; }
  }
  if (div.parentNode === el.log && div.nextSibling === before) return;
  el.log.insertBefore(div, before);
}

function addMessage(m) {
  if (!m || !m.id || S.msgs.has(m.id)) return;
  let div = null;
  for (const [cmid, p] of S.pending) {
    if (cmid === m.clientMessageId || p.id === m.id) { div = p.el; S.pending.delete(cmid); break; }
  }
  div = div || h('div');
  fill(div, m);
  S.msgs.set(m.id, div);
  const nearBottom = el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 80;
  place(div, m.seq || Number.MAX_SAFE_INTEGER);
  if (m.author && m.author.kind === 'citizen') showTyping(false);
  if (nearBottom) el.log.scrollTop = el.log.scrollHeight;
}

function addNote(n) {
  if (S.msgs.has(n.id)) return;
  const div = h('div', { class: 'msg msg-note', 'data-id': n.id },
    h('span', { class: 'who', text: 'Internal note' }), h('span', { class: 'sr', text: ': ' }),
    h('p', { class: 'text', dir: 'auto', text: n.text }), h('time', { class: 'meta', datetime: n.createdAt, text: clock(n.createdAt) }));
  S.msgs.set(n.id, div);
  // Notes sit among the messages by time.
  const at = Date.parse(n.createdAt);
  let before = null;
  for (const c of el.log.children) if (c.dataset.at && Date.parse(c.dataset.at) > at) { before = c; break; }
  div.dataset.at = n.createdAt;
  div.dataset.seq = before ? before.dataset.seq : '';
  el.log.insertBefore(div, before);
}

let typingTimer = 0;
function showTyping(on) {
  el.typing.textContent = on ? 'The citizen is typing…' : '';
  clearTimeout(typingTimer);
  if (on) typingTimer = setTimeout(() => showTyping(false), 8000);
}

// ---- replying ----
el.replyForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = el.reply.value.trim();
  const id = S.openId;
  if (!text || !id) return;
  el.replyError.textContent = '';
  const cmid = uuid();
  const div = h('div', { class: 'msg msg-agent msg-mine pending' },
    h('span', { class: 'who', text: 'You' }), h('span', { class: 'sr', text: ': ' }), h('p', { class: 'text', dir: 'auto', text }),
    h('span', { class: 'meta', text: 'Sending…' }));
  const p = { el: div, id: '' };
  S.pending.set(cmid, p);
  el.log.append(div);
  el.log.scrollTop = el.log.scrollHeight;
  el.reply.value = '';
  typing(false);
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await api('POST', `/desk/conversations/${encodeURIComponent(id)}/messages`, { clientMessageId: cmid, text });
      if (!S.pending.has(cmid)) return; // its event came first and took its place
      p.id = r.messageId;
      if (S.msgs.has(r.messageId)) { div.remove(); S.pending.delete(cmid); } else div.querySelector('.meta').textContent = 'Sent';
      return;
    } catch (err) {
      // The same clientMessageId makes a retry safe.
      if ((err.status === 0 || err.status >= 500 || err.status === 429) && attempt < 4 && S.openId === id) {
        div.querySelector('.meta').textContent = 'Not sent yet, retrying…';
        await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
        continue;
      }
      S.pending.delete(cmid);
      div.classList.add('failed');
      div.querySelector('.meta').textContent = 'Not sent: ' + err.message;
      if (!el.reply.value) el.reply.value = text;
      el.replyError.textContent = 'Your reply was not sent: ' + err.message;
      return;
    }
  }
});
el.reply.addEventListener('keydown', (e) => {
  if (!el.canned.hidden && cannedKey(e)) return;
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); el.replyForm.requestSubmit(); }
});

// ---- canned responses: "/" then a shortcut or words of the title ----
let cannedMatches = [];
let cannedActive = 0;
function cannedQuery() {
  const m = el.reply.value.match(/^\/([^\n]*)$/);
  return m ? m[1].trim().toLowerCase() : null;
}
function showCanned() {
  const q = cannedQuery();
  if (q === null || !S.canned.length) return hideCanned();
  cannedMatches = S.canned.filter((c) => !q || c.shortcut.startsWith(q) || (c.title || '').toLowerCase().includes(q) || c.text.toLowerCase().includes(q)).slice(0, 8);
  if (!cannedMatches.length) { hideCanned(); el.cannedStatus.textContent = 'No canned response matches.'; return; }
  cannedActive = Math.min(cannedActive, cannedMatches.length - 1);
  el.canned.replaceChildren(...cannedMatches.map((c, i) => h('li', {
    id: 'canned-' + i, role: 'option', 'aria-selected': String(i === cannedActive),
    onmousedown: (ev) => { ev.preventDefault(); cannedActive = i; insertCanned(); }
  }, h('span', { class: 'cshort', text: '/' + c.shortcut }), ' ', h('span', { text: c.title || '' }), h('span', { class: 'ctext', text: c.text }))));
  el.canned.hidden = false;
  el.reply.setAttribute('aria-activedescendant', 'canned-' + cannedActive);
  el.cannedStatus.textContent = `${cannedMatches.length} canned ${cannedMatches.length === 1 ? 'response' : 'responses'}; arrows choose, Enter inserts.`;
}
function hideCanned() {
  el.canned.hidden = true;
  el.reply.removeAttribute('aria-activedescendant');
  cannedActive = 0;
}
function insertCanned() {
  const c = cannedMatches[cannedActive];
  hideCanned();
  if (!c) return;
  const first = (S.me.name || '').split(' ')[0];
  const text = c.text.replace(/\{agent\}/g, S.me.name || '').replace(/\{agentFirst\}/g, first)
    .replace(/\{citizen\}/g, (S.contact && S.contact.name) || '');
  el.reply.value = text;
  el.reply.setSelectionRange(text.length, text.length);
  el.cannedStatus.textContent = 'Inserted: ' + (c.title || c.shortcut);
  el.reply.focus();
}
function cannedKey(e) {
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    cannedActive = (cannedActive + (e.key === 'ArrowDown' ? 1 : cannedMatches.length - 1)) % cannedMatches.length;
    showCanned();
    return true;
  }
  if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); insertCanned(); return true; }
  if (e.key === 'Escape') { e.preventDefault(); hideCanned(); return true; }
  return false;
}
el.reply.addEventListener('input', showCanned);
el.reply.addEventListener('blur', () => setTimeout(hideCanned, 150));
let typingSent = 0;
let idle = 0;
function typing(on) {
  if (!S.openId || !canReply()) return;
  const now = Date.now();
  if (on && now - typingSent < 3000) return;
  if (!on && !typingSent) return;
  typingSent = on ? now : 0;
  api('POST', `/desk/conversations/${encodeURIComponent(S.openId)}/typing`, { typing: on }).catch(() => {});
}
el.reply.addEventListener('input', () => {
  if (el.reply.value.trim()) typing(true);
  clearTimeout(idle);
  idle = setTimeout(() => typing(false), 4000);
});

el.accept.addEventListener('click', async () => {
  const id = S.openId;
  try {
    const { conversation } = await api('POST', `/desk/conversations/${encodeURIComponent(id)}/accept`);
    if (S.openId === id) { S.open = conversation; renderHead(); el.reply.focus(); }
    refreshLists();
  } catch (e) {
    el.replyError.textContent = 'Could not accept: ' + e.message;
  }
});

// ---- transfer and close panels ----
function togglePanel(button, panel, show) {
  show = show ?? panel.hidden;
  panel.hidden = !show;
  button.setAttribute('aria-expanded', String(show));
  if (show) {
    for (const [b, p] of [[el.transferToggle, el.transferPanel], [el.closeToggle, el.closePanel]]) if (p !== panel) togglePanel(b, p, false);
    panel.querySelector('select, input').focus();
  }
}
for (const [button, panel] of [[el.transferToggle, el.transferPanel], [el.closeToggle, el.closePanel]]) {
  button.addEventListener('click', () => { if (panel === el.transferPanel) fillDepartments(); togglePanel(button, panel); });
  panel.querySelector('[data-cancel]').addEventListener('click', () => { togglePanel(button, panel, false); button.focus(); });
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { togglePanel(button, panel, false); button.focus(); } });
}
function fillDepartments() {
  const here = S.open && S.open.departmentId;
  el.transferDept.replaceChildren(...Object.entries(S.depts).filter(([id]) => id !== here).map(([id, name]) => h('option', { value: id, text: name })));
}

el.transferPanel.addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.openId;
  const body = { departmentId: el.transferDept.value };
  const note = el.transferNote.value.trim();
  if (note) body.note = note;
  try {
    const { conversation } = await api('POST', `/desk/conversations/${encodeURIComponent(id)}/transfer`, body);
    el.transferNote.value = '';
    togglePanel(el.transferToggle, el.transferPanel, false);
    if (S.openId === id) { S.open = conversation; renderHead(); el.title.focus(); loadThread(id, false); }
    el.conn.textContent = `Transferred to ${deptName(body.departmentId)}.`;
    setTimeout(() => { if (el.conn.textContent.startsWith('Transferred')) el.conn.textContent = ''; }, 5000);
    refreshLists();
  } catch (err) {
    el.replyError.textContent = 'Could not transfer: ' + err.message;
  }
});

el.closePanel.addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.openId;
  try {
    const { conversation } = await api('POST', `/desk/conversations/${encodeURIComponent(id)}/close`, { disposition: el.disposition.value });
    S.mine.delete(id);
    S.queue.delete(id);
    togglePanel(el.closeToggle, el.closePanel, false);
    if (S.openId === id) { S.open = conversation; renderHead(); el.title.focus(); }
    refreshLists();
  } catch (err) {
    el.replyError.textContent = 'Could not close: ' + err.message;
  }
});

// ---- internal notes ----
el.noteForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = el.note.value.trim();
  const id = S.openId;
  if (!text || !id) return;
  try {
    const { note } = await api('POST', `/desk/conversations/${encodeURIComponent(id)}/notes`, { text });
    el.note.value = '';
    if (S.openId === id && note) { addNote(note); el.log.scrollTop = el.log.scrollHeight; }
  } catch (err) {
    el.replyError.textContent = 'Could not add the note: ' + err.message;
  }
});

// ---- start ----
(async () => {
  const agent = await currentAgent().catch(() => null);
  if (agent) start(agent, false);
  else showSignIn();
})();
