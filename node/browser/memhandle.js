// memhandle.js: a FileSystemSyncAccessHandle stand-in over memory, with the
// same calls (read, write, truncate, getSize, flush, close): the file
// pool's slots where there is no OPFS (pool.js's memory store, and under
// idb.js's IndexedDB store).
export class MemHandle {
  #buf = new Uint8Array(0);
  #len = 0;
  read(view, { at }) {
    if (at >= this.#len) return 0;
    const n = Math.min(view.length, this.#len - at);
    view.set(this.#buf.subarray(at, at + n));
    return n;
  }
  write(view, { at }) {
    const end = at + view.length;
    if (end > this.#buf.length) {
      const grown = new Uint8Array(Math.max(end, this.#buf.length * 2, 8192));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    if (at > this.#len) this.#buf.fill(0, this.#len, at);
    this.#buf.set(view, at);
    this.#len = Math.max(this.#len, end);
    return view.length;
  }
  truncate(size) {
    if (size > this.#buf.length) {
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    } else if (size > this.#len) {
      this.#buf.fill(0, this.#len, size);
    }
    this.#len = size;
  }
  getSize() { return this.#len; }
  flush() {}
  close() {}
}
