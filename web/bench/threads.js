// threads.js: the speedup of the pthreads build (`sh web/build.sh threads`)
// for batch inserts, in a cross-origin-isolated page (this script serves
// the repository with COOP/COEP headers), against the single-threaded SIMD
// build, on the same vectors. One command: `node web/bench/threads.js`.
// Also checks that the threaded build's graph is sound and its recall@10
// matches (against an exact scan in the page).
//
// Environment: N (20000), DIM (128), THREADS (2: this machine's cores),
// CHROMIUM.
import { chromium } from 'playwright-core';
import { serve } from '../test/server.js';

const N = Number(process.env.N ?? 20000);
const DIM = Number(process.env.DIM ?? 128);
const THREADS = Number(process.env.THREADS ?? 2);
const srv = await serve(0, { isolated: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
const page = await browser.newPage();
page.on('pageerror', (e) => console.error('page error:', e.message));
page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()); });
await page.goto(`${srv.url}/web/test/page.html`);
await page.waitForFunction(() => window.rvtReady === true);
const r = await page.evaluate(async ([n, dim, threads]) => {
  const { Collection } = await import('/node/browser/index.js');
  const { randomVectors } = await import('/web/test/page.js');
  const data = randomVectors(n, dim, 3);
  const queries = randomVectors(50, dim, 4);
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const truth = [];
  for (let q = 0; q < 50; q++) {
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) { const x = data[i * dim + j] - queries[q * dim + j]; s += x * x; }
      d[i] = s;
    }
    truth.push(new Set(Array.from(d.keys()).sort((a, b) => d[a] - d[b]).slice(0, 10).map(String)));
  }
  const out = { isolated: globalThis.crossOriginIsolated };
  for (const [wasm, t] of [['simd', 1], ['threads', threads]]) {
    const c = new Collection({ dimensions: dim, metric: 'l2', m: 16, efConstruction: 100, wasm, threads: t });
    await c.len();
    const t0 = performance.now();
    await c.insertBatch(ids, data);
    const ms = performance.now() - t0;
    let found = 0;
    for (let q = 0; q < 50; q++) for (const h of await c.search(queries.subarray(q * dim, (q + 1) * dim), 10)) if (truth[q].has(h.id)) found++;
    const check = await c.check();
    out[wasm] = { threads: t, insertMs: ms, perSecond: n / (ms / 1000), recall: found / 500, checkOk: check.ok, count: await c.len() };
    await c.close();
  }
  out.speedup = out.simd.insertMs / out.threads.insertMs;
  return out;
}, [N, DIM, THREADS]);
console.log(JSON.stringify(r, null, 1));
await browser.close();
await srv.close();
