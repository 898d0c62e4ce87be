'use strict';
// Moving a VectorDB store of the earlier format into the core (issue #11).
//
// Up to the release of commit 8f750e3 a persistent VectorDB kept its
// vectors in the collection "vectordb" of its database directory and its
// metadata beside it, in <dir>/vectordb.meta (lib/metastore.js, now gone).
// Now the metadata is the record's payload in the core: one store, one
// write per insert, filters run by the core. This file reads the old log
// (and nothing else does) and moves it, once, on the first open for
// writing.
//
// THE OLD FORMAT (read only)
//   header   16 bytes: "RVNMETA1", u32 LE format version (1), u32 LE CRC-32
//            of the first 12 bytes
//   records  u32 LE payload length, u32 LE CRC-32 (zlib) of the payload,
//            payload: UTF-8 JSON ["s", id, "<metadata JSON>"] (set) or
//            ["d", id] (delete), applied in order
//   A record cut short or failing its CRC where it reaches the end of the
//   file is a write torn by a crash, never acknowledged: dropped (as the
//   old reader did). One followed by more data is damage: RV_ECORRUPT
//   naming the file and offset, and nothing is changed.
//
// THE MIGRATION, restartable at every point:
//   1. read the whole log into memory (the live metadata of each id);
//   2. open the database with durability 'off' and, for each id, set the
//      record's payload to its metadata (rv_set_payload; an id whose vector
//      is gone, left by a crash between the old two writes, is skipped);
//   3. checkpoint the collection: from here the payloads are on disk;
//   4. delete vectordb.meta and sync the directory, then close.
// Setting a payload to the same value twice changes nothing, and the log
// file is deleted only after the payloads are durable, so a crash (kill -9,
// power loss) anywhere in 1-4 leaves vectordb.meta in place and the next
// open runs the migration again from the start: nothing is lost. If the
// core refuses a metadata value (nested objects, until the core's payloads
// take them), the open fails naming the id and the reason, and the file
// stays. A read-only open cannot migrate: it fails (RV_EREADONLY) asking
// for one open for writing.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { rvError } = require('./errors');

const MAGIC = 'RVNMETA1';
const VERSION = 1;
const HEADER = 16;
const CHUNK = 1024; // payload writes queued at once

// For test/children/migrate-writer.js: called after each chunk of payloads
// is set (records done) and after the checkpoint ('checkpointed'); a test
// kills the process there to check that a crash at that point loses nothing.
const hooks = { progress: null };

/** The path of the old metadata log of collection `name` in `dir`. */
function metaFile(dir, name) {
  return path.join(dir, `${name}.meta`);
}

/**
 * Read an old metadata log: a Map from id to the metadata's JSON text (the
 * live records, in first-set order). Throws RV_ECORRUPT for damage.
 */
function readMetaLog(file) {
  const data = fs.readFileSync(file);
  const live = new Map();
  if (data.length === 0) return live; // created, header never written
  if (data.length < HEADER || data.toString('latin1', 0, 8) !== MAGIC) {
    throw rvError('RV_ECORRUPT', `${file}: not a VectorDB metadata log (no "${MAGIC}" header)`);
  }
  if (zlib.crc32(data.subarray(0, 12)) !== data.readUInt32LE(12)) {
    throw rvError('RV_ECORRUPT', `${file}: offset 0: header checksum mismatch`);
  }
  const version = data.readUInt32LE(8);
  if (version !== VERSION) throw rvError('RV_EFORMAT', `${file}: metadata log format version ${version}; this reads ${VERSION}`);
  let off = HEADER;
  while (off < data.length) {
    const len = data.length - off >= 4 ? data.readUInt32LE(off) : Infinity;
    const end = off + 8 + len;
    const torn = end >= data.length; // the bad record reaches the end of the file
    const bad = (what) => {
      if (!torn) throw rvError('RV_ECORRUPT', `${file}: offset ${off}: ${what} (valid records follow it)`);
    };
    if (data.length - off < 8) { bad('record header cut short'); break; }
    if (end > data.length) { bad('record cut short'); break; }
    const body = data.subarray(off + 8, end);
    if (zlib.crc32(body) !== data.readUInt32LE(off + 4)) { bad('record checksum mismatch'); break; }
    let r;
    try {
      r = JSON.parse(body.toString('utf8'));
    } catch {
      throw rvError('RV_ECORRUPT', `${file}: offset ${off}: record is not JSON`);
    }
    if (!Array.isArray(r) || typeof r[1] !== 'string' || (r[0] !== 's' && r[0] !== 'd') ||
        (r[0] === 's' && typeof r[2] !== 'string')) {
      throw rvError('RV_ECORRUPT', `${file}: offset ${off}: unknown record`);
    }
    if (r[0] === 's') live.set(r[1], r[2]);
    else live.delete(r[1]);
    off = end;
  }
  return live;
}

function syncDir(dir) {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

/**
 * Migrate the store at `dir` if it still has an old metadata log for
 * collection `name`. Resolves to null when there was none, else
 * {records, skipped} (skipped: ids whose vector was gone). `options` are
 * Database.open's (checkpointBytes, syncIntervalMs); durability is 'off'
 * during the migration (step 3 makes it durable).
 */
async function migrateMetaLog(dir, name, options = {}) {
  const file = metaFile(dir, name);
  if (!fs.existsSync(file)) return null;
  if (options.readOnly) {
    throw rvError('RV_EREADONLY', `${file}: this store keeps its metadata in the format of an earlier release; ` +
      'open it once for writing (not readOnly) to move the metadata into the collection');
  }
  const live = readMetaLog(file);
  const { Database } = require('./database');
  const db = await Database.open(dir, { create: false, durability: 'off', checkpointBytes: options.checkpointBytes });
  let records = 0, skipped = 0;
  try {
    const names = await db.listCollections();
    if (names.includes(name)) {
      const coll = await db.openCollection(name);
      const one = async (id, json) => {
        try {
          await coll.setPayload(id, json);
        } catch (e) {
          if (e.code === 'RV_ENOTFOUND') { skipped++; return; }
          e.message = `${file}: cannot move the metadata of id ${JSON.stringify(id)} into the collection ` +
            `(the file is kept; nothing was lost): ${e.message}`;
          throw e;
        }
      };
      let batch = [];
      for (const [id, json] of live) {
        batch.push(one(id, json));
        if (batch.length === CHUNK) {
          await Promise.all(batch);
          records += batch.length;
          batch = [];
          if (hooks.progress) hooks.progress(records);
        }
      }
      await Promise.all(batch);
      records += batch.length;
      if (hooks.progress) hooks.progress(records);
      await coll.checkpoint();
      if (hooks.progress) hooks.progress('checkpointed');
    }
    fs.unlinkSync(file);
    fs.rmSync(`${file}.tmp`, { force: true }); // a compaction of the old log that a crash cut short
    syncDir(dir);
  } finally {
    await db.close();
  }
  return { records: records - skipped, skipped };
}

module.exports = { migrateMetaLog, readMetaLog, metaFile, hooks };
