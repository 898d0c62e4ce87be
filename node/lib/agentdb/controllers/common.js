'use strict';
// Helpers shared by the controllers.

// The query as a Float32Array for the C index (agentdb's embedder returns a
// plain Array of zeros for an empty text).
function queryVector(v) {
  if (v instanceof Float32Array) return v;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Float32Array.from(v);
  return new Float32Array(0);
}

// A query of another dimension than the stored embeddings: an error (agentdb
// computed meaningless similarities from the overlapping components).
function checkQueryDim(table, q, what) {
  const dim = table.dimensions;
  if (dim && q.length !== dim) {
    const e = new Error(`Query embedding has ${q.length} dimensions; the stored ${what} embeddings have ${dim}`);
    e.code = 'RV_EDIM';
    throw e;
  }
}

// Prepared statements for the controllers' own searches, cached per
// database and SQL text (better-sqlite3's own statements where the
// database is ours: their parameters are ours too, numbers and JSON).
const caches = new WeakMap();
function cachedStatement(db, sql) {
  let m = caches.get(db);
  if (!m) {
    m = new Map();
    caches.set(db, m);
  }
  let s = m.get(sql);
  if (!s) {
    s = db.rawPrepare ? db.rawPrepare(sql) : db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}

// A reward that is not a finite number (agentdb stored NaN as NULL and kept
// Infinity, corrupting averages): agentdb's own validation message.
function checkFiniteReward(r, field = 'reward') {
  if (typeof r === 'number' && !Number.isFinite(r)) {
    const { ValidationError } = require('../security');
    throw new ValidationError('Reward must be a number', 'INVALID_REWARD', field);
  }
}

// Whether the C index can take `q` as a query: not empty, finite, not all
// zero (a zero query makes every similarity NaN: the controllers then do
// agentdb's scan, whose order is the SQL order).
function searchable(q) {
  if (!q || q.length === 0) return false;
  let nonzero = false;
  for (let i = 0; i < q.length; i++) {
    const x = q[i];
    if (x !== x || x === Infinity || x === -Infinity) return false;
    if (x !== 0) nonzero = true;
  }
  return nonzero;
}

// The fields an episode must have (agentdb bound undefined and failed with
// sql.js's "Wrong API use : tried to bind a value of an unknown type
// (undefined).", or read a property of null): a TypeError for a non-object,
// a ValidationError naming the field otherwise. `what` names the call.
const EPISODE_FIELDS = [['sessionId', 'string'], ['task', 'string'], ['reward', 'number']];
function checkEpisode(episode, what = 'storeEpisode') {
  if (episode === null || typeof episode !== 'object' || Array.isArray(episode)) {
    const got = episode === null ? 'null' : Array.isArray(episode) ? 'an array' : typeof episode;
    throw new TypeError(`${what}: the episode must be an object; got ${got}`);
  }
  const { ValidationError } = require('../security');
  for (const [field, type] of EPISODE_FIELDS) {
    const v = episode[field];
    if (v === undefined || v === null) {
      throw new ValidationError(`${what}: episode.${field} is missing (a ${type} is required)`, 'MISSING_FIELD', field);
    }
    if (typeof v !== type) {
      throw new ValidationError(`${what}: episode.${field} must be a ${type}; got ${typeof v}`, 'INVALID_FIELD', field);
    }
  }
  checkFiniteReward(episode.reward);
}

// Controller writes and the vector index of their table. The index is
// opened (and so checked) BEFORE the rows are written: when it cannot be
// (agent.db.rvindex is a file, the disk refuses it), the write rejects and
// nothing was committed, so a retry cannot duplicate the row. Once the rows
// are committed, the write has happened and resolves: bringing the index up
// to date afterwards cannot undo it, so a failure there leaves the rows
// pending in the index, and the next search retries them (and reports the
// error if it persists). SQLite is the source of truth; the index is
// derived from it.
async function indexBeforeWrite(db, name) {
  const { indexesFor } = require('../vector-index');
  const ix = indexesFor(db);
  if (ix) await ix.table(name).ready();
  return ix;
}

async function indexAfterWrite(ix, name) {
  if (ix) await ix.table(name).sync().catch(() => {});
}

// Group commit. A controller's write (storeEpisode, createSkill,
// storePattern: a row and its embedding) is one transaction, and with
// synchronous=FULL each commit waits for the disk. Writes that reach their
// commit point in the same turn of the event loop (callers keeping several
// in flight) are committed together: queued, then at setImmediate run in
// one transaction, each inside its own savepoint (better-sqlite3's nested
// transaction), so a write that throws is rolled back alone and rejects
// alone while the others commit. Every promise settles only after the one
// COMMIT returned, so a resolved write is as durable as before; if the
// COMMIT fails, every write of the group rejects with its error and none
// is in the database. One write alone costs one setImmediate more than
// before. Inside a transaction the caller opened (db.inTransaction), the
// write runs at once, as part of it, as it always did.
const groups = new WeakMap();

function commitGroup(db) {
  const group = groups.get(db);
  groups.delete(db);
  const done = new Array(group.length);
  const runAll = () => {
    for (let i = 0; i < group.length; i++) {
      try {
        done[i] = { ok: true, value: group.length === 1 ? group[i].write() : db.transaction(group[i].write)() };
      } catch (err) {
        if (group.length === 1) throw err;
        done[i] = { ok: false, err };
      }
    }
  };
  try {
    if (db.inTransaction) runAll();
    else db.transaction(runAll)();
  } catch (err) {
    for (const w of group) w.reject(err);
    return;
  }
  for (let i = 0; i < group.length; i++) {
    if (done[i].ok) group[i].resolve(done[i].value);
    else group[i].reject(done[i].err);
  }
}

function commitWrite(db, write) {
  if (db.inTransaction) {
    try { return Promise.resolve(write()); } catch (err) { return Promise.reject(err); }
  }
  return new Promise((resolve, reject) => {
    let group = groups.get(db);
    if (!group) {
      group = [];
      groups.set(db, group);
      setImmediate(commitGroup, db);
    }
    group.push({ write, resolve, reject });
  });
}

module.exports = {
  queryVector, checkQueryDim, cachedStatement, checkFiniteReward, searchable, checkEpisode,
  indexBeforeWrite, indexAfterWrite, commitWrite,
};
