'use strict';
// The C vector indexes behind agentdb's embedding tables.
//
// agentdb 1.6.1 answered every similarity query by loading every candidate
// row's embedding from SQLite and computing cosine similarity in JS. Here
// each embedding table that a controller searches has a C collection
// (cosine; an exact SIMD scan below exactThreshold rows, HNSW above) holding
// the same vectors under the same ids:
//
//   episodes   episode_embeddings(episode_id, embedding)
//   skills     skill_embeddings(skill_id, embedding)
//   patterns   pattern_embeddings(pattern_id, embedding)
//
// SQLite stays the source of truth; the index is derived data that is kept
// in step and checked, never trusted blindly.
//
// IN STEP WITH EVERY WRITE. TEMP triggers on the three tables (per
// connection, never stored in the file, so agentdb and other tools see an
// unchanged schema) call a JS function with the id of every row inserted,
// updated or deleted through this connection: by our controllers, by raw
// SQL, by cascades (foreign_keys is on). The ids go to a pending set; before
// a search (and right after each controller write) the pending rows are
// read back and applied: present -> upsert, absent -> delete. Re-reading
// the current row makes this correct whatever happened in between (a
// rolled-back statement, an update then a delete). Ids applied while a
// transaction is open are applied again once it has ended, in case it
// rolls back. Writes by other connections (another process) show up as a
// change of PRAGMA data_version, checked before each search: the index is
// then reconciled with the table (below).
//
// ROWS THE INDEX CANNOT HOLD. A blob that is not dim float32s, or is all
// zeros (an empty text embeds to an empty blob in agentdb), or holds NaN or
// infinity, is kept out of the C collection and listed as "odd": searches
// score odd rows in JS with the controller's own formula, exactly as agentdb
// did, and merge them in. The dimension is that of the first valid row.
//
// ON DISK. For a file database, <file>.rvindex/ is a ruvector database
// directory with one collection per table (durability 'off': SQLite is the
// durable copy), and <name>.state beside them. On open, every row of the
// table is read once and hashed (id and bytes; a commutative sum, so it can
// also be kept up to date row by row):
//   - the state file says the index was closed cleanly with the same row
//     count and hash, and the collection holds as many vectors: reused as
//     is (the "checkpoint matches");
//   - otherwise the collection is reconciled with the table: each row's
//     vector is compared with the stored one (missing or different:
//     upsert), and ids the table no longer has (between 1 and the highest
//     id AUTOINCREMENT ever gave) are deleted; if that cannot account for
//     every stored vector, or the collection cannot be opened, it is
//     rebuilt from the table.
// The state file is deleted when the index is opened for writing and
// written again only by a clean close (db.close(); db.closeAsync() waits
// for it), so after a crash the next open reconciles. When another process
// holds the index directory (RV_EBUSY), this connection builds its index in
// memory instead.
const fs = require('fs');
const path = require('path');
const { Collection } = require('../collection');
const { Database } = require('../database');

const ABSENT = Symbol('absent'); // a row no search returns (a skill embedding without its skill)

// SkillLibrary ranks by 0.4*similarity + rest, rest = 0.3*successRate +
// 0.1*min(uses/1000, 1) + 0.2*avgReward. With unit vectors the whole score
// is one inner product: [0.4*v/|v|, rest] . [q/|q|, 1]. So the skills index
// holds those augmented vectors (metric 'ip') and is kept in step with the
// skills table's statistics too (triggers on skills), and its top-k IS
// the top-k by agentdb's composite score.
function restScore(sr, uses, ar) {
  return sr * 0.3 + Math.min(uses / 1000, 1.0) * 0.1 + ar * 0.2;
}

