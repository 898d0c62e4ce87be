// pool.js: the file system the browser build's storage runs on: a pool of
// storage slots, each an OPFS file opened once with a synchronous access
// handle (or a growable memory buffer where there is no OPFS), holding one
// of the database's files or directories. The C side (web/src/vfs_web.c)
// calls it synchronously through Module.rvfs.
//
// Why a pool (the design of SQLite's "opfs-sahpool" VFS): the core's file
// calls are synchronous, but OPFS only opens, creates, renames and deletes
// files asynchronously; only reads, writes, flush, truncate and size on an
// already-open FileSystemSyncAccessHandle are synchronous. So every slot is
// opened before any C call runs, and a file's name lives inside its slot, in
// a header, rather than in the OPFS directory: creating, renaming and
// deleting a file is then a synchronous header write. Between calls the
// worker tops the pool up (refill), asynchronously, so a call always finds
// free slots. No SharedArrayBuffer, Atomics.wait or COOP/COEP headers are
// needed, and the database code, formats and recovery are the native ones.
//
// Slot layout (one OPFS file "slot-NNNN" in the database's own OPFS
// directory, ruvector/<encoded storagePath>/):
//   [0, 4096)   header:  0 magic "RVPOOL01"
//                        8 u32 seq (low), 12 u32 seq (high): name generation
//                       16 u32 flags: 1 in use, 2 directory
//                       20 u32 path length in bytes (UTF-8, <= 4000)
//                       24 u32 CRC-32 of bytes [0, 24) and the path
//                       32 the path
//   [4096, ...) the file's bytes, exactly as the native build writes them:
//               exportFiles() copies them out as the MANIFEST, log and
//               segment files of a database directory.
// A header that fails its check is a free slot. Renaming writes the new
// name with a higher seq into the source's header, then frees the target's
// slot: if the browser stops between the two, loading finds two slots with
// one name and keeps the higher seq, so the rename is atomic, as POSIX's.
// A directory's rename rewrites its descendants one by one and is not
// atomic (the core renames a directory only to drop a collection, and
// clears a half-dropped one at the next open).
//
// Locking: a sync access handle is exclusive, so a second tab or worker
// cannot open the same pool: open() fails with code 'RV_EBUSY'. Each
// database has its own pool; different databases open side by side.

import { MemHandle } from './memhandle.js';
import { idbStore, idbAvailable } from './idb.js';

export { MemHandle };
export const ERR = { ENOENT: 1, EEXIST: 2, EIO: 3, ENOSPC: 4, EBUSY: 5, ENOTEMPTY: 6, EISDIR: 7, ENOTDIR: 8, EINVAL: 9 };
export const HEADER = 4096;
const MAGIC = 'RVPOOL01';
const PATH_MAX = 4000;
const F_USED = 1;
const F_DIR = 2;
// Free slots kept ready between calls: more than any one C call creates
// (a checkpoint makes a segment, a log and a MANIFEST.tmp; a new
// collection its directory and files).
const MIN_FREE = 16;

// RV_O_* of src/platform/vfs.h
const O_CREATE = 0x2;
const O_EXCL = 0x4;
const O_TRUNC = 0x8;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

