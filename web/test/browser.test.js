// browser.test.js: ruvector's browser build in real headless Chromium
// (Debian's chromium, driven by playwright-core), both WebAssembly builds.
// `make browser-test` builds node/browser/dist/ first and runs this with node --test.
//
// The page (page.html + page.js) uses only the public entry node/browser/index.js;
// each test calls one of its functions and checks what it returns here.
// Covered: the VectorDB round trip; recall@10 against an exact scan done in
// the page; persistence in OPFS across a reload and across a new browser
// process on the same profile (also read back by the other build: the
// same files); the files are the native format (headers by magic, and the
// native CLI checks and searches them, identically, when build/ruvector
// exists); bad input rejects with Node's codes and messages.
//
// Environment: CHROMIUM (default /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { serve } from './server.js';
import { scenario } from './scenario.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox'];
const VARIANTS = [['simd', 'wasm-simd128'], ['plain', 'serial']];

let srv;
let browser;
let page;

async function openPage(context) {
  const p = await context.newPage();
  p.on('pageerror', (e) => console.error('page error:', e.message));
  await p.goto(`${srv.url}/web/test/page.html`);
  await p.waitForFunction(() => window.rvtReady === true);
  return p;
}

const run = (p, fn, ...args) => p.evaluate(([f, a]) => window.rvt[f](...a), [fn, args]);

before(async () => {
  for (const v of ['simd', 'plain']) {
    assert.ok(fs.existsSync(path.join(ROOT, 'node', 'browser', 'dist', v, 'ruvector.wasm')),
      `node/browser/dist/${v}/ruvector.wasm is missing: run sh web/build.sh (make browser-test does)`);
  }
  srv = await serve();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  page = await openPage(await browser.newContext());
});

after(async () => {
  await browser?.close();
  await srv?.close();
});

test('this Chromium validates WebAssembly SIMD (so both builds are exercised)', async () => {
  assert.equal(await run(page, 'hasSimd'), true);
});

