// reopen.js: how long the browser takes to reopen a persisted collection
// (issue #12's target: 100,000 x 128 in under a second), and the search
// latency after it. One command: `node web/bench/reopen.js` (after
// `make browser-test` has built everything).
//
// The database is written natively (build/ruvector create + import: fast,
// on every core) from the SIFT set in ../shared/data (RV_SHARED_DATA), or
// from generated vectors without it; the page fetches its files from the
// static server and stores them in OPFS (importFiles), closes it, then
// opens it again and times that: new VectorDB(...) to ready().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../test/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(ROOT, 'build', 'ruvector');
const DATA = process.env.RV_SHARED_DATA ?? path.join(ROOT, '..', 'shared', 'data');
const WORK = path.join(ROOT, 'build', 'web', 'reopen');
const N = Number(process.env.N ?? 100000);
const DIM = 128;

function prepare() {
  const db = path.join(WORK, 'db');
  if (fs.existsSync(path.join(db, 'RUVECTOR'))) return db;
  fs.mkdirSync(WORK, { recursive: true });
  const base = path.join(WORK, 'base.fvecs');
  const xz = path.join(DATA, 'sift-wp-100k-128-l2', 'base.fvecs.xz');
  if (fs.existsSync(xz)) {
    execFileSync('sh', ['-c', `xz -dc "${xz}" | head -c ${N * (4 + DIM * 4)} > "${base}"`]);
  } else {
    const buf = Buffer.alloc(N * (4 + DIM * 4));
    let s = 1;
    for (let i = 0; i < N; i++) {
      buf.writeInt32LE(DIM, i * (4 + DIM * 4));
      for (let j = 0; j < DIM; j++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        buf.writeFloatLE(s / 4294967296, i * (4 + DIM * 4) + 4 + j * 4);
      }
    }
    fs.writeFileSync(base, buf);
  }
  // l2 and the 0.3.2 defaults VectorDB uses (m 32, ef construction 200, ef search 100)
  execFileSync(CLI, ['create', db, 'vectordb', '--dim', String(DIM), '--metric', 'l2', '--m', '32',
    '--ef-construction', '200', '--ef-search', '100'], { stdio: 'inherit' });
  execFileSync(CLI, ['import', db, 'vectordb', base], { stdio: 'inherit' });
  return db;
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push({ path: p, dir: true }, ...listFiles(dir, p));
    else if (e.name !== 'LOCK') out.push({ path: p, dir: false });
  }
  return out;
}

const db = prepare();
const files = listFiles(db);
const srv = await serve();
// A profile on disk, as a user's browser has: playwright's default context
// is an incognito one, whose OPFS lives in the browser process's memory
// and reaches the worker's sync access handles through IPC, which is far
// slower to read than a profile's files (INCOGNITO=1 measures that too).
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-reopen-'));
const launch = { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'], headless: true };
const incognito = process.env.INCOGNITO === '1';
const browser = incognito ? await chromium.launch(launch) : await chromium.launchPersistentContext(profile, launch);
const page = await browser.newPage();
await page.goto(`${srv.url}/web/test/page.html`);
await page.waitForFunction(() => window.rvtReady === true);
const r = await page.evaluate(async ([base, list, dim, INCOG]) => {
  const { VectorDB } = await import('/node/browser/index.js');
  const name = `reopen-${Date.now()}`;
  const t0 = performance.now();
  const got = await Promise.all(list.map(async (f) => (f.dir ? f : { ...f, data: new Uint8Array(await (await fetch(`${base}/${f.path}`)).arrayBuffer()) })));
  const t1 = performance.now();
  let d = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, importFiles: got });
  await d.ready();
  const t2 = performance.now();
  await d.close();
  const out = {};
  for (const wasm of ['simd', 'plain']) {
    const s0 = performance.now();
    d = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, wasm });
    await d.ready();
    const reopenMs = performance.now() - s0;
    const st = await d.stats();
    const lat = [];
    for (let q = 0; q < 200; q++) {
      const v = new Float32Array(dim);
      for (let j = 0; j < dim; j++) v[j] = (Math.sin(q * 131 + j) + 1) * 60;
      const a = performance.now();
      await d.search({ vector: v, k: 10, withVectors: false });
      lat.push(performance.now() - a);
    }
    lat.sort((x, y) => x - y);
    out[wasm] = { reopenMs, timings: d.engineInfo.timings, io: d.engineInfo.io, count: st.count, bytesPerVector: (st.memoryBytes + st.mappedBytes) / st.count,
      heapMiB: st.heapBytes / 2 ** 20, p50SearchMs: lat[100], p99SearchMs: lat[198] };
    await d.close();
  }
  return { incognito: INCOG, fetchMs: t1 - t0, importAndOpenMs: t2 - t1, ...out };
}, [`/build/web/reopen/db`, files, DIM, incognito]);
console.log(JSON.stringify(r, null, 1));
await browser.close();
await srv.close();
fs.rmSync(profile, { recursive: true, force: true });
