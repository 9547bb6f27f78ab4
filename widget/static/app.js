// The CivicDesk chat widget, mounted by /widget.js in an open shadow root.
// Message text is data: it is only ever set with textContent.
import { EN, LANGS, RTL, pick, load } from './i18n.js';

const KEY = 'civicdesk.session';
const OUTBOX = 'civicdesk.outbox';
const LOCALE = 'civicdesk.locale';
const SEEN = 'civicdesk.seen';
const TTL = 30 * 24 * 3600 * 1000; // the server keeps tokens 30 days after last use
const MAX_TEXT = 4000;

const store = {
  get(k) { try { return JSON.parse(localStorage.getItem(k) || 'null'); } catch { return null; } },
  set(k, v) { try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, JSON.stringify(v)); } catch { /* storage off */ } }
};

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// h builds an element: h('p', {class: 'x', text: 'hi'}, child…).
function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids) if (kid) el.append(kid);
  return el;
}

const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
const ICON_X = 'M6 6l12 12M18 6L6 18';
function icon(d, cls) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', cls);
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  svg.append(p);
  return svg;
}

// Links in bot and agent messages become anchors; everything else is text.
function linkify(el, text) {
  const re = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    el.append(text.slice(last, m.index));
    el.append(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer', text: m[0] }));
    last = m.index + m[0].length;
  }
  el.append(text.slice(last));
}

