'use strict';
// binding.gyp takes the core's sources from scripts/sources.js (every .c
// under ../src); this checks that the list holds every committed core
// source, and that binding.gyp still uses it.
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
  assert.match(gyp, /<!@\(node scripts\/sources\.js <\(core\)\)/);
  const { coreSources } = require('../scripts/sources.js');
  const listed = new Set(coreSources('..').map((f) => f.slice(3)));
  const committed = r.stdout.split('\n').filter((f) => f.endsWith('.c'));
  const missing = committed.filter((f) => !listed.has(f));
  assert.deepEqual(missing, [], `not found by scripts/sources.js: ${missing.join(', ')}`);
});
