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
  // Everything a host page loads: the loader, the widget's modules and styles
  // (the demo page's own styles and template are not part of the widget).
  const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f) && !f.startsWith('demo'));
  assert.ok(files.includes('widget.js') && files.includes('app.js') && files.includes('widget.css'), files.join());
  let total = 0;
  const sizes = files.map((f) => {
    const n = gzipSync(readFileSync(join(dir, f)), { level: 9 }).length;
    total += n;
    return `${f} ${n} B`;
  });
  assert.ok(total <= BUDGET, `widget is ${total} B gzipped (${sizes.join(', ')}), over ${BUDGET} B`);
});
