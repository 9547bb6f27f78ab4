// The caseworker's desk: sign-in, status, my conversations and my
// departments' queue, the open conversation, replies, all live over the desk
// WebSocket.
import {
  api, h, $, uuid, duration, since, clock, CHANNELS, departmentNames,
  setupSignIn, currentAgent, whenSignedOut, Socket, setupStatus, keepFocus
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
  deliveries: {}, // message id → {state, detail} for the open conversation
  alerted: new Set(), // conversation id + state already notified
  listsLoaded: false,
  focusNext: false
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
  log: $('#log'), typing: $('#typing'), replyForm: $('#reply-form'), reply: $('#reply'), replyError: $('#reply-error'),
  offersBox: $('#offers-box'), offers: $('#offers'), offersCount: $('#offers-count'), announce: $('#announce'),
  awayPrompt: $('#away-prompt'), awayText: $('#away-text'), back: $('#back'),
  settingsToggle: $('#settings-toggle'), settings: $('#settings'), notify: $('#notify'), notifyError: $('#notify-error'),
  awayAfter: $('#away-after'), charKeys: $('#char-keys'), keys: $('#keys'), keysOpen: $('#keys-open'),
  contactForm: $('#contact-form'), contactName: $('#contact-name'), contactEmail: $('#contact-email'), contactPhone: $('#contact-phone'),
  contactId: $('#contact-id'), contactStatus: $('#contact-status'), mergeForm: $('#merge-form'), mergeInto: $('#merge-into'),
  mergeConfirm: $('#merge-confirm'), mergeQuestion: $('#merge-question'), mergeYes: $('#merge-yes'), mergeNo: $('#merge-no')
};

// announce says something to screen readers through the polite live region.
function announce(text) {
  el.announce.textContent = '';
  setTimeout(() => { el.announce.textContent = text; }, 50);
}

// ---- sign-in and session ----
function showSignIn() {
  if (S.socket) { S.socket.close(); S.socket = null; }
  S.me = null;
  S.listsLoaded = false;
  el.app.hidden = true;
  el.awayPrompt.hidden = true;
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
  showAwayPrompt(false);
  touch();
  el.consoleLink.hidden = !(agent.role === 'supervisor' || agent.role === 'admin');
  S.depts = await departmentNames();
  api('GET', '/desk/canned').then((r) => { S.canned = r.canned || []; }).catch(() => {});
  S.socket = new Socket({ onEvent, onResume: resume, onState: (s) => { el.conn.textContent = s === 'live' ? '' : 'Connection lost. Reconnecting…'; } });
  S.socket.connect();
  await refreshLists();
  S.listsLoaded = true;
  route();
  if (fresh) $('#mine-title').focus();
}

setupSignIn({ form: $('#signin-form'), error: $('#signin-error'), onSignedIn: start });

// signOut ends this session (or with everywhere, every session of this
// caseworker) and shows the sign-in form.
async function signOut(everywhere) {
  try { await api('POST', everywhere ? '/desk/me/sessions/revoke' : '/desk/logout'); } catch { /* signed out either way */ }
  S.mine.clear(); S.queue.clear(); S.unread.clear();
  closeThread();
  history.replaceState(null, '', location.pathname);
  showSignIn();
}
el.signout.addEventListener('click', () => signOut(false));
$('#signout-all').addEventListener('click', () => signOut(true));

setupStatus(el.status, () => S.me, (msg) => { el.conn.textContent = msg; }, (st) => { showAwayPrompt(st === 'away'); touch(); });

