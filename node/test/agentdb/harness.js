'use strict';
// Runs one scripted scenario against agentdb 1.6.1 and against ours, in this
// process, under the same conditions, and returns both transcripts:
//   - Math.random is the same seeded generator for both runs, and Date.now
//     is frozen at one instant (agentdb's session and certificate ids, and
//     its latencies, come from them);
//   - console output is silenced (agentdb logs a lot);
//   - each step's value is normalized: typed arrays and Buffers to plain
//     arrays, Maps to entries, and the times SQLite gives (strftime('%s',
//     'now'): ts, created_at, ...) to '<sqlite-time>', since the two runs
//     happen a moment apart; an error becomes {error: message}.
// agentdb gets the schema as its CLI applies it (exec both .sql files); ours
// has it from createDatabase (exec'ing it again is a no-op).
const os = require('os');
const path = require('path');
const fs = require('fs');

const SQLITE_TIME_KEYS = new Set(['ts', 'created_at', 'createdAt', 'updated_at', 'updatedAt', 'last_used_at',
  'lastUsedAt', 'observed_at', 'last_validated_at', 'computed_at', 'accessed_at']);
const FROZEN_NOW = 1767225600000; // 2026-01-01T00:00:00Z

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function normalize(v, key) {
  if (v === null || v === undefined) return v;
  if (typeof v === 'number') {
    if (SQLITE_TIME_KEYS.has(key) && v > 1e9) return '<sqlite-time>';
    return v;
  }
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v !== 'object') return v;
  if (v instanceof Float32Array || v instanceof Float64Array) return { floats: Array.from(v) };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (v instanceof Map) return { map: [...v.entries()].map(([k, x]) => [k, normalize(x)]) };
  if (v instanceof Error) return { error: v.message };
  if (Array.isArray(v)) return v.map((x) => normalize(x));
  const out = {};
  for (const k of Object.keys(v)) out[k] = normalize(v[k], k);
  return out;
}

let tmpRoot = null;
function tmpFile(name) {
  if (!tmpRoot) tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-agentdb-diff-'));
  return path.join(tmpRoot, name);
}
function cleanup() {
  if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = null;
}

/**
 * Run `scenario(ctx)` with ctx = {A (the module), db, step(name, fn, opts), which,
 * embedder(dim)}; returns [{name, value} | {name, error}, ...].
 */
async function runOne(which, A, schemas, scenario, { file = ':memory:', seed = 7 } = {}) {
  const saved = { random: Math.random, now: Date.now, log: console.log, warn: console.warn, error: console.error,
    debug: console.debug, setTimeout: global.setTimeout };
  Math.random = rng(seed);
  // agentdb's ReasoningBank keeps its stats cache alive with a 5-minute
  // timer, which would hold the test process open: unref every timer made
  // during the run
  global.setTimeout = (...args) => { const t = saved.setTimeout(...args); if (t && t.unref) t.unref(); return t; };
  Date.now = () => FROZEN_NOW;
  const quiet = () => {};
  console.log = console.warn = console.error = console.debug = quiet;
  const steps = [];
  let db;
  try {
    db = await A.createDatabase(file);
    if (which === 'agentdb') for (const s of schemas) db.exec(s);
    Math.random = rng(seed); // (loading sql.js draws from it once)
    const ctx = {
      A,
      db,
      which,
      embedder: (dimension = 64, model = 'mock-model') => new A.EmbeddingService({ model, dimension, provider: 'local' }),
      async step(name, fn, opts = {}) {
        try {
          const value = await fn();
          steps.push({ name, value: normalize(value), ...(opts.diff ? { diff: opts.diff } : {}) });
        } catch (e) {
          steps.push({ name, error: typeof e === 'string' ? e : e && e.message, ...(opts.diff ? { diff: opts.diff } : {}) }); // sql.js throws bare strings
        }
      },
    };
    await scenario(ctx);
  } finally {
    try {
      if (db) {
        if (which === 'ours') await db.closeAsync();
        else db.close();
      }
    } finally {
      Math.random = saved.random;
      Date.now = saved.now;
      global.setTimeout = saved.setTimeout;
      Object.assign(console, { log: saved.log, warn: saved.warn, error: saved.error, debug: saved.debug });
    }
  }
  return steps;
}

/** Both transcripts. */
async function runBoth(peer, ours, scenario, opts = {}) {
  const a = await runOne('agentdb', peer.agentdb, peer.schemas, scenario, { ...opts, file: opts.file ? tmpFile(`a-${opts.file}`) : ':memory:' });
  const b = await runOne('ours', ours, peer.schemas, scenario, { ...opts, file: opts.file ? tmpFile(`b-${opts.file}`) : ':memory:' });
  return { agentdb: a, ours: b };
}

module.exports = { runOne, runBoth, normalize, rng, tmpFile, cleanup, FROZEN_NOW };
