'use strict';
// The real agentdb 1.6.1, for the differential tests and the benchmark:
// installed (not committed) into ../build/npm-peers/agentdb-1.6.1 as the
// compat notes say: `npm install agentdb@1.6.1 --ignore-scripts`, then
// `npm rebuild better-sqlite3 hnswlib-node` against the headers beside node
// (a plain install fails offline: sharp downloads libvips). load() returns
// {agentdb, schemas, dir} or {skip: reason} when it cannot be installed.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { pathToFileURL } = require('url');

const dir = path.resolve(__dirname, '..', '..', '..', 'build', 'npm-peers', 'agentdb-1.6.1');
const pkg = path.join(dir, 'node_modules', 'agentdb', 'package.json');
const nodedir = path.resolve(path.dirname(process.execPath), '..');

function sh(args, env) {
  return spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args,
    { cwd: dir, encoding: 'utf8', timeout: 900000, env: { ...process.env, ...env } });
}

function installed() {
  try {
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version === '1.6.1' &&
      fs.existsSync(path.join(dir, 'node_modules', 'hnswlib-node', 'build', 'Release')) &&
      fs.existsSync(path.join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release'));
  } catch {
    return false;
  }
}

function install() {
  if (installed()) return null;
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  let r = sh(['install', '--no-audit', '--no-fund', '--ignore-scripts', 'agentdb@1.6.1']);
  if (r.status === 0) {
    const env = fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h')) ? { npm_config_nodedir: nodedir } : {};
    r = sh(['rebuild', 'better-sqlite3', 'hnswlib-node'], env);
  }
  if (r.status !== 0 || !installed()) {
    return `agentdb@1.6.1 could not be installed into ${dir} (no registry?): ` +
      `${(r.stderr || r.error || '').toString().trim().split('\n').slice(-3).join(' | ')}`;
  }
  return null;
}

let cached = null;
async function load() {
  if (cached) return cached;
  const skip = install();
  if (skip) {
    cached = { skip };
    return cached;
  }
  const root = path.join(dir, 'node_modules', 'agentdb', 'dist');
  const agentdb = await import(pathToFileURL(path.join(root, 'index.js')).href);
  const schemas = ['schema.sql', 'frontier-schema.sql'].map((f) => fs.readFileSync(path.join(root, 'schemas', f), 'utf8'));
  cached = { agentdb, schemas, dir, cli: path.join(root, 'cli', 'agentdb-cli.js') };
  return cached;
}

module.exports = { load, dir };
