'use strict';
// Differential tests: the scripted call sequences of test/agentdb/
// scenarios.js run against the real agentdb 1.6.1 (installed, not
// committed, into ../build/npm-peers/agentdb-1.6.1; see test/agentdb/peer.js)
// and against ours, with the mock embedder. Every step's result must be
// equal (ids, order, every field, similarities to the last bit, error
// messages), except the steps marked with a documented fix. Skips, saying
// why, only when the peer cannot be installed (no registry).
const test = require('node:test');
const assert = require('node:assert/strict');
const peerMod = require('./agentdb/peer');
const { runBoth, cleanup } = require('./agentdb/harness');
const scenarios = require('./agentdb/scenarios');
const ours = require('../lib/agentdb');

let peer;
test.before(async () => {
  peer = await peerMod.load();
  if (peer.skip) console.log(`# SKIP agentdb differential tests: ${peer.skip}`);
});
test.after(cleanup);

function compare(t, name, a, b) {
  assert.equal(b.length, a.length, `${name}: ${a.length} steps in agentdb, ${b.length} in ours`);
  let documented = 0;
  for (let i = 0; i < a.length; i++) {
    assert.equal(b[i].name, a[i].name);
    if (a[i].diff) {
      documented++;
      continue;
    }
    assert.deepEqual(b[i], a[i], `${name}, step ${i} "${a[i].name}"`);
  }
  t.diagnostic(`${a.length} steps, ${a.length - documented} equal, ${documented} differ as documented`);
}

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`same results as agentdb 1.6.1: ${name}`, async (t) => {
    if (peer.skip) return t.skip(peer.skip);
    const { agentdb, ours: o } = await runBoth(peer, ours, scenario);
    compare(t, name, agentdb, o);
  });
}

test('same results on database files (saved and reopened by each)', async (t) => {
  if (peer.skip) return t.skip(peer.skip);
  const write = async ({ A, db, step, embedder }) => {
    const emb = embedder(24);
    const r = new A.ReflexionMemory(db, emb);
    for (let i = 0; i < 30; i++) {
      await step(`store ${i}`, () => r.storeEpisode({ sessionId: 'f', task: `file task ${i % 6}`, critique: `c${i % 4}`, reward: (i % 7) / 7, success: i % 3 > 0 }));
    }
    await step('retrieve', () => r.retrieveRelevant({ task: 'file task 2', k: 8 }));
  };
  const { agentdb, ours: o } = await runBoth(peer, ours, write, { file: 'files.db' });
  compare(t, 'files', agentdb, o);
});
