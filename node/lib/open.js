'use strict';
// Where a VectorDB gets its collection and metadata store.
//
// Without a path: an in-memory collection and metadata map, gone when the
// process ends. ruvector 0.3.2 instead created ./ruvector.db in the current
// directory when no path was given; we do not write files nobody asked
// for (see the README's differences table), and warn once when a
// ./ruvector.db is there, since it will not be read.
//
// With a path (storagePath or path): the database directory there (created
// when missing), its collection "vectordb", and the metadata log beside it
// (vectordb.meta, lib/metastore.js) until the core stores payloads
// (issue #5). Opening is asynchronous (a log may be replayed): VectorDB's
// methods wait for it.
const fs = require('fs');
const path = require('path');
const { Collection } = require('./collection');
const { createMetadataStore } = require('./metadata');

const COLLECTION = 'vectordb';
let warnedDefault = false;

function memoryStore(collectionOptions) {
  if (!warnedDefault) {
    let legacy = false;
    try { legacy = fs.existsSync(path.resolve('ruvector.db')); } catch { /* unreadable cwd */ }
    if (legacy) {
      warnedDefault = true;
      process.emitWarning('ruvector: no storagePath given, so this VectorDB is in memory; the ./ruvector.db here ' +
        '(ruvector 0.3.2\'s default file) is not read. Pass storagePath to persist.', { code: 'RUVECTOR_NO_DEFAULT_PATH' });
    }
  }
  return {
    collection: new Collection(collectionOptions),
    metadata: createMetadataStore(),
    persistent: false,
  };
}

async function persistentStore(storagePath, collectionOptions, { readOnly, durability, syncIntervalMs, checkpointBytes }) {
  const { Database } = require('./database');
  const { FileMetadataStore } = require('./metastore');
  const db = await Database.open(storagePath, { readOnly, durability, syncIntervalMs, checkpointBytes });
  let collection, metadata;
  try {
    collection = readOnly ? await db.openCollection(COLLECTION) : await db.collection(COLLECTION, collectionOptions);
    if (collection.dimensions !== collectionOptions.dimensions || collection.metric !== collectionOptions.metric) {
      const err = new Error(`Database at ${storagePath} holds vectors of dimension ${collection.dimensions} ` +
        `(metric ${collection.metric}); this VectorDB asked for ${collectionOptions.dimensions} (${collectionOptions.metric})`);
      err.code = 'RV_EINVAL';
      throw err;
    }
    metadata = await FileMetadataStore.open(path.join(storagePath, `${COLLECTION}.meta`),
      { readOnly, durability: durability ?? 'full', syncIntervalMs: syncIntervalMs ?? 100 });
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return { collection, metadata, database: db, persistent: true };
}

module.exports = { memoryStore, persistentStore, COLLECTION };
