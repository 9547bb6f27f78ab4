// The widget is small: all of its JavaScript and CSS together stay within
// 20 KB gzipped, so citizens on slow phones get it fast.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from './lib.mjs';

const BUDGET = 20 * 1024;

it('the widget fits in 20 KB gzipped', () => {
  const dir = join(repoRoot, 'widget', 'static');
  const gz = (f) => gzipSync(readFileSync(join(dir, f)), { level: 9 }).length;
  // Everything a host page loads: the loader, the widget's modules and styles
  // (the demo page's own styles and template are not part of the widget),
  // and the words of one language: English is in i18n.js, any other one
  // in a module of its own, of which the largest is counted.
  const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f) && !f.startsWith('demo'));
  assert.ok(files.includes('widget.js') && files.includes('app.js') && files.includes('i18n.js') && files.includes('widget.css'), files.join());
  const languages = readdirSync(join(dir, 'i18n')).filter((f) => f.endsWith('.js')).map((f) => join('i18n', f));
  assert.ok(languages.length >= 7, `${languages.length} language modules`);
  const largest = languages.reduce((a, b) => (gz(b) > gz(a) ? b : a));
  let total = 0;
  const sizes = [...files, largest].map((f) => {
    const n = gz(f);
    total += n;
    return `${f} ${n} B`;
  });
  assert.ok(total <= BUDGET, `widget is ${total} B gzipped (${sizes.join(', ')}), over ${BUDGET} B`);
});
