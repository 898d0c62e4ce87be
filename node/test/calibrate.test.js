'use strict';
// Calibrated retrieval from Node (ruvector.h, "Calibrated retrieval"):
//  - calibrate({alpha}) then searchConformal(): on held-out queries, the sets
//    hold every exact neighbour (brute force here) for at least 1 - alpha
//    (less a sampling slack) of the queries; threshold and alpha come back;
//  - calibrate({targetRecall}) then search(.., {calibrated: true}): held-out
//    mean recall at the target;
//  - relevant ids given as arrays; bad options refused; the calibration
//    survives closing and reopening a Database.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Collection, Database } = require('..');
const { rng, row, bruteForce } = require('./helpers');

// clustered vectors: base and queries from the same distribution
function clustered(n, dim, seed) {
  const r = rng(seed), centres = [];
  const g = () => { let s = 0; for (let i = 0; i < 12; i++) s += r(); return s - 6; };
  const cr = rng(99);
  for (let c = 0; c < 30; c++) centres.push(Array.from({ length: dim }, () => { let s = 0; for (let i = 0; i < 12; i++) s += cr(); return (s - 6) * 1.5; }));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * centres.length)];
    for (let j = 0; j < dim; j++) out[i * dim + j] = c[j] + g();
  }
  return out;
}

const dim = 16, n = 5000, nq = 800, K = 10;
const base = clustered(n, dim, 1);
const qs = clustered(nq, dim, 2);
const ids = Array.from({ length: n }, (_, i) => `v${i}`);
const truth = [];
for (let q = 0; q < nq; q++) truth.push(bruteForce('l2', base, ids, dim, row(qs, q, dim), K).map((x) => x[0]));

test('conformal sets cover held-out queries at 1 - alpha', async () => {
  const c = new Collection({ dim, exactThreshold: 0, m: 8, efConstruction: 60 });
  await c.insertBatch(ids, base);
  await assert.rejects(c.searchConformal(row(qs, 0, dim)), (e) => e.code === 'RV_EINVAL' && /rv_calibrate/.test(e.message));
  const half = nq / 2;
  const cal = await c.calibrate(qs.subarray(0, half * dim), { alpha: 0.1, cap: 40, ef: 60 });
  assert.equal(cal.conformal.n, half);
  assert.equal(cal.conformal.cap, 40);
  assert.ok(Math.abs(cal.conformal.alpha - 0.1) < 1e-6);
  assert.deepEqual(c.calibration(), cal);
  let covered = 0, size = 0;
  for (let q = half; q < nq; q++) {
    const r = await c.searchConformal(row(qs, q, dim));
    assert.equal(r.threshold, cal.conformal.threshold);
    assert.ok(r.hits.length <= 40);
    for (const h of r.hits) assert.ok(h.distance <= r.threshold);
    const got = new Set(r.hits.map((h) => h.id));
    covered += truth[q].every((id) => got.has(id)) ? 1 : 0;
    size += r.hits.length;
  }
  const coverage = covered / (nq - half);
  assert.ok(coverage >= 0.9 - 0.045, `coverage ${coverage} (mean set size ${size / (nq - half)})`);
  // relevant ids given: the same truth gives the same threshold
  const given = await c.calibrate(qs.subarray(0, half * dim), { alpha: 0.1, cap: 40, ef: 60,
    relevant: truth.slice(0, half) });
  assert.equal(given.conformal.threshold, cal.conformal.threshold);
  await assert.rejects(c.calibrate(qs, { alpha: 0.1, relevant: [['v1']] }), (e) => e.code === 'RV_EINVAL');
  const byRatio = await c.calibrate(qs.subarray(0, half * dim), { alpha: 0.1, cap: 40, ef: 60, score: 'ratio' });
  assert.equal(byRatio.conformal.score, 'ratio');
  const rr = await c.searchConformal(row(qs, half, dim));
  for (const h of rr.hits) assert.ok(h.distance <= rr.threshold * rr.hits[0].distance * (1 + 1e-6));
  await assert.rejects(c.calibrate(qs, { alpha: 0.1, score: 'cosine' }), (e) => e.code === 'RV_EINVAL');
  await assert.rejects(c.calibrate(qs, { alpha: 1.5 }), (e) => e.code === 'RV_EINVAL' && /alpha/.test(e.message));
  await assert.rejects(c.calibrate(qs, {}), TypeError);
  await assert.rejects(c.calibrate(qs, { alpha: 0.1, targetRecall: 0.9 }), TypeError);
  await c.close();
});

