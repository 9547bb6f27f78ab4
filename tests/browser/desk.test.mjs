// The caseworker's desk and the supervisor console beyond the basics:
// desktop notifications, keyboard shortcuts, automatic away, resuming the
// desk socket with nothing missed, the console's charts, the read-only
// view and reassigning, all against a real server in real Chromium.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, watch, axe, signIn, until, PASSWORD } from './lib.mjs';

let srv;
let browser;
const POLL_MS = 3000; // the console's refresh (supervisor.js)
const contexts = [];

// Records every Notification the page creates (the real one is still made),
// and lets the test refuse the desk socket for a while.
const HOOKS = () => {
  window.__notes = [];
  const N = window.Notification;
  if (N) {
    window.Notification = class extends N {
      constructor(title, opts) {
        window.__notes.push({ title, body: opts && opts.body });
        super(title, opts);
      }
    };
  }
  // Counts the tones the page plays (WebAudio oscillators).
  window.__oscillators = 0;
  const AC = window.AudioContext;
  if (AC) {
    const make = AC.prototype.createOscillator;
    AC.prototype.createOscillator = function () { window.__oscillators++; return make.call(this); };
  }
  const WS = window.WebSocket;
  window.__sockets = [];
  window.__blockSockets = false;
  window.WebSocket = class extends WS {
    constructor(url, protocols) {
      super(window.__blockSockets ? String(url).replace('/desk/ws', '/desk/ws-refused') : url, protocols);
      window.__sockets.push(this);
    }
  };
};

async function newPage({ permissions = [], init = [], base = srv.url } = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  contexts.push(context);
  if (permissions.length) await context.grantPermissions(permissions, { origin: base });
  await context.addInitScript(HOOKS);
  for (const script of init) await context.addInitScript(script);
  const page = await context.newPage();
  page.problems = watch(page);
  return page;
}

const OFFLINE = [/WebSocket connection to .* failed/, /status of 404/];
function noProblems(page, allow = []) {
  const left = page.problems.splice(0).filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(left, [], 'console errors on ' + page.url());
}

async function noViolations(page, what) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe violations on ${what}:\n${v.join('\n')}`);
}

// call is the API as a script sees it.
async function call(method, path, { token, body, base = srv.url } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + '/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(data)}`);
  return data;
}

// citizen starts a web chat that asks for a person; say sends more.
async function citizen(text, base = srv.url) {
  const { visitorToken } = await call('POST', '/widget/sessions', { body: {}, base });
  const say = (t) => call('POST', '/widget/messages', { token: visitorToken, body: { clientMessageId: crypto.randomUUID(), text: t }, base });
  const { conversationId } = await say(text);
  return { token: visitorToken, conversationId, say };
}

let supToken;
async function conversationState(id) {
  supToken = supToken || (await call('POST', '/desk/login', { body: { email: 'supervisor@demo.gov', password: PASSWORD } })).token;
  return (await call('GET', '/desk/conversations/' + encodeURIComponent(id), { token: supToken })).conversation;
}
async function agentStatus(id) {
  supToken = supToken || (await call('POST', '/desk/login', { body: { email: 'supervisor@demo.gov', password: PASSWORD } })).token;
  const { agents } = await call('GET', '/supervisor/agents', { token: supToken });
  return agents.find((a) => a.id === id).status;
}

let sup;
let desk;
let resumed; // the two citizens of the reconnect test, for the contact test

