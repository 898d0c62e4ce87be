#!/usr/bin/env node
// The core's C sources for binding.gyp: every .c file under <core>/src,
// where <core> is the first argument ('..' in a checkout, 'core' in a
// packed copy), relative to this package, sorted, one per line. The core's
// Makefile compiles the same set (its CORE_DIRS and src/ruvector.c); listing
// them here instead of by hand keeps the addon building when a source file
// is added to the core.
'use strict';
const fs = require('fs');
const path = require('path');

function walk(dir, rel, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}/${e.name}`, out);
    else if (e.isFile() && e.name.endsWith('.c')) out.push(`${rel}/${e.name}`);
  }
  return out;
}

function coreSources(core) {
  const root = path.resolve(__dirname, '..');
  return walk(path.join(root, core, 'src'), `${core}/src`, []);
}

if (require.main === module) process.stdout.write(coreSources(process.argv[2] || '..').join('\n') + '\n');
module.exports = { coreSources };
