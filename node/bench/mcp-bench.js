#!/usr/bin/env node
// Round trips through the MCP servers: `agentdb mcp start` (ours) against
// agentdb 1.6.1's own server (installed into ../build/npm-peers/, see
// test/agentdb/peer.js), on the same calls.
//
//   node bench/mcp-bench.js [--episodes 10000] [--queries 200] [--peer-queries 100]
//
// Each server is a child process on a fresh database file, spoken to with
// the same raw JSON-RPC client (test/mcp/helpers.js RawServer: agentdb's
// banner on stdout is skipped). Both get the same episodes through
// agentdb_insert_batch (1,000 items a call; agentdb's server must be filled
// in the same session, since it never saves), then the same queries, one at
// a time, for agentdb_search (k 10) and reflexion_retrieve (k 5); the
// figure is the round trip (request written -> reply parsed) in ms: p50 and
// p90. Embeddings are agentdb's mock embedder on both sides (no model
// offline), so the replies can be compared: the top ids must agree.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const peer = require('../test/agentdb/peer');
const { RawServer, AGENTDB_BIN } = require('../test/mcp/helpers');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const EPISODES = arg('episodes', 10000);
const QUERIES = arg('queries', 200);
const PEER_QUERIES = arg('peer-queries', 100);

const VERBS = ['implement', 'fix', 'refactor', 'test', 'deploy', 'review', 'optimize', 'document', 'debug', 'design'];
const NOUNS = ['auth', 'login flow', 'payment api', 'search index', 'cache layer', 'user profile', 'billing job',
  'email sender', 'rate limiter', 'session store', 'upload service', 'report builder'];
const taskText = (i) => `${VERBS[i % 10]} ${NOUNS[(i * 7) % 12]} #${i}`;
const queryText = (i) => `${VERBS[(i * 3) % 10]} the ${NOUNS[(i * 5) % 12]} ${i}`;

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function run(label, args, dir, queries) {
  const server = new RawServer(args, { cwd: dir, env: { AGENTDB_PATH: path.join(dir, 'agentdb.db') } });
  try {
    await server.initialize();
    const t0 = performance.now();
    for (let i = 0; i < EPISODES; i += 1000) {
      const items = [];
      for (let j = i; j < Math.min(EPISODES, i + 1000); j++) items.push({ text: taskText(j), session_id: `s${j % 50}` });
      const r = await server.callTool('agentdb_insert_batch', { items, batch_size: 1000 });
      if (r.isError) throw new Error(`${label}: insert: ${r.content[0].text}`);
    }
    const fill = performance.now() - t0;
    const out = { label, fillMs: fill };
    for (const [tool, mk] of [
      ['agentdb_search', (q) => ({ query: q, k: 10 })],
      ['reflexion_retrieve', (q) => ({ task: q, k: 5 })],
    ]) {
      await server.callTool(tool, mk(queryText(-1))); // warm-up (ours: builds or loads the index)
      const times = [];
      const firstIds = [];
      for (let i = 0; i < queries; i++) {
        const t = performance.now();
        const r = await server.callTool(tool, mk(queryText(i)));
        times.push(performance.now() - t);
        if (r.isError) throw new Error(`${label} ${tool}: ${r.content[0].text}`);
        firstIds.push((/(?:\[ID: |Episode )(\d+)/.exec(r.content[0].text) || [])[1]);
      }
      out[tool] = { p50: pct(times, 0.5), p90: pct(times, 0.9), n: queries, firstIds };
    }
    return out;
  } finally {
    await server.kill();
  }
}

(async () => {
  const p = await peer.load();
  if (p.skip) {
    console.error(p.skip);
    process.exit(1);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-mcp-bench-'));
  try {
    const dirOf = (n) => { const d = path.join(tmp, n); fs.mkdirSync(d); return d; };
    const script = path.join(p.dir, 'node_modules', 'agentdb', 'dist', 'mcp', 'agentdb-mcp-server.js');
    const mine = await run('ruvector', [AGENTDB_BIN, 'mcp', 'start'], dirOf('ours'), QUERIES);
    const theirs = await run('agentdb 1.6.1', ['--unhandled-rejections=warn', script], dirOf('agentdb'), PEER_QUERIES);
    console.log(`MCP round trips at ${EPISODES} episodes (ms; ruvector ${QUERIES} queries, agentdb 1.6.1 ${PEER_QUERIES})`);
    console.log(`fill (agentdb_insert_batch x${Math.ceil(EPISODES / 1000)}): ruvector ${(mine.fillMs / 1000).toFixed(1)} s, agentdb 1.6.1 ${(theirs.fillMs / 1000).toFixed(1)} s`);
    console.log('| tool | ruvector p50 | p90 | agentdb 1.6.1 p50 | p90 | p50 ratio | same top hit |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const tool of ['agentdb_search', 'reflexion_retrieve']) {
      const a = mine[tool];
      const b = theirs[tool];
      let same = 0;
      for (let i = 0; i < b.n; i++) if (a.firstIds[i] === b.firstIds[i]) same++;
      console.log(`| ${tool} | ${a.p50.toFixed(2)} | ${a.p90.toFixed(2)} | ${b.p50.toFixed(2)} | ${b.p90.toFixed(2)} | ${(b.p50 / a.p50).toFixed(1)}x | ${same}/${b.n} |`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