test('target recall is met on held-out queries', async () => {
  const c = new Collection({ dim, exactThreshold: 0, m: 8, efConstruction: 60 });
  await c.insertBatch(ids, base);
  await assert.rejects(c.search(row(qs, 0, dim), K, { calibrated: true }), (e) => e.code === 'RV_EINVAL');
  const half = nq / 2;
  const cal = await c.calibrate(qs.subarray(0, half * dim), { targetRecall: 0.95, k: K });
  assert.ok(cal.targetRecall.ef >= K);
  let sum = 0;
  for (let q = half; q < nq; q++) {
    const hits = await c.search(row(qs, q, dim), K, { calibrated: true });
    const got = new Set(hits.map((h) => h.id));
    sum += truth[q].filter((id) => got.has(id)).length / K;
  }
  const recall = sum / (nq - half);
  assert.ok(recall >= 0.94, `held-out recall ${recall} at ef ${cal.targetRecall.ef}`);
  await c.close();
});

test('calibrations survive reopening a database', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-calib-'));
  try {
    let db = await Database.open(dir);
    let c = await db.createCollection('c', { dimensions: dim });
    await c.insertBatch(ids.slice(0, 2000), base.subarray(0, 2000 * dim));
    await c.calibrate(qs.subarray(0, 200 * dim), { alpha: 0.2, score: 'rank', cap: 30 });
    const want = await c.calibrate(qs.subarray(0, 200 * dim), { targetRecall: 0.9 });
    assert.equal(want.conformal.score, 'rank');
    await db.close();
    db = await Database.open(dir);
    c = await db.openCollection('c');
    assert.deepEqual(c.calibration(), want);
    const r = await c.searchConformal(row(qs, 300, dim));
    assert.equal(r.cap, 30);
    assert.ok(r.hits.length <= Math.floor(r.threshold));
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('inspect(): planted duplicates, H0 against an independent spanning tree, sample ids', async () => {
  const c = new Collection({ dim, numericIds: true });
  const m = 600;
  const v = new Float32Array(base.subarray(0, m * dim));
  for (let i = 0; i < 7; i++) v.copyWithin((m - 1 - i) * dim, i * 13 * dim, (i * 13 + 1) * dim);
  await c.insertBatch(Array.from({ length: m }, (_, i) => i), v);
  const r = await c.inspect({ sample: m, k: 5 });
  assert.equal(r.sample, m);
  assert.equal(r.duplicates.exactPairs, 7);
  assert.equal(r.h0.length, m - 1);
  assert.equal(r.sampleIds.length, m);
  assert.equal(typeof r.sampleIds[0], 'number');
  // Prim in double precision over the vectors the ids name
  const x = r.sampleIds.map((id) => row(v, id, dim));
  const best = new Float64Array(m).fill(Infinity), done = new Uint8Array(m), deaths = [];
  let cur = 0;
  done[0] = 1;
  for (let e = 0; e < m - 1; e++) {
    for (let i = 0; i < m; i++) {
      if (done[i]) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += (x[cur][j] - x[i][j]) ** 2;
      best[i] = Math.min(best[i], Math.sqrt(s));
    }
    let pick = -1;
    for (let i = 0; i < m; i++) if (!done[i] && (pick < 0 || best[i] < best[pick])) pick = i;
    deaths.push(best[pick]);
    done[pick] = 1;
    cur = pick;
  }
  deaths.sort((a, b) => a - b);
  for (let i = 0; i < m - 1; i++) assert.ok(Math.abs(deaths[i] - r.h0[i]) <= 1e-4 * (deaths[i] + 1e-3), `death ${i}`);
  await assert.rejects(c.inspect({ sample: 2 }), (e) => e.code === 'RV_EINVAL' && /sample/.test(e.message));
  await c.close();
});
