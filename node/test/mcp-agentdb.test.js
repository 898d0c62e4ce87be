'use strict';
// `agentdb mcp start` (lib/mcp/agentdb-server.js) through the SDK's own
// Client and StdioClientTransport, and against agentdb 1.6.1's own server
// (installed into ../build/npm-peers/ by test/agentdb/peer.js; the tests
// that need it skip, saying so, only when it cannot be installed).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { LATEST_PROTOCOL_VERSION } = require('@modelcontextprotocol/sdk/types.js');
const peer = require('./agentdb/peer');
const { connect, stdoutMessages, RawServer, textOf, requiredPaths, propertyPaths, AGENTDB_BIN } = require('./mcp/helpers');

const VERSIONS = [...new Set(['2025-06-18', '2025-11-25', LATEST_PROTOCOL_VERSION])];
const OURS = [AGENTDB_BIN, 'mcp', 'start'];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-mcp-agentdb-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = path.join(tmp, `d${n++}`);
  fs.mkdirSync(d);
  return d;
};

async function peerServer(cwd) {
  const p = await peer.load();
  if (p.skip) return { skip: p.skip };
  const script = path.join(p.dir, 'node_modules', 'agentdb', 'dist', 'mcp', 'agentdb-mcp-server.js');
  // agentdb's failed transformers import is an unhandled rejection that
  // would end the process under node's default mode
  return { server: new RawServer(['--unhandled-rejections=warn', script], { cwd, env: { AGENTDB_PATH: path.join(cwd, 'agentdb.db') } }) };
}

const ours = (cwd, opts = {}) => connect(OURS, { cwd, env: { AGENTDB_PATH: path.join(cwd, 'agentdb.db') }, ...opts });

async function finish(s) {
  await s.close();
  const { code } = await s.exited;
  assert.equal(code, 0, `server exit code (stderr: ${s.stderr().slice(-500)})`);
  stdoutMessages(s.stdout()); // every stdout line is JSON-RPC
}

test('initialize with each protocol version; tools/list matches agentdb 1.6.1 tool by tool, required field by required field', async (t) => {
  const { server, skip } = await peerServer(freshDir());
  if (skip) return t.skip(skip);
  let theirs;
  try {
    const init = await server.initialize('2025-06-18');
    assert.equal(init.serverInfo.name, 'agentdb');
    theirs = (await server.request('tools/list', {})).tools;
    assert.ok(server.junk.length > 0, 'agentdb 1.6.1 wrote a banner on stdout');
  } finally {
    await server.kill();
  }
  assert.equal(theirs.length, 29);
  for (const v of VERSIONS) {
    const dir = freshDir();
    // the first one without AGENTDB_PATH: ./agentdb.db
    const s = v === VERSIONS[0] ? await connect(OURS, { cwd: dir, env: { AGENTDB_PATH: undefined }, protocolVersion: v }) : await ours(dir, { protocolVersion: v });
    try {
      if (v === VERSIONS[0]) assert.ok(fs.existsSync(path.join(dir, 'agentdb.db')), 'the default database ./agentdb.db');
      assert.equal(s.initResult().protocolVersion, v, `negotiated ${v}`);
      assert.equal(s.client.getServerVersion().name, 'agentdb');
      const mine = (await s.client.listTools()).tools;
      assert.deepEqual(mine.map((x) => x.name), theirs.map((x) => x.name));
      for (let i = 0; i < mine.length; i++) {
        const name = mine[i].name;
        assert.equal(mine[i].description, theirs[i].description, name);
        assert.deepEqual(requiredPaths(mine[i].inputSchema), requiredPaths(theirs[i].inputSchema), `${name}: required fields`);
        assert.deepEqual(propertyPaths(mine[i].inputSchema), propertyPaths(theirs[i].inputSchema), `${name}: properties, types, defaults`);
      }
    } finally {
      await finish(s);
    }
  }
});

