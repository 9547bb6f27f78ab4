// The citizen widget's own features in real Chromium against a real server:
// leaving a message when no one answers, and the "done when" flow
// (keyboard only, Spanish, queue position, the caseworker's name and answer,
// a 20 s network cut that loses and doubles nothing, rating), with axe-core.
// WIDGET_CUT_MS shortens the network cut (default 20000, as the issue says).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watch, axe, until, PASSWORD } from './lib.mjs';

const CUT_MS = Number(process.env.WIDGET_CUT_MS || 20000);

let srv;
let browser;
const contexts = [];

async function newPage(lang = 'en') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.problems = watch(page);
  await page.goto(`${srv.url}/?lang=${lang}`);
  return page;
}

// call is the HTTP API as an integration (or the desk's own pages) uses it.
async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body) headers['Content-Type'] = 'application/json';
  const r = await fetch(srv.url + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, data: text ? JSON.parse(text) : null };
}

async function signInAPI(email) {
  const r = await call('POST', '/api/v1/desk/login', { body: { email, password: PASSWORD } });
  assert.equal(r.status, 200, 'sign in ' + email);
  return r.data.token;
}

async function noViolations(page, what) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe violations on ${what}:\n${v.join('\n')}`);
}

// focused reports whether loc holds the focus (inside the shadow root too).
const focused = (loc) => loc.evaluate((el) => el.getRootNode().activeElement === el && document.hasFocus());

// tabTo presses key (Tab or Shift+Tab) until loc has the focus.
async function tabTo(page, loc, key = 'Tab') {
  for (let i = 0; i < 40; i++) {
    if (await focused(loc).catch(() => false)) return;
    await page.keyboard.press(key);
  }
  assert.fail('the keyboard did not reach ' + loc);
}

// The widget's polite announcements: its status lines (role=status).
const announced = (page, re) => page.getByRole('status').filter({ hasText: re }).first().waitFor({ timeout: 15000 });

function noProblems(page) {
  const left = page.problems.splice(0).filter((p) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p));
  assert.deepEqual(left, [], 'console errors on ' + page.url());
}

describe('citizen widget', { concurrency: false }, () => {
  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
  }, { timeout: 180000 });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (srv) await srv.close();
  });

  it("a citizen downloads the words of their own language only", { timeout: 60000 }, async () => {
    for (const [lang, launcher, modules] of [['fr', /Discuter avec nous/, ['fr.js']], ['en', /Chat with us/, []]]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      page.problems = watch(page);
      const loaded = [];
      page.on('request', (r) => { const m = /\/widget\/i18n\/([^/?]+)$/.exec(r.url()); if (m) loaded.push(m[1]); });
      await page.goto(`${srv.url}/?lang=${lang}`);
      await page.getByRole('button', { name: launcher }).waitFor();
      assert.deepEqual(loaded, modules, `language modules loaded for ${lang}`);
      noProblems(page);
      await context.close();
    }
  });

  it('at 400 % zoom, with no one available, every part of the widget can be scrolled to', { timeout: 60000 }, async () => {
    // A 1280 × 800 window at 400 %: 320 × 200 CSS pixels (WCAG 1.4.10).
    const context = await browser.newContext({ viewport: { width: 320, height: 200 } });
    contexts.push(context);
    const page = await context.newPage();
    page.problems = watch(page);
    await page.goto(`${srv.url}/?lang=en`);
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const dialog = page.getByRole('dialog');
    const leaveBtn = dialog.getByRole('button', { name: 'Leave a message' });
    await leaveBtn.waitFor();
    const parts = {
      'the greeting in the log': dialog.getByRole('log').getByText('Hello! How can we help you today?'),
      'Leave a message': leaveBtn,
      'the message box': dialog.getByRole('textbox', { name: 'Message' }),
      Send: dialog.getByRole('button', { name: 'Send' }),
      'Close chat': dialog.getByRole('button', { name: 'Close chat' })
    };
    for (const [what, part] of Object.entries(parts)) {
      await part.scrollIntoViewIfNeeded();
      // Scrolled into view the way a citizen can scroll: only boxes that
      // scroll moved (a script can scroll one that hides its overflow; a
      // citizen cannot), and then the part is in view, the one thing at
      // that spot, not cut off nor under another part.
      const shown = await part.evaluate((el) => {
        const r = el.getBoundingClientRect();
        for (let box = el.parentElement; box; box = box.parentElement) {
          const overflow = getComputedStyle(box).overflowY;
          if ((overflow === 'hidden' || overflow === 'clip') && box.scrollTop > 0) return `only in a box that hides its overflow (${box.className})`;
        }
        if (r.height < 1 || r.top < 0 || r.top >= innerHeight) return `at ${Math.round(r.top)}–${Math.round(r.bottom)} px`;
        const hit = el.getRootNode().elementFromPoint(r.left + Math.min(r.width / 2, 8), r.top + Math.min(r.height / 2, 8));
        return hit === el || el.contains(hit) ? 'shown' : `covered by ${hit && hit.className}`;
      });
      assert.equal(shown, 'shown', `${what} in a 320 × 200 window`);
    }
    await noViolations(page, 'the widget at 400 % zoom with the notice');
    noProblems(page);
    await context.close();
  });

  it('with no one available, a citizen leaves a message with the keyboard', { timeout: 90000 }, async () => {
    // No caseworker has signed in: the widget says so, in every language.
    const ar = await newPage('ar');
    await ar.getByRole('button', { name: 'تحدث معنا' }).click();
    await ar.getByRole('button', { name: 'اترك رسالة' }).waitFor();
    assert.equal(await ar.getByRole('dialog').evaluate((d) => getComputedStyle(d).direction), 'rtl');
    await noViolations(ar, 'the widget open in Arabic with the no-one-available notice');

    const page = await newPage('en');
    const launcher = page.getByRole('button', { name: 'Chat with us' });
    await launcher.waitFor();
    await tabTo(page, launcher);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await announced(page, /No caseworker is available right now/);
    await noViolations(page, 'the widget open in English with the notice');

    const leaveBtn = dialog.getByRole('button', { name: 'Leave a message' });
    await tabTo(page, leaveBtn, 'Shift+Tab');
    await page.keyboard.press('Enter');
    const form = dialog.getByRole('form', { name: 'Leave a message' });
    await form.waitFor();
    const text = form.getByRole('textbox', { name: 'Message', exact: true });
    assert.ok(await focused(text), 'the form opens with its message box focused');

    // Sent empty: each problem is shown, tied to its field, and announced.
    const send = form.getByRole('button', { name: 'Send' });
    await tabTo(page, send);
    await page.keyboard.press('Enter');
    await announced(page, /Write your message/);
    assert.ok(await focused(text), 'focus on the first field in error');
    assert.equal(await text.getAttribute('aria-invalid'), 'true');
    const email = form.getByRole('textbox', { name: 'Email' });
    assert.match(await email.evaluate((el) => el.getRootNode().getElementById(el.getAttribute('aria-describedby')).textContent),
      /email address or a phone number/);
    await noViolations(page, 'the leave-a-message form showing its errors');

    const words = 'My street light has been out for a week, please reply by email.';
    await page.keyboard.type(words);
    await page.keyboard.press('Tab');
    assert.ok(await focused(email));
    await page.keyboard.type('rosa@example');
    await tabTo(page, send);
    await page.keyboard.press('Enter');
    await announced(page, /Enter an email address such as/);
    assert.ok(await focused(email), 'focus on the bad email');
    await page.keyboard.type('.org');
    await tabTo(page, send);
    await page.keyboard.press('Enter');

    // Confirmed, announced, and on the desk with the address for the answer.
    await announced(page, /We have your message and will answer you at rosa@example\.org/)
      .catch(async (e) => assert.fail(e.message + ':\n' + (await page.getByRole('status').allInnerTexts()).join('|') + '\n' + await dialog.innerText()));
    await form.waitFor({ state: 'hidden' });
    await noViolations(page, 'the widget after leaving a message');
    const agent = await signInAPI('agent1@demo.gov');
    const found = await until(async () => {
      const r = await call('GET', '/api/v1/desk/conversations', { token: agent });
      const list = r.data.conversations || [];
      return list.find((c) => c.channel === 'email' && (c.lastMessage || '').includes('street light'));
    }, { timeout: 15000, message: 'the left message on the desk' });
    const view = await call('GET', '/api/v1/desk/conversations/' + found.id, { token: agent });
    assert.equal(view.data.contact.email, 'rosa@example.org');
    assert.deepEqual(view.data.messages.filter((m) => m.text === words).length, 1);
    // Out of the way of the next test: agent1 steps away.
    assert.equal((await call('PUT', '/api/v1/desk/me/status', { token: agent, body: { status: 'away' } })).status, 200);
    noProblems(page);
    noProblems(ar);
  });

  it('done when: keyboard only, in Spanish, queued, answered, network cut, rated', { timeout: 60000 + CUT_MS }, async () => {
    const agent = await signInAPI('agent1@demo.gov');
    assert.equal((await call('PUT', '/api/v1/desk/me/status', { token: agent, body: { status: 'away' } })).status, 200);

    const page = await newPage('es');
    const launcher = page.getByRole('button', { name: 'Chatee con nosotros' });
    await launcher.waitFor();
    await tabTo(page, launcher);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const box = dialog.getByRole('textbox', { name: 'Mensaje' });
    assert.ok(await focused(box), 'the message box has focus');
    await noViolations(page, 'the widget open in Spanish');

    const first = 'Hola, necesito hablar con un agente sobre mi factura del agua';
    await page.keyboard.type(first);
    await page.keyboard.press('Enter');
    const log = dialog.getByRole('log');
    await log.getByText(first).waitFor();
    // Told their place in the queue, in the live region.
    await announced(page, /Usted es el número \d+ en la fila/);

    // The conversation, as the widget's API sees it.
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('civicdesk.session')).token);
    const convID = (await call('GET', '/api/v1/widget/messages', { token })).data.conversationId;
    assert.ok(convID);

    // A caseworker comes back: assigned by routing, named to the citizen.
    assert.equal((await call('PUT', '/api/v1/desk/me/status', { token: agent, body: { status: 'available' } })).status, 200);
    await announced(page, /Ahora está conversando con Alex Rivera/);
    const answer = 'Hola, soy Alex. Puedo ayudarle con su factura. ¿Cuál es su número de cuenta?';
    const reply = async (cmid, text) => {
      const r = await call('POST', `/api/v1/desk/conversations/${convID}/messages`, { token: agent, body: { clientMessageId: cmid, text } });
      assert.equal(r.status, 202, 'desk reply');
    };
    await reply('00000000-0000-4000-8000-000000000001', answer);
    const entry = log.locator('.msg', { hasText: answer });
    await entry.waitFor();
    assert.match(await entry.innerText(), /Alex Rivera/, 'the answer carries the caseworker name');

    // The network goes for CUT_MS: two messages written meanwhile wait,
    // as does an answer sent meanwhile, and all arrive once it is back.
    const during = ['Mi número de cuenta es 4417-2209', 'Vivo en la calle Olmo 12'];
    const late = 'Gracias, ya encontré su cuenta.';
    const t0 = Date.now();
    await page.context().setOffline(true);
    for (const text of during) {
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
    }
    await log.getByText(during[1]).waitFor();
    await reply('00000000-0000-4000-8000-000000000002', late);
    await page.waitForTimeout(Math.max(0, CUT_MS - (Date.now() - t0)));
    await page.context().setOffline(false);
    for (const text of [...during, late]) await log.getByText(text).waitFor({ timeout: 20000 });
    await until(async () => (await log.locator('.pending').count()) === 0, { timeout: 30000, message: 'nothing left pending' })
      .catch(async (e) => assert.fail(e.message + ':\n' + await log.innerText()));
    await page.waitForTimeout(1000); // let any late copy arrive, so a double would show
    for (const text of [first, answer, ...during, late]) {
      assert.equal(await log.getByText(text, { exact: true }).count(), 1, 'the widget shows once: ' + text);
    }
    const citizenSide = (await call('GET', '/api/v1/widget/messages', { token })).data.messages;
    const deskSide = (await call('GET', '/api/v1/desk/conversations/' + convID, { token: agent })).data.messages;
    for (const text of [first, answer, ...during, late]) {
      assert.equal(citizenSide.filter((m) => m.text === text).length, 1, 'the citizen API has once: ' + text);
      assert.equal(deskSide.filter((m) => m.text === text).length, 1, 'the desk has once: ' + text);
    }
    // In the conversation's order, the citizen's own messages too (they are
    // placed from their 202, with no echo on this tab's socket).
    const ours = [first, answer, ...during, late];
    const shown = (await log.locator('.msg .text').allInnerTexts()).filter((t) => ours.includes(t));
    assert.deepEqual(shown, citizenSide.map((m) => m.text).filter((t) => ours.includes(t)), 'the widget shows the conversation in order');
    // Written order survives the cut.
    const order = citizenSide.filter((m) => during.includes(m.text)).map((m) => m.text);
    assert.deepEqual(order, during);

    // End the chat and rate it, keyboard only.
    const end = dialog.getByRole('button', { name: 'Terminar el chat' });
    await tabTo(page, end, 'Shift+Tab');
    await page.keyboard.press('Enter');
    const rating = dialog.getByRole('group', { name: '¿Qué tal fue esta conversación?' });
    await rating.waitFor();
    assert.ok(await focused(rating.getByRole('radio').first()), 'focus moves to the rating');
    await noViolations(page, 'the rating panel in Spanish');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    assert.ok(await rating.getByRole('radio', { name: /^5/ }).isChecked(), 'arrow keys chose 5');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Muy amable');
    // And a transcript by email: the checkbox reveals the address field.
    const want = rating.getByRole('checkbox', { name: 'Enviarme por correo la transcripción' });
    await tabTo(page, want);
    await page.keyboard.press('Space');
    const to = rating.getByRole('textbox', { name: 'Correo electrónico' });
    assert.ok(await focused(to), 'the address field takes the focus');
    await page.keyboard.type('rosa@example.org');
    await tabTo(page, rating.getByRole('button', { name: 'Enviar valoración' }));
    await page.keyboard.press('Enter');
    await announced(page, /Gracias por su opinión\. La transcripción se enviará a rosa@example\.org/);
    const closed = (await call('GET', '/api/v1/desk/conversations/' + convID, { token: agent })).data.conversation;
    assert.equal(closed.state, 'closed');
    assert.equal(closed.rating, 5);
    assert.equal(closed.ratingComment, 'Muy amable');
    noProblems(page);
  });
});
