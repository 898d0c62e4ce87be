// idb.js: the file pool's IndexedDB store (pool.js), for browsers without
// OPFS sync access handles. Each slot is a MemHandle (memory, synchronous,
// as the C side needs) whose bytes are kept in IndexedDB in 64 KiB chunks;
// after each call, before its answer is posted, the worker awaits
// persist(), which writes the chunks the call changed (and each changed
// slot's size) in one transaction with durability 'strict'. So an
// acknowledged write is stored, as with OPFS; and since a transaction
// commits whole or not at all, a crash leaves the files as they were after
// some acknowledged call, never half of one.
//
// Limits (web/README.md): the whole database lives in the worker's memory
// as well as in the engine's heap (opening reads every chunk); each write
// call costs an IndexedDB transaction (slower than an OPFS flush); the
// space counts against the origin's IndexedDB quota. A second tab opening
// the same storagePath gets RV_EBUSY (an exclusive Web Lock held while
// open).
//
// Layout: database "ruvector-files", object store "chunks", keys
// [storagePath, slot, chunk] -> Uint8Array (chunk -1: the slot's size, a
// number).
import { MemHandle } from './memhandle.js';

const CHUNK = 65536;
const DB_NAME = 'ruvector-files';
const STORE = 'chunks';

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDb() {
  const r = indexedDB.open(DB_NAME, 1);
  r.onupgradeneeded = () => r.result.createObjectStore(STORE);
  return req(r);
}

// A MemHandle that remembers which chunks changed since the last persist.
class IdbHandle extends MemHandle {
  dirty = new Set();
  sized = false;
  write(view, opts) {
    const n = super.write(view, opts);
    for (let c = Math.floor(opts.at / CHUNK); c * CHUNK < opts.at + view.length; c++) this.dirty.add(c);
    this.sized = true;
    return n;
  }
  truncate(size) {
    const old = this.getSize();
    super.truncate(size);
    // the chunk the new end falls in changed (zeros past the old end)
    if (size > 0) this.dirty.add(Math.floor((Math.min(size, old) - 1) / CHUNK));
    this.sized = true;
  }
}

export function idbAvailable() {
  return typeof indexedDB !== 'undefined' && indexedDB !== null;
}

export async function idbStore(storagePath) {
  // one writer per database: the lock is held until close
  let release = null;
  if (typeof navigator !== 'undefined' && navigator.locks) {
    const got = await new Promise((resolve) => {
      navigator.locks.request(`ruvector:${storagePath}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise((r) => { release = r; });
      });
    });
    if (!got) {
      const err = new Error(`the database "${storagePath}" is open in another tab or worker`);
      err.code = 'RV_EBUSY';
      throw err;
    }
  }
  const db = await openDb();
  const range = IDBKeyRange.bound([storagePath], [storagePath, []]);
  const tx = db.transaction(STORE, 'readonly');
  const [keys, values] = await Promise.all([req(tx.objectStore(STORE).getAllKeys(range)),
    req(tx.objectStore(STORE).getAll(range))]);
  const slots = [];
  const sizes = new Map();
  for (let i = 0; i < keys.length; i++) {
    const [, slot, chunk] = keys[i];
    if (chunk === -1) sizes.set(slot, values[i]);
  }
  for (const [slot, size] of sizes) {
    const h = new IdbHandle();
    h.truncate(size);
    slots[slot] = h;
  }
  for (let i = 0; i < keys.length; i++) {
    const [, slot, chunk] = keys[i];
    const h = slots[slot];
    if (chunk < 0 || !h) continue;
    const end = Math.min(h.getSize(), (chunk + 1) * CHUNK);
    if (end > chunk * CHUNK) h.write(values[i].subarray(0, end - chunk * CHUNK), { at: chunk * CHUNK });
  }
  for (const h of slots) if (h) { h.dirty.clear(); h.sized = false; }
  for (let i = 0; i < slots.length; i++) if (!slots[i]) slots[i] = new IdbHandle(); // a hole: an empty (free) slot
  return {
    kind: 'indexeddb',
    names: slots.map((_, i) => i),
    async open(i) { return slots[i]; },
    async add() {
      const h = new IdbHandle();
      h.sized = true;
      slots.push(h);
      return h;
    },
    // Write what changed since the last call, in one transaction (faults:
    // the pool's test injection; persistFails fails it as a full quota does).
    async persist(faults) {
      if (!slots.some((h) => h.sized || h.dirty.size)) return;
      if (faults && faults.persistFails) throw new DOMException('injected: quota exceeded', 'QuotaExceededError');
      const t = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      const os = t.objectStore(STORE);
      slots.forEach((h, slot) => {
        if (!h.sized && !h.dirty.size) return;
        const size = h.getSize();
        const last = Math.ceil(size / CHUNK);
        for (const c of h.dirty) {
          if (c >= last) continue;
          const part = new Uint8Array(Math.min(CHUNK, size - c * CHUNK));
          h.read(part, { at: c * CHUNK });
          os.put(part, [storagePath, slot, c]);
        }
        // chunks past the end (a truncated file): delete them
        os.delete(IDBKeyRange.bound([storagePath, slot, last], [storagePath, slot, Infinity]));
        os.put(size, [storagePath, slot, -1]);
        h.dirty.clear();
        h.sized = false;
      });
      await new Promise((resolve, reject) => {
        t.oncomplete = resolve;
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
      });
    },
    close() {
      db.close();
      if (release) release();
    },
  };
}