// ---- lists ----
async function refreshLists() {
  try {
    const [a, q] = await Promise.all([
      api('GET', '/desk/conversations?state=assigned'),
      api('GET', '/desk/conversations?state=queued')
    ]);
    const before = new Set([...S.mine.keys(), ...offered().map((c) => c.id)]);
    const old = S.mine;
    S.mine = new Map(a.conversations.map((c) => [c.id, c]));
    // A citizen who wrote while the socket was down: at least one unread.
    for (const [id, c] of S.mine) {
      const was = old.get(id);
      if (S.listsLoaded && was && c.lastMessage && was.lastMessage !== c.lastMessage && (id !== S.openId || document.hidden) && !S.unread.get(id)) S.unread.set(id, 1);
    }
    S.queue = new Map(q.conversations.map((c) => [c.id, c]));
    // What arrived while the socket was down (or before the event) still
    // gets its notification, once. At sign-in, conversations already held
    // are no news; an offer waiting for an answer is.
    for (const c of [...S.mine.values(), ...offered()]) {
      if (!S.listsLoaded && c.state !== 'queued') S.alerted.add(c.id + c.state);
      else if (!before.has(c.id) || !S.listsLoaded) alertNew(c);
    }
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
  const link = h('a', { href: '#/c/' + encodeURIComponent(c.id), class: 'conv-link', 'data-key': 'c:' + c.id, 'aria-current': c.id === S.openId ? 'true' : null },
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
  keepFocus(ul, () => ul.replaceChildren(...list.map(item)));
  count.textContent = list.length ? `(${list.length})` : '';
  empty.hidden = list.length > 0;
}
// offered lists the queued conversations offered to me.
function offered() { return S.me ? [...S.queue.values()].filter((c) => c.offeredAgentId === S.me.id) : []; }

function offerItem(c) {
  const left = Math.max(0, Math.round((Date.parse(c.offerExpiresAt) - Date.now()) / 1000));
  const label = `${CHANNELS[c.channel] || c.channel} · ${deptName(c.departmentId)}`;
  return h('li', { class: 'offer' },
    h('a', { href: '#/c/' + encodeURIComponent(c.id), class: 'conv-link', 'data-key': 'c:' + c.id },
      h('span', { class: 'line1' }, h('span', { class: 'chan', text: label }),
        isNaN(left) ? null : h('span', { class: 'age countdown', 'data-expires': c.offerExpiresAt, text: `${left} s left` })),
      h('span', { class: 'preview', dir: 'auto', text: c.lastMessage || '…' })),
    h('span', { class: 'offer-actions' },
      h('button', { type: 'button', class: 'primary small', text: 'Accept', 'aria-label': 'Accept ' + label, 'data-key': 'accept:' + c.id, onclick: () => acceptConversation(c.id) }),
      h('button', { type: 'button', class: 'quiet small', text: 'Decline', 'aria-label': 'Decline ' + label, 'data-key': 'decline:' + c.id, onclick: () => declineConversation(c.id) })));
}

function renderLists() {
  const offers = offered();
  el.offersBox.hidden = offers.length === 0;
  keepFocus(el.offers, () => el.offers.replaceChildren(...offers.map(offerItem)));
  el.offersCount.textContent = offers.length ? `(${offers.length})` : '';
  const queue = new Map([...S.queue].filter(([, c]) => !offers.includes(c)));
  renderList(el.mine, S.mine, el.mineCount, el.mineEmpty);
  renderList(el.queue, queue, el.queueCount, el.queueEmpty);
  const unread = [...S.mine.keys()].reduce((n, id) => n + (S.unread.get(id) || 0), 0);
  document.title = (unread ? `(${unread}) ` : '') + 'Desk · CivicDesk';
}
setInterval(() => { if (S.me) renderLists(); }, 15000);
// Offer countdowns tick every second without rebuilding the lists.
setInterval(() => {
  for (const span of el.offers.querySelectorAll('[data-expires]')) {
    span.textContent = `${Math.max(0, Math.round((Date.parse(span.dataset.expires) - Date.now()) / 1000))} s left`;
  }
}, 1000);

// preview shortens a message as the server's list does, so the two agree.
function preview(text) {
  const r = [...text.trim().split(/\s+/).join(' ')];
  return r.length > 140 ? r.slice(0, 140).join('') + '…' : r.join('');
}

// ---- events ----
function onEvent(ev) {
  const c = ev.conversation;
  if (ev.type === 'agent.status' && ev.agentId === S.me.id && ev.status && ev.status !== S.me.status) {
    // Routing may set me away (say, offers left unanswered); show why.
    S.me.status = ev.status;
    el.status.value = ev.status;
    showAwayPrompt(ev.status === 'away');
    announce(`Your status is now ${ev.status}.`);
    return;
  }
  if (ev.type === 'message' && ev.message) {
    const m = ev.message;
    const known = S.mine.get(m.conversationId) || S.queue.get(m.conversationId);
    if (known && m.author && m.author.kind === 'citizen') {
      known.lastMessage = preview(m.text);
      if (m.conversationId !== S.openId || document.hidden) S.unread.set(m.conversationId, (S.unread.get(m.conversationId) || 0) + 1);
      // The open conversation's log speaks for itself; one of my others
      // would otherwise change only a badge and the title.
      if (m.conversationId !== S.openId && S.mine.has(m.conversationId)) {
        announce(`New message in your ${CHANNELS[known.channel] || known.channel} conversation, ${deptName(known.departmentId)}.`);
      }
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
    if ((c.state === 'assigned' && c.assignedAgentId === S.me.id && !S.mine.has(c.id)) ||
        (c.state === 'queued' && c.offeredAgentId === S.me.id && !(prev && prev.offeredAgentId === S.me.id))) alertNew(c);
    S.mine.delete(c.id); S.queue.delete(c.id);
    if (c.state === 'assigned' && c.assignedAgentId === S.me.id) S.mine.set(c.id, c);
    else if (c.state === 'queued' && (S.me.departments || []).includes(c.departmentId)) S.queue.set(c.id, c);
    renderLists();
    refreshSoon();
    if (c.id === S.openId) { S.open = Object.assign(S.open || {}, c); renderHead(); }
  }
}

// resume runs after the socket reconnects: whatever happened meanwhile is
// read again from the API (lists, and the open conversation's messages,
// which addMessage takes once each by id), so nothing is missed or doubled.
function resume() {
  announce('Connection restored.');
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
  const fromClick = S.focusNext || (document.activeElement && document.activeElement.classList.contains('conv-link'));
  S.focusNext = false;
  if (S.openId !== id) {
    S.openId = id;
    S.msgs.clear(); S.pending.clear(); S.deliveries = {};
    el.log.replaceChildren();
    el.history.hidden = true;
    el.history.open = false;
    el.reply.value = '';
    el.replyError.textContent = '';
    el.mergeConfirm.hidden = true;
    el.mergeInto.value = '';
    el.contactStatus.textContent = '';
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
  fillContact();
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
      m.channel ? ' · ' + (CHANNELS[m.channel] || m.channel) : null,
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

async function acceptConversation(id) {
  try {
    const { conversation } = await api('POST', `/desk/conversations/${encodeURIComponent(id)}/accept`);
    S.queue.delete(id);
    S.mine.set(id, Object.assign(conversation, { lastMessage: conversation.lastMessage || (S.mine.get(id) || {}).lastMessage }));
    announce('Accepted. The conversation is yours.');
    if (S.openId === id) { S.open = conversation; renderHead(); el.reply.focus(); } else { S.focusNext = true; location.hash = '#/c/' + encodeURIComponent(id); }
    refreshLists();
  } catch (e) {
    (S.openId ? el.replyError : el.conn).textContent = 'Could not accept: ' + e.message;
  }
}
async function declineConversation(id) {
  try {
    await api('POST', `/desk/conversations/${encodeURIComponent(id)}/decline`);
    S.queue.delete(id);
    announce('Declined. It goes to a colleague.');
    if (S.openId === id) { history.replaceState(null, '', location.pathname); closeThread(); $('#mine-title').focus(); }
    refreshLists();
  } catch (e) {
    el.conn.textContent = 'Could not decline: ' + e.message;
  }
}
el.accept.addEventListener('click', () => acceptConversation(S.openId));

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
    announce('Conversation closed.');
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

// ---- notifications: opt-in desktop notification and a short tone ----
const PREFS = { notify: 'civicdesk.desk.notify', awayAfter: 'civicdesk.desk.awayAfterSeconds', charKeys: 'civicdesk.desk.charKeys' };
function pref(k, fallback) { try { const v = localStorage.getItem(PREFS[k]); return v === null ? fallback : v; } catch { return fallback; } }
function setPref(k, v) { try { localStorage.setItem(PREFS[k], String(v)); } catch { /* private mode: for this page only */ } }

let audio = null;
function tone() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    const t = audio.currentTime;
    for (const [i, f] of [[0, 880], [1, 1175]]) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.type = 'sine';
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t + i * 0.18);
      g.gain.exponentialRampToValueAtTime(0.2, t + i * 0.18 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.18 + 0.16);
      o.connect(g).connect(audio.destination);
      o.start(t + i * 0.18);
      o.stop(t + i * 0.18 + 0.17);
    }
  } catch { /* no audio here */ }
}

// Browsers start audio only from a user gesture: the opt-in click does it,
// and after a reload the first key or click on the desk does.
function unlockAudio() {
  if (pref('notify', 'off') !== 'on') return;
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch { /* no audio here */ }
}
addEventListener('pointerdown', unlockAudio, { capture: true, passive: true });
addEventListener('keydown', unlockAudio, { capture: true, passive: true });

// alertNew tells the caseworker about a new assignment or offer: always in
// the live region, and with a desktop notification and tone when opted in.
// The notification names channel and department, never the citizen's words.
function alertNew(c) {
  const key = c.id + c.state;
  if (S.alerted.has(key)) return;
  S.alerted.add(key);
  const offer = c.state === 'queued';
  const title = offer ? 'Conversation offered to you' : 'New conversation assigned to you';
  const body = `${CHANNELS[c.channel] || c.channel} · ${deptName(c.departmentId)}`;
  announce(`${title}: ${body}.`);
  if (pref('notify', 'off') !== 'on') return;
  tone();
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag: 'civicdesk-' + c.id, lang: 'en' });
    n.onclick = () => { window.focus(); S.focusNext = true; location.hash = '#/c/' + encodeURIComponent(c.id); n.close(); };
  } catch { /* some platforms only notify from a service worker */ }
}

