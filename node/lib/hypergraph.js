'use strict';
// The hypergraph for Node (ruvector.h, "Hypergraph"): converting hyperedges,
// windows and graph results between JS and the addon (src/hyper.c), used by
// Collection's hyperedge methods (lib/collection.js); and GraphDatabase, the
// class with @ruvector/graph-node 2.1.0's constructor options and its
// createNode, createHyperedge, searchHyperedges, kHopNeighbors and stats
// signatures, over one Collection (lib/graphdb.js).
//
// Times are milliseconds since the Unix epoch (Date.now()), or Date objects.
// A window is {at} | {from, to} | 'now' (the default of searches) | 'any'.
const { rvError, typeError, toJson } = require('./errors');
const { toFloat32 } = require('./vectors');

const NUMS = 7;
const UNITS = { day: 0, week: 1, month: 2 };

function timeOf(t, what, dflt) {
  if (t === undefined || t === null) return dflt;
  if (t instanceof Date) t = t.getTime();
  if (typeof t !== 'number' || Number.isNaN(t)) throw typeError(`${what} must be a number of ms or a Date`);
  if (Number.isFinite(t) && !Number.isInteger(t)) throw rvError('RV_EINVAL', `${what} must be whole milliseconds`);
  return t;
}

function textOf(s, what) {
  if (typeof s !== 'string') throw typeError(`${what} must be a string`);
  if (s.includes('\0')) throw rvError('RV_EINVAL', `${what} contains a NUL character`);
  return s;
}

// The addon's window: Float64Array [kind, at, from, to], or null for 'any'
// (and undefined: the method's default).
function windowOf(w) {
  if (w === undefined) return undefined;
  if (w === null || w === 'any') return new Float64Array([3, 0, 0, 0]);
  if (w === 'now') return new Float64Array([0, 0, 0, 0]);
  if (typeof w !== 'object') throw typeError("window must be {at}, {from, to}, 'now' or 'any'");
  if (w.at !== undefined) return new Float64Array([1, timeOf(w.at, 'window.at'), 0, 0]);
  if (w.from !== undefined || w.to !== undefined) {
    return new Float64Array([2, 0, timeOf(w.from, 'window.from', -Infinity), timeOf(w.to, 'window.to', Infinity)]);
  }
  throw typeError("window must be {at}, {from, to}, 'now' or 'any'");
}

// A batch of hyperedges as the addon takes it (src/hyper.c): text, nums, embs.
function encodeEdges(edges, dim, idString) {
  if (!Array.isArray(edges)) throw typeError('hyperedges must be an array');
  const parts = [];
  const nums = new Float64Array(edges.length * NUMS);
  const embs = [];
  edges.forEach((e, i) => {
    if (e === null || typeof e !== 'object') throw typeError(`hyperedge ${i} must be an object`);
    const members = e.members ?? e.nodes;
    if (!Array.isArray(members)) throw typeError(`hyperedge ${i}: members must be an array of ids`);
    parts.push(idString(e.id, `hyperedge ${i} id`));
    parts.push(e.description === undefined || e.description === null ? '' : textOf(e.description, `hyperedge ${i} description`));
    const pl = e.payload ?? e.metadata;
    parts.push(pl === undefined || pl === null ? '' : typeof pl === 'string' ? textOf(pl, `hyperedge ${i} payload`) : toJson(pl, `hyperedge ${i} payload`));
    for (let m = 0; m < members.length; m++) parts.push(idString(members[m], `hyperedge ${i} member ${m}`));
    const o = i * NUMS;
    nums[o] = members.length;
    nums[o + 1] = e.ordered ? 1 : 0;
    if (e.confidence !== undefined && e.confidence !== null && typeof e.confidence !== 'number') {
      throw typeError(`hyperedge ${i} confidence must be a number`);
    }
    nums[o + 2] = e.confidence ?? 1;
    nums[o + 3] = timeOf(e.validFrom, `hyperedge ${i} validFrom`, -Infinity);
    nums[o + 4] = timeOf(e.validTo, `hyperedge ${i} validTo`, Infinity);
    if (e.embedding !== undefined && e.embedding !== null) {
      const { array } = toFloat32(e.embedding, `hyperedge ${i} embedding`);
      if (array.length !== dim) {
        throw rvError('RV_EDIM', `hyperedge ${i} embedding has ${array.length} dimensions; the collection has ${dim}`);
      }
      embs.push(array);
      nums[o + 5] = 1;
    }
    nums[o + 6] = pl === undefined || pl === null ? 0 : 1;
  });
  let flat = null;
  if (embs.length) {
    flat = new Float32Array(embs.length * dim);
    embs.forEach((a, i) => flat.set(a, i * dim));
  }
  return { text: parts.join('\0') + '\0', nums, embs: flat };
}

// [{id, hop, weight, via}] from the addon's graph result.
function graphHits([ids, vias, hops, weights], toId) {
  const n = hops.length;
  if (n === 0) return [];
  const a = ids.split('\0');
  const v = vias.split('\0');
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { id: toId(a[i]), hop: hops[i], weight: weights[i], via: v[i] || null };
  return out;
}

function unitOf(u) {
  if (!(u in UNITS)) throw rvError('RV_EINVAL', `unit must be 'day', 'week' or 'month'; got ${JSON.stringify(u)}`);
  return UNITS[u];
}

module.exports = { encodeEdges, windowOf, graphHits, unitOf, timeOf };