describe('desk and supervisor console', { concurrency: false }, () => {
  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
  }, { timeout: 180000 });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (srv) await srv.close();
  });

  it('the supervisor charts queue length and service level, with a text alternative, live', { timeout: 90000 }, async () => {
    sup = await newPage();
    await sup.goto(srv.url + '/desk/supervisor');
    await signIn(sup, 'supervisor@demo.gov');
    const chart = sup.getByRole('img', { name: /Citizens waiting/ });
    await chart.waitFor();
    assert.equal(await sup.locator('#chart-waiting svg polyline').count(), 1, 'the chart is drawn as SVG');
    const desc = () => chart.evaluate((svg) => svg.querySelector('desc').textContent);
    assert.match(await desc(), /now 0/);
    await sup.getByRole('img', { name: /Service level/ }).waitFor();
    // The table alternative holds the same numbers, latest first.
    await sup.getByText('Citizens waiting as a table').click();
    const table = sup.getByRole('table', { name: 'Citizens waiting' });
    const latest = async () => (await table.getByRole('row').nth(1).getByRole('cell').innerText()).trim();
    assert.equal(await latest(), '0');
    // The containment rate is on the console.
    await sup.getByText(/Resolved by the assistant/).waitFor();

    // No caseworker is signed in: two citizens wait, and the chart rises.
    await citizen('I want to talk to a person about my water bill');
    await citizen('Can I speak to a human about my water bill please');
    await until(async () => /now 2/.test(await desc()), { timeout: 20000, message: 'the chart to show two waiting' });
    await until(async () => (await latest()) === '2', { message: 'the table to show two waiting' });
    assert.match(await sup.locator('#chart-waiting .now').innerText(), /Now: 2/);
    // Every open conversation is listed.
    const open = sup.getByRole('table', { name: 'Open conversations' });
    await until(async () => (await open.getByRole('row').count()) === 3, { message: 'two open conversations listed' });
    noProblems(sup);
    await noViolations(sup, '/desk/supervisor with the charts and their tables');
  });

  it('notifications: opt in on the desk, then a new assignment notifies', { timeout: 90000 }, async () => {
    desk = await newPage({ permissions: ['notifications'] });
    await desk.goto(srv.url + '/desk');
    await signIn(desk, 'agent1@demo.gov');
    // Signing in takes the two waiting conversations, silently (not opted in).
    await desk.getByRole('heading', { name: /My conversations \(2\)/ }).waitFor({ timeout: 15000 });
    assert.equal(await desk.evaluate(() => window.__notes.length), 0);

    await desk.getByRole('button', { name: 'Settings' }).click();
    const box = desk.getByRole('checkbox', { name: /Desktop notification and sound/ });
    await box.check();
    assert.equal(await desk.evaluate(() => localStorage.getItem('civicdesk.desk.notify')), 'on');
    assert.equal(await desk.evaluate(() => Notification.permission), 'granted');
    await noViolations(desk, '/desk with the settings open');

    const tones = await desk.evaluate(() => window.__oscillators);
    assert.ok(tones > 0, 'opting in plays the tone once, as a sample');
    await citizen('I need to talk to a person about my water bill, it doubled');
    await until(() => desk.evaluate(() => window.__notes.length === 1), { timeout: 15000, message: 'a desktop notification' });
    const [note] = await desk.evaluate(() => window.__notes);
    assert.equal(note.title, 'New conversation assigned to you');
    assert.match(note.body, /Web chat · Utilities/);
    assert.doesNotMatch(note.body, /doubled/, 'the citizen\'s words stay off the desktop');
    assert.ok(await desk.evaluate(() => window.__oscillators) > tones, 'the new assignment played the tone');
    // The setting is remembered.
    await desk.reload();
    await desk.getByRole('heading', { name: /My conversations \(3\)/ }).waitFor({ timeout: 15000 });
    await desk.getByRole('button', { name: 'Settings' }).click();
    assert.ok(await desk.getByRole('checkbox', { name: /Desktop notification and sound/ }).isChecked());
    await desk.getByRole('button', { name: 'Settings' }).click();
    noProblems(desk);
  });

  it('keyboard shortcuts: reply to and close a conversation by keyboard alone', { timeout: 90000 }, async () => {
    // "?" shows the shortcuts, but not while typing.
    await desk.locator('body').press('?');
    const help = desk.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await noViolations(desk, '/desk with the shortcut help open');
    await desk.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    // Alt+N opens the next conversation with the reply box focused.
    await desk.keyboard.press('Alt+KeyN');
    const reply = desk.getByRole('textbox', { name: 'Reply' });
    await until(() => reply.evaluate((el) => el === document.activeElement), { message: 'the reply box to have focus' });
    const id = decodeURIComponent(new URL(desk.url()).hash.replace('#/c/', ''));
    assert.ok(id, 'a conversation is open');
    await desk.keyboard.type('Is this about the? bill');
    assert.equal(await help.isVisible(), false, '"?" in the reply box is just text');
    await desk.keyboard.press('Escape');
    await desk.keyboard.press('Control+A');
    const text = 'Keyboard reply: your water bill is being checked.';
    await desk.keyboard.type(text);
    await desk.keyboard.press('Enter');
    const log = desk.getByRole('log', { name: 'Messages' });
    await log.getByText(text).waitFor();
    await until(async () => {
      const { messages } = await call('GET', '/desk/conversations/' + id, { token: supToken || (supToken = (await call('POST', '/desk/login', { body: { email: 'supervisor@demo.gov', password: PASSWORD } })).token) });
      return messages.some((m) => m.text === text && m.author.kind === 'agent');
    }, { message: 'the reply to be recorded' });

    // Focus elsewhere, then Alt+R comes back to the reply box.
    await desk.getByRole('button', { name: 'Keyboard shortcuts' }).focus();
    await desk.keyboard.press('Alt+KeyR');
    assert.ok(await reply.evaluate((el) => el === document.activeElement));

    // Alt+C opens the close panel on its outcome; Tab to "Close now", Enter.
    await desk.keyboard.press('Alt+KeyC');
    const outcome = desk.getByRole('combobox', { name: 'Outcome' });
    await until(() => outcome.evaluate((el) => el === document.activeElement), { message: 'the outcome to have focus' });
    await desk.keyboard.press('Tab');
    await desk.keyboard.press('Enter');
    await until(async () => (await conversationState(id)).state === 'closed', { message: 'the conversation to close' });
    assert.equal((await conversationState(id)).disposition, 'resolved');
    await desk.getByRole('heading', { name: /My conversations \(2\)/ }).waitFor();

    // Alt+T opens the transfer panel of the next one.
    await desk.keyboard.press('Alt+KeyN');
    await until(() => reply.evaluate((el) => el === document.activeElement), { message: 'the next conversation' });
    await desk.keyboard.press('Alt+KeyT');
    const dept = desk.getByRole('combobox', { name: 'Department' });
    await until(() => dept.evaluate((el) => el === document.activeElement), { message: 'the transfer panel' });
    await desk.keyboard.press('Escape');
    noProblems(desk);
  });

  it('the desk socket resumes after a reconnect with nothing missed or doubled', { timeout: 90000 }, async () => {
    const other = await citizen('I want to talk to a person about my water bill, the other one');
    const c = await citizen('I want to talk to a person about my water bill meter reading');
    resumed = { c, other };
    const otherLink = desk.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /the other one/ });
    await otherLink.waitFor({ timeout: 15000 });
    const link = desk.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /meter reading/ });
    await link.waitFor({ timeout: 15000 });
    await link.click();
    const log = desk.getByRole('log', { name: 'Messages' });
    await log.getByText(/meter reading/).first().waitFor();

    // The socket drops and cannot come back for a while.
    await desk.evaluate(() => { window.__blockSockets = true; for (const ws of window.__sockets) ws.close(); });
    await desk.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
    const missed = 'Sent while the desk was disconnected: meter 88213';
    await c.say(missed);
    await other.say('Also written while the desk was disconnected');
    await desk.waitForTimeout(1500);
    assert.equal(await log.getByText(missed).count(), 0, 'nothing can arrive while disconnected');

    await desk.evaluate(() => { window.__blockSockets = false; });
    await log.getByText(missed).waitFor({ timeout: 30000 });
    await desk.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor({ state: 'hidden' });
    // The conversation not open counts what came meanwhile as unread.
    await desk.getByRole('link', { name: /written while the desk was disconnected.*1 new/ }).waitFor();
    // Live again: the next message comes over the socket, once each.
    const live = 'And this one came live: meter 88214';
    await c.say(live);
    await log.getByText(live).waitFor({ timeout: 15000 });
    await desk.waitForTimeout(500);
    assert.equal(await log.getByText(missed).count(), 1);
    assert.equal(await log.getByText(live).count(), 1);
    assert.equal(await log.getByText('I want to talk to a person about my water bill meter reading').count(), 1);
    noProblems(desk, OFFLINE);
  });

  it('contact details are edited, and a duplicate merged only after confirmation', { timeout: 60000 }, async () => {
    const { c, other } = resumed; // c's conversation is open on the desk
    await desk.getByText('Contact details').click();
    await desk.getByRole('textbox', { name: 'Name' }).fill('Ana Díaz');
    await desk.getByRole('textbox', { name: 'Email' }).fill('ana@example.org');
    await desk.getByRole('button', { name: 'Save contact' }).click();
    await desk.getByRole('status').filter({ hasText: 'Contact saved.' }).waitFor();
    await desk.getByRole('heading', { name: 'Ana Díaz · Web chat' }).waitFor();

    const into = (await conversationState(other.conversationId)).contactId;
    const from = (await conversationState(c.conversationId)).contactId;
    assert.notEqual(from, into);
    await desk.getByRole('textbox', { name: /Merge this contact into/ }).fill(into);
    await desk.getByRole('button', { name: 'Merge…' }).click();
    await desk.getByText(/^Move 1 conversation of Ana Díaz to/).waitFor();
    assert.equal((await conversationState(c.conversationId)).contactId, from, 'nothing merged before the confirmation');
    await noViolations(desk, '/desk asking to confirm a merge');
    await desk.getByRole('button', { name: 'Yes, merge' }).click();
    await desk.getByRole('status').filter({ hasText: 'Merged: 1 conversation moved.' }).waitFor();
    assert.equal((await conversationState(c.conversationId)).contactId, into);
    await desk.getByText('Contact details').click();
    noProblems(desk, OFFLINE);
  });

  it('automatic away after inactivity, back only by choice', { timeout: 60000 }, async () => {
    const page = await newPage({ init: [() => localStorage.setItem('civicdesk.desk.awayAfterSeconds', '2')] });
    await page.goto(srv.url + '/desk');
    await signIn(page, 'agent3@demo.gov');
    const status = page.getByRole('combobox', { name: 'Status' });
    await status.waitFor();
    assert.equal(await status.inputValue(), 'available');
    const prompt = page.getByRole('region', { name: 'You are away' });
    await prompt.waitFor({ timeout: 10000 });
    assert.equal(await status.inputValue(), 'away');
    assert.equal(await agentStatus('ag_agent3'), 'away');
    // The live region is emptied and refilled a moment later, so that
    // screen readers announce a repeated text: wait for the new text.
    await until(async () => /away: no activity for 2 s/.test(await page.locator('#announce').innerText()),
      { timeout: 5000, message: 'the away announcement' });
    await noViolations(page, '/desk with the away prompt');
    // Activity alone does not bring the caseworker back.
    await page.mouse.move(200, 300);
    await page.keyboard.press('Shift');
    await page.waitForTimeout(1200);
    assert.equal(await agentStatus('ag_agent3'), 'away');
    await page.getByRole('button', { name: 'I am back: set me available' }).click();
    await prompt.waitFor({ state: 'hidden' });
    assert.equal(await status.inputValue(), 'available');
    assert.equal(await agentStatus('ag_agent3'), 'available');
    await status.selectOption('offline');
    noProblems(page);
  });

  it('any conversation opens read-only on the console, and reassign moves it', { timeout: 90000 }, async () => {
    const c = await citizen('I want to talk to a person about my water bill, reassign test');
    await until(async () => (await conversationState(c.conversationId)).assignedAgentId === 'ag_agent1', { timeout: 15000, message: 'agent1 to get it' });
    // The desk rebuilds its lists on every event without losing a keyboard
    // user's place, and says what came in for one of my other conversations.
    const link = desk.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /reassign test/ });
    await link.focus();
    await c.say('One more detail about the bill, reassign test');
    await until(async () => /New message in your Web chat conversation/.test(await desk.locator('#announce').innerText()), { timeout: 10000, message: 'the new message announced' });
    assert.equal(await desk.evaluate(() => document.activeElement.dataset.key), 'c:' + c.conversationId, 'focus stays on the conversation link');

    const open = sup.getByRole('table', { name: 'Open conversations' });
    const row = open.getByRole('row', { name: /reassign test/ });
    await row.waitFor({ timeout: 10000 });
    // The console's table is refreshed every few seconds; a focused button
    // keeps its focus through it.
    await row.getByRole('button', { name: /View/ }).focus();
    await sup.waitForTimeout(POLL_MS + 1000);
    assert.equal(await sup.evaluate(() => document.activeElement.dataset.key), 'view:' + c.conversationId, 'focus stays on View');
    await sup.keyboard.press('Enter');
    const viewer = sup.getByRole('region', { name: /read-only/ });
    await viewer.waitFor();
    await viewer.getByRole('log', { name: 'Messages' }).getByText(/One more detail about the bill, reassign test/).waitFor();
    assert.match(await viewer.innerText(), /Urgency/, 'the triage shows');
    assert.equal(await sup.getByRole('textbox', { name: 'Reply' }).count(), 0, 'no reply box');
    assert.equal(await sup.getByRole('textbox').count(), 0, 'nothing to type into');
    await noViolations(sup, '/desk/supervisor with a conversation open read-only');

    await viewer.getByRole('combobox', { name: 'Reassign to' }).selectOption('ag_agent5');
    const reassign = viewer.getByRole('button', { name: 'Reassign' });
    await reassign.focus();
    await sup.keyboard.press('Enter');
    await until(async () => (await conversationState(c.conversationId)).assignedAgentId === 'ag_agent5', { timeout: 15000, message: 'the reassignment' });
    assert.ok(await reassign.evaluate((b) => b === document.activeElement), 'focus stays on Reassign while it works');
    await until(async () => /Eli Haddad/.test(await row.innerText()), { message: 'the console to show the new agent' });
    await until(async () => /Reassigned to Eli Haddad/.test(await sup.locator('#announce').innerText()), { timeout: 5000, message: 'the reassignment announcement' });
    // agent1's desk loses it, live.
    await desk.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /reassign test/ }).waitFor({ state: 'detached', timeout: 15000 });
    // The agents table tells how long each has been in their status.
    const agent1 = sup.getByRole('table', { name: 'Agents' }).getByRole('row', { name: /Alex Rivera/ });
    assert.match(await agent1.innerText(), /available\s+\d+ (s|min)/);
    noProblems(sup);
    noProblems(desk, OFFLINE);
  });

  it('offers count down and are accepted with Alt+A or declined; manual queues are picked up', { timeout: 150000 }, async () => {
    // A second server whose routing offers instead of assigning, and
    // leaves the taxes queue to manual pick-up.
    const dir = mkdtempSync(join(tmpdir(), 'civicdesk-offers-'));
    const file = join(dir, 'routing.yaml');
    writeFileSync(file, 'default:\n  mode: offer\n  offerTimeout: 90s\ndepartments:\n  taxes:\n    strategy: manual\n');
    const prev = process.env.CIVICDESK_BIN;
    process.env.CIVICDESK_BIN = srv.bin;
    let srv2;
    try {
      srv2 = await startServer({ extraArgs: ['--routing-config', file] });
    } finally {
      if (prev === undefined) delete process.env.CIVICDESK_BIN; else process.env.CIVICDESK_BIN = prev;
    }
    try {
      const base = srv2.url;
      const token = (await call('POST', '/desk/login', { body: { email: 'supervisor@demo.gov', password: PASSWORD }, base })).token;
      const state = async (id) => (await call('GET', '/desk/conversations/' + encodeURIComponent(id), { token, base })).conversation;
      const page = await newPage({ base, permissions: ['notifications'], init: [() => localStorage.setItem('civicdesk.desk.notify', 'on')] });
      await page.goto(base + '/desk');
      await signIn(page, 'agent1@demo.gov');
      await page.getByRole('combobox', { name: 'Status' }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Conversations' });

      const first = await citizen('I want to talk to a person about my water bill, offer one', base);
      const offers = nav.getByRole('heading', { name: /Offered to you \(1\)/ });
      await offers.waitFor({ timeout: 15000 });
      const left = async () => Number((await nav.getByText(/\d+ s left/).innerText()).match(/(\d+) s left/)[1]);
      const t0 = await left();
      assert.ok(t0 > 60 && t0 <= 90, `countdown starts near the timeout: ${t0}`);
      await until(async () => (await left()) <= t0 - 2, { message: 'the countdown to tick' });
      await until(() => page.evaluate(() => window.__notes.some((x) => x.title === 'Conversation offered to you')), { message: 'an offer notification' });
      await noViolations(page, '/desk with an offer');

      // Alt+A accepts it, and the reply box is ready.
      await page.keyboard.press('Alt+KeyA');
      await until(async () => (await state(first.conversationId)).assignedAgentId === 'ag_agent1', { timeout: 15000, message: 'the offer to be accepted' });
      await nav.getByRole('heading', { name: /My conversations \(1\)/ }).waitFor();
      await offers.waitFor({ state: 'hidden' });
      const reply = page.getByRole('textbox', { name: 'Reply' });
      await until(() => reply.evaluate((el) => el === document.activeElement), { message: 'the reply box to have focus' });

      // Declining sends it back to the queue.
      const second = await citizen('I want to talk to a person about my water bill, offer two', base);
      await offers.waitFor({ timeout: 15000 });
      await nav.getByRole('button', { name: /Decline/ }).click();
      await until(async () => (await state(second.conversationId)).offeredAgentId !== 'ag_agent1', { timeout: 15000, message: 'the decline' });
      await offers.waitFor({ state: 'hidden' });
      await nav.getByRole('link', { name: /offer two/ }).waitFor();
      assert.equal((await state(second.conversationId)).state, 'queued');

      // A manual queue: the caseworker picks the conversation up.
      const tax = await citizen('I want to talk to a person about my property tax bill', base);
      const link = nav.getByRole('link', { name: /property tax bill/ });
      await link.waitFor({ timeout: 15000 });
      assert.equal((await state(tax.conversationId)).offeredAgentId || '', '', 'manual queues offer nothing');
      await link.click();
      await page.getByRole('button', { name: 'Accept' }).click();
      await until(async () => (await state(tax.conversationId)).assignedAgentId === 'ag_agent1', { timeout: 15000, message: 'the pick-up' });
      await nav.getByRole('heading', { name: /My conversations \(2\)/ }).waitFor();
      noProblems(page);
    } finally {
      await srv2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sign out everywhere ends every session of the caseworker', { timeout: 60000 }, async () => {
    const here = await newPage();
    const there = await newPage();
    for (const p of [here, there]) {
      await p.goto(srv.url + '/desk');
      await signIn(p, 'agent2@demo.gov');
      await p.getByRole('heading', { name: /My conversations/ }).waitFor({ timeout: 15000 });
    }
    const { token } = await call('POST', '/desk/login', { body: { email: 'agent2@demo.gov', password: PASSWORD } });
    await here.getByRole('button', { name: 'Settings' }).click();
    await noViolations(here, '/desk settings with sign out everywhere');
    await here.getByRole('button', { name: 'Sign out everywhere' }).click();
    await here.getByRole('heading', { name: 'Sign in to the desk' }).waitFor();
    // The other browser and the script's token are signed out too.
    await assert.rejects(call('GET', '/desk/me', { token }), /401/);
    await there.reload();
    await there.getByRole('heading', { name: 'Sign in to the desk' }).waitFor({ timeout: 15000 });
    noProblems(here, [/status of 401/]);
  });
});