el.notify.checked = pref('notify', 'off') === 'on';
el.notify.addEventListener('change', async () => {
  el.notifyError.textContent = '';
  if (!el.notify.checked) { setPref('notify', 'off'); announce('Notifications off.'); return; }
  setPref('notify', 'on');
  tone(); // created on this click, so the browser lets it play later
  if (!('Notification' in window)) { el.notifyError.textContent = 'This browser cannot show desktop notifications; you will hear the tone only.'; return; }
  let perm = Notification.permission;
  if (perm === 'default') perm = await Notification.requestPermission();
  if (perm !== 'granted') el.notifyError.textContent = 'The browser blocks notifications for this site; you will hear the tone only. Allow notifications in the site settings to see them.';
  else announce('Notifications on.');
});

// ---- settings ----
el.settingsToggle.addEventListener('click', () => {
  const show = el.settings.hidden;
  el.settings.hidden = !show;
  el.settingsToggle.setAttribute('aria-expanded', String(show));
  if (show) el.notify.focus();
});
el.settings.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { el.settings.hidden = true; el.settingsToggle.setAttribute('aria-expanded', 'false'); el.settingsToggle.focus(); }
});
{
  const secs = pref('awayAfter', '600');
  if (![...el.awayAfter.options].some((o) => o.value === secs)) el.awayAfter.append(h('option', { value: secs, text: duration(Number(secs)) }));
  el.awayAfter.value = secs;
}
el.awayAfter.addEventListener('change', () => { setPref('awayAfter', el.awayAfter.value); touch(); });
el.charKeys.checked = pref('charKeys', 'on') === 'on';
el.charKeys.addEventListener('change', () => setPref('charKeys', el.charKeys.checked ? 'on' : 'off'));