// A valid call of each of the 29 tools, in an order where each finds what it needs.
async function everyTool(call) {
  const seen = new Set();
  const c = async (name, args) => {
    seen.add(name);
    const r = await call(name, args);
    assert.notEqual(r.isError, true, `${name}: ${textOf(r)}`);
    assert.ok(textOf(r).length > 0, name);
    assert.equal(typeof r.structuredContent, 'object', `${name}: structuredContent`);
    return r;
  };
  await c('agentdb_init', {});
  const ins = await c('agentdb_insert', { text: 'remember the build cache', tags: ['build'], metadata: { by: 'test' } });
  await c('agentdb_insert_batch', { items: [{ text: 'a' }, { text: 'b', session_id: 's2', tags: ['x'] }] });
  for (let i = 0; i < 4; i++) {
    await c('reflexion_store', { session_id: 's1', task: `fix flaky test ${i % 2}`, reward: 0.2 + i * 0.2, success: i % 2 === 0, critique: 'c' });
  }
  const search = await c('agentdb_search', { query: 'build cache', k: 3, filters: { session_id: 'default', tags: ['build'] } });
  assert.deepEqual(search.structuredContent.results.map((r) => r.id), [ins.structuredContent.id]);
  await c('reflexion_retrieve', { task: 'fix flaky test', k: 2, only_successes: true });
  await c('skill_create', { name: 'retry', description: 'retry flaky tests', code: 'retry()', success_rate: 0.8 });
  await c('skill_search', { task: 'flaky tests', k: 2 });
  await c('causal_add_edge', { cause: 'retry', effect: 'green build', uplift: 0.3 });
  const q = await c('causal_query', { effect: 'green build' });
  assert.equal(q.structuredContent.edges.length, 1);
  await c('recall_with_certificate', { query: 'flaky', k: 3, alpha: 0.5, beta: 0.3, gamma: 0.2 });
  // discovery pairs episodes of one session by time (SQLite's seconds): one a second later
  await new Promise((r) => setTimeout(r, 1100));
  await c('reflexion_store', { session_id: 's1', task: 'ship it', reward: 0.95, success: true });
  const edgesBefore = (await c('db_stats', {})).structuredContent.causal_edges;
  const loose = { min_attempts: 1, min_success_rate: 0, min_confidence: 0 };
  const dry = await c('learner_discover', { ...loose, dry_run: true });
  assert.ok(dry.structuredContent.count > 0, 'edges found among the s1 episodes');
  assert.equal((await c('db_stats', {})).structuredContent.causal_edges, edgesBefore, 'a dry run stores nothing');
  const wet = await c('learner_discover', loose);
  assert.equal(wet.structuredContent.count, dry.structuredContent.count);
  assert.equal((await c('db_stats', {})).structuredContent.causal_edges, edgesBefore + wet.structuredContent.count);
  assert.equal((await c('learner_discover', { ...loose, min_attempts: 1000 })).structuredContent.count, 0, 'min_attempts applies');
  await c('db_stats', {});
  const start = await c('learning_start_session', { user_id: 'u', session_type: 'q-learning', config: { learning_rate: 0.1, discount_factor: 0.9 } });
  const sid = start.structuredContent.sessionId;
  assert.equal(typeof sid, 'string');
  await c('learning_feedback', { session_id: sid, state: 's0', action: 'a1', reward: 1, success: true, next_state: 's1' });
  await c('learning_predict', { session_id: sid, state: 's0' });
  await c('learning_train', { session_id: sid, epochs: 2, batch_size: 4 });
  await c('learning_metrics', { session_id: sid });
  await c('learning_transfer', { source_task: 'fix flaky test 0', target_task: 'fix flaky test 1', min_similarity: 0.1 });
  await c('learning_explain', { query: 'fix flaky test' });
  await c('experience_record', { session_id: sid, tool_name: 'npm', action: 'test', outcome: 'passed', reward: 0.9, success: true, latency_ms: 12 });
  await c('reward_signal', { success: true, efficiency_score: 0.9, time_taken_ms: 10, expected_time_ms: 20 });
  await c('learning_end_session', { session_id: sid });
  await c('agentdb_stats', { detailed: true });
  await c('agentdb_pattern_store', { taskType: 'debug', approach: 'bisect the history', successRate: 0.9, tags: ['git'] });
  await c('agentdb_pattern_search', { task: 'bisect', k: 3, filters: { taskType: 'debug' } });
  await c('agentdb_pattern_stats', {});
  await c('agentdb_clear_cache', { cache_type: 'patterns' });
  const del = await c('agentdb_delete', { filters: { session_id: 's2' } });
  assert.equal(del.structuredContent.deleted, 1);
  assert.equal(seen.size, 29);
  // reset empties every table; the index follows
  await c('agentdb_init', { reset: true });
  const st = (await c('db_stats', {})).structuredContent;
  assert.deepEqual(Object.values(st), [0, 0, 0, 0, 0, 0]);
  assert.equal((await c('agentdb_search', { query: 'build cache' })).structuredContent.count, 0);
  const again = await c('agentdb_insert', { text: 'after the reset' });
  assert.deepEqual((await c('agentdb_search', { query: 'after the reset' })).structuredContent.results.map((r) => r.id), [again.structuredContent.id]);
  const other = await call('agentdb_init', { db_path: 'elsewhere.db' });
  assert.equal(other.isError, true);
  assert.match(textOf(other), /db_path: this server serves/);
}

