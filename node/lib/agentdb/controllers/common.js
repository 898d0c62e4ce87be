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

// Prepared statements cached per controller instance and SQL text.
class StatementCache {
  #db;
  #map = new Map();
  constructor(db) { this.#db = db; }
  get(sql) {
    let s = this.#map.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#map.set(sql, s);
    }
    return s;
  }
}

// A reward that is not a finite number (agentdb stored NaN as NULL and kept
// Infinity, corrupting averages): agentdb's own validation message.
function checkFiniteReward(r, field = 'reward') {
  if (typeof r === 'number' && !Number.isFinite(r)) {
    const { ValidationError } = require('../security');
    throw new ValidationError('Reward must be a number', 'INVALID_REWARD', field);
  }
}

module.exports = { queryVector, checkQueryDim, StatementCache, checkFiniteReward };
