'use strict';
// The agentdb command line (bin/agentdb.js):
//  - the same commands run, each in its own process, against agentdb 1.6.1's
//    CLI and ours, in two fresh directories: the output must be the same
//    (colours, timings and the transformers.js start-up warning removed),
//    except where a fix is documented (writes agentdb lost, vector-search);
//  - writes persist between runs, vector-search reads the database it is
//    given and finds the right episodes, learning sessions go on between
//    runs, export and import round-trip, bad commands exit with 1.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const A = require('../lib/agentdb');

const ours = path.join(__dirname, '..', 'bin', 'agentdb.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-agentdb-cli-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cli, cwd, args, env = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 });
  return { code: r.status, out: `${r.stdout}${stripWarning(r.stderr)}` };
}

// The transformers.js start-up warning on stderr (its text depends on what
// is installed: agentdb's names sharp's missing binary) is removed.
const LAST = 'Set HUGGINGFACE_API_KEY environment variable for real embeddings\n';
function stripWarning(err) {
  const cut = err.lastIndexOf(LAST);
  return cut >= 0 ? err.slice(cut + LAST.length) : err;
}

// Colours, timings, SQLite's clock (seconds) and sql.js's banner removed.
function normalize(out) {
  return out.replace(/\x1b\[[0-9;]*m/g, '').replace(/"(ts|created_at)": \d+/g, '"$1": <now>').replace(/\d+(\.\d+)?\s?(ms|s)\b/g, '<time>').replace(/✅ Using sql\.js.*\n/g, '');
}

const vec = (v) => `[${Array.from(v).join(',')}]`;

test('same output as agentdb 1.6.1\'s CLI, command by command', async (t) => {
  const peer = await require('./agentdb/peer').load();
  if (peer.skip) return t.skip(peer.skip);
  const da = path.join(tmp, 'a');
  const db = path.join(tmp, 'b');
  fs.mkdirSync(da);
  fs.mkdirSync(db);
  const q = await new A.EmbeddingService({ model: 'Xenova/all-MiniLM-L6-v2', dimension: 384, provider: 'transformers' }).embed('implement auth\nused jwt');
  const steps = [
    [['init', './agentdb.db', '--dimension', '384'], 'createDatabase also makes the tables agentdb\'s controllers make in code: 30 tables, not 25'],
    [['reflexion', 'store', 's1', 'implement auth', '0.9', 'true', 'used jwt', 'in', 'out', '120', '50']],
    [['reflexion', 'store', 's1', 'fix login', '0.3', 'false', 'forgot a null check']],
    [['reflexion', 'store', 's2', 'implement auth', '0.8', 'true', 'used sessions']],
    [['reflexion', 'retrieve', 'auth', '--k', '3']],
    [['reflexion', 'retrieve', 'login', '--only-failures', '--synthesize-context']],
    [['reflexion', 'retrieve', 'auth', '--k', '5', '--filters', '{"success":true}']],
    [['reflexion', 'critique-summary', 'fix login']],
    [['skill', 'create', 'jwt_auth', 'Generate JWT tokens', 'code']],
    [['skill', 'create', 'hash_pw', 'Hash passwords', 'bcrypt']],
    [['skill', 'search', 'jwt', '5']],
    [['skill', 'consolidate', '1', '0.5', '7']],
    [['causal', 'experiment', 'create', 'tests', 'add_tests', 'quality']],
    [['causal', 'experiment', 'add-observation', '1', 'true', '0.9'], 'agentdb lost the experiment created above (never saved): foreign key error'],
    [['causal', 'experiment', 'add-observation', '1', 'false', '0.4'], 'the same'],
    [['causal', 'experiment', 'calculate', '1'], 'the same'],
    [['causal', 'add-edge', 'add_tests', 'code_quality', '0.25', '0.95', '100']],
    [['causal', 'query', '', '', '0.5', '0']],
    [['db', 'stats'], 'agentdb lost the causal edge and experiment (never saved)'],
    [['query', '--query', 'auth', '--k', '2', '--format', 'json']],
    [['stats', './agentdb.db'], 'file sizes differ (SQLite pages)'],
    [['vector-search', './agentdb.db', vec(q), '-k', '2'], 'agentdb read the blob bytes as numbers: dimension mismatch'],
    [['learner', 'run', '1', '0.1', '0.1']],
    [['nonsense'], 'the help lists the learning commands too'],
    [['reflexion', 'prune', '30', '0.2']],
  ];
  let documented = 0;
  for (const [args, diff] of steps) {
    const a = run(peer.cli, da, args);
    const b = run(ours, db, args);
    if (diff) {
      documented++;
      continue;
    }
    assert.equal(b.code, a.code, `exit code of ${args.join(' ')}`);
    assert.equal(normalize(b.out), normalize(a.out), `output of agentdb ${args.join(' ')}`);
  }
  t.diagnostic(`${steps.length} commands, ${steps.length - documented} with the same output, ${documented} differ as documented`);
});

test('every write persists; vector-search reads its database; learning sessions go on', async () => {
  const dir = path.join(tmp, 'ours');
  fs.mkdirSync(dir);
  const env = { AGENTDB_PATH: path.join(dir, 'mem.db') };
  assert.equal(run(ours, dir, ['causal', 'add-edge', 'a', 'b', '0.3'], env).code, 0);
  assert.equal(run(ours, dir, ['causal', 'experiment', 'create', 'e1', 'a', 'b'], env).code, 0);
  const stats = normalize(run(ours, dir, ['db', 'stats'], env).out);
  assert.match(stats, /causal_edges: 1 records/);
  assert.match(stats, /causal_experiments: 1 records/);
  for (let i = 0; i < 5; i++) run(ours, dir, ['reflexion', 'store', 's', `task number ${i}`, '0.5', 'true', `critique ${i}`], env);
  // vector-search on a path given on the command line (agentdb always read ./agentdb.db)
  const e = new A.EmbeddingService({ model: 'Xenova/all-MiniLM-L6-v2', dimension: 384, provider: 'transformers' });
  const q = await e.embed('task number 3\ncritique 3');
  const r = run(ours, tmp, ['vector-search', env.AGENTDB_PATH, vec(q), '-k', '2']);
  assert.equal(r.code, 0, r.out);
  const json = JSON.parse(r.out.slice(r.out.indexOf('[')));
  assert.equal(json.length, 2);
  assert.equal(json[0].task, 'task number 3');
  assert.ok(Math.abs(json[0].similarity - 1) < 1e-12);
  const bad = run(ours, tmp, ['vector-search', env.AGENTDB_PATH, '[1,2,3]']);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /Vector dimension mismatch: 3 vs 384/);
  const table = run(ours, tmp, ['vector-search', env.AGENTDB_PATH, vec(q), '-k', '1', '-f', 'table', '-m', 'euclidean']);
  assert.match(normalize(table.out), /1\. \[4\] task number 3 \(similarity: 1\.0000\)/);
  // learning: state kept between processes, and it learns
  const start = JSON.parse(run(ours, dir, ['learning', 'start', 'u1', 'q-learning', '0.5', '0.9', '0'], env).out.match(/\{[\s\S]*\}/)[0]);
  for (let i = 0; i < 3; i++) assert.equal(run(ours, dir, ['learning', 'feedback', start.sessionId, 's0', 'good', '1', 'true'], env).code, 0);
  run(ours, dir, ['learning', 'feedback', start.sessionId, 's0', 'bad', '0', 'false'], env);
  const pred = JSON.parse(run(ours, dir, ['learning', 'predict', start.sessionId, 's0'], env).out.match(/\{[\s\S]*\}/)[0]);
  assert.equal(pred.action, 'good');
  assert.ok(pred.qValue > 0.5);
  const ended = run(ours, dir, ['learning', 'end', start.sessionId], env);
  assert.equal(ended.code, 0);
  assert.equal(run(ours, dir, ['learning', 'predict', start.sessionId, 's0'], env).code, 1);
  // export and import
  const out = path.join(dir, 'export.json');
  assert.equal(run(ours, dir, ['export', env.AGENTDB_PATH, out]).code, 0);
  assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).length, 5);
  const imported = run(ours, dir, ['import', out, path.join(dir, 'copy.db')]);
  assert.match(normalize(imported.out), /Imported 5 episodes/);
  // help, version, unknown commands
  assert.match(run(ours, dir, ['--help']).out, /LEARNING COMMANDS/);
  assert.match(run(ours, dir, ['--version']).out, /agentdb v1\.6\.1 \(ruvector /);
  const mcp = run(ours, dir, ['mcp', 'stop']); // `mcp start` serves (test/mcp-agentdb.test.js)
  assert.equal(mcp.code, 1);
  assert.match(mcp.out, /Unknown mcp subcommand: stop/);
  assert.equal(run(ours, dir, ['sync', 'status'], env).code, 1);
});