test('every tool with valid arguments; stdout carries only JSON-RPC; stdin EOF closes cleanly', async () => {
  const s = await ours(freshDir());
  try {
    await everyTool((name, args) => s.client.callTool({ name, arguments: args }));
  } finally {
    await finish(s);
  }
  assert.match(s.stderr(), /end of input; closing/);
  assert.match(s.stderr(), /Learning session started/, 'the controllers\' console.log went to stderr');
});

// Replies that differ from run to run (ids drawn from the clock, timings) made comparable.
const normal = (text) => text.replace(/Certificate ID: .*/g, 'Certificate ID: <id>').replace(/Training Time: \d+ms/g, 'Training Time: <ms>');

const SCRIPT = [
  ['reflexion_store', { session_id: 's1', task: 'fix the failing build', reward: 0.9, success: true, critique: 'pinned the compiler' }],
  ['reflexion_store', { session_id: 's1', task: 'fix the flaky network test', reward: 0.3, success: false, critique: 'timeouts' }],
  ['reflexion_store', { session_id: 's2', task: 'write the release notes', reward: 0.7, success: true }],
  ['reflexion_store', { session_id: 's2', task: 'fix the failing build again', reward: 0.5, success: false, input: 'log', output: 'patch', latency_ms: 30, tokens: 400 }],
  ['reflexion_retrieve', { task: 'fix the build' }],
  ['reflexion_retrieve', { task: 'fix the build', k: 2, only_failures: true }],
  ['reflexion_retrieve', { task: 'release', min_reward: 0.6 }],
  ['agentdb_insert', { text: 'the cache lives in ~/.cache/build', tags: ['cache'], metadata: { source: 'test' } }],
  ['agentdb_insert_batch', { items: [{ text: 'note one' }, { text: 'note two', session_id: 's3' }] }],
  ['agentdb_search', { query: 'failing build' }],
  ['agentdb_search', { query: 'failing build', k: 3, filters: { min_reward: 0.8 } }],
  ['agentdb_search', { query: 'cache', min_similarity: 0.2 }],
  ['skill_create', { name: 'pin-compiler', description: 'pin the compiler version', code: 'pin()', success_rate: 0.8 }],
  ['skill_create', { name: 'retry-network', description: 'retry network tests' }],
  ['skill_search', { task: 'compiler version' }],
  ['skill_search', { task: 'network', k: 1, min_success_rate: 0.5 }],
  ['causal_add_edge', { cause: 'pin compiler', effect: 'green build', uplift: 0.4, confidence: 0.9, sample_size: 12 }],
  ['causal_add_edge', { cause: 'pin compiler', effect: 'slower build', uplift: -0.1 }],
  ['causal_query', { cause: 'pin compiler' }],
  ['causal_query', { cause: 'pin compiler', min_confidence: 0.92 }],
  ['recall_with_certificate', { query: 'failing build', k: 3 }],
  ['db_stats', {}],
  ['agentdb_pattern_store', { taskType: 'debugging', approach: 'bisect the history', successRate: 0.9, tags: ['git'] }],
  ['agentdb_pattern_store', { taskType: 'review', approach: 'read the diff twice', successRate: 0.6 }],
  ['agentdb_pattern_search', { task: 'bisect' }],
  ['agentdb_pattern_search', { task: 'diff', k: 1, filters: { taskType: 'review' } }],
  ['agentdb_pattern_stats', {}],
  ['agentdb_clear_cache', {}],
  ['reward_signal', { success: true, efficiency_score: 0.8, quality_score: 0.7, time_taken_ms: 50, expected_time_ms: 100 }],
  ['reward_signal', { success: false, reward_function: 'sparse' }],
  ['agentdb_delete', { id: 2 }],
  ['agentdb_delete', { filters: { session_id: 's3' } }],
  ['agentdb_delete', {}],
  ['agentdb_delete', { id: -3 }],
  ['learning_train', { session_id: 'no-such-session' }],
  ['learning_predict', { session_id: 'no-such-session', state: 's' }],
  ['agentdb_stats', {}],
  ['db_stats', {}],
];