// ---- automatic away after inactivity ----
// No key, pointer or wheel activity on the desk for the chosen time sets an
// available caseworker away. Coming back is the caseworker's choice.
let lastActive = Date.now();
function touch() { lastActive = Date.now(); }
for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart', 'focusin']) addEventListener(type, touch, { passive: true, capture: true });

function showAwayPrompt(on, auto) {
  el.awayPrompt.hidden = !on;
  if (on) {
    el.awayText.textContent = auto
      ? `You were set to away after ${duration(auto)} without activity. No new conversations reach you until you are available again.`
      : 'No new conversations reach you while you are away.';
  }
}

// setStatus changes my status. It is noted before the request, so that the
// event echoing it, which can arrive first, is not announced a second time.
async function setStatus(st) {
  const was = S.me.status;
  S.me.status = st;
  try {
    await api('PUT', '/desk/me/status', { status: st });
  } catch (e) {
    if (S.me) S.me.status = was;
    throw e;
  }
  el.status.value = st;
}

setInterval(async () => {
  const limit = Number(el.awayAfter.value) || 0;
  if (!S.me || !limit || S.me.status !== 'available' || S.goingAway) return;
  const idle = (Date.now() - lastActive) / 1000;
  if (idle < limit) return;
  S.goingAway = true;
  try {
    await setStatus('away');
    showAwayPrompt(true, limit);
    announce(`You are now away: no activity for ${duration(limit)}. Choose “I am back” when you return.`);
  } catch { /* try again on the next tick */ } finally { S.goingAway = false; }
}, 1000);

el.back.addEventListener('click', async () => {
  try {
    await setStatus('available');
    showAwayPrompt(false);
    announce('You are available again.');
    el.status.focus();
  } catch (e) {
    el.conn.textContent = 'Status not changed: ' + e.message;
  }
});

// ---- keyboard shortcuts ----
function typingInField(t) {
  return t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}
function openKeys() { if (!el.keys.open) el.keys.showModal(); }
el.keysOpen.addEventListener('click', openKeys);

