'use strict';
// The durable metadata store of a persistent VectorDB: a small append-only
// log file beside the collection, until the core stores payloads itself
// (issue #5; then this file goes away).
//
// FILE  <database directory>/<collection>.meta (the core ignores files in
// the database directory that are not collection directories)
//   header   16 bytes: "RVNMETA1", u32 LE format version (1), u32 LE CRC-32
//            of the first 12 bytes
//   records  u32 LE payload length, u32 LE CRC-32 of the payload, payload:
//            UTF-8 JSON ["s", id, "<metadata JSON>"] (set) or ["d", id]
//            (delete). The metadata travels as the JSON text JSON.stringify
//            made, so reading it back gives exactly what was stored.
//
// WRITES are appended in call order by one writer loop. Calls that arrive
// while a write is in flight are written together (group commit): one
// write() and, with durability 'full', one fdatasync() for all of them,
// and each call's Promise resolves once its record is as durable as the
// setting promises ('full': synced; 'normal': synced within syncIntervalMs;
// 'off': handed to the OS; all three survive kill -9). A failed write or
// sync puts the store into an error state (every later write rejects with
// RV_EREADONLY), as the core does: after a failed sync the OS may have
// dropped what it could not write, so nothing is retried.
//
// RECOVERY on open: records are read in order until the end of the file or
// the first one that is cut short or fails its CRC where it ends the file
// (a write torn by a crash): the file is truncated there. A bad record
// followed by more data is corruption: RV_ECORRUPT naming the offset.
//
// COMPACTION: when the file holds more than twice the live records' bytes
// (plus 1 MiB), the live records are written to <file>.tmp, synced and
// renamed over it (then the directory is synced), between two groups.
//
// ORDER with the vectors: VectorDB writes the vector (durable in the
// core's log) first and the metadata second, and resolves after both. A
// crash between the two, before the call resolved, leaves the vector with
// its previous metadata (none for a new id); an acknowledged write has both.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { MemoryMetadataStore } = require('./metadata');
const { rvError } = require('./errors');

const MAGIC = Buffer.from('RVNMETA1', 'latin1');
const VERSION = 1;
const HEADER = 16;
const COMPACT_SLACK = 1 << 20;

function header() {
  const h = Buffer.alloc(HEADER);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(VERSION, 8);
  h.writeUInt32LE(zlib.crc32(h.subarray(0, 12)), 12);
  return h;
}

function record(payload) {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const r = Buffer.allocUnsafe(8 + body.length);
  r.writeUInt32LE(body.length, 0);
  r.writeUInt32LE(zlib.crc32(body), 4);
  body.copy(r, 8);
  return r;
}

function ioError(e, file, what) {
  const code = e && e.code === 'ENOSPC' ? 'RV_ENOSPC' : 'RV_EIO';
  const err = rvError(code, `${file}: ${what}: ${e && e.message ? e.message : e}`);
  err.cause = e;
  return err;
}

const fsp = fs.promises;

class FileMetadataStore extends MemoryMetadataStore {
  #file;
  #fd = null;
  #size = 0;        // bytes in the file
  #live = new Map(); // id -> bytes of its current set record
  #liveBytes = 0;
  #readOnly;
  #durability;
  #syncMs;
  #queue = [];      // { buf, resolve, reject }
  #flushing = null;
  #failed = null;   // the error that stopped writes
  #dirty = false;   // written, not yet synced ('normal')
  #timer = null;
  #closed = false;

  constructor(file, { readOnly = false, durability = 'full', syncIntervalMs = 100 } = {}) {
    super();
    this.#file = file;
    this.#readOnly = readOnly;
    this.#durability = durability;
    this.#syncMs = syncIntervalMs;
  }

  /** Open (creating unless read-only) and load the store at `file`. */
  static async open(file, options = {}) {
    const s = new FileMetadataStore(file, options);
    await s.#load();
    return s;
  }

