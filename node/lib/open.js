'use strict';
// Where a VectorDB gets its collection and metadata store. This is the one
// place that will change when the C storage API (issue #3: a database
// directory with named collections, WAL, checkpoints) lands in ruvector.h:
// with a path, it will open the database directory there through the addon
// and its named collection, and keep metadata in it; without one, it will
// stay in memory as now.
//
// Until then a path is accepted and recorded, and the data stays in memory:
// we warn once per process rather than pretend (ruvector 0.3.2 wrote a redb
// file there, and ./ruvector.db when no path was given).
const { Collection } = require('./collection');
const { createMetadataStore } = require('./metadata');

let warned = false;

function openStore({ storagePath, ...collectionOptions }) {
  if (storagePath !== undefined && storagePath !== null && !warned) {
    warned = true;
    process.emitWarning(
      'ruvector: storagePath/path is accepted but not used yet: this build keeps vectors in memory ' +
      'until the storage engine lands (see the package README); nothing is written to disk.',
      { code: 'RUVECTOR_NO_PERSISTENCE' });
  }
  return {
    collection: new Collection(collectionOptions),
    metadata: createMetadataStore(storagePath),
    persistent: false,
  };
}

module.exports = { openStore };