// "./a//b/" -> "a/b"; the root is "".
export function normPath(p) {
  return p.split('/').filter((s) => s !== '' && s !== '.').join('/');
}
const parentOf = (p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

// Where slots come from: OPFS (one directory per database) or memory.
async function opfsStore(storagePath) {
  const root = await navigator.storage.getDirectory();
  const top = await root.getDirectoryHandle('ruvector', { create: true });
  const dir = await top.getDirectoryHandle(encodeURIComponent(storagePath), { create: true });
  const names = [];
  for await (const [name, h] of dir.entries()) if (h.kind === 'file' && /^slot-\d+$/.test(name)) names.push(name);
  names.sort();
  const open = async (name) => {
    const fh = await dir.getFileHandle(name, { create: true });
    try {
      return await fh.createSyncAccessHandle();
    } catch (e) {
      if (e && e.name === 'NoModificationAllowedError') {
        const err = new Error(`the database "${storagePath}" is open in another tab or worker`);
        err.code = 'RV_EBUSY';
        throw err;
      }
      throw e;
    }
  };
  let next = names.length ? Number(names[names.length - 1].slice(5)) + 1 : 0;
  return {
    kind: 'opfs',
    names,
    open,
    async add() {
      const name = `slot-${String(next++).padStart(4, '0')}`;
      return open(name);
    },
  };
}

// Memory pools live as long as the worker, by storage path.
const memPools = new Map();
function memoryStore(storagePath) {
  let slots = memPools.get(storagePath);
  if (!slots) memPools.set(storagePath, (slots = []));
  return {
    kind: 'memory',
    names: slots.map((_, i) => i),
    async open(i) { return slots[i]; },
    async add() { const h = new MemHandle(); slots.push(h); return h; },
  };
}

export class Pool {
  #store;
  #slots = [];           // { h, path: string|null, dir, seq, fds, orphan }
  #byPath = new Map();   // path -> slot
  #free = [];            // free slots
  #fds = new Map();      // fd -> slot
  #nextFd = 3;
  #seq = 0;
  #listing = [];
  #hdr = new Uint8Array(HEADER);
  /** Fault injection for the tests: {quotaBytes} lets that many more
   *  bytes of file data be written, then every write fails as a full
   *  quota does (QuotaExceededError); {persistFails: true} fails the
   *  IndexedDB store's transactions the same way. null: none. */
  faults = null;
  /** What the C side read through the pool: calls, bytes, milliseconds
   *  (engineInfo.io reports it for the open). */
  io = { reads: 0, readBytes: 0, readMs: 0 };

  /**
   * Open the pool of `storagePath`: 'opfs', 'indexeddb', 'memory', or
   * 'auto' (OPFS where the browser has sync access handles, else
   * IndexedDB, else memory).
   */
  static async open(storagePath, kind = 'auto') {
    const hasOpfs = typeof navigator !== 'undefined' && navigator.storage &&
      typeof navigator.storage.getDirectory === 'function' && typeof FileSystemFileHandle !== 'undefined' &&
      typeof FileSystemFileHandle.prototype.createSyncAccessHandle === 'function';
    const use = kind !== 'auto' ? kind : hasOpfs ? 'opfs' : idbAvailable() ? 'indexeddb' : 'memory';
    if (!['opfs', 'indexeddb', 'memory'].includes(use)) {
      const e = new Error(`storage must be 'auto', 'opfs', 'indexeddb' or 'memory'; got ${JSON.stringify(kind)}`);
      e.code = 'RV_EINVAL';
      throw e;
    }
    const store = use === 'opfs' ? await opfsStore(storagePath) : use === 'indexeddb' ? await idbStore(storagePath)
      : memoryStore(storagePath);
    const pool = new Pool(store);
    try {
      for (const name of store.names) pool.#load(await store.open(name));
      pool.#settle();
      await pool.refill();
    } catch (e) {
      pool.closeAll();
      throw e;
    }
    return pool;
  }

  constructor(store) { this.#store = store; }

  get kind() { return this.#store.kind; }

  #load(h) {
    const slot = { h, path: null, dir: false, seq: 0, fds: 0, orphan: false };
    this.#slots.push(slot);
    const b = this.#hdr;
    const n = h.read(b, { at: 0 });
    if (n < 32 || dec.decode(b.subarray(0, 8)) !== MAGIC) return;
    const dv = new DataView(b.buffer, b.byteOffset, HEADER);
    const flags = dv.getUint32(16, true);
    const plen = dv.getUint32(20, true);
    if (!(flags & F_USED) || plen > PATH_MAX || 32 + plen > n) return;
    const path = b.subarray(32, 32 + plen);
    if (crc32(path, crc32(b.subarray(0, 24))) !== dv.getUint32(24, true)) return;
    slot.path = dec.decode(path);
    slot.dir = Boolean(flags & F_DIR);
    slot.seq = dv.getUint32(8, true) + dv.getUint32(12, true) * 2 ** 32;
  }

  // After loading: one slot per name (the highest seq: a rename the
  // browser stopped in the middle of), the rest free.
  #settle() {
    for (const s of this.#slots) {
      if (s.path === null) continue;
      this.#seq = Math.max(this.#seq, s.seq);
      const other = this.#byPath.get(s.path);
      if (!other) {
        this.#byPath.set(s.path, s);
        continue;
      }
      const [keep, drop] = other.seq >= s.seq ? [other, s] : [s, other];
      this.#byPath.set(s.path, keep);
      this.#release(drop);
    }
    for (const s of this.#slots) if (s.path === null && !this.#free.includes(s)) this.#free.push(s);
  }

  /** Keep MIN_FREE free slots (between C calls: creating OPFS files is asynchronous). */
  async refill() {
    while (this.#free.length < MIN_FREE) {
      const h = await this.#store.add();
      const slot = { h, path: null, dir: false, seq: 0, fds: 0, orphan: false };
      this.#slots.push(slot);
      this.#free.push(slot);
    }
  }

  #writeHeader(slot, path, dir) {
    const b = this.#hdr;
    b.fill(0);
    if (path !== null) {
      const p = enc.encode(path);
      if (p.length > PATH_MAX) return -ERR.EINVAL;
      b.set(enc.encode(MAGIC), 0);
      const seq = ++this.#seq;
      const dv = new DataView(b.buffer, b.byteOffset, HEADER);
      dv.setUint32(8, seq % 2 ** 32, true);
      dv.setUint32(12, Math.floor(seq / 2 ** 32), true);
      dv.setUint32(16, F_USED | (dir ? F_DIR : 0), true);
      dv.setUint32(20, p.length, true);
      b.set(p, 32);
      dv.setUint32(24, crc32(p, crc32(b.subarray(0, 24))), true);
      slot.seq = seq;
    }
    const r = this.#io(() => {
      if (slot.h.write(b, { at: 0 }) !== HEADER) throw new Error('short write');
      slot.h.flush();
    });
    if (r < 0) return r;
    slot.path = path;
    slot.dir = dir;
    return 0;
  }

  // Run an OPFS call; its exception as -ERR (quota: ENOSPC).
  #io(fn) {
    try {
      const r = fn();
      return r === undefined ? 0 : r;
    } catch (e) {
      return e && e.name === 'QuotaExceededError' ? -ERR.ENOSPC : -ERR.EIO;
    }
  }

  // Free a slot: clear its name first (so a crash leaves it free), then
  // give back its space. One still open (unlinked while open, as POSIX
  // allows) is freed at its last close.
  #release(slot) {
    if (slot.path !== null && this.#byPath.get(slot.path) === slot) this.#byPath.delete(slot.path);
    const r = this.#writeHeader(slot, null, false);
    if (slot.fds > 0) {
      slot.orphan = true;
      return r;
    }
    this.#io(() => slot.h.truncate(HEADER));
    if (!this.#free.includes(slot)) this.#free.push(slot);
    return r;
  }

  #take(path, dir) {
    const slot = this.#free.pop();
    if (!slot) return -ERR.ENOSPC;
    let r = this.#io(() => slot.h.truncate(HEADER));
    if (r === 0) r = this.#writeHeader(slot, path, dir);
    if (r < 0) {
      this.#free.push(slot);
      return r;
    }
    this.#byPath.set(path, slot);
    return slot;
  }

  #parentOk(path) {
    const p = parentOf(path);
    if (p === '') return 0;
    const s = this.#byPath.get(p);
    if (!s) return -ERR.ENOENT;
    return s.dir ? 0 : -ERR.ENOTDIR;
  }

  // ---- the calls of vfs_web.lib.js: numbers in, numbers out ----

  open(rawPath, flags) {
    const path = normPath(rawPath);
    if (path === '') return -ERR.EISDIR;
    let slot = this.#byPath.get(path);
    if (slot) {
      if (slot.dir) return -ERR.EISDIR;
      if ((flags & O_CREATE) && (flags & O_EXCL)) return -ERR.EEXIST;
      if (flags & O_TRUNC) {
        const r = this.#io(() => slot.h.truncate(HEADER));
        if (r < 0) return r;
      }
    } else {
      if (!(flags & O_CREATE)) return -ERR.ENOENT;
      const r = this.#parentOk(path);
      if (r < 0) return r;
      slot = this.#take(path, false);
      if (typeof slot === 'number') return slot;
    }
    slot.fds++;
    const fd = this.#nextFd++;
    this.#fds.set(fd, slot);
    return fd;
  }

  close(fd) {
    const slot = this.#fds.get(fd);
    if (!slot) return -ERR.EINVAL;
    this.#fds.delete(fd);
    if (--slot.fds === 0 && slot.orphan) {
      slot.orphan = false;
      this.#io(() => slot.h.truncate(HEADER));
      this.#free.push(slot);
    }
    return 0;
  }

  read(fd, view, off) {
    const slot = this.#fds.get(fd);
    if (!slot) return -ERR.EINVAL;
    let got = 0;
    const t0 = performance.now();
    const r = this.#io(() => {
      while (got < view.length) {
        const n = slot.h.read(view.subarray(got), { at: HEADER + off + got });
        if (n <= 0) break;
        got += n;
      }
    });
    this.io.reads++;
    this.io.readBytes += got;
    this.io.readMs += performance.now() - t0;
    return r < 0 ? r : got;
  }

  write(fd, view, off) {
    const slot = this.#fds.get(fd);
    if (!slot) return -ERR.EINVAL;
    return this.#io(() => {
      const f = this.faults;
      if (f && f.quotaBytes !== undefined) {
        if (f.quotaBytes < view.length) throw new DOMException('injected: quota exceeded', 'QuotaExceededError');
        f.quotaBytes -= view.length;
      }
      let put = 0;
      while (put < view.length) {
        const n = slot.h.write(view.subarray(put), { at: HEADER + off + put });
        if (n <= 0) return -ERR.EIO;
        put += n;
      }
      return 0;
    });
  }

  flush(fd) {
    const slot = this.#fds.get(fd);
    return slot ? this.#io(() => slot.h.flush()) : -ERR.EINVAL;
  }

  truncate(fd, size) {
    const slot = this.#fds.get(fd);
    return slot ? this.#io(() => slot.h.truncate(HEADER + size)) : -ERR.EINVAL;
  }

  size(fd) {
    const slot = this.#fds.get(fd);
    if (!slot) return -ERR.EINVAL;
    let n = 0;
    const r = this.#io(() => { n = slot.h.getSize(); });
    return r < 0 ? r : Math.max(0, n - HEADER);
  }

  rename(rawFrom, rawTo) {
    const from = normPath(rawFrom);
    const to = normPath(rawTo);
    const src = this.#byPath.get(from);
    if (!src) return -ERR.ENOENT;
    if (from === to) return 0;
    const dst = this.#byPath.get(to);
    if (dst && dst.dir !== src.dir) return dst.dir ? -ERR.EISDIR : -ERR.ENOTDIR;
    if (dst && dst.dir && this.#children(to).length) return -ERR.ENOTEMPTY;
    let r = this.#parentOk(to);
    if (r < 0) return r;
    if (src.dir && (to + '/').startsWith(from + '/')) return -ERR.EINVAL;
    r = this.#writeHeader(src, to, src.dir);
    if (r < 0) return r;
    this.#byPath.delete(from);
    if (dst) this.#release(dst);
    this.#byPath.set(to, src);
    if (src.dir) {
      // descendants, one header each (see the note at the top)
      for (const [p, s] of [...this.#byPath]) {
        if (!p.startsWith(from + '/')) continue;
        const np = to + p.slice(from.length);
        r = this.#writeHeader(s, np, s.dir);
        if (r < 0) return r;
        this.#byPath.delete(p);
        this.#byPath.set(np, s);
      }
    }
    return 0;
  }

  unlink(rawPath) {
    const slot = this.#byPath.get(normPath(rawPath));
    if (!slot) return -ERR.ENOENT;
    if (slot.dir) return -ERR.EISDIR;
    return this.#release(slot);
  }

  mkdir(rawPath) {
    const path = normPath(rawPath);
    if (path === '' || this.#byPath.has(path)) return -ERR.EEXIST;
    const r = this.#parentOk(path);
    if (r < 0) return r;
    const slot = this.#take(path, true);
    return typeof slot === 'number' ? slot : 0;
  }

  rmdir(rawPath) {
    const path = normPath(rawPath);
    const slot = this.#byPath.get(path);
    if (!slot) return -ERR.ENOENT;
    if (!slot.dir) return -ERR.ENOTDIR;
    if (this.#children(path).length) return -ERR.ENOTEMPTY;
    return this.#release(slot);
  }

  // size, -1 for a directory, or -(1 + ERR)
  stat(rawPath) {
    const path = normPath(rawPath);
    if (path === '') return -1;
    const slot = this.#byPath.get(path);
    if (!slot) return -(1 + ERR.ENOENT);
    if (slot.dir) return -1;
    let n = 0;
    const r = this.#io(() => { n = slot.h.getSize(); });
    return r < 0 ? -(1 - r) : Math.max(0, n - HEADER);
  }

  #children(dir) {
    const pre = dir === '' ? '' : dir + '/';
    const out = [];
    for (const [p, s] of this.#byPath) {
      if (p.startsWith(pre) && !p.slice(pre.length).includes('/')) out.push({ name: p.slice(pre.length), isDir: s.dir });
    }
    return out;
  }

  list(rawDir) {
    const dir = normPath(rawDir);
    if (dir !== '') {
      const s = this.#byPath.get(dir);
      if (!s) return -ERR.ENOENT;
      if (!s.dir) return -ERR.ENOTDIR;
    }
    this.#listing = this.#children(dir);
    return this.#listing.length;
  }

  listEntry(i) {
    return this.#listing[i] ?? -ERR.EINVAL;
  }

  // ---- for the worker: whole files in and out ----

  /** Every file and directory under `dir`: [{path (relative to dir), dir, data?}]. */
  exportFiles(rawDir) {
    const dir = normPath(rawDir);
    const pre = dir === '' ? '' : dir + '/';
    const out = [];
    for (const [p, s] of this.#byPath) {
      if (!p.startsWith(pre)) continue;
      const rel = p.slice(pre.length);
      if (s.dir) {
        out.push({ path: rel, dir: true });
        continue;
      }
      const n = Math.max(0, s.h.getSize() - HEADER);
      const data = new Uint8Array(n);
      if (n) s.h.read(data, { at: HEADER });
      out.push({ path: rel, dir: false, data });
    }
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  /** Write files (as exportFiles gives them) under `dir`, which must not
   *  exist yet; parents first. Asynchronous: it refills as it goes. */
  async importFiles(rawDir, files) {
    const dir = normPath(rawDir);
    if (this.#byPath.has(dir)) {
      const e = new Error(`cannot import into "${rawDir}": a database is already stored there`);
      e.code = 'RV_EEXIST';
      throw e;
    }
    const check = (r, what) => {
      if (r < 0) {
        const e = new Error(`import: cannot write ${what} (${Object.keys(ERR).find((k) => ERR[k] === -r)})`);
        e.code = r === -ERR.ENOSPC ? 'RV_ENOSPC' : 'RV_EIO';
        throw e;
      }
      return r;
    };
    check(this.mkdir(dir), dir);
    const sorted = [...files].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
    for (const f of sorted) {
      await this.refill();
      const p = normPath(`${dir}/${f.path}`);
      if (f.dir) {
        check(this.mkdir(p), p);
        continue;
      }
      const fd = check(this.open(p, 0x1 | O_CREATE | O_EXCL), p);
      const data = f.data instanceof Uint8Array ? f.data : new Uint8Array(f.data);
      check(this.write(fd, data, 0), p);
      check(this.flush(fd), p);
      this.close(fd);
    }
    await this.refill();
  }

  /**
   * Make what the calls so far wrote durable where the store needs a step
   * of its own for that (IndexedDB: the changed chunks, in one
   * transaction); OPFS and memory have nothing to do. The worker awaits
   * it before answering each call.
   */
  async persist() {
    if (this.#store.persist) await this.#store.persist(this.faults);
  }

  /** Close every handle (the pool is unusable after). */
  closeAll() {
    for (const s of this.#slots) {
      try { s.h.close(); } catch { /* already closed */ }
    }
    if (this.#store.close) this.#store.close();
    this.#slots = [];
    this.#byPath.clear();
    this.#free = [];
    this.#fds.clear();
  }
}