test('differential: a scripted sequence gives agentdb 1.6.1\'s replies', async (t) => {
  const { server, skip } = await peerServer(freshDir());
  if (skip) return t.skip(skip);
  const theirs = [];
  try {
    await server.initialize();
    for (const [name, args] of SCRIPT) theirs.push(await server.callTool(name, args));
  } finally {
    await server.kill();
  }
  const s = await ours(freshDir());
  const mine = [];
  try {
    for (const [name, args] of SCRIPT) mine.push(await s.client.callTool({ name, arguments: args }));
  } finally {
    await finish(s);
  }
  SCRIPT.forEach(([name], i) => {
    assert.equal(mine[i].isError ?? false, theirs[i].isError ?? false, `step ${i} ${name}: isError`);
    // agentdb appends its stack trace to an error's text: the first line is the message
    const first = (r) => (r.isError ? textOf(r).split('\n')[0] : normal(textOf(r)));
    assert.equal(first(mine[i]), first(theirs[i]), `step ${i} ${name}`);
  });
  const errors = mine.filter((r) => r.isError).map((r) => textOf(r));
  assert.deepEqual(errors.slice(0, 2), ['❌ Delete operation failed: Either id or filters must be provided',
    '❌ Delete operation failed: id must be a non-negative integer']);
  assert.equal(errors.length, 4);
});

