// CivicDesk's web UI in real headless Chromium against a real server:
// the citizen widget on the demo page, the agent desk and the supervisor
// console. Elements are found by role and accessible name, as assistive
// technology finds them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watch, axe, signIn, until } from './lib.mjs';

// Asking for a person always reaches a caseworker, whatever the bot knows.
const WATER = 'I want to talk to a person about my water bill for March';
const REPLY = 'Hi! I can help with your water bill. What is your account number?';

let srv;
let browser;
const contexts = [];

async function newPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.problems = watch(page);
  return page;
}

// openWidget opens the chat on the demo page and returns its parts.
async function openWidget(page) {
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  return {
    dialog,
    log: dialog.getByRole('log'),
    message: dialog.getByRole('textbox', { name: 'Message' }),
    send: dialog.getByRole('button', { name: 'Send' })
  };
}

// widget returns the widget's parts, opening it if it is closed.
async function widget(page) {
  const dialog = page.getByRole('dialog');
  if (!(await dialog.isVisible())) return openWidget(page);
  return { dialog, log: dialog.getByRole('log'), message: dialog.getByRole('textbox', { name: 'Message' }), send: dialog.getByRole('button', { name: 'Send' }) };
}

// countIn counts the log's entries that contain text.
async function countIn(log, text) {
  return log.getByText(text, { exact: false }).count();
}

// noProblems insists the page logged no errors (CSP refusals, exceptions)
// since the last check, apart from those allowed.
function noProblems(page, allow = []) {
  const left = page.problems.splice(0).filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(left, [], 'console errors on ' + page.url());
}

// One conversation shared by the tests that need one: a citizen on the demo
// page and agent1 on the desk with it open.
let convo;
async function conversation() {
  if (convo) return convo;
  const desk = await newPage({ width: 1366, height: 768 });
  await desk.goto(srv.url + '/desk');
  await signIn(desk, 'agent1@demo.gov');
  await desk.getByRole('combobox', { name: 'Status' }).waitFor();

  const citizen = await newPage();
  await citizen.goto(srv.url + '/');
  const w = await openWidget(citizen);
  await w.message.fill(WATER);
  await w.send.click();
  await w.log.getByText(WATER).waitFor();

  // Routing assigns it to agent1, and the list shows the citizen's words.
  const item = desk.getByRole('link', { name: /water bill for March/ });
  await item.waitFor({ timeout: 15000 });
  await item.click();
  const deskLog = desk.getByRole('log', { name: 'Messages' });
  await deskLog.getByText(WATER).waitFor();
  await desk.getByRole('textbox', { name: 'Reply' }).fill(REPLY);
  await desk.getByRole('button', { name: 'Send' }).click();
  await deskLog.getByText(REPLY).waitFor();
  convo = { desk, citizen, w, deskLog };
  return convo;
}

// The supervisor console, signed in. Signing in makes a supervisor available
// for conversations too; it steps away so that citizens wait in the queue
// when no caseworker is there.
let supPage;
async function supervisor() {
  if (supPage) return supPage;
  const sup = await newPage({ width: 1366, height: 768 });
  await sup.goto(srv.url + '/desk/supervisor');
  await signIn(sup, 'supervisor@demo.gov');
  await sup.getByRole('table', { name: 'Queues' }).getByRole('row', { name: /Utilities/ }).waitFor();
  await sup.getByRole('combobox', { name: 'Status' }).selectOption('offline');
  await until(async () => (await sup.getByRole('table', { name: 'Agents' }).getByRole('row', { name: /Sam Supervisor/ }).innerText()).includes('offline'),
    { message: 'the supervisor to be offline' });
  supPage = sup;
  return sup;
}