for (const [wasm, isa] of VARIANTS) {
  test(`[${wasm}] insert, search, get, delete round trip`, async () => {
    const r = await run(page, 'roundTrip', wasm);
    assert.equal(r.info.variant, wasm);
    assert.equal(r.info.isa, isa);
    assert.deepEqual(r.ids, ['a', 'b', 'c']);
    assert.match(r.auto, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.len, 4);
    // euclidean scores are L2 distances: |(0.9,0.1,0)-(1,0,0)| = sqrt(0.02)
    assert.equal(r.search.length, 2);
    assert.equal(r.search[0].id, 'a');
    assert.ok(Math.abs(r.search[0].score - Math.sqrt(0.02)) < 1e-6, String(r.search[0].score));
    assert.deepEqual(r.search[0].vector, [1, 0, 0]);
    assert.deepEqual(r.search[0].metadata, { color: 'red', n: 1 });
    assert.equal(r.search[1].id, r.auto);
    assert.ok(Math.abs(r.search[1].score - Math.hypot(0.1, 0.9)) < 1e-6);
    assert.equal(r.search[1].metadata, undefined);
    assert.deepEqual(r.filtered, ['b']);
    assert.deepEqual(r.get, { id: 'a', vector: [1, 0, 0], metadata: { color: 'red', n: 1 } });
    assert.equal(r.getMissing, null);
    assert.equal(r.deleted, true);
    assert.equal(r.deletedAgain, false);
    assert.equal(r.afterDelete.length, 3);
    assert.ok(!r.afterDelete.includes('a'));
    assert.equal(r.lenAfter, 3);
    assert.equal(r.isEmpty, false);
  });

  test(`[${wasm}] recall@10 against an exact scan in the page`, async () => {
    // 5,000 x 32 uniform vectors (above the exact-scan threshold, so the
    // graph answers), 100 queries, ef 64.
    const r = await run(page, 'recall', wasm, 5000, 32, 100, 64);
    assert.equal(r.info.variant, wasm);
    assert.equal(r.isa, isa);
    assert.equal(r.count, 5000);
    console.log(`  [${wasm}] recall@10 ${r.recall.toFixed(3)}; insert 5000x32 ${r.insertMs.toFixed(0)} ms; ` +
      `100 searches ${r.searchMs.toFixed(0)} ms (with the round trips to the worker); ${r.memoryBytes} bytes`);
    assert.ok(r.recall >= 0.9, `recall@10 ${r.recall} < 0.9`);
  });

  test(`[${wasm}] quantized collections (int8, pq:8): recall@10 of the graph against an exact scan`, async () => {
    for (const [quant, want] of [['int8', 0.9], ['pq:8', 0.6]]) {
      const r = await run(page, 'quantRecall', wasm, quant, 3000, 32, 50);
      console.log(`  [${wasm}] ${quant}: recall@10 ${r.recall.toFixed(3)}; ${r.codeBytes} bytes of codes for ${r.vectorBytes} of floats`);
      assert.equal(r.quantization, quant.split(':')[0]);
      assert.equal(r.trained, true);
      assert.ok(r.codeBytes > 0 && r.codeBytes < r.vectorBytes, `${r.codeBytes} bytes of codes`);
      assert.ok(r.recall >= want, `${quant}: recall@10 ${r.recall} < ${want}`);
      assert.equal(r.bad.ok, false, 'pq:7 on 32 dimensions');
      assert.equal(r.bad.error.code, 'RV_EINVAL');
      assert.match(r.bad.error.message, /pq|quant/i);
    }
  });

  test(`[${wasm}] bad input rejects with Node's codes and messages; the worker keeps serving`, async () => {
    const r = await run(page, 'badInput', wasm);
    const rejects = (x, name, code, message) => {
      assert.equal(x.ok, false, `expected a rejection, got ${JSON.stringify(x)}`);
      assert.equal(x.error.name, name);
      assert.equal(x.error.code, code);
      if (message instanceof RegExp) assert.match(x.error.message, message);
      else assert.equal(x.error.message, message);
    };
    rejects(r.wrongDimInsert, 'Error', 'RV_EDIM', 'Insert failed: Dimension mismatch: expected 3, got 2');
    rejects(r.wrongDimSearch, 'Error', 'RV_EDIM', 'Search failed: Dimension mismatch: expected 3, got 4');
    rejects(r.nanInsert, 'Error', 'RV_ENONFINITE', 'Insert failed: component 1 is NaN');
    assert.equal(r.nanInsert.error.errno, -30903);
    rejects(r.nanBatch, 'Error', 'RV_ENONFINITE', 'Batch insert failed: component 0 is infinite (entry 1)');
    assert.equal(r.lenAfterBad, 0, 'a failed batch inserts nothing');
    rejects(r.badK, 'RangeError', 'ERR_OUT_OF_RANGE', 'k must be a non-negative integer; got -1');
    rejects(r.badVector, 'TypeError', 'ERR_INVALID_ARG_TYPE',
      'vector must be a Float32Array, an Array of numbers or another numeric typed array');
    rejects(r.badMetadata, 'Error', 'RV_EINVAL', /^Insert failed: metadata field name "nested\." must be/);
    rejects(r.badFilter, 'Error', 'RV_EINVAL', /^Search failed: filter n\.\$bogus: unknown operator "\$bogus"/);
    assert.equal(r.stillWorks, 'ok');
    rejects(r.closedInsert, 'Error', 'RV_ECLOSED', 'the collection is closed');
    rejects(r.closedSearch, 'Error', 'RV_ECLOSED', 'the collection is closed');
    assert.equal(r.badDims.ok, false);
    assert.match(r.badDims.error.message, /^Missing or invalid `dimensions`/);
    rejects(r.badMetric, 'Error', 'RV_EINVAL', /^Unknown distance metric "hamming"/);
  });
}