const SPECS = {
  episodes: {
    name: 'episodes', table: 'episode_embeddings', id: 'episode_id', parent: 'episodes', code: 1, metric: 'cosine',
    select: 'SELECT episode_id, embedding FROM episode_embeddings',
    where: 'episode_id',
    vector: (row, dim) => usable(row[1], dim),
    embDim: (row) => { const v = usable(row[1], 0); return v ? v.length : 0; },
    indexDim: (d) => d,
    hash: (row) => rowHash(row[0], row[1]),
  },
  skills: {
    name: 'skills', table: 'skill_embeddings', id: 'skill_id', parent: 'skills', code: 2, metric: 'ip',
    select: 'SELECT se.skill_id, se.embedding, s.success_rate, s.uses, s.avg_reward, s.id ' +
      'FROM skill_embeddings se LEFT JOIN skills s ON s.id = se.skill_id',
    where: 'se.skill_id',
    vector: (row, dim) => {
      if (row[5] === null) return ABSENT;
      const v = usable(row[1], dim);
      const rest = restScore(row[2], row[3], row[4]);
      if (!v || !Number.isFinite(rest)) return null;
      let n = 0;
      for (let i = 0; i < v.length; i++) n += v[i] * v[i];
      n = Math.sqrt(n);
      const out = new Float32Array(v.length + 1);
      for (let i = 0; i < v.length; i++) out[i] = (0.4 * v[i]) / n;
      out[v.length] = rest;
      return out;
    },
    embDim: (row) => { const v = usable(row[1], 0); return v ? v.length : 0; },
    indexDim: (d) => d + 1,
    hash: (row) => rowHash(row[0], row[1], [row[2], row[3], row[4], row[5]]),
    // the statistics are part of the indexed vector
    extraTriggers: (code) => `
        CREATE TEMP TRIGGER IF NOT EXISTS ruvector_skills_stats_upd AFTER UPDATE ON main.skills
          BEGIN SELECT ruvector_changed(${code}, OLD.id); SELECT ruvector_changed(${code}, NEW.id); END;
        CREATE TEMP TRIGGER IF NOT EXISTS ruvector_skills_stats_ins AFTER INSERT ON main.skills
          BEGIN SELECT ruvector_changed(${code}, NEW.id); END;
        CREATE TEMP TRIGGER IF NOT EXISTS ruvector_skills_stats_del AFTER DELETE ON main.skills
          BEGIN SELECT ruvector_changed(${code}, OLD.id); END;`,
  },
  patterns: {
    name: 'patterns', table: 'pattern_embeddings', id: 'pattern_id', parent: 'reasoning_patterns', code: 3, metric: 'cosine',
    select: 'SELECT pattern_id, embedding FROM pattern_embeddings',
    where: 'pattern_id',
    vector: (row, dim) => usable(row[1], dim),
    embDim: (row) => { const v = usable(row[1], 0); return v ? v.length : 0; },
    indexDim: (d) => d,
    hash: (row) => rowHash(row[0], row[1]),
  },
};
const BY_CODE = new Map(Object.values(SPECS).map((s) => [s.code, s]));

// better-sqlite3's own prepare/pragma, also on our AgentDatabase subclass
// (whose prepare() applies agentdb's binding rules).
const prepareRaw = (db, sql) => (db.rawPrepare ? db.rawPrepare(sql) : db.prepare(sql));
const pragmaRaw = (db, p) => (db.rawPragma ? db.rawPragma(p, { simple: true }) : db.pragma(p, { simple: true }));
const STATE_FORMAT = 1;
const CHUNK = 4096;
const K_MAX = 65536;

// ---- row hashing: two 32-bit lanes, summed over rows (mod 2^32 each) ----

function words(buf) {
  const n = buf.length >> 2;
  if ((buf.byteOffset & 3) === 0) return new Int32Array(buf.buffer, buf.byteOffset, n);
  const copy = new Int32Array(n);
  new Uint8Array(copy.buffer).set(buf.subarray(0, n * 4));
  return copy;
}

function rowHash(id, buf, extra) {
  let h1 = (0x811c9dc5 ^ id) | 0;
  let h2 = (0x9e3779b9 ^ Math.imul(id, 0x85ebca6b)) | 0;
  if (buf && buf.length) {
    const w = words(buf);
    for (let i = 0; i < w.length; i++) {
      h1 = Math.imul(h1 ^ w[i], 0x01000193);
      h2 = Math.imul((h2 ^ w[i]) + 0x7f4a7c15, 0xcc9e2d51);
      h2 ^= h2 >>> 15;
    }
    for (let i = w.length * 4; i < buf.length; i++) h1 = Math.imul(h1 ^ buf[i], 0x01000193);
  }
  h1 = Math.imul(h1 ^ (buf ? buf.length : -1), 0x01000193);
  if (extra) {
    const x = Buffer.from(JSON.stringify(extra));
    for (let i = 0; i < x.length; i++) h2 = Math.imul(h2 ^ x[i], 0x01000193);
  }
  return [h1 >>> 0, h2 >>> 0];
}

