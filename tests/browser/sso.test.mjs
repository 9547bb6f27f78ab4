// Single sign-on in headless Chromium: a small OpenID Connect provider in this
// process (discovery, JWKS, authorize, token with PKCE, RS256 ID tokens) on
// http://localhost, the desk on http://127.0.0.1, so the provider's redirect
// back is a real cross-site navigation and the browser's SameSite rules apply
// to the flow cookie (Lax) and the session cookie (Strict).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { startServer, launchBrowser, watch, axe } from './lib.mjs';

const CLIENT_ID = 'civicdesk-desk';
const CLIENT_SECRET = 'browser-idp-secret';

// startIdP serves an OpenID Connect provider that signs in `user()` at once.
async function startIdP(user) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map();
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = (claims) => {
    const data = b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' }) + '.' + b64(claims);
    return data + '.' + sign('sha256', Buffer.from(data), privateKey).toString('base64url');
  };
  const idp = { authorizations: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url, idp.issuer);
    const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, { issuer: idp.issuer, authorization_endpoint: idp.issuer + '/authorize', token_endpoint: idp.issuer + '/token',
        jwks_uri: idp.issuer + '/jwks', response_types_supported: ['code'], subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== CLIENT_ID || q.get('code_challenge_method') !== 'S256' || !q.get('nonce')) return json(400, { error: 'invalid_request' });
      idp.authorizations++;
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
      res.writeHead(302, { Location: `${q.get('redirect_uri')}?code=${code}&state=${encodeURIComponent(q.get('state'))}` });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const f = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic.split(':').map(decodeURIComponent);
        const g = codes.get(f.get('code'));
        codes.delete(f.get('code'));
        const challenge = createHash('sha256').update(f.get('code_verifier') || '').digest('base64url');
        if (id !== CLIENT_ID || secret !== CLIENT_SECRET || !g || g.challenge !== challenge || g.redirect !== f.get('redirect_uri')) {
          return json(400, { error: 'invalid_grant' });
        }
        const now = Math.floor(Date.now() / 1000);
        json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 300,
          id_token: jwt({ iss: idp.issuer, aud: CLIENT_ID, sub: 'u1', iat: now, exp: now + 300, nonce: g.nonce, ...user() }) });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // Another site than the desk's 127.0.0.1.
  idp.issuer = `http://localhost:${server.address().port}`;
  idp.close = () => new Promise((r) => server.close(r));
  return idp;
}

// freePort finds a port free a moment ago, so the desk's public URL (the
// callback the provider redirects to) is known before it starts.
async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

describe('Single sign-on in the browser', { concurrency: false }, () => {
  let srv;
  let idp;
  let browser;
  let user = {};
  before(async () => {
    idp = await startIdP(() => user);
    const port = await freePort();
    srv = await startServer({ extraArgs: ['--http-addr', `127.0.0.1:${port}`, '--oidc-issuer', idp.issuer, '--oidc-client-id', CLIENT_ID,
      '--oidc-client-secret', CLIENT_SECRET, '--oidc-role-map', 'civicdesk-staff=caseworker,civicdesk-supervisors=supervisor'] });
    browser = await launchBrowser();
  }, { timeout: 180000 });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (srv) await srv.close();
    if (idp) await idp.close();
  });

  it('a caseworker signs in to the desk through the identity provider', { timeout: 60000 }, async () => {
    user = { email: 'agent1@demo.gov', email_verified: true, groups: ['civicdesk-staff'] };
    const context = await browser.newContext();
    const page = await context.newPage();
    page.problems = watch(page);
    await page.goto(srv.url + '/desk/');
    const link = page.getByRole('link', { name: 'Sign in with single sign-on' });
    await link.waitFor();
    const v = await axe(page);
    assert.deepEqual(v, [], `axe violations on the sign-in page with single sign-on:\n${v.join('\n')}`);
    // By keyboard: Tab to the link, Enter.
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(srv.url + '/desk/');
    await page.locator('#app').waitFor({ state: 'visible' });
    assert.equal(idp.authorizations, 1);
    const me = await page.evaluate(async () => (await fetch('/api/v1/desk/me')).json());
    assert.equal(me.agent.email, 'agent1@demo.gov');
    assert.equal(me.agent.role, 'caseworker');
    const cookies = await context.cookies(srv.url);
    const session = cookies.find((c) => c.name === 'cd_session');
    assert.ok(session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
    assert.ok(!cookies.some((c) => c.name === 'cd_oidc'), 'the flow cookie is gone after the callback');
    assert.deepEqual(page.problems, []);
    await context.close();
  });

  it('a refused sign-in is explained on a page', { timeout: 60000 }, async () => {
    user = { email: 'nobody@city.gov', groups: ['civicdesk-staff'] };
    const context = await browser.newContext();
    const page = await context.newPage();
    page.problems = watch(page);
    await page.goto(srv.url + '/desk/');
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.getByRole('heading', { name: 'Single sign-on did not sign you in' }).waitFor();
    assert.match(await page.locator('main').innerText(), /no CivicDesk account for this email/);
    const v = await axe(page);
    assert.deepEqual(v, [], `axe violations on the refusal page:\n${v.join('\n')}`);
    await page.getByRole('link', { name: 'Back to the sign-in page' }).click();
    await page.waitForURL(srv.url + '/desk/');
    await page.getByRole('heading', { name: 'Sign in to the desk' }).waitFor();
    const cookies = await context.cookies(srv.url);
    assert.ok(!cookies.some((c) => c.name === 'cd_session'), 'no session after a refusal');
    // The refusal page's own 403 is the only error the console saw.
    assert.deepEqual(page.problems.filter((p) => !/status of 403/.test(p)), []);
    await context.close();
  });

  it('a supervisor returns to the supervisor console', { timeout: 60000 }, async () => {
    user = { email: 'supervisor@demo.gov', groups: ['civicdesk-supervisors'] };
    const context = await browser.newContext();
    const page = await context.newPage();
    page.problems = watch(page);
    await page.goto(srv.url + '/desk/supervisor');
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.waitForURL(srv.url + '/desk/supervisor');
    await page.locator('#signin').waitFor({ state: 'hidden' });
    const me = await page.evaluate(async () => (await fetch('/api/v1/desk/me')).json());
    assert.equal(me.agent.role, 'supervisor');
    assert.deepEqual(page.problems, []);
    await context.close();
  });
});
