// SPDX-License-Identifier: Apache-2.0
//
// The eval report (`inherent eval --html-out`) in a real browser: Debian's chromium,
// headless, driven by playwright-core from web/node_modules. Opens the page the
// EvalReport gtest wrote and checks that every chart rendered: each <svg> has a non-zero
// box on the page and holds drawn paths or polylines with non-empty geometry. The page
// must ask for nothing beyond itself (no request other than its own file) and raise no
// error.
//
// Environment: INHERENT_REPORT (the HTML file), INHERENT_SOURCE_DIR, CHROMIUM (default
// /usr/bin/chromium). Exit 77 (skipped) without chromium or playwright-core.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

const SKIP = 77;
const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(process.env.INHERENT_SOURCE_DIR || join(here, '..'));
const report = resolve(process.env.INHERENT_REPORT || 'report.html');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

if (!existsSync(chromium)) {
  console.log(`SKIP: no chromium at ${chromium} (apt-get install chromium, or set CHROMIUM)`);
  process.exit(SKIP);
}
let pw;
try {
  pw = createRequire(join(src, 'web/node_modules/'))('playwright-core');
} catch {
  console.log('SKIP: playwright-core is not installed in web/node_modules (scripts/bootstrap.sh npm)');
  process.exit(SKIP);
}
assert.ok(existsSync(report), `no report at ${report} (the EvalReport gtest writes it)`);

const url = pathToFileURL(report).href;
const browser = await pw.chromium.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox'] });
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (r.url() !== url) errors.push(`request beyond the file: ${r.url()}`); });
  await page.goto(url, { waitUntil: 'load' });
  const charts = await page.evaluate(() => [...document.querySelectorAll('svg')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const drawn = [...svg.querySelectorAll('path, polyline')].filter((el) => {
      const b = el.getBBox();
      return b.width > 0 || b.height > 0;
    });
    return {
      kind: svg.getAttribute('class'),
      title: svg.querySelector('title')?.textContent || '',
      width: box.width,
      height: box.height,
      drawn: drawn.length,
      curves: svg.querySelectorAll('polyline.series, path.bars').length,
    };
  }));
  const kinds = (k) => charts.filter((c) => c.kind === `chart ${k}`).length;
  console.log(`${charts.length} charts: ${kinds('roc')} ROC, ${kinds('hist')} histograms, ` +
    `${kinds('training-loss') + kinds('training-auc')} training`);
  assert.equal(kinds('roc'), 13);
  assert.equal(kinds('hist'), 13);
  for (const c of charts) {
    assert.ok(c.width > 0 && c.height > 0, `${c.title}: zero-sized box (${c.width} x ${c.height})`);
    assert.ok(c.drawn >= 2, `${c.title}: no drawn path or polyline`);
    // Histograms always draw both classes; a ROC chart draws the chance diagonal at least.
    assert.ok(c.curves >= (c.kind === 'chart hist' ? 2 : 1), `${c.title}: ${c.curves} curves`);
  }
  const gates = await page.locator('table.gates tr').count();
  assert.equal(gates, 6, 'gates table: header + 5 gates');
  assert.deepEqual(errors, []);
  console.log('ok: every chart rendered, no request beyond the file, no error');
} finally {
  await browser.close();
}
