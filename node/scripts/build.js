#!/usr/bin/env node
// Builds the addon with node-gyp, offline.
//
// node-gyp normally downloads Node's headers. Debian's nodejs (and most
// distribution and official builds) ship them beside the binary, in
// <prefix>/include/node, so we point node-gyp there (--nodedir) unless the
// caller already chose (npm_config_nodedir). node-gyp itself comes with npm;
// npm tells install scripts where (npm_config_node_gyp).
//
// Idempotent and incremental: when build/ was configured for this same Node
// and nodedir, only `node-gyp build` runs (make recompiles what changed);
// otherwise `node-gyp rebuild`. RUVECTOR_SANITIZE=address builds an
// AddressSanitizer variant into build-asan/ for the sanitizer tests.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

function findNodeDir() {
  const given = process.env.npm_config_nodedir;
  if (given && fs.existsSync(path.join(given, 'include', 'node', 'node_api.h'))) return given;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return null; // node-gyp will try node-api-headers or a download
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  try { return require.resolve('node-gyp/bin/node-gyp.js'); } catch { return null; }
}

const sanitize = process.env.RUVECTOR_SANITIZE || '';
const buildDir = sanitize ? 'build-asan' : 'build';
const nodedir = findNodeDir();
const gyp = findNodeGyp();
if (!gyp) {
  console.error('ruvector: cannot find node-gyp (it ships with npm); install npm or node-gyp');
  process.exit(1);
}

const cwd = sanitize ? path.join(root, buildDir) : root;
const stampFile = path.join(cwd, 'build', 'ruvector-build-stamp.json');
// The core's source list is part of the stamp: binding.gyp lists the files
// when it is configured, so a file added to the core needs a reconfigure
// (a plain `build` would link an addon missing its functions).
const { coreSources } = require('./sources.js');
const core = fs.existsSync(path.join(root, 'core', 'src')) ? 'core' : '..';
const stamp = JSON.stringify({ node: process.version, abi: process.versions.modules, nodedir, sanitize, arch: process.arch,
  sources: coreSources(core) });
let incremental = false;
try {
  incremental = fs.readFileSync(stampFile, 'utf8') === stamp &&
    fs.existsSync(path.join(cwd, 'build', 'Makefile'));
} catch { /* first build */ }

const env = { ...process.env, RUVECTOR_SANITIZE: sanitize };
const args = [gyp, incremental ? 'build' : 'rebuild', '--jobs', 'max'];
if (nodedir) args.push(`--nodedir=${nodedir}`);
function run(argv, cwd) {
  const r = spawnSync(process.execPath, argv, { cwd, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status === null ? 1 : r.status);
}

if (!sanitize) {
  run(args, root);
  fs.writeFileSync(stampFile, stamp);
} else {
  // node-gyp always builds in ./build: build the sanitizer variant in a
  // scratch copy of the package layout (build-asan/build/Release/) so that
  // the normal build/ stays as it is.
  const scratch = path.join(root, buildDir);
  fs.mkdirSync(scratch, { recursive: true });
  for (const f of ['binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(scratch, f));
  fs.mkdirSync(path.join(scratch, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(root, 'scripts', 'sources.js'), path.join(scratch, 'scripts', 'sources.js'));
  fs.cpSync(path.join(root, 'src'), path.join(scratch, 'src'), { recursive: true });
  const coreFrom = fs.existsSync(path.join(root, 'core', 'include', 'ruvector.h')) ? path.join(root, 'core') : path.resolve(root, '..');
  fs.rmSync(path.join(scratch, 'core'), { recursive: true, force: true });
  fs.mkdirSync(path.join(scratch, 'core'));
  fs.cpSync(path.join(coreFrom, 'src'), path.join(scratch, 'core', 'src'), { recursive: true });
  fs.cpSync(path.join(coreFrom, 'include'), path.join(scratch, 'core', 'include'), { recursive: true });
  run(args, cwd);
  fs.writeFileSync(stampFile, stamp);
}
