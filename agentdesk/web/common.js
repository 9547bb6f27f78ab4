// What the desk and the supervisor console share: the API client, sign-in,
// the desk WebSocket and small DOM helpers. Text from the server is only ever
// set with textContent.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

let onUnauthenticated = () => {};
export function whenSignedOut(fn) { onUnauthenticated = fn; }

// api calls the CivicDesk API with the session cookie.
export async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch('/api/v1' + path, init);
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection.');
  }
  let data = null;
  try { data = await r.json(); } catch { /* no body */ }
  if (!r.ok) {
    const e = (data && data.error) || {};
    if (r.status === 401 && path !== '/desk/login') onUnauthenticated();
    throw new ApiError(r.status, e.code, e.message);
  }
  return data;
}

// h builds an element: h('p', {class: 'x', text: 'hi'}, child…).
export function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids) if (kid != null && kid !== false) el.append(kid);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// keepFocus runs rebuild, which replaces what is inside container, and puts
// a keyboard user's focus back where it was: on the new element with the
// same data-key, else on the container's first control, else on the
// container itself; never at the top of the page, as removing the focused
// element would leave it.
export function keepFocus(container, rebuild) {
  const active = document.activeElement;
  const inside = active && active !== container && container.contains(active);
  const key = inside ? active.dataset.key : undefined;
  rebuild();
  if (!inside || container.contains(document.activeElement)) return;
  let next = key ? container.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
  next = next || container.querySelector('a[href], button:not([disabled]), select, input, textarea');
  if (!next) {
    container.tabIndex = -1;
    next = container;
  }
  next.focus({ preventScroll: true });
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const x = [...b].map((n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// duration renders seconds as "45 s", "3 min", "1 h 05 min".
export function duration(sec) {
  sec = Math.max(0, Math.round(sec));
  if (sec < 60) return `${sec} s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function since(iso) {
  const t = Date.parse(iso);
  return isNaN(t) ? 0 : (Date.now() - t) / 1000;
}

export function clock(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

export const CHANNELS = { webchat: 'Web chat', sms: 'SMS', email: 'Email' };

// departmentNames loads id → display name.
export async function departmentNames() {
  const names = {};
  try {
    const { departments } = await api('GET', '/desk/departments');
    for (const d of departments) names[d.id] = d.name;
  } catch { /* ids will do */ }
  return names;
}

// setupSignIn wires the sign-in form. It resolves with the agent once
// signed in, from an existing session (GET /desk/me) or through the form.
export function setupSignIn({ form, error, onSignedIn }) {
  const email = form.querySelector('input[type=email]');
  const password = form.querySelector('input[type=password]');
  const button = form.querySelector('button');
  // Single sign-on, when the server offers it: a plain link, so the browser
  // goes to the identity provider and comes back to this page.
  api('GET', '/auth/config').then((cfg) => {
    if (!cfg || !cfg.oidc || form.parentNode.querySelector('.sso')) return;
    const href = '/api/v1/auth/oidc/login?next=' + encodeURIComponent(location.pathname);
    form.after(h('p', { class: 'sso' }, h('a', { href, text: 'Sign in with single sign-on' })));
  }).catch(() => { /* password sign-in still works */ });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!email.value.trim() || !password.value) {
      error.textContent = 'Enter your email and password.';
      (email.value.trim() ? password : email).focus();
      return;
    }
    button.disabled = true;
    try {
      const { agent } = await api('POST', '/desk/login', { email: email.value.trim(), password: password.value });
      password.value = '';
      onSignedIn(agent, true);
    } catch (err) {
      error.textContent = err.status === 401 ? 'Wrong email or password.' : err.status === 429 ? 'Too many attempts. Wait a minute and try again.' : err.message;
      password.select();
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
}

export async function currentAgent() {
  try {
    const { agent } = await api('GET', '/desk/me');
    return agent;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

// Socket keeps the desk WebSocket open, reconnecting with backoff. After a
// reconnect it calls onResume so the page can reload what it may have missed.
export class Socket {
  constructor({ onEvent, onResume, onState }) {
    Object.assign(this, { onEvent, onResume, onState: onState || (() => {}) });
    this.opened = false;
    this.backoff = 1000;
    this.ws = null;
    this.stopped = false;
    this.everOpen = false;
    addEventListener('online', () => { this.backoff = 1000; this.connect(); });
    addEventListener('pagehide', () => { this.stopped = true; });
  }
  connect() {
    clearTimeout(this.timer);
    if (this.ws || this.stopped) return;
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/api/v1/desk/ws');
    this.ws = ws;
    this.opened = false;
    ws.onopen = () => {
      this.opened = true;
      this.backoff = 1000;
      this.onState('live');
      if (this.everOpen) this.onResume();
      this.everOpen = true;
    };
    ws.onmessage = (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch { return; }
      this.onEvent(ev);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      this.onState('reconnecting');
      // A refused upgrade may mean the session ended: ask, and sign out on 401.
      if (!this.opened) api('GET', '/desk/me').catch(() => {});
      this.timer = setTimeout(() => this.connect(), this.backoff + Math.random() * 500);
      this.backoff = Math.min(this.backoff * 2, 15000);
    };
  }
  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
  }
  restart() { this.stopped = false; this.everOpen = false; this.connect(); }
}

// setupStatus wires a status <select> (available, away, offline) to
// PUT /desk/me/status; on failure it shows the previous value again.
// onChange, if given, hears each status the caseworker chose.
export function setupStatus(select, getAgent, onError, onChange = () => {}) {
  select.addEventListener('change', async () => {
    const agent = getAgent();
    const want = select.value;
    try {
      await api('PUT', '/desk/me/status', { status: want });
      agent.status = want;
      onChange(want);
    } catch (e) {
      select.value = agent.status || 'available';
      onError('Status not changed: ' + e.message);
    }
  });
}