// The same script against the Node package (its addon: make browser-test
// builds it with npm install in node/) and against each browser build.
test('VectorDB, Collection and Database answer as the Node package does: results, scores, errors (both builds)', async () => {
  let node;
  try {
    node = createRequire(import.meta.url)('../../node');
  } catch (e) {
    assert.fail(`the Node package does not load (${e.message}): cd node && npm install (make browser-test does)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-scenario-'));
  let want;
  try {
    want = await scenario({ VectorDB: node.VectorDB, Collection: node.Collection, Database: node.Database }, {},
      path.join(dir, 'db'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(want.length > 130, String(want.length));
  for (const [wasm] of VARIANTS) {
    const got = await run(page, 'runScenario', wasm);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `[${wasm}] step ${i} (${want[i][0]})`);
    assert.equal(got.length, want.length);
  }
});

// Files as a native database directory holds them, by their magics.
const MAGIC = { RUVECTOR: 'RVDBMARK', CATALOG: 'RVCATALG', 'vectordb/MANIFEST': 'RVMANIFS' };
function checkFiles(files) {
  const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
  for (const [p, magic] of Object.entries(MAGIC)) {
    assert.ok(byPath[p], `${p} is missing from ${files.map((f) => f.path).join(', ')}`);
    assert.equal(String.fromCharCode(...byPath[p].head), magic, p);
  }
  assert.ok(byPath.vectordb.dir);
  const seg = files.filter((f) => /^vectordb\/seg-\d+\.rvs$/.test(f.path));
  const wal = files.filter((f) => /^vectordb\/wal-\d+\.log$/.test(f.path));
  assert.equal(seg.length, 1, 'one segment');
  assert.equal(wal.length, 1, 'one log');
  assert.equal(String.fromCharCode(...seg[0].head), 'RVSEGMT1');
  assert.equal(String.fromCharCode(...wal[0].head), 'RVWALOG1');
  assert.ok(wal[0].size > 64, 'the inserts after the checkpoint are in the log');
}

test('persistence across a page reload (OPFS); the plain build reads what the SIMD build wrote', async () => {
  const ctx = await browser.newContext();
  const p = await openPage(ctx);
  const w = await run(p, 'persistWrite', 'reload-test', 'simd', 400, 16);
  assert.equal(w.info.storage, 'opfs');
  assert.equal(w.len, 399);
  for (const wasm of ['simd', 'plain']) {
    await p.reload();
    await p.waitForFunction(() => window.rvtReady === true);
    const r = await run(p, 'persistRead', 'reload-test', wasm, 16);
    assert.equal(r.info.storage, 'opfs');
    assert.equal(r.info.variant, wasm);
    assert.equal(r.info.count, 399);
    assert.equal(r.len, 399);
    assert.deepEqual(r.hits.map((h) => h[0]), w.hits.map((h) => h[0]));
    for (let i = 0; i < r.hits.length; i++) assert.ok(Math.abs(r.hits[i][1] - w.hits[i][1]) < 1e-5);
    assert.equal(r.v0, null, 'the deletion survived');
    assert.deepEqual(r.v7.metadata, { i: 7 });
    for (let j = 0; j < 16; j++) assert.ok(Math.abs(r.v7.vector[j] - r.v7expected[j]) < 1e-5);
    assert.deepEqual(r.check, { ok: true, problem: '' });
    checkFiles(r.files);
  }
  await ctx.close();
});

test('IndexedDB instead of OPFS: persistence across a reload, the native files, one tab at a time', async () => {
  const ctx = await browser.newContext();
  const p = await openPage(ctx);
  const w = await run(p, 'idbWrite', 'idb-test', 'simd');
  assert.equal(w.info.storage, 'indexeddb');
  assert.equal(w.len, 319);
  assert.equal(w.second.ok, false);
  assert.equal(w.second.error.code, 'RV_EBUSY');
  await p.reload();
  await p.waitForFunction(() => window.rvtReady === true);
  const r = await run(p, 'idbRead', 'idb-test', 'plain');
  assert.equal(r.info.storage, 'indexeddb');
  assert.equal(r.len, 319);
  assert.deepEqual(r.hits, w.hits);
  assert.equal(r.v5, null);
  assert.deepEqual(r.v310, { i: 310 });
  assert.deepEqual(r.check, { ok: true, problem: '' });
  assert.deepEqual(r.stored, { ok: true, code: '', problem: '' });
  checkFiles(r.files);
  await ctx.close();
});

test('IndexedDB refusing a transaction: RV_ENOSPC, and reopening finds the last stored state', async () => {
  const r = await run(page, 'idbQuota', 'idb-quota-test');
  assert.equal(r.failed.ok, false);
  assert.equal(r.failed.error.code, 'RV_ENOSPC');
  assert.match(r.failed.error.message, /could not store the database/);
  assert.equal(r.later.ok, false, 'later calls fail too');
  assert.equal(r.later.error.code, 'RV_ENOSPC');
  assert.equal(r.closing.ok, true, 'close() still resolves');
  assert.equal(r.len, 51);
  assert.equal(r.a, true);
  assert.equal(r.b, null, 'the refused insert is not stored');
  assert.deepEqual(r.check, { ok: true, problem: '' });
  assert.equal(r.lenAfter, 52);
});

test('persistence across browser processes on the same profile', async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-chromium-'));
  try {
    let ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    let p = await openPage(ctx);
    const w = await run(p, 'persistWrite', 'process-test', 'simd', 200, 8);
    assert.equal(w.len, 199);
    await ctx.close();
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    p = await openPage(ctx);
    const r = await run(p, 'persistRead', 'process-test', 'simd', 8);
    assert.equal(r.len, 199);
    assert.deepEqual(r.hits.map((h) => h[0]), w.hits.map((h) => h[0]));
    assert.equal(r.v0, null);
    assert.deepEqual(r.check, { ok: true, problem: '' });
    await ctx.close();
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test('a storage path holding something else is RV_EFORMAT, not a crash', async () => {
  const r = await run(page, 'notADatabase', 'junk-test');
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'RV_EFORMAT');
  assert.match(r.error.message, /not a ruvector database/);
});

// ---- the native CLI (build/ruvector; make browser-test builds it) ----

const CLI = path.join(ROOT, 'build', 'ruvector');

function writeFvecs(file, flat, dim) {
  const n = flat.length / dim;
  const buf = Buffer.alloc(n * (4 + dim * 4));
  for (let i = 0; i < n; i++) {
    const o = i * (4 + dim * 4);
    buf.writeInt32LE(dim, o);
    for (let j = 0; j < dim; j++) buf.writeFloatLE(flat[i * dim + j], o + 4 + j * 4);
  }
  fs.writeFileSync(file, buf);
}

// Seeded vectors here in Node (any generator will do: both sides get the same numbers).
function vectors(n, dim, seed) {
  let s = seed >>> 0;
  const out = new Array(n * dim);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround(s / 4294967296 * 2 - 1);
  }
  return out;
}

// `ruvector search --exact` -> per query [[id, distance], ...]
function cliSearch(db, qfile, k) {
  const out = execFileSync(CLI, ['search', db, 'vectordb', '--query', qfile, '-k', String(k), '--exact'], { encoding: 'utf8' });
  const per = [];
  for (const line of out.trim().split('\n')) {
    const [q, , id, dist] = line.trim().split(/\s+/);
    (per[Number(q)] ??= []).push([id, Number(dist)]);
  }
  return per;
}

function readDir(dir) {
  const files = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        files.push({ path: p, dir: true });
        walk(p);
      } else {
        files.push({ path: p, dir: false, data: fs.readFileSync(path.join(dir, p)).toString('base64') });
      }
    }
  };
  walk('');
  return files;
}

function sameHits(a, b, what) {
  assert.equal(a.length, b.length, what);
  for (let q = 0; q < a.length; q++) {
    assert.deepEqual(a[q].map((h) => h[0]), b[q].map((h) => h[0]), `${what}: query ${q}`);
    for (let i = 0; i < a[q].length; i++) {
      assert.ok(Math.abs(Math.max(0, a[q][i][1]) - Math.max(0, b[q][i][1])) < 1e-5, `${what}: query ${q} hit ${i}: ${a[q][i][1]} vs ${b[q][i][1]}`);
    }
  }
}

test('a database written by the native CLI opens in the browser with identical results (both builds)', async () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: make cli (make browser-test builds it)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-native-'));
  try {
    const dim = 16;
    const db = path.join(tmp, 'db');
    writeFvecs(path.join(tmp, 'base.fvecs'), vectors(1500, dim, 1), dim);
    const queries = vectors(5, dim, 2);
    writeFvecs(path.join(tmp, 'q.fvecs'), queries, dim);
    execFileSync(CLI, ['create', db, 'vectordb', '--dim', String(dim), '--metric', 'cosine'], { stdio: 'pipe' });
    execFileSync(CLI, ['import', db, 'vectordb', path.join(tmp, 'base.fvecs'), '--quiet'], { stdio: 'pipe' });
    execFileSync(CLI, ['delete', db, 'vectordb', '3', '4'], { stdio: 'pipe' });
    const native = cliSearch(db, path.join(tmp, 'q.fvecs'), 10);
    const files = readDir(db);
    for (const wasm of ['simd', 'plain']) {
      const r = await run(page, 'importAndSearch', `native-${wasm}`, files, queries, dim, 10, wasm);
      assert.equal(r.len, 1498);
      assert.deepEqual(r.check, { ok: true, problem: '' });
      sameHits(r.hits, native, `[${wasm}] browser vs native`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a database written in the browser passes `ruvector check` and searches identically natively', async () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: make cli (make browser-test builds it)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-export-'));
  try {
    const dim = 16;
    const queries = vectors(5, dim, 3);
    writeFvecs(path.join(tmp, 'q.fvecs'), queries, dim);
    const r = await run(page, 'writeAndExport', 'export-test', 400, dim, queries, 10);
    assert.equal(r.len, 399);
    const db = path.join(tmp, 'db');
    for (const f of r.files) {
      const p = path.join(db, f.path);
      if (f.dir) fs.mkdirSync(p, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, Buffer.from(f.data, 'base64'));
      }
    }
    execFileSync(CLI, ['check', db], { stdio: 'pipe' }); // throws on a non-zero exit
    const count = execFileSync(CLI, ['count', db, 'vectordb'], { encoding: 'utf8' }).trim();
    assert.match(count, /\b399\b/);
    sameHits(cliSearch(db, path.join(tmp, 'q.fvecs'), 10), r.hits, 'native vs browser');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// ---- the npm package ----

test('the package bundles for the browser: esbuild resolves "ruvector" to its browser entry, no Node built-ins', async () => {
  const esbuild = await import('esbuild');
  const out = path.join(ROOT, 'build', 'web', 'bundle');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'node_modules'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node'), path.join(out, 'node_modules', 'ruvector'), 'dir');
  fs.writeFileSync(path.join(out, 'entry.js'), "export { VectorDB } from 'ruvector';\n");
  // platform 'browser': the `browser` export condition, and a Node
  // built-in anywhere in the graph fails the build
  const r = await esbuild.build({ entryPoints: [path.join(out, 'entry.js')], bundle: true, format: 'esm',
    platform: 'browser', outfile: path.join(out, 'bundle.js'), absWorkingDir: out, logLevel: 'silent', metafile: true });
  const inputs = Object.keys(r.metafile.inputs).map((p) => path.resolve(out, p));
  assert.ok(inputs.includes(path.join(ROOT, 'node', 'browser', 'index.js')), inputs.join(', '));
  assert.ok(!inputs.some((p) => p.startsWith(path.join(ROOT, 'node', 'lib'))), 'the Node entry is not in the bundle');
  fs.writeFileSync(path.join(out, 'page.html'), '<!doctype html><meta charset="utf-8"><script type="module">\n' +
    "import { VectorDB } from './bundle.js';\n" +
    "const db = new VectorDB({ dimensions: 2, metric: 'l2', workerUrl: '/node/browser/worker.js' });\n" +
    "await db.insert({ id: 'p', vector: [3, 4] });\n" +
    "window.result = { hits: await db.search({ vector: [0, 0], k: 1 }), info: db.engineInfo };\n" +
    'await db.close();\n</script>\n');
  const p = await browser.newPage();
  await p.goto(`${srv.url}/build/web/bundle/page.html`);
  await p.waitForFunction(() => window.result !== undefined);
  const got = await p.evaluate(() => window.result);
  assert.equal(got.hits.length, 1);
  assert.equal(got.hits[0].id, 'p');
  assert.equal(got.hits[0].score, 5);
  assert.equal(got.info.variant, 'simd');
  await p.close();
});

// ---- crash ----

// Chromium started by hand (not by playwright) so that the test owns its
// process group and can SIGKILL all of it: browser, renderer, storage.

function startChromium(profile) {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...ARGS, '--headless=new', `--user-data-dir=${profile}`, '--remote-debugging-port=0',
      '--no-first-run', 'about:blank'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, ws: m[1] });
      }
    });
    child.on('error', reject);
  });
}

test('SIGKILL of the whole browser during acknowledged writes: every one is there after, and check passes', async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-crash-'));
  try {
    const { child, ws } = await startChromium(profile);
    const cdp = await chromium.connectOverCDP(ws);
    const p = await openPage(cdp.contexts()[0]);
    await run(p, 'ackStream', 'crash-test', 16);
    await p.waitForFunction(() => window.acked.length >= 150, null, { timeout: 60000 });
    const acked = await p.evaluate(() => window.acked.slice());
    const exited = new Promise((r) => child.on('exit', r));
    process.kill(-child.pid, 'SIGKILL'); // the group: every Chromium process at once
    await exited;
    await cdp.close().catch(() => {});
    const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
    const p2 = await openPage(ctx);
    const r = await run(p2, 'verifyAcked', 'crash-test', 16, acked);
    await ctx.close();
    assert.deepEqual(r.missing, [], `${r.missing.length} of ${acked.length} acknowledged writes lost`);
    assert.deepEqual(r.wrong, []);
    assert.ok(r.len >= acked.length, `${r.len} < ${acked.length}`);
    assert.equal(r.prefix, r.len, 'the writes there are k0..k(len-1), with no hole');
    console.log(`  ${acked.length} writes acknowledged when read, ${r.len} there after the kill`);
    assert.deepEqual(r.check, { ok: true, problem: '' });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

// ---- damaged and full storage ----

test('a corrupted OPFS file is found with its file and offset, by check and by opening it', async () => {
  const r = await run(page, 'corruptSegment', 'corrupt-test');
  assert.deepEqual(r.before, { ok: true, code: '', problem: '' });
  assert.equal(r.after.ok, false);
  assert.equal(r.after.code, 'RV_ECORRUPT');
  const file = r.segment.split('/').pop();
  assert.match(r.after.problem, new RegExp(`${file.replace('.', '\\.')}.*\\b\\d+\\b`), r.after.problem);
  console.log(`  flipped byte ${r.flippedAt} of ${file}: check says "${r.after.problem}"; ` +
    `opening and searching: ${JSON.stringify(r.use)}`);
  // seeded data and a fixed position: the open reads that block's checksum
  assert.equal(r.use.ok, false);
  assert.equal(r.use.error.code, 'RV_ECORRUPT');
  assert.equal(r.use.error.message, r.after.problem);
});

test('a full OPFS quota fails the write with RV_ENOSPC and leaves the database as it was', async () => {
  const r = await run(page, 'quotaFull', 'quota-test');
  for (const k of ['single', 'batch']) {
    assert.equal(r[k].ok, false, k);
    assert.equal(r[k].error.code, 'RV_ENOSPC', `${k}: ${JSON.stringify(r[k].error)}`);
  }
  assert.equal(r.lenDuring, 100);
  assert.deepEqual(r.searchDuring, ['0', r.searchDuring[1], r.searchDuring[2]]);
  console.log(`  checkpoint while full: ${JSON.stringify(r.checkpoint)}; after: ${JSON.stringify(r.afterQuota)}`);
  assert.equal(r.afterQuota.ok, true, JSON.stringify(r.afterQuota));
  assert.equal(r.lenAfter, 101);
  assert.equal(r.lenReopened, 101);
  assert.deepEqual(r.got100, { i: 100 });
  assert.equal(r.got101, null);
  assert.deepEqual(r.check, { ok: true, code: '', problem: '' });
});

for (const [wasm] of VARIANTS) {
  test(`[${wasm}] out of memory at the heap's limit is RV_ENOMEM from the call that hit it; the worker keeps serving`, async () => {
    const r = await run(page, 'outOfMemory', wasm);
    console.log(`  [${wasm}] heap ${(r.squeezed.heapBytes / 2 ** 20).toFixed(0)} MiB, ${(r.squeezed.heldBytes / 2 ** 20).toFixed(0)} MiB ` +
      `held back; the batch: ${r.batch.ok ? 'ok' : r.batch.error.message}`);
    assert.ok(r.squeezed.heapBytes > 1024 * 2 ** 20, `the heap grew to ${r.squeezed.heapBytes} bytes only`);
    assert.equal(r.batch.ok, false, 'the batch fit in what was left');
    assert.equal(r.batch.error.code, 'RV_ENOMEM', JSON.stringify(r.batch.error));
    assert.match(r.batch.error.message, /out of memory/);
    assert.equal(r.lenDuring, r.single.ok ? 2001 : 2000, 'a failed batch inserts nothing');
    assert.deepEqual(r.searchDuring.slice(0, 1), ['b0']);
    assert.equal(r.batchAfter, true);
    assert.equal(r.lenAfter, r.single.ok ? 4001 : 4000);
    assert.deepEqual(r.check, { ok: true, problem: '' });
  });
}

test('a call after the worker died rejects with RV_ECLOSED, not a hang', async () => {
  const r = await run(page, 'workerDies');
  for (const k of ['ready', 'later', 'search']) {
    assert.equal(r[k].ok, false, k);
    assert.equal(r[k].error.code, 'RV_ECLOSED', `${k}: ${JSON.stringify(r[k].error)}`);
    assert.match(r[k].error.message, /^the collection is closed: its worker stopped/);
  }
  assert.equal(r.closing.ok, true, 'close() after the worker died resolves');
});

test('a database open in one worker is RV_EBUSY for a second, and opens once the first closed', async () => {
  const r = await run(page, 'busy', 'busy-test');
  assert.equal(r.second.ok, false);
  assert.equal(r.second.error.code, 'RV_EBUSY');
  assert.match(r.second.error.message, /"busy-test" is open in another tab or worker/);
  assert.deepEqual(r.after, { ok: true, value: 1 });
});
