'use strict';
// CausalMemoryGraph's chains through the core's hypergraph (ruvector's
// additions: getStrongestCausalChain, getCausalDescendants): on random
// causal graphs, the strongest chain's product of confidences equals the
// best over every simple path (enumerated here), it follows edges forward
// only and skips edges under the threshold; descendants equal a
// breadth-first walk written here; the mirror follows new edges.
const test = require('node:test');
const assert = require('node:assert/strict');
const A = require('../lib/agentdb');

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

// Best product over simple paths (depth-first, every path).
function bestChain(edges, from, to, min) {
  const out = new Map();
  for (const e of edges) if (e.confidence >= min && e.from !== e.to) (out.get(e.from) ?? out.set(e.from, []).get(e.from)).push(e);
  let best = 0;
  const seen = new Set([from]);
  (function walk(v, prod) {
    if (v === to) { best = Math.max(best, prod); return; }
    for (const e of out.get(v) ?? []) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      walk(e.to, prod * Math.fround(e.confidence));
      seen.delete(e.to);
    }
  })(from, 1);
  return best;
}

function descendants(edges, from, depth) {
  const hop = new Map([[from, 0]]);
  let front = [from];
  for (let d = 1; d <= depth && front.length; d++) {
    const next = [];
    for (const e of edges) {
      if (e.confidence < 0.5 || !front.includes(e.from) || hop.has(e.to)) continue;
      hop.set(e.to, d);
      next.push(e.to);
    }
    front = next;
  }
  hop.delete(from);
  return hop;
}

test('getStrongestCausalChain and getCausalDescendants equal brute force', async () => {
  const db = await A.createDatabase(':memory:');
  const g = new A.CausalMemoryGraph(db);
  const r = rng(8);
  const edges = [];
  const add = (from, to, confidence) => {
    g.addCausalEdge({ fromMemoryId: from, fromMemoryType: 'episode', toMemoryId: to, toMemoryType: 'episode',
      similarity: 0.5, uplift: 0.1, confidence });
    edges.push({ from, to, confidence });
  };
  for (let i = 0; i < 45; i++) add(1 + Math.floor(r() * 14), 1 + Math.floor(r() * 14), Math.round(r() * 100) / 100);
  for (let round = 0; round < 2; round++) {
    for (let from = 1; from <= 14; from++) {
      for (let to = 1; to <= 14; to++) {
        if (from === to) continue;
        const c = await g.getStrongestCausalChain(from, to);
        const want = bestChain(edges, from, to, 0.5);
        if (want === 0) {
          assert.equal(c, null, `${from} -> ${to}: no chain`);
          continue;
        }
        assert.ok(c, `${from} -> ${to}: a chain of ${want}`);
        assert.ok(Math.abs(c.confidence - want) < 1e-5, `${from} -> ${to}: ${c.confidence} vs ${want}`);
        assert.equal(c.path[0], from);
        assert.equal(c.path[c.path.length - 1], to);
        for (let i = 0; i < c.edgeIds.length; i++) {
          const row = db.prepare('SELECT from_memory_id AS f, to_memory_id AS t, confidence AS c FROM causal_edges WHERE id = ?').get(c.edgeIds[i]);
          assert.deepEqual([row.f, row.t], [c.path[i], c.path[i + 1]], 'forward along a causal edge');
          assert.ok(row.c >= 0.5);
        }
      }
      const d = await g.getCausalDescendants(from, 3);
      const want = descendants(edges, from, 3);
      assert.deepEqual(new Map(d.map((x) => [x.memoryId, x.depth])), want, `descendants of ${from}`);
    }
    // new edges: the mirror follows
    add(14, 1, 0.99);
    add(2, 13, 0.6);
  }
  assert.equal(await g.getStrongestCausalChain(99, 1), null);
  await db.closeAsync();
});
