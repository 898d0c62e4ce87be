'use strict';
// Loads the compiled addon (build/Release/ruvector.node, made by
// `npm install`). RUVECTOR_ADDON may name another build of it, e.g. the
// AddressSanitizer one that test/asan.sh makes.
const path = require('path');

function load() {
  const tried = [];
  const candidates = [
    process.env.RUVECTOR_ADDON,
    path.join(__dirname, '..', 'build', 'Release', 'ruvector.node'),
    path.join(__dirname, '..', 'build', 'Debug', 'ruvector.node'),
  ].filter(Boolean);
  for (const file of candidates) {
    try {
      return require(file);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
      tried.push(file);
    }
  }
  const err = new Error(`ruvector: the native addon is not built (looked for ${tried.join(', ')}); ` +
    'run `npm install` (or `npm rebuild ruvector`) in the package folder');
  err.code = 'RV_ENOADDON';
  throw err;
}

const binding = load();

// Flag values shared with src/base.h.
binding.UPSERT = 0x1;
binding.OWNED = 0x2;
binding.EXACT = 0x1;
binding.VECTORS = 0x2;
binding.NOLANE = 0x4;
binding.MMR = 0x8;
binding.PAYLOAD = 0x10;
binding.CALIBRATED = 0x20;

module.exports = binding;
