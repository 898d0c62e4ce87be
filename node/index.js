'use strict';
// ruvector for Node.js: the C core through an N-API addon.
//
//   const { VectorDB } = require('ruvector');   // drop-in for ruvector 0.3.2
//   const { Collection } = require('ruvector'); // the low-level index
//   const { Database } = require('ruvector');   // a directory of persistent collections
//   const { GraphDatabase } = require('ruvector'); // @ruvector/graph-node's class, over a collection's hypergraph
const binding = require('./lib/native');
const { Collection } = require('./lib/collection');
const { VectorDB, HNSW_DEFAULTS } = require('./lib/vectordb');
const { Database } = require('./lib/database');
const { GraphDatabase } = require('./lib/graphdb');

/** Version of the C core. */
function version() { return binding.version(); }
/** Instruction set the distance kernels use ('avx512', 'avx2', 'neon', 'serial', ...). */
function isa() { return binding.isa(); }

module.exports = {
  VectorDB,
  VectorDb: VectorDB,
  Collection,
  Database,
  GraphDatabase,
  version,
  isa,
  HNSW_DEFAULTS,
};
