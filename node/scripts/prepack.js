#!/usr/bin/env node
// `npm pack` / `npm publish` ship the package folder only, but the addon
// compiles the C core from the repository (../src, ../include). Before
// packing, copy the core into core/ (binding.gyp prefers it when present);
// after packing (--clean), remove the copy so the checkout keeps building
// from ../src.
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const dst = path.join(root, 'core');
fs.rmSync(dst, { recursive: true, force: true });
if (process.argv[2] !== '--clean') {
  const repo = path.resolve(root, '..');
  for (const d of ['src', 'include']) fs.cpSync(path.join(repo, d), path.join(dst, d), { recursive: true });
}
