'use strict';
// binding.gyp lists the core's sources one by one; this catches a source
// file added to ../src (committed) but not to the list, which would
// otherwise show up only as an undefined symbol when the addon loads.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const repo = path.resolve(__dirname, '..', '..');
const r = spawnSync('git', ['-C', repo, 'ls-files', 'src'], { encoding: 'utf8' });
const noGit = r.status !== 0 || !r.stdout.trim() ? 'not in a git checkout of the repository' : false;

test('binding.gyp compiles every committed core source', { skip: noGit }, () => {
  const gyp = fs.readFileSync(path.join(__dirname, '..', 'binding.gyp'), 'utf8');
  const listed = new Set([...gyp.matchAll(/<\(core\)\/(src\/[^"]+\.c)"/g)].map((m) => m[1]));
  const committed = r.stdout.split('\n').filter((f) => f.endsWith('.c'));
  const missing = committed.filter((f) => !listed.has(f));
  const extra = [...listed].filter((f) => !committed.includes(f));
  assert.deepEqual(missing, [], `add to binding.gyp: ${missing.join(', ')}`);
  assert.deepEqual(extra, [], `no longer in src/: ${extra.join(', ')}`);
});
