// The administration page (/desk/admin) in headless Chromium against a real
// server: a supervisor registers a webhook that a small Node server receives,
// adds an agent, sets the external bot, and the page passes axe-core.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { startServer, launchBrowser, watch, axe, signIn, until } from './lib.mjs';

let srv;
let browser;
let hookServer;
const received = [];
const contexts = [];

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.problems = watch(page);
  return page;
}

function noProblems(page, allow = []) {
  const left = page.problems.splice(0).filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(left, [], 'console errors on ' + page.url());
}

// citizenSays starts a web chat session through the API and sends text.
async function citizenSays(text) {
  const s = await fetch(srv.url + '/api/v1/widget/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(s.status, 201, await s.clone().text());
  const { visitorToken } = await s.json();
  const m = await fetch(srv.url + '/api/v1/widget/messages', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + visitorToken },
    body: JSON.stringify({ clientMessageId: randomUUID(), text })
  });
  assert.ok(m.ok, `message refused (${m.status}): ${await m.text()}`);
}

describe('CivicDesk administration page', { concurrency: false }, () => {
  let page;
  before(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
    srv = await startServer();
    browser = await launchBrowser();
  }, { timeout: 180000 });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (srv) await srv.close();
    if (hookServer) await new Promise((r) => hookServer.close(r));
  });

  it('a caseworker is told the page is for supervisors', { timeout: 60000 }, async () => {
    const cw = await newPage();
    await cw.goto(srv.url + '/desk/admin');
    await signIn(cw, 'agent1@demo.gov');
    await cw.getByRole('heading', { name: 'Supervisors only' }).waitFor();
    assert.match(await cw.locator('#forbidden').innerText(), /for supervisors/);
    assert.equal(await cw.getByRole('heading', { name: 'Administration', level: 1 }).count(), 0);
    const v = await axe(cw);
    assert.deepEqual(v, [], `axe violations on /desk/admin as a caseworker:\n${v.join('\n')}`);
    noProblems(cw);
  });

  it('the supervisor console links to administration', { timeout: 60000 }, async () => {
    page = await newPage();
    await page.goto(srv.url + '/desk/supervisor');
    await signIn(page, 'supervisor@demo.gov');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL(srv.url + '/desk/admin');
    await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
    noProblems(page);
  });

  it('a supervisor signs in at /desk/admin', { timeout: 60000 }, async () => {
    // A fresh context: sign in on the admin page itself.
    page = await newPage();
    await page.goto(srv.url + '/desk/admin');
    await page.getByRole('heading', { name: 'Sign in to administration' }).waitFor();
    await signIn(page, 'supervisor@demo.gov');
    await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
    // The lists have loaded: demo agents, departments and event types.
    await page.getByRole('table', { name: 'Agents' }).getByRole('row', { name: /Sam Supervisor/ }).waitFor();
    await page.getByRole('table', { name: 'Departments' }).getByRole('row', { name: /Utilities/ }).waitFor();
    await page.getByRole('group', { name: 'Events' }).getByRole('checkbox', { name: 'message' }).waitFor();
    noProblems(page);
  });

  it('registers a webhook that receives signed deliveries', { timeout: 90000 }, async () => {
    const section = page.getByRole('region', { name: 'Webhooks' });
    const status = section.getByRole('status');
    const hookURL = `http://127.0.0.1:${hookServer.address().port}/civicdesk`;

    // The API's error is announced.
    await section.getByRole('textbox', { name: 'ID' }).fill('crm');
    await section.getByRole('textbox', { name: 'URL' }).fill(hookURL);
    await section.getByLabel('Signing secret').fill('short');
    await section.getByRole('checkbox', { name: 'message' }).check();
    await section.getByRole('button', { name: 'Save webhook' }).click();
    await until(async () => /secret must be at least 16 characters/.test(await status.innerText()), { message: 'the secret error' });

    await section.getByLabel('Signing secret').fill('a-webhook-secret-of-some-length');
    for (const ev of ['conversation.created', 'message']) await section.getByRole('checkbox', { name: ev }).check();
    await section.getByRole('button', { name: 'Save webhook' }).click();
    await until(async () => (await status.innerText()) === 'Saved', { message: 'Saved' });
    const row = page.getByRole('table', { name: 'Webhook endpoints' }).getByRole('row', { name: /crm/ });
    await row.waitFor();
    assert.match(await row.innerText(), /127\.0\.0\.1/);
    assert.match(await row.innerText(), /conversation\.created, message/);

    // A citizen writes; the Node server receives the delivery, signed.
    await citizenSays('Is the recycling centre open on Saturday?');
    const got = await until(() => received.find((r) => r.url === '/civicdesk'), { timeout: 30000, message: 'a webhook delivery' });
    assert.equal(got.method, 'POST');
    assert.ok(got.headers['civicdesk-signature'], 'CivicDesk-Signature header');
    assert.ok(got.headers['civicdesk-delivery'], 'CivicDesk-Delivery header');
    const body = JSON.parse(got.body);
    assert.ok(['conversation.created', 'message'].includes(body.type), body.type);

    // The delivery log shows it.
    const deliveries = page.getByRole('table', { name: 'Deliveries to crm' });
    await until(async () => {
      await row.getByRole('button', { name: 'Deliveries crm' }).click();
      await deliveries.waitFor({ timeout: 2000 });
      return /Delivered/.test(await deliveries.innerText());
    }, { timeout: 20000, interval: 500, message: 'the delivery log' });
    assert.ok((await deliveries.innerText()).includes(got.headers['civicdesk-delivery']));
    // The refused short secret logged its 400, as browsers do.
    noProblems(page, [/status of 400 .*\/api\/v1\/admin\/webhooks\)/]);
  });

  it('adds an agent and deactivates them', { timeout: 60000 }, async () => {
    const section = page.getByRole('region', { name: 'Agents' });
    const form = section.getByRole('form', { name: 'Add an agent' });
    await form.getByRole('textbox', { name: 'Email' }).fill('nora.new@demo.gov');
    await form.getByRole('textbox', { name: 'Name' }).fill('Nora Newhire');
    await form.getByRole('combobox', { name: 'Role' }).selectOption('caseworker');
    await form.getByRole('group', { name: 'Departments' }).getByRole('checkbox', { name: 'Utilities' }).check();
    await form.getByRole('textbox', { name: 'Languages' }).fill('en,es');
    await form.getByLabel('Password').fill('a-long-enough-password');
    await form.getByRole('button', { name: 'Add agent' }).click();
    await until(async () => (await section.getByRole('status').innerText()) === 'Saved', { message: 'Saved' });
    const row = page.getByRole('table', { name: 'Agents' }).getByRole('row', { name: /Nora Newhire/ });
    await row.waitFor();
    const text = await row.innerText();
    for (const want of ['nora.new@demo.gov', 'caseworker', 'Utilities', 'en, es', 'Active']) assert.ok(text.includes(want), `${want} in ${text}`);

    await row.getByRole('button', { name: 'Deactivate Nora Newhire' }).click();
    await until(async () => (await row.innerText()).includes('Deactivated'), { message: 'the agent deactivated' });
    await row.getByRole('button', { name: 'Reactivate Nora Newhire' }).waitFor();
    noProblems(page);
  });

  it('sets the external bot', { timeout: 60000 }, async () => {
    const section = page.getByRole('region', { name: 'External bot' });
    const botURL = `http://127.0.0.1:${hookServer.address().port}/bot`;
    await section.getByRole('textbox', { name: 'URL' }).fill(botURL);
    await section.getByLabel('Secret').fill('bot-secret-value');
    await section.getByRole('button', { name: 'Save external bot' }).click();
    await until(async () => (await section.getByRole('status').innerText()) === 'Saved', { message: 'Saved' });
    await until(async () => /A secret is saved/.test(await section.innerText()), { message: 'the saved secret noted' });
    // It stays after a reload, and the secret is not shown.
    await page.reload();
    const url = page.getByRole('region', { name: 'External bot' }).getByRole('textbox', { name: 'URL' });
    await until(async () => (await url.inputValue()) === botURL, { message: 'the saved bot URL' });
    assert.equal(await page.getByLabel('Secret', { exact: true }).inputValue(), '');
    assert.equal(await page.getByRole('checkbox', { name: /Enabled/ }).isChecked(), false);
    noProblems(page);
  });

  it('adds a department and a canned response', { timeout: 60000 }, async () => {
    const depts = page.getByRole('region', { name: 'Departments' });
    await depts.getByRole('textbox', { name: 'Department ID' }).fill('parks');
    await depts.getByRole('textbox', { name: 'Department name' }).fill('Parks and Recreation');
    await depts.getByRole('button', { name: 'Save department' }).click();
    await page.getByRole('table', { name: 'Departments' }).getByRole('row', { name: /Parks and Recreation/ }).waitFor();
    await page.getByRole('group', { name: 'Departments' }).getByRole('checkbox', { name: 'Parks and Recreation' }).waitFor();
    // Retention: closed conversations kept 30 days, then anonymized.
    await depts.getByRole('textbox', { name: 'Department ID' }).fill('parks');
    await depts.getByRole('textbox', { name: 'Department name' }).fill('Parks and Recreation');
    await depts.getByRole('spinbutton', { name: /Keep closed conversations/ }).fill('30');
    await depts.getByRole('combobox', { name: 'Then' }).selectOption('anonymize');
    await depts.getByRole('button', { name: 'Save department' }).click();
    await page.getByRole('table', { name: 'Departments' }).getByRole('row', { name: /Parks and Recreation 30 days, then anonymized/ }).waitFor();

    const canned = page.getByRole('region', { name: 'Canned responses' });
    await canned.getByRole('textbox', { name: 'Shortcut' }).fill('hours');
    await canned.getByRole('textbox', { name: 'Title' }).fill('Opening hours');
    await canned.getByRole('textbox', { name: 'Text' }).fill('We are open 8 to 5, Monday to Friday.');
    await canned.getByRole('button', { name: 'Save canned response' }).click();
    const row = page.getByRole('table', { name: 'Canned responses' }).getByRole('row', { name: /hours/ });
    await row.waitFor();
    await row.getByRole('button', { name: 'Delete /hours' }).click();
    await until(async () => (await row.count()) === 0, { message: 'the canned response deleted' });
    assert.match(await canned.getByRole('status').innerText(), /Deleted \/hours/);
    noProblems(page);
  });

  it('passes axe-core (WCAG 2.2 AA)', { timeout: 60000 }, async () => {
    // Show the delivery log too, so its table is checked.
    await page.getByRole('button', { name: 'Deliveries crm' }).click();
    await page.getByRole('table', { name: 'Deliveries to crm' }).waitFor();
    const v = await axe(page);
    assert.deepEqual(v, [], `axe violations on /desk/admin:\n${v.join('\n')}`);
    noProblems(page);
  });
});