// ---- what a row holds ----

// A Float32Array view (or copy) of a blob's bytes.
function floats(buf) {
  if (!buf) return new Float32Array(0);
  const n = Math.floor(buf.length / 4);
  if ((buf.byteOffset & 3) === 0) return new Float32Array(buf.buffer, buf.byteOffset, n);
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(buf.subarray(0, n * 4));
  return out;
}

// The vector a valid row gives the index, or null when it is odd.
function usable(buf, dim) {
  if (!buf || !(buf instanceof Uint8Array) || buf.length === 0 || buf.length % 4 !== 0) return null;
  const v = floats(buf);
  if (dim && v.length !== dim) return null;
  let nonzero = false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x || x === Infinity || x === -Infinity) return null;
    if (x !== 0) nonzero = true;
  }
  return nonzero ? v : null;
}

function close(a, b) {
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 1e-5 * Math.max(1, Math.abs(b[i]))) return false;
  }
  return true;
}

class TableIndex {
  #set;
  #db;
  #spec;
  #opts;
  #coll = null;        // the C Collection, null while the table has no valid row
  #dim = 0;            // the embeddings' dimension (the collection's, less any augmentation)
  #hashes = new Map(); // id -> [h1, h2] for every row of the table
  #sum1 = 0;
  #sum2 = 0;
  #odd = new Set();    // ids whose rows the index cannot hold
  #absentRows = 0;     // rows no search returns (found by the last #scan)
  #pending = new Set();
  #inTx = new Set();   // applied while a transaction was open
  #chain = Promise.resolve(); // index operations, one at a time
  #ready = null;
  #settled = false;    // #ready has resolved
  #dataVersion = null;
  #persistent = false;
  #stats = { reused: false, reconciled: 0, rebuilt: false, openMs: 0 };
  #stmts = null;

  constructor(set, db, spec, opts) {
    this.#set = set;
    this.#db = db;
    this.#spec = spec;
    this.#opts = opts;
  }