describe('CivicDesk web UI', { concurrency: false }, () => {
  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
  }, { timeout: 180000 });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (srv) await srv.close();
  });

  it('a citizen and a caseworker talk end to end', { timeout: 90000 }, async () => {
    const { desk, citizen, w } = await conversation();
    // The desk signed agent1 in as available.
    assert.equal(await desk.getByRole('combobox', { name: 'Status' }).inputValue(), 'available');
    // The caseworker's reply reaches the citizen, attributed to a person.
    const reply = w.log.getByText(REPLY);
    await reply.waitFor({ timeout: 10000 });
    const entry = w.log.locator('.msg', { hasText: REPLY });
    assert.match(await entry.innerText(), /Caseworker/);
    // The bot spoke first, and says so.
    assert.ok(await w.log.getByText(/automated assistant/i).count() >= 1, 'the bot answered first');
    await w.dialog.getByText(/first replies come from an automated assistant/i).waitFor();
    noProblems(desk);
    noProblems(citizen);
  });

  it('the widget works with the keyboard alone', { timeout: 90000 }, async () => {
    const page = await newPage();
    await page.goto(srv.url + '/');
    const launcher = page.getByRole('button', { name: 'Chat with us' });
    await launcher.waitFor();
    const focused = (loc) => loc.evaluate((el) => el.getRootNode().activeElement === el && document.hasFocus());
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await focused(launcher);
    }
    assert.ok(reached, 'Tab reaches the launcher');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.ok(await dialog.evaluate((d) => d.contains(d.getRootNode().activeElement)), 'focus moved into the dialog');
    assert.ok(await focused(dialog.getByRole('textbox', { name: 'Message' })), 'the message box has focus');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(await focused(launcher), 'focus returned to the launcher');
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
    noProblems(page);
  });

  it('every page passes axe-core (WCAG 2.2 AA)', { timeout: 120000 }, async () => {
    const { desk } = await conversation();
    const check = async (page, what) => {
      const v = await axe(page);
      assert.deepEqual(v, [], `axe violations on ${what}:\n${v.join('\n')}`);
    };
    // The widget speaks the host page's <html lang>; Arabic runs right to left.
    const launchers = { en: 'Chat with us', es: 'Chatee con nosotros', ar: 'تحدث معنا' };
    const page = await newPage();
    for (const [lang, name] of Object.entries(launchers)) {
      await page.goto(srv.url + '/?lang=' + lang);
      await page.getByRole('button', { name }).click();
      await page.getByRole('dialog').waitFor();
      assert.equal(await page.getByRole('dialog').evaluate((d) => getComputedStyle(d).direction), lang === 'ar' ? 'rtl' : 'ltr');
      noProblems(page);
      await check(page, `/?lang=${lang} with the widget open`);
    }
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(srv.url + '/');
    const small = await openWidget(page);
    const box = await small.dialog.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 320, 'the open widget fits 320 px');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 320, 'no sideways scrolling at 320 px');
    await check(page, '/ at 320 px with the widget open');
    // Covering the page, the widget is modal: Tab and Shift+Tab go round
    // inside it, never to the page links hidden behind it.
    assert.equal(await small.dialog.getAttribute('aria-modal'), 'true');
    const inDialog = () => page.evaluate(() => {
      let a = document.activeElement;
      while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      return Boolean(a && a.closest('[role=dialog]'));
    });
    await small.send.focus();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      assert.ok(await inDialog(), `Tab ${i + 1} from Send left the full-screen widget`);
    }
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Shift+Tab');
      assert.ok(await inDialog(), `Shift+Tab ${i + 1} left the full-screen widget`);
    }

    const out = await newPage();
    await out.goto(srv.url + '/desk');
    await out.getByRole('button', { name: 'Sign in' }).waitFor();
    await check(out, '/desk signed out');

    await desk.getByRole('log', { name: 'Messages' }).getByText(REPLY).waitFor();
    await check(desk, '/desk signed in with a conversation open');

    const sup = await supervisor();
    noProblems(sup);
    await check(sup, '/desk/supervisor signed in');
    // At 320 px the console reflows: no sideways scrolling of the page
    // (WCAG 1.4.10); wide tables scroll in their own boxes.
    await sup.setViewportSize({ width: 320, height: 640 });
    await until(async () => (await sup.evaluate(() => document.documentElement.scrollWidth)) <= 320,
      { timeout: 3000, message: 'the console to fit 320 px' });
    await sup.setViewportSize({ width: 1280, height: 800 });
  });

  it('queues and lists update live as citizens wait and are answered', { timeout: 90000 }, async () => {
    const { desk } = await conversation();
    const sup = await supervisor();
    const queues = sup.getByRole('table', { name: 'Queues' });
    // Total of the Waiting column, read as a person reads the table.
    const waiting = async () => {
      const rows = await queues.getByRole('row').all();
      let total = 0;
      for (const row of rows.slice(1)) total += Number((await row.getByRole('cell').first().innerText()).trim()) || 0;
      return total;
    };
    assert.equal(await waiting(), 0);

    // With agent1 away, a new citizen waits in the queue.
    const status = desk.getByRole('combobox', { name: 'Status' });
    await status.selectOption('away');
    await until(async () => (await sup.getByRole('table', { name: 'Agents' }).getByRole('row', { name: /Alex Rivera|agent1/ }).innerText()).includes('away'),
      { message: 'the agents table to show agent1 away' });
    const citizen = await newPage();
    await citizen.goto(srv.url + '/');
    const w = await openWidget(citizen);
    const text = 'I need to talk to a person about a parking permit';
    await w.message.fill(text);
    await w.send.click();
    await until(async () => (await waiting()) === 1, { timeout: 15000, message: 'the supervisor to see one waiting' });
    // agent1's desk shows it in the queue of its departments, live.
    const queued = desk.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /parking permit/ });
    await queued.waitFor({ timeout: 10000 });
    // The widget tells the citizen they are waiting.
    await w.dialog.getByRole('status').filter({ hasText: /in line|Waiting/ }).waitFor({ timeout: 10000 });

    // Back to available: routing assigns it, and the numbers drain.
    await status.selectOption('available');
    await until(async () => (await waiting()) === 0, { timeout: 15000, message: 'the queue to drain' });
    await desk.getByRole('heading', { name: /My conversations \(2\)/ }).waitFor({ timeout: 10000 });
    noProblems(sup);
    noProblems(desk);
  });

  it('a reload restores the history exactly once', { timeout: 90000 }, async () => {
    const { citizen } = await conversation();
    await citizen.reload();
    const w = await openWidget(citizen);
    await w.log.getByText(REPLY).waitFor();
    await citizen.waitForTimeout(500); // let the socket's catch-up land too
    assert.equal(await countIn(w.log, WATER), 1, 'the citizen message once');
    assert.equal(await countIn(w.log, REPLY), 1, 'the reply once');
    noProblems(citizen);
  });

  it('what the log already shows is not announced again: a reload, a language switch', { timeout: 90000 }, async () => {
    const { citizen, desk, deskLog } = await conversation();
    // Note, for every change to the widget's log, whether the log was a
    // live region (aria-live) when the change was made.
    await citizen.addInitScript(() => {
      window.logChanges = [];
      new MutationObserver((_, watch) => {
        const log = document.getElementById('civicdesk-widget')?.shadowRoot?.querySelector('.log');
        if (!log) return;
        watch.disconnect();
        new MutationObserver((records) => {
          for (const r of records) window.logChanges.push(log.getAttribute('aria-live'));
        }).observe(log, { childList: true, subtree: true, characterData: true });
      }).observe(document, { childList: true, subtree: true });
    });
    const changes = () => citizen.evaluate(() => window.logChanges.splice(0));
    const liveAgain = (w) => until(async () => (await w.log.getAttribute('aria-live')) === 'polite', { message: 'the log to be live again' });

    await citizen.reload();
    let w = await openWidget(citizen);
    await w.log.getByText(REPLY).waitFor();
    let seen = await changes();
    assert.ok(seen.length >= 2, `the history was drawn (${seen.length} changes)`);
    assert.deepEqual([...new Set(seen)], ['off'], 'the history came back with the log not live');
    await liveAgain(w);

    await w.dialog.getByRole('combobox', { name: 'Language' }).selectOption('es');
    await w.dialog.getByRole('button', { name: 'Enviar' }).waitFor();
    await w.dialog.getByRole('combobox', { name: 'Idioma' }).selectOption('en');
    w = await widget(citizen);
    await w.send.waitFor();
    seen = await changes();
    assert.ok(seen.length >= 2, `the log was redrawn in the new language (${seen.length} changes)`);
    assert.deepEqual([...new Set(seen)], ['off'], 'the redrawn log was not live');
    await liveAgain(w);

    // A new message is announced as before.
    const more = 'One more thing: the meter number is on the bill.';
    await desk.getByRole('textbox', { name: 'Reply' }).fill(more);
    await desk.getByRole('button', { name: 'Send' }).click();
    await deskLog.getByText(more).waitFor();
    await w.log.getByText(more).waitFor();
    seen = await changes();
    assert.ok(seen.length >= 1 && seen.every((v) => v === 'polite'), `a new message was added to a live log (${seen})`);
    noProblems(citizen);
  });

  it('a page load announces as new only the replies not yet read', { timeout: 90000 }, async () => {
    const { citizen, desk, deskLog } = await conversation();
    // Every reply so far came with the widget open: read.
    await citizen.reload();
    const launcher = citizen.getByRole('button', { name: 'Chat with us' });
    await launcher.waitFor();
    await citizen.waitForTimeout(1500); // the history is in
    const unread = async () => (await launcher.getAttribute('aria-describedby')) === 'cd-new';
    const announcedNew = () => citizen.getByRole('status').filter({ hasText: /New message from/ }).count();
    assert.equal(await unread(), false, 'after a reload, read replies are not marked new');
    assert.equal(await announcedNew(), 0, 'after a reload, no reply is announced as new');

    // A reply while the widget is closed is marked and announced, and stays
    // marked on the next page until the widget is opened.
    const later = 'Your payment plan is set up; nothing more is due this month.';
    await desk.getByRole('textbox', { name: 'Reply' }).fill(later);
    await desk.getByRole('button', { name: 'Send' }).click();
    await deskLog.getByText(later).waitFor();
    await until(unread, { message: 'the closed widget to mark the reply new' });
    assert.equal(await announcedNew(), 1, 'the reply is announced');
    await citizen.reload();
    await launcher.waitFor();
    await until(unread, { message: 'the unread reply still marked after a reload' });
    const w = await openWidget(citizen);
    await w.log.getByText(later).waitFor();
    await w.dialog.getByRole('button', { name: 'Close chat' }).click();
    await citizen.reload();
    await launcher.waitFor();
    await citizen.waitForTimeout(1500);
    assert.equal(await unread(), false, 'once opened, the reply is read on every page');
    noProblems(citizen);
  });

  it('a server restart mid-conversation loses and doubles nothing', { timeout: 90000 }, async () => {
    const { citizen, desk, deskLog } = await conversation();
    const w = await widget(citizen);
    const during = 'My account number is 4417, sent while the server was down';
    const after = 'Thanks, I found account 4417: the March bill was estimated.';
    await srv.restart(async () => {
      // The citizen writes while the server is down: the widget keeps it.
      await w.message.fill(during);
      await w.send.click();
      await w.log.getByText(during).waitFor();
      await citizen.waitForTimeout(1000);
    });
    // Once the server is back the message goes out, exactly once.
    await deskLog.getByText(during).waitFor({ timeout: 30000 });
    await desk.getByRole('textbox', { name: 'Reply' }).fill(after);
    await desk.getByRole('button', { name: 'Send' }).click();
    await w.log.getByText(after).waitFor({ timeout: 15000 });
    await citizen.waitForTimeout(500);
    for (const text of [WATER, REPLY, during, after]) {
      assert.equal(await countIn(w.log, text), 1, `widget shows once: ${text}`);
      assert.equal(await countIn(deskLog, text), 1, `desk shows once: ${text}`);
    }
    const offline = [/ERR_CONNECTION_REFUSED/, /WebSocket connection to .* failed/, /Failed to load resource/];
    noProblems(citizen, offline);
    noProblems(desk, offline);
  });
  it('desk tools: canned responses, internal notes, transfer', { timeout: 90000 }, async () => {
    const { desk, citizen, deskLog } = await conversation();
    const w = await widget(citizen);

    // "/" offers canned responses; Enter inserts the chosen one.
    const reply = desk.getByRole('textbox', { name: 'Reply' });
    await reply.fill('/gre');
    const option = desk.getByRole('listbox', { name: 'Canned responses' }).getByRole('option', { name: /greet/ });
    await option.waitFor();
    await reply.press('Enter');
    const text = await reply.inputValue();
    assert.match(text, /^Hello, thank you for contacting us\. My name is Alex Rivera/);
    await desk.getByRole('button', { name: 'Send' }).click();
    await w.log.getByText(text).waitFor({ timeout: 15000 });

    // An internal note shows on the desk, distinct, and never reaches the citizen.
    const note = 'Internal: citizen disputes the March estimate, check meter photo';
    await desk.getByText('Add an internal note').click();
    await desk.getByRole('textbox', { name: /Internal note/ }).fill(note);
    await desk.getByRole('button', { name: 'Add note' }).click();
    await deskLog.getByText(note).waitFor();
    assert.match(await deskLog.locator('.msg', { hasText: note }).innerText(), /Internal note/);
    await citizen.waitForTimeout(1000);
    assert.equal(await countIn(w.log, note), 0, 'the note reached the citizen');
    await citizen.reload();
    const again = await openWidget(citizen);
    await again.log.getByText(text).waitFor();
    assert.equal(await countIn(again.log, 'Internal:'), 0, 'the note reached the citizen after a reload');

    // A transfer moves the conversation to another department.
    await desk.getByRole('button', { name: 'Transfer' }).click();
    await desk.getByRole('combobox', { name: 'Department' }).selectOption({ label: 'Housing' });
    await desk.getByRole('textbox', { name: /Note for the next caseworker/ }).fill('Tenant question, not utilities');
    await desk.getByRole('button', { name: 'Transfer now' }).click();
    await desk.getByText(/^Housing · /).waitFor({ timeout: 15000 });
    await deskLog.getByText('Tenant question, not utilities').waitFor();
    noProblems(desk);
  });
});
