'use strict';
// Where a VectorDB gets its collection.
//
// Without a path: an in-memory collection, gone when the process ends.
// ruvector 0.3.2 instead created ./ruvector.db in the current directory
// when no path was given; we do not write files nobody asked for (see the
// README's differences table), and warn once when a ./ruvector.db is there,
// since it will not be read.
//
// With a path (storagePath or path): the database directory there (created
// when missing) and its collection "vectordb". Each record's metadata is
// its payload in the core. A store written by an earlier release, with its
// metadata in vectordb.meta beside the collection, is migrated first
// (lib/migrate.js). Opening is asynchronous (a log may be replayed):
// VectorDB's methods wait for it.
const fs = require('fs');
const path = require('path');
const { Collection } = require('./collection');
const { migrateMetaLog } = require('./migrate');

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
  return { collection: new Collection(collectionOptions), persistent: false };
}

async function persistentStore(storagePath, collectionOptions, { readOnly, durability, syncIntervalMs, checkpointBytes }) {
  const { Database } = require('./database');
  const migrated = await migrateMetaLog(storagePath, COLLECTION, { readOnly, checkpointBytes });
  const db = await Database.open(storagePath, { readOnly, durability, syncIntervalMs, checkpointBytes });
  let collection;
  try {
    collection = readOnly ? await db.openCollection(COLLECTION) : await db.collection(COLLECTION, collectionOptions);
    if (collection.dimensions !== collectionOptions.dimensions || collection.metric !== collectionOptions.metric) {
      const err = new Error(`Database at ${storagePath} holds vectors of dimension ${collection.dimensions} ` +
        `(metric ${collection.metric}); this VectorDB asked for ${collectionOptions.dimensions} (${collectionOptions.metric})`);
      err.code = 'RV_EINVAL';
      throw err;
    }
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  return { collection, database: db, persistent: true, migrated };
}

module.exports = { memoryStore, persistentStore, COLLECTION };