  get spec() { return this.#spec; }
  /** The stored embeddings' dimension (0 while there is none). */
  get dimensions() { return this.#dim; }
  /** Vectors in the C collection. */
  get size() { return this.#coll ? this.#coll.len() : 0; }
  /** Ids of rows the index cannot hold (scored in JS). */
  get oddIds() { return this.#odd; }
  /** How the last open went: {reused, reconciled (rows fixed), rebuilt, openMs}. */
  get openStats() { return { ...this.#stats }; }
  get persistent() { return this.#persistent; }
  /** The C collection (diagnostics and the benchmark). */
  get collection() { return this.#coll; }

  note(id) { this.#pending.add(id); }

  #prep() {
    if (this.#stmts) return this.#stmts;
    const sp = this.#spec;
    const raw = (sql) => prepareRaw(this.#db, sql);
    this.#stmts = {
      all: raw(sp.select).raw(true),
      some: raw(`${sp.select} WHERE ${sp.where} IN (SELECT value FROM json_each(?))`).raw(true),
      seq: raw('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck(true),
      maxId: raw(`SELECT max(${sp.id}) FROM ${sp.table}`).pluck(true),
      version: raw('PRAGMA data_version').pluck(true),
    };
    return this.#stmts;
  }

  #run(fn) {
    const p = this.#chain.then(fn);
    this.#chain = p.then(() => {}, () => {});
    return p;
  }

  // ---- opening ----

  ready() {
    if (!this.#ready) {
      this.#ready = this.#run(() => this.#open());
      this.#ready.then(() => { this.#settled = true; }, () => { this.#ready = null; }); // retry on the next call
    }
    return this.#ready;
  }

  #account(id, row) {
    const h = this.#spec.hash(row);
    this.#hashes.set(id, h);
    this.#sum1 = (this.#sum1 + h[0]) >>> 0;
    this.#sum2 = (this.#sum2 + h[1]) >>> 0;
  }

  #unaccount(id) {
    const old = this.#hashes.get(id);
    if (!old) return;
    this.#sum1 = (this.#sum1 - old[0]) >>> 0;
    this.#sum2 = (this.#sum2 - old[1]) >>> 0;
    this.#hashes.delete(id);
  }

  // Read every row: hashes, odd ids, and (to `visit`) each indexable vector.
  // Returns the embeddings' dimension (this.#dim, or the first valid row's).
  #scan(visit) {
    const { all } = this.#prep();
    this.#hashes.clear();
    this.#odd.clear();
    this.#sum1 = 0;
    this.#sum2 = 0;
    this.#absentRows = 0;
    let dim = this.#dim;
    for (const row of all.iterate()) {
      const id = row[0];
      this.#account(id, row);
      if (!dim) dim = this.#spec.embDim(row);
      const v = dim ? this.#spec.vector(row, dim) : null;
      if (v === ABSENT) {
        this.#absentRows++;
        continue;
      }
      if (!v) this.#odd.add(id);
      else if (visit) visit(id, v);
    }
    return dim;
  }

  #statePath() { return path.join(this.#set.dir, `${this.#spec.name}.state`); }

  #readState() {
    try {
      const st = JSON.parse(fs.readFileSync(this.#statePath(), 'utf8'));
      return st && st.format === STATE_FORMAT ? st : null;
    } catch {
      return null;
    }
  }

  #dropState() {
    try {
      fs.unlinkSync(this.#statePath());
      const fd = fs.openSync(this.#set.dir, 'r');
      try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    } catch { /* none */ }
  }

  async #open() {
    const t0 = Date.now();
    this.#set.checkSchema();
    this.#dataVersion = this.#prep().version.get();
    this.#pending.clear();
    const cdb = await this.#set.database();
    this.#persistent = Boolean(cdb);
    if (cdb) {
      const state = this.#readState();
      if (!this.#opts.readonly) this.#dropState();
      let coll = null;
      try {
        coll = await cdb.openCollection(this.#spec.name, { numericIds: true });
      } catch (e) {
        if (e.code !== 'RV_ENOTFOUND') {
          if (this.#opts.readonly) throw e;
          await cdb.dropCollection(this.#spec.name).catch(() => {}); // damaged: start again
        }
      }
      if (coll && coll.metric !== this.#spec.metric) {
        await coll.close();
        await cdb.dropCollection(this.#spec.name);
        coll = null;
      }
      if (coll) {
        this.#dim = coll.dimensions - (this.#spec.indexDim(1) - 1);
        this.#scan(null);
        const indexed = this.#hashes.size - this.#odd.size - this.#absentRows;
        if (state && state.count === this.#hashes.size && state.sum1 === this.#sum1 && state.sum2 === this.#sum2 &&
            state.dim === this.#dim && coll.len() === indexed) {
          this.#coll = coll; // the checkpoint matches the table
          this.#stats = { reused: true, reconciled: 0, rebuilt: false, openMs: Date.now() - t0 };
          return;
        }
        const fixed = await this.#reconcile(coll);
        if (fixed >= 0) {
          this.#coll = coll;
          this.#stats = { reused: false, reconciled: fixed, rebuilt: false, openMs: Date.now() - t0 };
          return;
        }
        await coll.close();
        if (this.#opts.readonly) {
          throw Object.assign(new Error(`the vector index of ${this.#spec.table} does not match the table, and the database is read-only`), { code: 'RV_ECORRUPT' });
        }
        await cdb.dropCollection(this.#spec.name);
      }
    }
    await this.#rebuild(cdb);
    this.#stats = { reused: false, reconciled: 0, rebuilt: true, openMs: Date.now() - t0 };
  }

  #newCollection(cdb, dim) {
    const o = {
      dimensions: this.#spec.indexDim(dim),
      metric: this.#spec.metric,
      m: this.#opts.m ?? 16,
      efConstruction: this.#opts.efConstruction ?? 200,
      efSearch: this.#opts.efSearch ?? 128,
      exactThreshold: this.#opts.exactThreshold ?? 4096,
      numericIds: true,
    };
    return cdb ? cdb.createCollection(this.#spec.name, o) : Promise.resolve(new Collection(o));
  }

  async #insertAll(coll, ids, vecs) {
    const d = coll.dimensions;
    for (let i = 0; i < ids.length; i += CHUNK * 4) {
      const n = Math.min(ids.length, i + CHUNK * 4) - i;
      const buf = new Float32Array(n * d);
      for (let j = 0; j < n; j++) buf.set(vecs[i + j], j * d);
      await coll.insertBatch(ids.slice(i, i + n), buf, { upsert: true });
    }
  }

  // Build the collection from the table.
  async #rebuild(cdb) {
    this.#dim = 0;
    this.#coll = null;
    const ids = [];
    const vecs = [];
    const dim = this.#scan((id, v) => { ids.push(id); vecs.push(v); });
    if (!dim) return; // no valid row yet: made with the first one
    this.#dim = dim;
    this.#coll = await this.#newCollection(cdb, dim);
    await this.#insertAll(this.#coll, ids, vecs);
  }

  // Make `coll` hold exactly the table's indexable rows (after #scan).
  // Returns the number of rows fixed, or -1 when it cannot (rebuild then).
  async #reconcile(coll) {
    const dim = this.#dim;
    const { all } = this.#prep();
    let present = 0;
    let batchIds = [], batchVecs = [];
    const upIds = [], upVecs = [];
    const flush = async () => {
      if (!batchIds.length) return;
      const got = await coll.getBatch(batchIds);
      for (let i = 0; i < batchIds.length; i++) {
        if (got[i]) present++;
        if (!got[i] || !close(got[i], batchVecs[i])) {
          upIds.push(batchIds[i]);
          upVecs.push(batchVecs[i]);
        }
      }
      batchIds = [];
      batchVecs = [];
    };
    const indexable = new Set();
    for (const row of all.iterate()) {
      const v = this.#spec.vector(row, dim);
      if (!v || v === ABSENT) continue;
      indexable.add(row[0]);
      batchIds.push(row[0]);
      batchVecs.push(v.slice());
      if (batchIds.length >= CHUNK) await flush();
    }
    await flush();
    // vectors stored under ids the table no longer has (or whose row is odd now)
    let fixed = 0;
    let extra = coll.len() - present;
    if (extra > 0) {
      const { seq, maxId } = this.#prep();
      const top = Math.max(Number(seq.get(this.#spec.parent) || 0), Number(maxId.get() || 0));
      const probe = [];
      for (let id = 1; id <= top && extra > 0; id++) {
        if (!indexable.has(id)) probe.push(id);
        if (probe.length >= CHUNK || id === top) {
          if (probe.length) {
            const got = await coll.getBatch(probe);
            const gone = probe.filter((_, i) => got[i]);
            if (gone.length) {
              await coll.deleteBatch(gone);
              extra -= gone.length;
              fixed += gone.length;
            }
          }
          probe.length = 0;
        }
      }
      if (extra > 0) return -1;
    }
    await this.#insertAll(coll, upIds, upVecs);
    return fixed + upIds.length;
  }

  // ---- keeping in step ----

  /**
   * Apply pending changes (and other connections' writes) to the index.
   * Searches call it first; controllers call it after their writes.
   */
  sync() {
    if (!this.#ready) return this.ready().then(() => this.sync());
    // the common case, nothing to do: no promise chain, two cheap pragmas
    if (this.#settled && !this.#pending.size && !this.#inTx.size &&
        this.#prep().version.get() === this.#dataVersion && !this.#set.schemaChanged()) {
      return Promise.resolve();
    }
    return this.#run(() => this.#apply());
  }

  async #apply() {
    await this.#ready;
    this.#set.checkSchema();
    const v = this.#prep().version.get();
    if (v !== this.#dataVersion) {
      // another connection wrote the database: check the whole table
      this.#dataVersion = v;
      this.#pending.clear();
      this.#inTx.clear();
      if (this.#coll) {
        this.#scan(null);
        if (await this.#reconcile(this.#coll) >= 0) return;
        await this.#coll.close();
        const cdb = await this.#set.database();
        if (cdb) await cdb.dropCollection(this.#spec.name);
      }
      await this.#rebuild(await this.#set.database());
      return;
    }
    const inTx = this.#db.inTransaction;
    if (!inTx && this.#inTx.size) {
      for (const id of this.#inTx) this.#pending.add(id);
      this.#inTx.clear();
    }
    if (!this.#pending.size) return;
    const ids = [...this.#pending];
    this.#pending.clear();
    if (inTx) for (const id of ids) this.#inTx.add(id);
    try {
      for (let i = 0; i < ids.length; i += CHUNK) await this.#applyIds(ids.slice(i, i + CHUNK));
    } catch (e) {
      for (const id of ids) this.#pending.add(id); // applied again (it is idempotent) by the next sync
      throw e;
    }
  }

  async #applyIds(ids) {
    const rows = new Map(this.#prep().some.all(JSON.stringify(ids)).map((r) => [r[0], r]));
    const upIds = [], upVecs = [], del = [];
    for (const id of ids) {
      this.#unaccount(id);
      this.#odd.delete(id);
      const row = rows.get(id);
      if (!row) {
        del.push(id);
        continue;
      }
      this.#account(id, row);
      if (!this.#dim) {
        const d = this.#spec.embDim(row);
        if (d) {
          this.#dim = d;
          this.#coll = await this.#newCollection(await this.#set.database(), d);
        }
      }
      const v = this.#dim ? this.#spec.vector(row, this.#dim) : null;
      if (v === ABSENT) {
        del.push(id);
      } else if (v) {
        upIds.push(id);
        upVecs.push(v);
      } else {
        this.#odd.add(id);
        del.push(id);
      }
    }
    if (!this.#coll) return;
    if (del.length) await this.#coll.deleteBatch(del);
    if (upIds.length) await this.#insertAll(this.#coll, upIds, upVecs);
  }

  // ---- searching ----

  /**
   * The n nearest indexed rows to `query` (the embedding, of dimension
   * `dimensions`): {ids, dists, total}. dists are the core's: 1 - cos for
   * episodes and patterns, -(composite score) for skills (float32).
   */
  async search(query, n, { ef, sync = true } = {}) {
    if (sync) await this.sync();
    const c = this.#coll;
    if (!c || c.len() === 0) return { ids: [], dists: [], total: 0 };
    let q = query;
    if (this.#spec.metric === 'ip') {
      let norm = 0;
      for (let i = 0; i < query.length; i++) norm += query[i] * query[i];
      norm = Math.sqrt(norm);
      q = new Float32Array(query.length + 1);
      for (let i = 0; i < query.length; i++) q[i] = query[i] / norm;
      q[query.length] = 1;
    }
    const total = c.len();
    const k = Math.min(n, total, K_MAX);
    const exact = k * 4 >= total;
    const hits = await c.search(q, k, { ef: Math.min(K_MAX, Math.max(ef ?? this.#opts.efSearch ?? 128, k)), exact, lane: this.#opts.lane ?? false });
    return { ids: hits.map((h) => h.id), dists: hits.map((h) => h.distance), total };
  }

  /** Close the collection and write the state file (a clean close). */
  async close() {
    await this.#chain;
    if (!this.#ready) return;
    try { await this.#ready; } catch { return; }
    if (this.#coll) await this.#coll.close();
    if (this.#persistent && !this.#opts.readonly && !this.#pending.size && !this.#inTx.size) {
      const state = {
        format: STATE_FORMAT, table: this.#spec.table, count: this.#hashes.size, sum1: this.#sum1,
        sum2: this.#sum2, dim: this.#dim, odd: this.#odd.size,
      };
      const tmp = `${this.#statePath()}.tmp`;
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, JSON.stringify(state));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.#statePath());
    }
  }
}

/** The indexes of one SQLite connection. */
class VectorIndexes {
  #db;
  #opts;
  #tables = new Map();
  #cdb = undefined; // the C Database: a Promise; resolves to null when in memory
  #closing = null;
  #schemaVersion = null;

  constructor(db, opts) {
    this.#db = db;
    this.#opts = opts;
    this.dir = opts.dir;
    db.function('ruvector_changed', { deterministic: false }, (code, id) => {
      const spec = BY_CODE.get(code);
      if (spec && !this.#closing) this.table(spec.name).note(id);
      return null;
    });
    if (!opts.readonly) this.#installTriggers();
  }

  // TEMP triggers on each embedding table that exists (see the file comment).
  #installTriggers() {
    for (const s of Object.values(SPECS)) {
      const exists = prepareRaw(this.#db, "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?").get(s.table);
      if (!exists) continue;
      const t = `ruvector_${s.table}`;
      this.#db.exec(`
        CREATE TEMP TRIGGER IF NOT EXISTS ${t}_ins AFTER INSERT ON main.${s.table}
          BEGIN SELECT ruvector_changed(${s.code}, NEW.${s.id}); END;
        CREATE TEMP TRIGGER IF NOT EXISTS ${t}_upd AFTER UPDATE ON main.${s.table}
          BEGIN SELECT ruvector_changed(${s.code}, OLD.${s.id}); SELECT ruvector_changed(${s.code}, NEW.${s.id}); END;
        CREATE TEMP TRIGGER IF NOT EXISTS ${t}_del AFTER DELETE ON main.${s.table}
          BEGIN SELECT ruvector_changed(${s.code}, OLD.${s.id}); END;`);
      if (s.extraTriggers) this.#db.exec(s.extraTriggers(s.code));
    }
    this.#schemaVersion = pragmaRaw(this.#db, 'schema_version');
  }

  /** Whether the schema changed since the triggers were installed. */
  schemaChanged() {
    return !this.#opts.readonly && pragmaRaw(this.#db, 'schema_version') !== this.#schemaVersion;
  }

  /** Re-install the triggers after a schema change (a table dropped and made again). */
  checkSchema() {
    if (this.#opts.readonly) return;
    const v = pragmaRaw(this.#db, 'schema_version');
    if (v !== this.#schemaVersion) this.#installTriggers();
  }

  /** The C Database for the index files, or null (in memory). */
  database() {
    if (this.#cdb === undefined) {
      this.#cdb = (async () => {
        if (!this.dir) return null;
        try {
          return await Database.open(this.dir, {
            durability: 'off',
            readOnly: this.#opts.readonly,
            create: !this.#opts.readonly,
          });
        } catch (e) {
          if (e.code === 'RV_EBUSY' || (this.#opts.readonly && e.code === 'RV_ENOTFOUND')) return null; // in memory
          throw e;
        }
      })();
      const p = this.#cdb;
      p.catch(() => { if (this.#cdb === p) this.#cdb = undefined; }); // tried again by the next call
    }
    return this.#cdb;
  }

  /** The index of 'episodes', 'skills' or 'patterns'. */
  table(name) {
    let t = this.#tables.get(name);
    if (!t) {
      const spec = SPECS[name];
      if (!spec) throw new Error(`no vector index for ${name}`);
      t = new TableIndex(this, this.#db, spec, this.#opts);
      this.#tables.set(name, t);
    }
    return t;
  }

  /** Close every index and save its state (in the background). */
  closeSoon() {
    if (this.#closing) return;
    this.#closing = (async () => {
      for (const t of this.#tables.values()) await t.close().catch(() => {});
      if (this.#cdb) {
        const cdb = await this.#cdb.catch(() => null);
        if (cdb) await cdb.close();
      }
    })();
    this.#closing.catch(() => {});
  }

  closed() { return this.#closing || Promise.resolve(); }
}

const attached = new WeakMap();

/**
 * The indexes of `db`: those createDatabase made, or for another
 * better-sqlite3 connection, in-memory ones attached on first use; null for
 * anything else (agentdb's own sql.js wrapper: controllers then scan in JS,
 * as agentdb did).
 */
function indexesFor(db) {
  if (!db || typeof db !== 'object') return null;
  if (db.vectorIndexes instanceof VectorIndexes) return db.vectorIndexes;
  if (attached.has(db)) return attached.get(db);
  let ix = null;
  if (typeof db.function === 'function' && typeof db.pragma === 'function' && 'inTransaction' in db && db.open) {
    ix = new VectorIndexes(db, { dir: null, readonly: Boolean(db.readonly) });
  }
  attached.set(db, ix);
  return ix;
}

module.exports = { VectorIndexes, TableIndex, SPECS, indexesFor, floats, usable, rowHash, prepareRaw, restScore };