export function mount(opts, api, queue) {
  const base = opts.base;
  const wsBase = base.replace(/^http/, 'ws');
  const listeners = {};
  const emit = (type, detail) => (listeners[type] || []).forEach((fn) => { try { fn(detail); } catch (e) { console.error(e); } });

  let locale = pick([store.get(LOCALE), opts.locale, document.documentElement.lang, ...(navigator.languages || [navigator.language])]);
  let t = EN; // until the language's own words are loaded
  const fmt = (key, vars = {}) => t[key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  let agency = ''; // from the configuration; else the demo's name
  let user = {};

  let session = store.get(KEY);
  if (session && !(session.token && session.expires > Date.now())) session = null;
  let outbox = store.get(OUTBOX) || [];
  const msgs = new Map(); // message id → {m, el}
  const pending = new Map(); // clientMessageId → {item, el}
  let lastId = '';
  let lastSeq = 0;
  // This tab's socket: what it sends comes back to other tabs only.
  const socketId = 'tab_' + Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('_');
  let ws = null;
  let wsOpened = false;
  let backoff = 1000;
  let retryTimer = 0;
  let flushing = false;
  let stopped = false;
  let isOpen = false;
  let convState = '';
  let typingTimer = 0;
  let typingSent = 0;
  let idleTimer = 0;
  let flushTimer = 0;

  // ---- DOM ----
  const host = h('div', { id: 'civicdesk-widget' });
  const root = host.attachShadow({ mode: 'open' });
  const css = h('link', { rel: 'stylesheet', href: base + '/widget/widget.css' });
  const shell = h('div', { class: 'cd', role: 'region', hidden: true });
  const launcherText = h('span');
  const newNote = h('span', { id: 'cd-new', class: 'sr', hidden: true });
  const launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'cd-dialog', onclick: () => open() },
    icon(ICON_CHAT, 'icon'), launcherText, h('span', { class: 'dot', hidden: true, 'aria-hidden': 'true' }));
  const announcer = h('div', { class: 'sr', role: 'status' });
  const title = h('h2', { id: 'cd-title', class: 'title' });
  const subtitle = h('p', { id: 'cd-sub', class: 'sub' });
  const langLabel = h('label', { for: 'cd-lang', class: 'sr' });
  const langSelect = h('select', { id: 'cd-lang', class: 'lang', onchange: () => setLocale(langSelect.value, true) });
  for (const [code, name] of Object.entries(LANGS)) langSelect.append(h('option', { value: code, lang: code, text: name }));
  const endBtn = h('button', { type: 'button', class: 'textbtn', onclick: endChat, hidden: true });
  const closeBtn = h('button', { type: 'button', class: 'iconbtn', onclick: () => close() }, icon(ICON_X, 'icon'));
  const disclosure = h('p', { class: 'disclosure', id: 'cd-disc' });
  const greeting = h('p', { class: 'msg msg-bot greeting', 'data-seq': '-1' });
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', tabindex: '0' });
  const status = h('p', { class: 'status', role: 'status' });
  const typingLine = h('p', { class: 'typing', 'aria-hidden': 'true' });
  const input = h('textarea', { id: 'cd-input', rows: '1', maxlength: String(MAX_TEXT), autocomplete: 'off', enterkeyhint: 'send' });
  const inputLabel = h('label', { for: 'cd-input', class: 'sr' });
  const sendBtn = h('button', { type: 'submit', class: 'send' });
  const form = h('form', { class: 'compose', novalidate: true, onsubmit: onSubmit }, inputLabel, input, sendBtn);
  const rating = h('form', { class: 'rating', hidden: true, novalidate: true, onsubmit: onRate });
  // Shown when no caseworker answers now: says so, and offers a message form.
  const noticeText = h('p', { class: 'ntext', tabindex: '-1' });
  const leaveBtn = h('button', { type: 'button', class: 'textbtn2', onclick: () => showLeave(true) });
  const notice = h('div', { class: 'notice', hidden: true }, noticeText, leaveBtn);
  const leave = h('form', { class: 'leave', hidden: true, novalidate: true, 'aria-labelledby': 'cd-lh', onsubmit: onLeave });
  const dialog = h('div', { id: 'cd-dialog', class: 'dialog', role: 'dialog', 'aria-labelledby': 'cd-title cd-sub', 'aria-describedby': 'cd-disc', hidden: true },
    h('div', { class: 'head' },
      h('div', { class: 'heading' }, title, subtitle),
      h('div', { class: 'tools' }, langLabel, langSelect, endBtn, closeBtn)),
    h('div', { class: 'body' }, disclosure, notice, leave, log, rating),
    h('div', { class: 'foot' }, typingLine, status, form));
  log.append(greeting);
  shell.append(launcher, newNote, announcer, dialog);
  root.append(css, shell);
  // Shown once it has its styles and its words.
  const styled = new Promise((done) => { css.onload = css.onerror = done; });
  document.body.append(host);

  // hush: what a redraw or reload shows again is not news to announce.
  function hush() { log.ariaLive = 'off'; setTimeout(() => { log.ariaLive = 'polite'; }, 1e3); }
  function applyText() {
    hush();
    shell.setAttribute('lang', locale);
    shell.setAttribute('dir', RTL.has(locale) ? 'rtl' : 'ltr');
    shell.setAttribute('aria-label', t.region);
    launcherText.textContent = t.launcher;
    newNote.textContent = t.newMessage;
    title.textContent = agency || t.agency;
    subtitle.textContent = t.subtitle;
    langLabel.textContent = t.language;
    langSelect.value = locale;
    endBtn.textContent = t.end;
    closeBtn.setAttribute('aria-label', t.close);
    closeBtn.title = t.close;
    disclosure.textContent = t.disclosure;
    greeting.textContent = t.greeting;
    log.setAttribute('aria-label', t.log);
    input.placeholder = t.placeholder;
    inputLabel.textContent = t.message;
    sendBtn.textContent = t.send;
    buildRating();
    buildLeave();
    showNotice();
    for (const { m, el } of msgs.values()) fillMessage(el, m);
    for (const { item, el } of pending.values()) fillPending(el, item);
    showState();
  }

  // setLocale loads the language's words (the last one asked for wins).
  let loads = 0;
  function setLocale(l, byCitizen) {
    const n = ++loads;
    locale = pick([l]);
    if (byCitizen) store.set(LOCALE, locale);
    return load(locale).then((s) => { if (n === loads) t = s; }, () => {}).finally(applyText);
  }

  // ---- open / close ----
  function open() {
    if (isOpen) return;
    isOpen = true;
    dialog.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    markSeen();
    checkAvailability();
    input.focus();
    scrollDown();
    emit('open');
  }
  function close() {
    if (!isOpen) return;
    isOpen = false;
    dialog.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
    emit('close');
  }
  // Full screen (a narrow or zoomed window, as widget.css lays it out) the
  // dialog covers the page: it is modal then, and Tab goes round inside it
  // rather than on to page links hidden behind it (WCAG 2.4.11).
  const fullScreen = window.matchMedia('(max-width: 30rem), (max-height: 30rem)');
  const syncModal = () => { if (fullScreen.matches) dialog.setAttribute('aria-modal', 'true'); else dialog.removeAttribute('aria-modal'); };
  syncModal();
  fullScreen.addEventListener('change', syncModal);
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !e.defaultPrevented) { e.preventDefault(); close(); }
    if (e.key !== 'Tab' || !fullScreen.matches) return;
    const stops = [...dialog.querySelectorAll('button, select, textarea, input, a[href], [tabindex="0"]')]
      .filter((x) => !x.disabled && !x.closest('[hidden]') && x.getClientRects().length > 0);
    if (!stops.length) return;
    const here = root.activeElement;
    if (e.shiftKey && here === stops[0]) { e.preventDefault(); stops[stops.length - 1].focus(); }
    else if (!e.shiftKey && here === stops[stops.length - 1]) { e.preventDefault(); stops[0].focus(); }
  });
  // seenSeq: the last message shown with the widget open, on any page of
  // the site, so that a page load does not announce as new what was read.
  let seenSeq = store.get(SEEN) || 0;
  function markSeen() {
    launcher.querySelector('.dot').hidden = true;
    launcher.removeAttribute('aria-describedby');
    newNote.hidden = true;
    if (lastSeq > seenSeq) store.set(SEEN, seenSeq = lastSeq);
  }
  function markUnseen(m) {
    if (isOpen) return markSeen();
    if (m.seq && m.seq <= seenSeq) return;
    launcher.querySelector('.dot').hidden = false;
    newNote.hidden = false;
    launcher.setAttribute('aria-describedby', 'cd-new');
    announcer.textContent = fmt('newFrom', { name: authorName(m) });
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; dialog.scrollTop = dialog.scrollHeight; }

  // ---- messages ----
  function authorName(m) {
    const a = m.author || {};
    if (a.kind === 'citizen') return t.you;
    if (a.kind === 'bot') return t.bot;
    if (a.kind === 'agent') return a.name ? `${a.name} · ${t.agent}` : t.agent;
    return t.system;
  }
  function fillMessage(el, m) {
    const kind = ['citizen', 'bot', 'agent'].includes(m.author && m.author.kind) ? m.author.kind : 'system';
    el.className = 'msg msg-' + kind;
    el.dataset.id = m.id;
    el.dataset.seq = String(m.seq || 0);
    const text = h('p', { class: 'text', dir: 'auto' });
    if (kind === 'citizen') text.textContent = m.text; else linkify(text, m.text);
    const when = m.createdAt ? new Date(m.createdAt) : null;
    el.replaceChildren(
      h('span', { class: 'who', text: authorName(m) }), h('span', { class: 'sr', text: ': ' }), text,
      when && !isNaN(when) ? h('time', { class: 'meta', datetime: m.createdAt, text: when.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' }) }) : null);
  }
  function fillPending(el, item) {
    el.className = 'msg msg-citizen pending' + (item.failed ? ' failed' : '');
    const note = item.failed ? fmt('failed', { reason: item.failed }) : item.waiting ? t.waitingNet : t.sending;
    el.replaceChildren(h('span', { class: 'who', text: t.you }), h('span', { class: 'sr', text: ': ' }),
      h('p', { class: 'text', dir: 'auto', text: item.text }), h('span', { class: 'meta', text: note }));
  }
  // place puts el in sequence order; unconfirmed messages stay last.
  function place(el, seq) {
    let before = null;
    for (const c of log.children) {
      const s = Number(c.dataset.seq || 0);
      if (c === el) continue;
      if (!s || s > seq) { before = c; break; }
    }
    if (el.parentNode === log && el.nextSibling === before) return;
    log.insertBefore(el, before);
  }
  // own: from a 202, not a resume point (earlier ones may be on the way).
  function addMessage(m, own) {
    if (!m || !m.id) return false;
    const known = msgs.get(m.id);
    if (known) {
      // Heard after its 202: the server's place wins.
      if (!own && m.seq && Number(known.el.dataset.seq) !== m.seq) { known.el.dataset.seq = String(m.seq); place(known.el, m.seq); }
      if (!own && (m.seq || 0) > lastSeq) { lastSeq = m.seq; lastId = m.id; }
      return false;
    }
    let el = null;
    for (const [cmid, p] of pending) {
      if (cmid === m.clientMessageId || p.item.id === m.id) { el = p.el; pending.delete(cmid); dropOutbox(cmid); break; }
    }
    el = el || h('div');
    fillMessage(el, m);
    msgs.set(m.id, { m, el });
    place(el, m.seq || Number.MAX_SAFE_INTEGER);
    if (!own && (m.seq || 0) > lastSeq) { lastSeq = m.seq; lastId = m.id; }
    if (m.author && m.author.kind === 'agent' && m.author.name && statusKind === 'assigned' && statusVars.name !== m.author.name) {
      setStatus('assigned', { name: m.author.name });
    }
    if (m.author && m.author.kind !== 'citizen') {
      hideTyping();
      markUnseen(m);
    }
    emit('message', { id: m.id, author: m.author && m.author.kind, text: m.text });
    requestAnimationFrame(scrollDown);
    return true;
  }

  // ---- state and status line ----
  let statusKind = '';
  let statusVars = {};
  let connLost = false;
  function setStatus(kind, vars = {}) { statusKind = kind; statusVars = vars; showState(); }
  function showState() {
    let s = '';
    if (connLost) s = t.reconnecting;
    else if (statusKind === 'queued') {
      s = statusVars.position ? fmt('position', { n: statusVars.position }) + ' ' : t.waiting + ' ';
      if (statusVars.wait) s += statusVars.wait < 60 ? t.waitShort : fmt('wait', { m: Math.round(statusVars.wait / 60) });
    } else if (statusKind === 'assigned') s = statusVars.name ? fmt('assignedName', statusVars) : t.assigned;
    else if (statusKind === 'closed') s = t.closed;
    status.textContent = s.trim();
    endBtn.hidden = !(convState && convState !== 'closed');
  }
  function onConversation(ev) {
    const c = ev.conversation || {};
    convState = c.state || convState;
    if (ev.type === 'conversation.queued') setStatus('queued', { position: ev.position, wait: ev.estimatedWaitSeconds });
    else if (ev.type === 'conversation.assigned') { setStatus('assigned', ev.author && ev.author.name ? { name: ev.author.name } : {}); showNotice(); }
    else if (ev.type === 'conversation.closed') showRating();
    else showState();
  }
  function showTyping(ev) {
    if (ev.reason === 'stopped') return hideTyping();
    const a = ev.author || {};
    typingLine.textContent = fmt('typing', { name: a.kind === 'bot' ? t.bot : a.name || t.agent });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 8000);
  }
  function hideTyping() { typingLine.textContent = ''; clearTimeout(typingTimer); }

  // ---- HTTP ----
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (session) headers.Authorization = 'Bearer ' + session.token;
    if (body) headers['Content-Type'] = 'application/json';
    // A request caught by a network cut can hang; give up on it, so that
    // the outbox retries instead of waiting forever.
    const r = await fetch(base + '/api/v1/widget' + path, { method, headers, body: body && JSON.stringify(body), credentials: 'omit', signal: AbortSignal.timeout(10000) });
    let data = null;
    try { data = await r.json(); } catch { /* empty body */ }
    if (r.ok && session && session.expires - Date.now() < TTL - 3600e3) {
      session.expires = Date.now() + TTL;
      store.set(KEY, session);
    }
    return { status: r.status, ok: r.ok, data };
  }
  function dropSession() {
    session = null;
    store.set(KEY, null);
    if (ws) { const s = ws; ws = null; s.onclose = null; s.close(); }
    msgs.clear();
    lastId = ''; lastSeq = 0;
  }
  async function ensureSession() {
    if (session) return;
    const body = { locale, pageUrl: location.href.slice(0, 500) };
    if (user.name) body.name = String(user.name).slice(0, 500);
    if (user.email) body.email = String(user.email).slice(0, 500);
    const r = await call('POST', '/sessions', body);
    if (!r.ok) throw Object.assign(new Error('session'), { retry: r.status === 429 || r.status >= 500 });
    session = { token: r.data.visitorToken, contactId: r.data.contactId, expires: Date.now() + TTL };
    store.set(KEY, session);
  }
  // full reads the whole conversation (after a reconnect): a message a
  // failed server held may be stored late, before ones already shown.
  async function catchUp(full, quiet) {
    if (!session) return;
    const r = await call('GET', '/messages' + (lastId && !full ? '?after=' + encodeURIComponent(lastId) : ''));
    if (r.status === 401) { dropSession(); return; }
    if (r.status === 400 && lastId) { lastId = ''; lastSeq = 0; return catchUp(); }
    if (!r.ok || !r.data) return;
    if (r.data.state) {
      convState = r.data.state;
      const p = r.data.position;
      if (convState === 'queued' && p && p !== statusVars.position) setStatus('queued', { position: p, wait: r.data.estimatedWaitSeconds });
      else if (!statusKind) {
        if (convState === 'queued') setStatus('queued');
        else if (convState === 'assigned') setStatus('assigned', r.data.agentName ? { name: r.data.agentName } : {});
        else if (convState === 'closed') setStatus('closed');
        else showState();
      }
    }
    if (quiet) hush();
    for (const m of r.data.messages || []) addMessage(m);
  }

  // ---- WebSocket ----
  function connect() {
    clearTimeout(retryTimer);
    if (!session || ws || stopped) return;
    const url = wsBase + '/api/v1/widget/ws?token=' + encodeURIComponent(session.token) + '&socket=' + socketId + (lastId ? '&after=' + encodeURIComponent(lastId) : '');
    const sock = new WebSocket(url);
    ws = sock;
    wsOpened = false;
    sock.onopen = () => {
      wsOpened = true;
      backoff = 1000;
      connLost = false;
      showState();
      catchUp(true).catch(() => {});
      flush();
    };
    sock.onmessage = (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch { return; }
      if (ev.type === 'message') addMessage(ev.message);
      else if (ev.type === 'typing') showTyping(ev);
      else if (ev.type && ev.type.startsWith('conversation.')) onConversation(ev);
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      if (stopped) return;
      if (wsOpened) { connLost = true; showState(); }
      else catchUp().catch(() => {}); // tells a revoked token or a stale ?after= apart
      retryTimer = setTimeout(connect, backoff + Math.random() * 500);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  // Back online: a socket that looks open may have died silently; start a
  // fresh one, which replays what was missed.
  addEventListener('online', () => {
    backoff = 1000;
    if (ws) { const s = ws; ws = null; s.onclose = null; s.close(); }
    connect();
    flush();
  });
  addEventListener('pagehide', () => { stopped = true; });
  addEventListener('pageshow', (e) => { if (e.persisted) { stopped = false; connect(); } });

  // ---- sending ----
  function saveOutbox() { store.set(OUTBOX, outbox.length ? outbox : null); }
  function dropOutbox(cmid) {
    outbox = outbox.filter((x) => x.cmid !== cmid);
    saveOutbox();
  }
  function addPending(item) {
    const el = h('div');
    fillPending(el, item);
    pending.set(item.cmid, { item, el });
    log.append(el);
    requestAnimationFrame(scrollDown);
  }
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      while (outbox.length) {
        const item = outbox[0];
        await ensureSession();
        connect();
        const body = { clientMessageId: item.cmid, text: item.text };
        if (ws && ws.readyState === 1) body.socketId = socketId;
        const r = await call('POST', '/messages', body);
        const p = pending.get(item.cmid);
        if (r.ok) {
          dropOutbox(item.cmid); // not shift(): the history may have dropped it already
          const d = r.data;
          if (msgs.has(d.messageId)) { if (p) { p.el.remove(); pending.delete(item.cmid); } }
          else if (p && d.seq) {
            addMessage({ id: d.messageId, seq: d.seq, createdAt: d.createdAt,
              clientMessageId: item.cmid, text: item.text, author: { kind: 'citizen' } }, true);
          } else if (p) { p.item.id = d.messageId; p.item.waiting = false; p.el.dataset.id = d.messageId; fillPending(p.el, p.item); p.el.querySelector('.meta').textContent = ''; }
        } else if (r.status === 401) {
          dropSession();
        } else if (r.status === 429 || r.status >= 500) {
          throw Object.assign(new Error('busy'), { retry: true });
        } else {
          dropOutbox(item.cmid); // not shift(): the history may have dropped it already
          if (p) { p.item.failed = (r.data && r.data.error && r.data.error.message) || String(r.status); fillPending(p.el, p.item); pending.delete(item.cmid); }
        }
      }
      // Sent while the socket is down: the history confirms them meanwhile.
      if (pending.size && (!ws || ws.readyState !== 1)) catchUp().catch(() => {});
    } catch (e) {
      for (const { item, el } of pending.values()) if (!item.id) { item.waiting = true; fillPending(el, item); }
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flush, Math.min(backoff, 10000));
    } finally {
      flushing = false;
    }
  }
  function onSubmit(e) {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > MAX_TEXT) { status.textContent = t.tooLong; return; }
    const item = { cmid: uuid(), text };
    outbox.push(item);
    saveOutbox();
    addPending(item);
    input.value = '';
    resize();
    sendTyping(false);
    rating.hidden = true;
    if (statusKind === 'closed') setStatus('');
    flush();
  }
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  function resize() {
    input.rows = Math.min(5, Math.max(1, input.value.split('\n').length));
  }
  input.addEventListener('input', () => {
    resize();
    if (input.value.trim()) sendTyping(true);
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => sendTyping(false), 4000);
  });
  function sendTyping(on) {
    if (!session || convState === 'closed' || !convState) return;
    const now = Date.now();
    if (on && now - typingSent < 3000) return;
    if (!on && !typingSent) return;
    typingSent = on ? now : 0;
    call('POST', '/typing', { typing: on }).catch(() => {});
  }

  async function endChat() {
    if (!session) return;
    const r = await call('POST', '/conversation/close').catch(() => null);
    if (r && r.ok) { convState = 'closed'; showRating(true); }
  }
  function showRating(focus) {
    if (statusKind !== 'closed') { setStatus('closed'); hideTyping(); }
    if (rating.hidden) { buildRating(); rating.hidden = false; }
    if (focus) rating.querySelector('input').focus();
  }

  // ---- rating ----
  function buildRating() {
    const fs = h('fieldset', { 'aria-describedby': 'cd-rs-err' }, h('legend', { text: t.rateTitle }));
    const stars = h('div', { class: 'stars' });
    for (let i = 1; i <= 5; i++) {
      const id = 'cd-r' + i;
      stars.append(h('input', { type: 'radio', name: 'score', id, value: String(i) }), h('label', { for: id, text: `${i} – ${t['rate' + i]}` }));
    }
    const cid = 'cd-rc';
    const mail = field('cd-rt', 'email', t.email, { type: 'email', autocomplete: 'email', value: user.email || '' });
    mail.row.hidden = true;
    const want = h('input', { type: 'checkbox', id: 'cd-rx', onchange: () => { mail.row.hidden = !want.checked; if (want.checked) mail.el.focus(); } });
    fs.append(stars, h('p', { id: 'cd-rs-err', class: 'err' }), h('label', { for: cid, class: 'clabel', text: t.comment }), h('textarea', { id: cid, name: 'comment', rows: '2', maxlength: '2000' }),
      h('p', { class: 'check' }, want, h('label', { for: 'cd-rx', text: t.transcript })), mail.row,
      h('button', { type: 'submit', class: 'send', text: t.sendRating }));
    rating.replaceChildren(fs);
    rating.want = want;
    rating.mail = mail;
  }
  async function onRate(e) {
    e.preventDefault();
    const score = Number((rating.querySelector('input[name=score]:checked') || {}).value || 0);
    const to = rating.want.checked ? rating.mail.el.value.trim() : '';
    const errs = [];
    const err = rating.querySelector('#cd-rs-err');
    err.textContent = !score && !rating.want.checked ? t.needScore : '';
    if (err.textContent) errs.push(rating.querySelector('input'));
    if (rating.want.checked) check(rating.mail, !EMAIL.test(to) && t.badEmail, errs);
    if (errs.length) return invalid(errs);
    const comment = rating.querySelector('textarea').value.trim();
    let ok = true;
    if (to) { const r = await call('POST', '/conversation/close', { transcriptEmail: to }).catch(() => null); ok = !!(r && r.ok); }
    if (score && ok) { const r = await call('POST', '/conversation/rating', comment ? { score, comment } : { score }).catch(() => null); ok = !!(r && r.ok); }
    if (!ok) { err.textContent = fmt('failed', { reason: t.reconnecting }); return announce(err.textContent); }
    const p = h('p', { class: 'thanks', tabindex: '-1', text: (score ? t.thanks : '') + (to ? ' ' + fmt('transcriptSent', { to }) : '') });
    rating.replaceChildren(p);
    p.focus();
    announce(p.textContent);
  }

  // ---- forms ----
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  function announce(text) { announcer.textContent = ''; setTimeout(() => { announcer.textContent = text; }, 50); }
  // field builds a labelled input with its error line.
  function field(id, name, label, props = {}) {
    const el = h(props.rows ? 'textarea' : 'input', { id, name, 'aria-describedby': id + '-err', ...props });
    const msg = h('p', { id: id + '-err', class: 'err' });
    return { el, msg, row: h('p', { class: 'field' }, h('label', { for: id, text: label }), el, msg) };
  }
  function check(f, problem, errs) {
    f.msg.textContent = problem || '';
    if (problem) { f.el.setAttribute('aria-invalid', 'true'); errs.push(f.el); } else f.el.removeAttribute('aria-invalid');
  }
  // invalid moves focus to the first field in error (its error is its
  // description) and announces the error.
  function invalid(errs) {
    errs[0].focus();
    const d = errs[0].getAttribute('aria-describedby');
    announce((d && root.getElementById(d) || {}).textContent || t.needScore);
  }

  // ---- availability and leaving a message ----
  let avail = null;
  let availAt = 0;
  let left = '';
  async function checkAvailability() {
    if (Date.now() - availAt < 15000) return;
    availAt = Date.now();
    try {
      const r = await fetch(base + '/api/v1/widget/availability', { credentials: 'omit' });
      if (r.ok) { avail = await r.json(); showNotice(true); }
    } catch { /* offline: the chat still works */ }
  }
  function showNotice(fresh) {
    const off = !left && avail && avail.status !== 'open' && convState !== 'assigned';
    let s = left;
    if (off) {
      s = avail.status === 'closed' ? t.closedNow : t.noOne;
      const at = avail.opensAt && new Date(avail.opensAt);
      if (at && !isNaN(at)) s += ' ' + fmt('opens', { when: at.toLocaleString(locale, { weekday: 'long', hour: 'numeric', minute: '2-digit' }) });
      s += ' ' + t.orLeave;
    }
    noticeText.textContent = s;
    leaveBtn.textContent = t.leave;
    leaveBtn.hidden = !off;
    notice.hidden = !s || !leave.hidden;
    if (s && fresh && isOpen) announce(s);
  }
  function buildLeave() {
    const text = field('cd-lm', 'text', t.message, { rows: '4', maxlength: String(MAX_TEXT) });
    const mail = field('cd-le', 'email', t.email, { type: 'email', autocomplete: 'email', value: user.email || '' });
    const tel = field('cd-lp', 'phone', t.phone, { type: 'tel', autocomplete: 'tel' });
    const old = leave.fields;
    if (old) { text.el.value = old.text.el.value; mail.el.value = old.mail.el.value; tel.el.value = old.tel.el.value; }
    leave.replaceChildren(h('h3', { id: 'cd-lh', text: t.leave }), h('p', { text: t.leaveIntro }), text.row, mail.row, tel.row,
      h('p', { class: 'row' }, h('button', { type: 'submit', class: 'send', text: t.send }), h('button', { type: 'button', class: 'textbtn2', text: t.cancel, onclick: () => showLeave(false) })),
      h('p', { class: 'err' }));
    leave.fields = { text, mail, tel };
  }
  function showLeave(on) {
    leave.hidden = !on;
    log.hidden = form.hidden = on;
    showNotice();
    if (on) leave.fields.text.el.focus();
    else (left ? noticeText : leaveBtn.hidden ? input : leaveBtn).focus();
  }
  async function onLeave(e) {
    e.preventDefault();
    const { text, mail, tel } = leave.fields;
    const v = { text: text.el.value.trim(), email: mail.el.value.trim(), phone: tel.el.value.trim() };
    const errs = [];
    check(text, !v.text && t.needText, errs);
    check(mail, v.email ? !EMAIL.test(v.email) && t.badEmail : !v.phone && t.needContact, errs);
    const digits = v.phone.replace(/[\s().-]/g, '');
    check(tel, v.phone && !/^\+?[1-9]\d{7,14}$/.test(digits) && t.badPhone, errs);
    if (errs.length) return invalid(errs);
    // A retry of the same message keeps its id, so it is stored once.
    const key = JSON.stringify(v);
    if (leave.key !== key) { leave.key = key; leave.cmid = uuid(); }
    leave.lastChild.textContent = '';
    let r = null;
    try {
      await ensureSession();
      r = await call('POST', '/leave-message', { clientMessageId: leave.cmid, ...v });
    } catch { /* shown below */ }
    if (!r || !r.ok) {
      const reason = (r && r.data && r.data.error && r.data.error.message) || t.reconnecting;
      if (r && r.status === 400 && /phone/.test(reason)) { check(tel, t.badPhone, errs); return invalid(errs); }
      if (r && r.status === 400 && /email/.test(reason)) { check(mail, t.badEmail, errs); return invalid(errs); }
      leave.lastChild.textContent = fmt('failed', { reason });
      return announce(leave.lastChild.textContent);
    }
    left = fmt('left', { to: v.email || v.phone });
    leave.key = '';
    leave.fields = null;
    buildLeave();
    showLeave(false);
    announce(left);
  }

  // ---- start ----
  Promise.all([styled, setLocale(locale)]).then(() => { shell.hidden = false; });
  Object.assign(api, {
    open, close,
    setLocale: (l) => setLocale(l, false),
    setUser: (u) => { user = Object.assign({}, u || {}); },
    on: (type, fn) => { (listeners[type] = listeners[type] || []).push(fn); },
    off: (type, fn) => { listeners[type] = (listeners[type] || []).filter((f) => f !== fn); }
  });
  fetch(base + '/widget/config.json').then((r) => r.json()).then((c) => {
    if (c.agencyName) { agency = c.agencyName; title.textContent = agency; }
    if (c.color) host.style.setProperty('--cd-accent', c.color);
  }).catch(() => {});
  for (const item of outbox) addPending(item);
  for (const [fn, args] of queue) api[fn](...args);
  queue.length = 0;
  if (session) {
    catchUp(false, true).catch(() => {}).finally(() => { connect(); if (outbox.length) flush(); });
  } else if (outbox.length) flush();
}