  get file() { return this.#file; }

  async #load() {
    let data;
    try {
      data = await fsp.readFile(this.#file);
    } catch (e) {
      if (e.code !== 'ENOENT') throw ioError(e, this.#file, 'cannot read');
      data = null;
    }
    if (data === null || data.length === 0) {
      if (this.#readOnly) return;
      await this.#create();
      return;
    }
    if (data.length < HEADER || !data.subarray(0, 8).equals(MAGIC) ||
        data.readUInt32LE(12) !== zlib.crc32(data.subarray(0, 12))) {
      throw rvError(data.length < HEADER ? 'RV_EFORMAT' : 'RV_ECORRUPT',
        `${this.#file}: not a ruvector metadata file (bad header)`);
    }
    const version = data.readUInt32LE(8);
    if (version > VERSION) throw rvError('RV_EVERSION', `${this.#file}: written by format version ${version}; this reads ${VERSION}`);
    let off = HEADER;
    while (off < data.length) {
      const bad = (what) => {
        // torn tail: the bad record reaches the end of the file
        const len = data.length - off >= 4 ? data.readUInt32LE(off) : Infinity;
        if (off + 8 + len >= data.length) return true;
        throw rvError('RV_ECORRUPT', `${this.#file}: offset ${off}: ${what}`);
      };
      if (data.length - off < 8) { bad('record header cut short'); break; }
      const len = data.readUInt32LE(off);
      if (off + 8 + len > data.length) { bad('record cut short'); break; }
      const body = data.subarray(off + 8, off + 8 + len);
      if (zlib.crc32(body) !== data.readUInt32LE(off + 4)) { bad('record checksum mismatch'); break; }
      let r;
      try {
        r = JSON.parse(body.toString('utf8'));
      } catch {
        throw rvError('RV_ECORRUPT', `${this.#file}: offset ${off}: record is not JSON`);
      }
      this.#apply(r, 8 + len, off);
      off += 8 + len;
    }
    this.#size = off;
    if (this.#readOnly) return;
    try {
      this.#fd = await fsp.open(this.#file, 'r+');
      if (off < data.length) {
        await this.#fd.truncate(off);
        await this.#fd.datasync();
      }
    } catch (e) {
      throw ioError(e, this.#file, 'cannot open for writing');
    }
  }

  #apply(r, bytes, off) {
    if (!Array.isArray(r) || typeof r[1] !== 'string' || (r[0] !== 's' && r[0] !== 'd') ||
        (r[0] === 's' && typeof r[2] !== 'string')) {
      throw rvError('RV_ECORRUPT', `${this.#file}: offset ${off}: unknown record`);
    }
    const old = this.#live.get(r[1]);
    if (old !== undefined) this.#liveBytes -= old;
    if (r[0] === 's') {
      super.setJson(r[1], r[2]);
      this.#live.set(r[1], bytes);
      this.#liveBytes += bytes;
    } else {
      super.delete(r[1]);
      this.#live.delete(r[1]);
    }
  }

  async #create() {
    const tmp = `${this.#file}.tmp`;
    try {
      const fh = await fsp.open(tmp, 'w');
      await fh.writeFile(header());
      await fh.datasync();
      await fh.close();
      await fsp.rename(tmp, this.#file);
      await syncDir(path.dirname(this.#file));
      this.#fd = await fsp.open(this.#file, 'r+');
      this.#size = HEADER;
    } catch (e) {
      throw ioError(e, this.#file, 'cannot create');
    }
  }

  #writable() {
    if (this.#closed) throw rvError('RV_ECLOSED', 'the metadata store is closed');
    if (this.#readOnly) throw rvError('RV_EREADONLY', `${this.#file}: opened read-only`);
    if (this.#failed) throw rvError('RV_EREADONLY', `${this.#file}: an earlier write failed (${this.#failed.message}); reopen to recover`);
  }

  /**
   * Set (or with undefined, remove) the metadata of `id`. The change is
   * visible at once; the Promise resolves when it is durable.
   */
  set(id, metadata) {
    return this.setMany([[id, metadata]]);
  }

  /** delete(id): as set(id, undefined). */
  delete(id) {
    return this.setMany([[id, undefined]]);
  }

  /** [[id, metadata|undefined], ...] in one append (and one sync). */
  setMany(entries) {
    try {
      this.#writable();
    } catch (e) {
      return Promise.reject(e);
    }
    const bufs = [];
    for (const [id, metadata] of entries) {
      const had = this.#live.get(id);
      if (metadata === undefined) {
        if (had === undefined) continue; // nothing stored, nothing to remove
        const r = record(['d', id]);
        bufs.push(r);
        super.delete(id);
        this.#live.delete(id);
        this.#liveBytes -= had;
      } else {
        const json = JSON.stringify(metadata);
        const r = record(['s', id, json]);
        bufs.push(r);
        super.setJson(id, json);
        if (had !== undefined) this.#liveBytes -= had;
        this.#live.set(id, r.length);
        this.#liveBytes += r.length;
      }
    }
    if (bufs.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queue.push({ buf: bufs.length === 1 ? bufs[0] : Buffer.concat(bufs), resolve, reject });
      if (!this.#flushing) this.#flushing = this.#flush();
    });
  }

  async #flush() {
    while (this.#queue.length) {
      const group = this.#queue.splice(0);
      try {
        if (this.#failed) throw this.#failed;
        const data = group.length === 1 ? group[0].buf : Buffer.concat(group.map((g) => g.buf));
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await this.#fd.write(data, done, data.length - done, this.#size + done);
          done += bytesWritten;
        }
        this.#size += data.length;
        if (this.#durability === 'full') await this.#fd.datasync();
        else if (this.#durability === 'normal') this.#scheduleSync();
        for (const g of group) g.resolve();
      } catch (e) {
        if (!this.#failed) this.#failed = e.code && e.code.startsWith('RV_') ? e : ioError(e, this.#file, 'write failed');
        const err = rvError(this.#failed.code === 'RV_ENOSPC' ? 'RV_ENOSPC' : 'RV_EREADONLY', this.#failed.message);
        for (const g of group) g.reject(err);
        continue;
      }
      if (this.#size > 2 * (this.#liveBytes + HEADER) + COMPACT_SLACK) {
        try {
          await this.#compact();
        } catch (e) {
          this.#failed = ioError(e, this.#file, 'compaction failed');
        }
      }
    }
    this.#flushing = null;
  }

  #scheduleSync() {
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(async () => {
      this.#timer = null;
      if (!this.#dirty || !this.#fd) return;
      this.#dirty = false;
      try {
        await this.#fd.datasync();
      } catch (e) {
        this.#failed = ioError(e, this.#file, 'sync failed');
      }
    }, this.#syncMs);
    this.#timer.unref();
  }

  // Rewrite the live records into a new file (called between groups, so no
  // write is in flight).
  async #compact() {
    const tmp = `${this.#file}.tmp`;
    const fh = await fsp.open(tmp, 'w');
    try {
      const parts = [header()];
      let bytes = HEADER;
      for (const id of this.#live.keys()) {
        const r = record(['s', id, super.getJson(id)]);
        parts.push(r);
        bytes += r.length;
        this.#live.set(id, r.length);
      }
      await fh.writeFile(Buffer.concat(parts));
      await fh.datasync();
      await fh.close();
      await fsp.rename(tmp, this.#file);
      await syncDir(path.dirname(this.#file));
      await this.#fd.close();
      this.#fd = await fsp.open(this.#file, 'r+');
      this.#size = bytes;
      this.#liveBytes = bytes - HEADER;
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** Wait for writes in flight, sync, close the file. Idempotent. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#flushing) await this.#flushing;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#fd) {
      if (this.#dirty && !this.#failed) await this.#fd.datasync().catch(() => {});
      await this.#fd.close().catch(() => {});
      this.#fd = null;
    }
  }
}

async function syncDir(dir) {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

module.exports = { FileMetadataStore };
