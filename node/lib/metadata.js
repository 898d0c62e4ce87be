'use strict';
// Metadata and filters for VectorDB, behind a small interface so that they
// can move into the C core when it gains payloads (issue #5) or into the
// database files (storage, issue #3) without VectorDB changing:
//
//   store.set(id, metadata|undefined)  after a successful insert/upsert
//   store.setMany([[id, metadata|undefined], ...])
//   store.get(id)       -> a fresh copy of the metadata object, or undefined
//   store.delete(id)    after a successful delete
//   store.matcher(filter) -> (id) => boolean   exact equality of top-level keys
//   store.size, store.clear(), store.close()
// The writes may return a Promise (the durable store, lib/metastore.js,
// resolves it once the change is on disk); callers await them.
//
// In memory: a Map in this process from id to the metadata's JSON text (the
// snapshot ruvector 0.3.2 also takes, with JSON.stringify) and its parsed
// form, which filters read without parsing again. Results get a fresh
// JSON.parse, so callers can change what they receive. lib/metastore.js
// extends it with an append-only log file for persistent databases.

// Deep equality of JSON values (what JSON.parse produces).
function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual(a[k], b[k])) return false;
  return true;
}

// A filter object -> predicate on a parsed metadata object (or undefined).
// Each top-level key must be present with a JSON-equal value; values are
// compared as JSON (the filter goes through JSON too, as in 0.3.2, so
// {n: undefined} means no condition on n). An empty filter matches all.
function compileFilter(filter) {
  const f = JSON.parse(JSON.stringify(filter));
  const keys = Object.keys(f);
  if (keys.length === 0) return () => true;
  return (meta) => {
    if (meta === undefined || meta === null) return false;
    for (const k of keys) {
      if (!Object.prototype.hasOwnProperty.call(meta, k) || !jsonEqual(meta[k], f[k])) return false;
    }
    return true;
  };
}

class MemoryMetadataStore {
  #map = new Map(); // id -> { json, value }

  get size() { return this.#map.size; }

  set(id, metadata) {
    if (metadata === undefined) {
      this.#map.delete(id);
      return;
    }
    const json = JSON.stringify(metadata);
    this.#map.set(id, { json, value: JSON.parse(json) });
  }

  setMany(entries) {
    for (const [id, metadata] of entries) this.set(id, metadata);
  }

  // The stored JSON text as is (for the durable store).
  setJson(id, json) { this.#map.set(id, { json, value: JSON.parse(json) }); }
  getJson(id) { const e = this.#map.get(id); return e === undefined ? undefined : e.json; }

  get(id) {
    const e = this.#map.get(id);
    return e === undefined ? undefined : JSON.parse(e.json);
  }

  has(id) { return this.#map.has(id); }
  delete(id) { this.#map.delete(id); }
  clear() { this.#map.clear(); }
  close() {}

  matcher(filter) {
    const pred = compileFilter(filter);
    return (id) => {
      const e = this.#map.get(id);
      return pred(e === undefined ? undefined : e.value);
    };
  }
}

function createMetadataStore() {
  return new MemoryMetadataStore();
}

module.exports = { createMetadataStore, compileFilter, jsonEqual, MemoryMetadataStore };
