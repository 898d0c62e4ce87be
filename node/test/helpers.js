'use strict';
// Shared by the tests: seeded random vectors, brute-force neighbours.

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

function randomVectors(n, dim, seed = 1) {
  const r = rng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = r() * 2 - 1;
  return out;
}

function row(buf, i, dim) {
  return buf.subarray(i * dim, (i + 1) * dim);
}

function dist(metric, a, b) {
  let s = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (metric === 'l2') s += (a[i] - b[i]) ** 2;
    else if (metric === 'l1') s += Math.abs(a[i] - b[i]);
    else { s += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  }
  if (metric === 'ip') return -s;
  if (metric === 'cosine') return 1 - s / Math.sqrt(na * nb);
  return s;
}

// Exact k nearest ids (as strings) of q among ids/vectors.
function bruteForce(metric, vectors, ids, dim, q, k) {
  const d = ids.map((id, i) => [id, dist(metric, row(vectors, i, dim), q)]);
  d.sort((x, y) => x[1] - y[1]);
  return d.slice(0, k);
}

module.exports = { rng, randomVectors, row, dist, bruteForce };