function nextConversation() {
  const list = [...el.mine.querySelectorAll('a.conv-link')].map((a) => decodeURIComponent(a.getAttribute('href').slice(4)));
  if (!list.length) { announce('No conversations assigned to you.'); return; }
  const unread = list.find((id) => id !== S.openId && S.unread.get(id));
  const next = unread || list[(list.indexOf(S.openId) + 1) % list.length];
  if (next === S.openId) { el.reply.focus(); return; }
  S.focusNext = true;
  location.hash = '#/c/' + encodeURIComponent(next);
}

// Alt+letter uses the physical key (e.code), so it works on any layout and
// with macOS's Option characters; screen readers use Insert, Caps Lock or
// Ctrl+Option, not Alt+letter.
const altKeys = {
  KeyN: nextConversation,
  KeyR: () => { if (canReply()) el.reply.focus(); else announce('No conversation open to reply to.'); },
  KeyA: () => {
    const offer = offered()[0];
    if (S.open && S.open.state === 'queued') acceptConversation(S.openId);
    else if (offer) acceptConversation(offer.id);
    else announce('Nothing to accept.');
  },
  KeyT: () => { if (canReply()) { fillDepartments(); togglePanel(el.transferToggle, el.transferPanel, true); } else announce('No open conversation to transfer.'); },
  KeyC: () => { if (canReply()) togglePanel(el.closeToggle, el.closePanel, true); else announce('No open conversation to close.'); }
};
addEventListener('keydown', (e) => {
  if (!S.me || e.isComposing) return;
  if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && altKeys[e.code]) {
    if (el.keys.open) return;
    e.preventDefault();
    altKeys[e.code]();
    return;
  }
  if (e.key === '?' && !e.altKey && !e.ctrlKey && !e.metaKey && el.charKeys.checked && !typingInField(e.target) && !el.keys.open) {
    e.preventDefault();
    openKeys();
  }
});

// ---- contact details and merge ----
function fillContact() {
  const c = S.contact || {};
  el.contactName.value = c.name || '';
  el.contactEmail.value = c.email || '';
  el.contactPhone.value = c.phone || '';
  el.contactId.textContent = c.id || (S.open && S.open.contactId) || '';
}
function contactSaid(text, failed) {
  el.contactStatus.textContent = text;
  el.contactStatus.classList.toggle('failed', !!failed);
}
el.contactForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.open && S.open.contactId;
  if (!id) return;
  try {
    const { contact } = await api('PUT', '/desk/contacts/' + encodeURIComponent(id),
      { name: el.contactName.value, email: el.contactEmail.value, phone: el.contactPhone.value });
    S.contact = contact;
    renderHead();
    contactSaid('Contact saved.');
  } catch (err) {
    contactSaid('Not saved: ' + err.message, true);
  }
});
let mergeTarget = '';
el.mergeForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = S.open && S.open.contactId;
  const into = el.mergeInto.value.trim();
  if (!id || !into) { contactSaid('Enter the id of the contact to merge into.', true); el.mergeInto.focus(); return; }
  try {
    const r = await api('POST', '/desk/contacts/' + encodeURIComponent(id) + '/merge', { intoContactId: into });
    const name = (x) => (x && (x.name || x.email || x.phone)) || 'an unnamed contact';
    mergeTarget = into;
    el.mergeQuestion.textContent = `Move ${r.conversations} ${r.conversations === 1 ? 'conversation' : 'conversations'} of ${name(r.from)} to ${name(r.into)} (${into})? This cannot be undone here.`;
    el.mergeConfirm.hidden = false;
    el.mergeYes.focus();
  } catch (err) {
    contactSaid('Cannot merge: ' + err.message, true);
  }
});
el.mergeNo.addEventListener('click', () => { el.mergeConfirm.hidden = true; mergeTarget = ''; el.mergeInto.focus(); });
el.mergeYes.addEventListener('click', async () => {
  const id = S.open && S.open.contactId;
  if (!id || !mergeTarget) return;
  try {
    const r = await api('POST', '/desk/contacts/' + encodeURIComponent(id) + '/merge', { intoContactId: mergeTarget, confirm: true });
    el.mergeConfirm.hidden = true;
    el.mergeInto.value = '';
    contactSaid(`Merged: ${r.merged} ${r.merged === 1 ? 'conversation' : 'conversations'} moved.`);
    el.mergeInto.focus();
    if (S.openId) loadThread(S.openId, false);
  } catch (err) {
    contactSaid('Not merged: ' + err.message, true);
  }
});

// ---- start ----
(async () => {
  const agent = await currentAgent().catch(() => null);
  if (agent) start(agent, false);
  else showSignIn();
})();
