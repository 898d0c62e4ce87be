'use strict';
// Shared by test/persistence.test.js and its child processes: the entry
// that id i gets (version v for replacements), so that the parent can
// check what a killed child left behind.
function vectorOf(i, v = 0) {
  const a = new Float32Array(8);
  for (let d = 0; d < 8; d++) a[d] = Math.fround(Math.sin(i * 8 + d + v * 1000) * 10);
  return a;
}

function entry(i, v = 0) {
  const e = { id: String(i), vector: vectorOf(i, v) };
  if (i % 3 === 0 || v) e.metadata = { i, v, tag: `t${i % 4}` };
  return e;
}

module.exports = { vectorOf, entry };
