// Shared helpers of the browser tests: build and start a real CivicDesk
// server, launch Debian's Chromium, and check pages with axe-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const PASSWORD = 'demo-password';

// startServer builds the binary and runs `civicdesk serve --demo` on a free
// port with its own data directory. It resolves once the server listens.
// extraArgs are added to `serve`'s flags (e.g. --routing-config).
export async function startServer({ extraArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'civicdesk-browser-'));
  // CIVICDESK_BIN runs an already built binary instead (e.g. from make).
  const bin = process.env.CIVICDESK_BIN || join(dir, 'civicdesk');
  if (!process.env.CIVICDESK_BIN) {
    try {
      execFileSync('go', ['build', '-o', bin, './cmd/civicdesk'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('go build ./cmd/civicdesk failed; see its output above');
    }
  }
  const dataDir = join(dir, 'data');
  const args = (addr) => ['serve', '--demo', '--http-addr', addr, '--data-dir', dataDir, '--smtp-addr', '127.0.0.1:0', '--rate-limit', 'off', ...extraArgs];
  let srv;
  try {
    srv = await launch(bin, args('127.0.0.1:0'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    ...srv,
    bin,
    dataDir,
    // restart stops the server and starts it again on the same data and
    // port; between the two, pause() runs (the server is down meanwhile).
    async restart(pause = async () => {}) {
      await this.stop();
      await pause();
      const again = await launch(bin, args(new URL(this.url).host));
      Object.assign(this, again);
      return this;
    },
    async close() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function launch(bin, args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error('server did not start in 30 s:\n' + stderr)); }, 30000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > 200000) stderr = stderr.slice(-100000);
      const m = stderr.match(/CivicDesk listening on (http:\/\/[^\s]+)/);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          url: m[1].replace(/\/$/, ''),
          proc,
          log: () => stderr,
          stop: () => new Promise((done) => {
            if (proc.exitCode !== null) return done();
            proc.once('exit', () => done());
            proc.kill('SIGTERM');
            setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
          })
        });
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${stderr}`)); });
    proc.once('error', reject);
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 30000
  });
}

// watch records what would show in the console as an error (CSP refusals,
// uncaught exceptions) so tests can insist there are none.
export function watch(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = (msg.location() && msg.location().url) || '';
    // Asking whether a desk session exists answers 401 when none does.
    if (/status of 401/.test(msg.text()) && url.endsWith('/api/v1/desk/me')) return;
    problems.push(msg.text() + (url ? ` (${url})` : ''));
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  return problems;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// axe runs axe-core on the page (shadow roots included) and returns the
// violations, each summarised as "rule: target…".
export async function axe(page) {
  const seen = page.problems ? page.problems.length : 0;
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  // Colours are judged as they settle: mid-way through an opening
  // animation (the widget fades in) text is still partly transparent, and
  // its contrast is not the one a reader gets.
  // document.getAnimations() leaves out those in shadow roots (the
  // widget's), so each root is asked.
  await page.evaluate(() => {
    const roots = [document, ...[...document.querySelectorAll('*')].filter((e) => e.shadowRoot).map((e) => e.shadowRoot)];
    const running = roots.flatMap((r) => r.getAnimations()).filter((a) => a.effect?.getTiming().iterations !== Infinity);
    return Promise.all(running.map((a) => a.finished.catch(() => {})));
  });
  const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG);
  // axe-core itself sets a style attribute while it measures, which the
  // pages' CSP refuses; that refusal is axe's, not the page's.
  if (page.problems) {
    await new Promise((r) => setTimeout(r, 50));
    const mine = page.problems.splice(seen).filter((p) => !/Applying inline style violates/.test(p));
    page.problems.push(...mine);
  }
  return res.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n   ${v.nodes.map((n) => JSON.stringify(n.target) + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ')).join('\n   ')}`);
}

// signIn signs a desk user in through the page's form.
export async function signIn(page, email) {
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// until polls fn until it returns a truthy value or the time is up.
export async function until(fn, { timeout = 10000, interval = 100, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); } catch (e) { last = e; }
    if (last && !(last instanceof Error)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}` + (last instanceof Error ? `: ${last.message}` : ''));
    await new Promise((r) => setTimeout(r, interval));
  }
}