test('a write survives kill -9 and a restart (agentdb 1.6.1 loses it)', async (t) => {
  const dir = freshDir();
  let s = await ours(dir);
  await s.client.callTool({ name: 'reflexion_store', arguments: { session_id: 'k', task: 'survive a crash', reward: 1, success: true } });
  await s.client.callTool({ name: 'causal_add_edge', arguments: { cause: 'fsync', effect: 'durability', uplift: 1 } });
  s.child.kill('SIGKILL');
  assert.equal((await s.exited).signal, 'SIGKILL');
  await s.close();
  s = await ours(dir);
  try {
    const st = (await s.client.callTool({ name: 'db_stats', arguments: {} })).structuredContent;
    assert.equal(st.episodes, 1);
    assert.equal(st.causal_edges, 1);
    const r = await s.client.callTool({ name: 'reflexion_retrieve', arguments: { task: 'survive a crash' } });
    assert.equal(r.structuredContent.episodes[0].task, 'survive a crash');
  } finally {
    await finish(s);
  }

  const pdir = freshDir();
  let p = await peerServer(pdir);
  if (p.skip) return t.skip(p.skip);
  await p.server.initialize();
  assert.match(textOf(await p.server.callTool('reflexion_store', { session_id: 'k', task: 'survive a crash', reward: 1, success: true })), /Stored episode #1/);
  await p.server.kill();
  p = await peerServer(pdir);
  try {
    await p.server.initialize();
    assert.match(textOf(await p.server.callTool('db_stats', {})), /Episodes \(Vectors\): 0/, 'agentdb 1.6.1 never saved the episode');
  } finally {
    await p.server.kill();
  }
});

test('100 concurrent calls; bad arguments are tool errors naming the field; SIGTERM closes cleanly', async () => {
  const s = await ours(freshDir());
  const call = (name, args) => s.client.callTool({ name, arguments: args });
  try {
    const calls = [];
    for (let i = 0; i < 100; i++) {
      calls.push(i % 2 === 0
        ? call('reflexion_store', { session_id: `c${i % 5}`, task: `task ${i}`, reward: (i % 10) / 10, success: i % 3 === 0 })
        : call(i % 4 === 1 ? 'agentdb_search' : 'reflexion_retrieve', i % 4 === 1 ? { query: `task ${i}`, k: 5 } : { task: `task ${i}`, k: 5 }));
    }
    const replies = await Promise.all(calls);
    replies.forEach((r, i) => assert.notEqual(r.isError, true, `call ${i}: ${textOf(r)}`));
    const ids = replies.filter((r, i) => i % 2 === 0).map((r) => r.structuredContent.id);
    assert.equal(new Set(ids).size, 50, 'fifty distinct episodes');
    assert.equal((await call('db_stats', {})).structuredContent.episodes, 50);

    const bad = [
      ['reflexion_store', { session_id: 's', reward: 1, success: true }, 'task', /task: required/],
      ['agentdb_search', { query: 'x', k: 'ten' }, 'k', /k: must be a number \(got string\)/],
      ['agentdb_search', { query: 'x', k: 1e9 }, 'k', /k: must be at most 10000/],
      ['reflexion_retrieve', { task: 'x', k: 2.5 }, 'k', /k: must be a whole number/],
      ['agentdb_search', { query: 'x', filters: 'session_id=1' }, 'filters', /filters: must be an object/],
      ['agentdb_search', { query: 'x', filters: { min_reward: 'high' } }, 'filters.min_reward', /filters\.min_reward: must be a number/],
      ['agentdb_insert_batch', { items: [{ text: 'ok' }, { tags: ['no text'] }] }, 'items[1].text', /items\[1\]\.text: required/],
      ['learning_start_session', { user_id: 'u', session_type: 'sarsa', config: { learning_rate: 0.1 } }, 'config.discount_factor', /config\.discount_factor: required/],
      ['learning_start_session', { user_id: 'u', session_type: 'nope', config: { learning_rate: 0.1, discount_factor: 0.9 } }, 'session_type', /session_type: must be one of/],
      ['experience_record', { session_id: 's', tool_name: 't', action: 'a', outcome: 'o', reward: 2, success: true }, 'reward', /reward: must be at most 1/],
    ];
    for (const [name, args, field, re] of bad) {
      const r = await call(name, args);
      assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}`);
      assert.match(textOf(r), re);
      assert.equal(r.structuredContent.error.field, field);
    }
    const unknown = await call('no_such_tool', {});
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /Unknown tool: no_such_tool/);
    // still serving, and nothing was written by the refused calls
    assert.equal((await call('db_stats', {})).structuredContent.episodes, 50);
    s.child.kill('SIGTERM');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.match(s.stderr(), /SIGTERM; closing/);
    stdoutMessages(s.stdout());
  } finally {
    await s.close();
  }
});
