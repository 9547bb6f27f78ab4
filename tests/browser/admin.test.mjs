// The administration page (/desk/admin) in headless Chromium against a real
// server: a supervisor registers a webhook that a small Node server receives,
// adds an agent, sets the external bot, and the page passes axe-core.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startServer, launchBrowser, watch, axe, signIn, until, PASSWORD } from './lib.mjs';

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

// botAnswer asks the bot as a new web chat visitor and returns its answer.
async function botAnswer(text) {
  const s = await fetch(srv.url + '/api/v1/widget/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"locale":"en"}' });
  assert.equal(s.status, 201, await s.clone().text());
  const { visitorToken } = await s.json();
  const auth = { 'Content-Type': 'application/json', Authorization: 'Bearer ' + visitorToken };
  const m = await fetch(srv.url + '/api/v1/widget/messages', { method: 'POST', headers: auth, body: JSON.stringify({ clientMessageId: randomUUID(), text }) });
  assert.ok(m.ok, `message refused (${m.status}): ${await m.text()}`);
  return until(async () => {
    const r = await fetch(srv.url + '/api/v1/widget/messages', { headers: auth });
    const { messages } = await r.json();
    const bot = (messages || []).find((x) => x.author && x.author.kind === 'bot');
    return bot && bot.text;
  }, { timeout: 20000, message: "the bot's answer" });
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
    await until(async () => /Deleted \/hours/.test(await canned.getByRole('status').innerText()), { timeout: 5000, message: 'the deletion announced' });
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

  it('adds, edits and deletes a knowledge-base article the bot answers from at once', { timeout: 120000 }, async () => {
    const section = page.getByRole('region', { name: 'Knowledge base', exact: true });
    const status = section.getByRole('status');
    const form = section.getByRole('form', { name: 'Add or replace an article' });
    const question = 'My water bill is high, can I get the zebrafinch rebate on my water bill?';

    // The API's error is announced.
    await form.getByRole('textbox', { name: 'Article ID' }).fill('en/utilities/zebrafinch-rebate');
    await form.getByRole('textbox', { name: 'Article title' }).fill('Zebrafinch rebate for water bills');
    await form.getByRole('combobox', { name: 'Language' }).selectOption('en');
    await form.getByRole('combobox', { name: 'Department' }).selectOption({ label: 'Utilities' });
    await form.getByRole('textbox', { name: 'Link' }).fill('http://city.example/zebrafinch');
    await form.getByRole('textbox', { name: 'Summary' }).fill('Households with a zebrafinch rebate pay half the water bill.');
    await form.getByRole('textbox', { name: 'Article text' }).fill('Households with a zebrafinch rebate pay half the water bill.\n\nApply online.');
    await form.getByRole('button', { name: 'Save article' }).click();
    await until(async () => /url must be an https:\/\/ link/.test(await status.innerText()), { message: 'the url error' });
    assert.equal(await page.getByRole('table', { name: 'Knowledge-base articles' }).getByRole('row', { name: /zebrafinch/ }).count(), 0);

    await form.getByRole('textbox', { name: 'Link' }).fill('https://city.example/zebrafinch');
    await form.getByRole('button', { name: 'Save article' }).click();
    await until(async () => (await status.innerText()) === 'Saved', { message: 'Saved' });
    const row = page.getByRole('table', { name: 'Knowledge-base articles' }).getByRole('row', { name: /zebrafinch-rebate/ });
    await row.waitFor();
    for (const want of ['Zebrafinch rebate for water bills', 'English', 'Utilities', 'https://city.example/zebrafinch']) {
      assert.ok((await row.innerText()).includes(want), `${want} in ${await row.innerText()}`);
    }
    // A citizen's question is answered from it, without a restart.
    assert.match(await botAnswer(question), /Zebrafinch rebate for water bills \(https:\/\/city\.example\/zebrafinch\)/);

    // Edit: the form fills in; the new title is used at once.
    await row.getByRole('button', { name: 'Edit en/utilities/zebrafinch-rebate' }).click();
    const titleBox = form.getByRole('textbox', { name: 'Article title' });
    await until(async () => (await titleBox.inputValue()) === 'Zebrafinch rebate for water bills', { message: 'the form filled in' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'kb-title-input');
    assert.match(await form.getByRole('textbox', { name: 'Article text' }).inputValue(), /Apply online\./);
    await titleBox.fill('Zebrafinch water rebate');
    await form.getByRole('button', { name: 'Save article' }).click();
    await until(async () => { const t = await row.innerText(); return t.includes('Zebrafinch water rebate') && !t.includes('for water bills'); }, { message: 'the new title listed' });
    assert.match(await botAnswer(question), /Zebrafinch water rebate \(https/);

    // Delete asks first; Cancel keeps it and gives focus back.
    const del = row.getByRole('button', { name: 'Delete en/utilities/zebrafinch-rebate' });
    await del.click();
    const yes = section.getByRole('button', { name: 'Yes, delete' });
    await yes.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'kb-yes');
    assert.match(await section.locator('#kb-question').innerText(), /Delete the article en\/utilities\/zebrafinch-rebate/);
    let v = await axe(page);
    assert.deepEqual(v, [], `axe violations with the delete confirmation open:\n${v.join('\n')}`);
    await page.keyboard.press('Escape');
    await yes.waitFor({ state: 'hidden' });
    assert.equal(await row.count(), 1);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Delete en/utilities/zebrafinch-rebate');
    await page.keyboard.press('Enter');
    await yes.waitFor();
    await page.keyboard.press('Enter');
    await until(async () => (await row.count()) === 0, { message: 'the article deleted' });
    await until(async () => /Deleted en\/utilities\/zebrafinch-rebate/.test(await status.innerText()), { message: 'the deletion announced' });
    assert.doesNotMatch(await botAnswer(question), /Zebrafinch/);
    v = await axe(page);
    assert.deepEqual(v, [], `axe violations on the knowledge base section:\n${v.join('\n')}`);
    // The refused http link logged its 400, as browsers do.
    noProblems(page, [/status of 400 .*\/api\/v1\/admin\/kb\//]);
  });

  it('API tokens are for admins: create, copy once, use and revoke', { timeout: 120000 }, async () => {
    // A supervisor does not see the section.
    assert.equal(await page.getByRole('heading', { name: 'API tokens' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'API tokens' }).count(), 0);

    // The demo has no admin: add one with the CLI while the server is down.
    await srv.restart(async () => {
      execFileSync(srv.bin, ['agent', 'add', '--email', 'admin@demo.gov', '--name', 'Ada Admin', '--role', 'admin', '--data-dir', srv.dataDir],
        { input: PASSWORD + '\n', stdio: ['pipe', 'ignore', 'inherit'] });
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
    contexts.push(context);
    const ap = await context.newPage();
    ap.problems = watch(ap);
    await ap.goto(srv.url + '/desk/admin');
    await signIn(ap, 'admin@demo.gov');
    const section = ap.getByRole('region', { name: 'API tokens', exact: true }).filter({ has: ap.getByRole('heading', { name: 'API tokens' }) });
    await section.getByRole('heading', { name: 'API tokens' }).waitFor();
    await ap.getByRole('link', { name: 'API tokens' }).waitFor();
    const status = section.getByRole('status');

    const form = section.getByRole('form', { name: 'Create an API token' });
    await form.getByRole('textbox', { name: 'Token name' }).fill('Monthly report job');
    await form.getByRole('combobox', { name: 'Scope' }).selectOption('supervisor-read');
    const expiry = new Date(Date.now() + 40 * 86400e3).toISOString().slice(0, 10);
    await form.getByLabel('Expires on').fill(expiry);
    await form.getByRole('button', { name: 'Create token' }).click();

    // The secret, once, read-only, labelled, with the warning; focus on it.
    const secretBox = section.getByRole('textbox', { name: 'New API token' });
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    assert.match(secret, /^cdk_\S{20,}$/);
    assert.equal(await secretBox.getAttribute('readonly'), '');
    assert.match(await section.getByText(/only time this token is shown/).innerText(), /cannot show it again/);
    assert.equal(await ap.evaluate(() => document.activeElement.id), 'token-secret-title');
    await until(async () => /shown only once/.test(await status.innerText()), { message: 'the creation announced' });
    const row = ap.getByRole('table', { name: 'API tokens' }).getByRole('row', { name: /Monthly report job/ });
    await row.waitFor();
    const rowText = await row.innerText();
    assert.ok(rowText.includes('Supervisor, read only'), rowText);
    assert.ok(rowText.includes('Not used yet'), rowText);
    assert.ok(!rowText.includes('Never'), rowText);
    assert.ok(!(await section.getByRole('table').innerText()).includes(secret), 'the list never shows the secret');
    let v = await axe(ap);
    assert.deepEqual(v, [], `axe violations with a new token shown:\n${v.join('\n')}`);

    await section.getByRole('button', { name: 'Copy token' }).click();
    await until(async () => (await status.innerText()) === 'Token copied to the clipboard', { message: 'Copied' });
    assert.equal(await ap.evaluate(() => navigator.clipboard.readText()), secret);

    // The token works for an integration (reads only) …
    const call = (path, method = 'GET') => fetch(srv.url + '/api/v1' + path, { method, headers: { Authorization: 'Bearer ' + secret } });
    assert.equal((await call('/admin/kb')).status, 200);
    assert.equal((await call('/admin/kb/x', 'DELETE')).status, 403);

    // … is hidden for good when dismissed …
    await section.getByRole('button', { name: /I have stored it/ }).click();
    await secretBox.waitFor({ state: 'hidden' });
    assert.equal(await ap.locator('#token-secret').inputValue(), '');
    await ap.reload();
    await row.waitFor();
    assert.ok(!(await ap.content()).includes(secret), 'the secret is not on the page after a reload');

    // … and revoked after confirming, it stops working.
    await row.getByRole('button', { name: 'Revoke Monthly report job' }).click();
    const yes = section.getByRole('button', { name: 'Yes, revoke' });
    await yes.waitFor();
    assert.match(await section.locator('#tokens-question').innerText(), /stop working at once/);
    await yes.click();
    await until(async () => (await row.count()) === 0, { message: 'the token revoked' });
    await until(async () => /Revoked Monthly report job/.test(await status.innerText()), { message: 'the revocation announced' });
    assert.equal((await call('/admin/kb')).status, 401);
    v = await axe(ap);
    assert.deepEqual(v, [], `axe violations on the API tokens section:\n${v.join('\n')}`);
    noProblems(ap);
  });

  it('an admin edits opening hours and the service-level target by keyboard', { timeout: 120000 }, async () => {
    // The admin may exist already (API tokens, above); otherwise add it.
    const tryAdmin = await fetch(srv.url + '/api/v1/desk/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.gov', password: PASSWORD }) });
    if (tryAdmin.status !== 200) {
      await srv.restart(async () => {
        execFileSync(srv.bin, ['agent', 'add', '--email', 'admin@demo.gov', '--name', 'Ada Admin', '--role', 'admin', '--data-dir', srv.dataDir],
          { input: PASSWORD + '\n', stdio: ['pipe', 'ignore', 'inherit'] });
      });
    }
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    contexts.push(context);
    const ap = await context.newPage();
    ap.problems = watch(ap);
    await ap.goto(srv.url + '/desk/admin');
    await signIn(ap, 'admin@demo.gov');
    const key = ap.keyboard;
    const typeInto = async (locator, text) => {
      await locator.focus();
      await key.press('Control+A');
      await key.type(text);
    };

    // Open the benefits department's routing from its row, by keyboard.
    const open = ap.getByRole('table', { name: 'Departments' }).getByRole('button', { name: 'Routing settings of Benefits' });
    await open.focus();
    await key.press('Enter');
    const form = ap.getByRole('form', { name: 'Routing of Benefits' });
    await form.waitFor();
    assert.equal(await ap.evaluate(() => document.activeElement.id), 'rt-title');
    await until(async () => /In force: Strategy longest idle; direct assignment; goal 80% answered within 60 s; always open/.test(await ap.locator('#rt-summary').innerText()),
      { message: 'the settings in force shown' });

    // Hours on, Monday to Friday 09:00–17:00, with a mistake on Monday.
    const hours = form.getByRole('group', { name: 'Opening hours' });
    await hours.getByRole('checkbox', { name: 'Open only during these hours' }).focus();
    await key.press('Space');
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      const g = hours.getByRole('group', { name: day });
      await typeInto(g.getByRole('textbox', { name: 'Opens' }), '09:00');
      await typeInto(g.getByRole('textbox', { name: 'Closes' }), day === 'Monday' ? '5pm' : '17:00');
    }
    await typeInto(hours.getByRole('textbox', { name: 'Closed dates' }), '2026-12-25, 2027-01-01');
    const sl = form.getByRole('group', { name: 'Service level' });
    await typeInto(sl.getByRole('textbox', { name: 'Goal (percent answered in time)' }), '90');
    await typeInto(sl.getByRole('textbox', { name: 'Answered within (seconds)' }), '45');
    await key.press('Enter');

    // The error is next to the field, tied to it, announced, and focused.
    const mondayCloses = hours.getByRole('group', { name: 'Monday' }).getByRole('textbox', { name: 'Closes' });
    await until(async () => (await mondayCloses.getAttribute('aria-invalid')) === 'true', { message: 'Monday marked invalid' });
    assert.equal(await ap.evaluate(() => document.activeElement.id), 'rt-1-to');
    assert.match(await ap.locator('#rt-1-error').innerText(), /closing time must be like 17:30/);
    assert.match(await mondayCloses.getAttribute('aria-describedby'), /rt-1-error/);
    const status = ap.locator('#routing-status');
    await until(async () => /one field needs correcting/.test(await status.innerText()), { message: 'the error announced' });
    let v = await axe(ap);
    assert.deepEqual(v, [], `axe violations with a routing error shown:\n${v.join('\n')}`);

    await typeInto(mondayCloses, '17:00');
    await key.press('Enter');
    await until(async () => (await status.innerText()) === 'Saved', { message: 'Saved' });
    assert.equal(await mondayCloses.getAttribute('aria-invalid'), null);
    const shown = await ap.locator('#rt-summary').innerText();
    assert.match(shown, /goal 90% answered within 45 s/);
    assert.match(shown, /Mon 09:00–17:00; Tue 09:00–17:00/);
    assert.match(shown, /closed on 2026-12-25, 2027-01-01/);

    // In force for the API and the supervisors' queues.
    const signin = await fetch(srv.url + '/api/v1/desk/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.gov', password: PASSWORD }) });
    const { token } = await signin.json();
    const get = async (path) => (await fetch(srv.url + '/api/v1' + path, { headers: { Authorization: 'Bearer ' + token } })).json();
    const { routing } = await get('/admin/departments/benefits/routing');
    assert.deepEqual(routing.hours.week[1], [{ from: '09:00', to: '17:00' }]);
    assert.deepEqual(routing.hours.week[0], []);
    assert.equal(routing.serviceLevelGoal, 0.9);
    assert.equal(routing.serviceLevelTarget, '45s');
    const { queues } = await get('/supervisor/queues');
    assert.equal(queues.find((q) => q.departmentId === 'benefits').serviceLevelTargetSeconds, 45);

    v = await axe(ap);
    assert.deepEqual(v, [], `axe violations on the routing form:\n${v.join('\n')}`);
    await ap.getByRole('button', { name: 'Close routing settings' }).focus();
    await key.press('Enter');
    await form.waitFor({ state: 'hidden' });
    assert.equal(await ap.evaluate(() => document.activeElement.textContent), 'Routing settings of Benefits');
    noProblems(ap);
  });
});
