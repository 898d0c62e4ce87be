// common.js: what the browser's VectorDB (vectordb.js) and Collection
// (collection.js) share: Node's error shapes and argument checks (the same
// messages as node/lib/), vector conversion, and Engine, the worker behind
// Promises. It imports nothing of theirs.

const METRICS = { l2: 'l2', euclidean: 'l2', ip: 'ip', dot: 'ip', dotproduct: 'ip', innerproduct: 'ip',
  cosine: 'cosine', l1: 'l1', manhattan: 'l1' };
const enc = new TextEncoder();

function rvError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}
function typeError(message, code = 'ERR_INVALID_ARG_TYPE') {
  const e = new TypeError(message);
  e.code = code;
  return e;
}
function rangeError(message, code = 'ERR_OUT_OF_RANGE') {
  const e = new RangeError(message);
  e.code = code;
  return e;
}
function prefixed(err, prefix) {
  if (err && typeof err.message === 'string' && typeof err.code === 'string' && err.code.startsWith('RV_') &&
      !err.message.startsWith(prefix)) err.message = prefix + err.message;
  return err;
}
const dimError = (prefix, expected, got) =>
  rvError('RV_EDIM', `${prefix}Dimension mismatch: expected ${expected}, got ${got}`);

function normalizeMetric(metric) {
  if (metric === undefined || metric === null) return undefined;
  if (typeof metric !== 'string') throw typeError('metric must be a string');
  const m = METRICS[metric.toLowerCase().replace(/[_\s-]/g, '')];
  if (!m) {
    throw rvError('RV_EINVAL', `Unknown distance metric "${metric}": expected cosine, euclidean (l2), ` +
      'dot (dotproduct, innerproduct, ip) or manhattan (l1)');
  }
  return m;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !LONE_SURROGATE.test(s);

function checkIdText(s, what = 'id') {
  if (s.includes('\0')) throw rvError('RV_EID', `${what} contains a NUL character`);
  if (!wellFormed(s)) {
    const at = s.search(LONE_SURROGATE);
    throw rvError('RV_EID', `${what} ${JSON.stringify(s)} holds a lone surrogate at index ${at}: ` +
      'it is not well-formed UTF-16, so it has no UTF-8 form (ids are stored as UTF-8)');
  }
}

function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); // not a secure context: version 4 by hand
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function entryId(id, what) {
  if (id === undefined || id === null) return uuid();
  if (typeof id !== 'string') throw typeError(`${what} must be a string`);
  checkIdText(id, what);
  return id;
}

const possibleId = (id) => typeof id === 'string' && id.length > 0 && !id.includes('\0') && wellFormed(id) &&
  enc.encode(id).length <= 255;

function isNumericTypedArray(v) {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) &&
    !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}
function describe(x) {
  if (x === undefined || x === null) return String(x);
  if (typeof x === 'string') return `a string (${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}...` : x)})`;
  if (Array.isArray(x)) return 'an array';
  return `a ${typeof x}`;
}
function copyNumbers(v, out, at, what) {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') throw typeError(`${what}[${i}] is ${describe(x)}, not a number`);
    out[at + i] = x;
  }
}
function vectorLength(v, what) {
  if (Array.isArray(v) || v instanceof Float32Array || isNumericTypedArray(v)) return v.length;
  throw typeError(`${what} must be a Float32Array, an Array of numbers or another numeric typed array`);
}
// A fresh Float32Array holding v: ours to transfer to the worker.
function ownedFloat32(v, what = 'vector') {
  if (Array.isArray(v)) {
    const a = new Float32Array(v.length);
    copyNumbers(v, a, 0, what);
    return a;
  }
  if (isNumericTypedArray(v)) return new Float32Array(v);
  throw typeError(`${what} must be a Float32Array, an Array of numbers or another numeric typed array`);
}

// The worker, as Promises: one per message, settled by its answer.
class Engine {
  #worker;
  #pending = new Map();
  #next = 1;
  #dead = null;

  constructor(url) {
    this.#worker = new Worker(url, { type: 'module' });
    this.#worker.onmessage = (ev) => {
      const { id, ok, result, error } = ev.data;
      const p = this.#pending.get(id);
      if (!p) return;
      this.#pending.delete(id);
      if (ok) {
        p.resolve(result);
      } else {
        const Ctor = error.name === 'TypeError' ? TypeError : error.name === 'RangeError' ? RangeError : Error;
        const e = new Ctor(error.message);
        if (error.code !== undefined) e.code = error.code;
        if (error.errno !== undefined) e.errno = error.errno;
        p.reject(e);
      }
    };
    const die = (why) => {
      this.#dead = rvError('RV_ECLOSED', `the collection is closed: its worker stopped (${why})`);
      for (const p of this.#pending.values()) p.reject(this.#dead);
      this.#pending.clear();
    };
    this.#worker.onerror = (ev) => { ev.preventDefault?.(); die(ev.message || 'an error in the worker'); };
    this.#worker.onmessageerror = () => die('a message could not be read');
  }

  call(op, args, transfer = []) {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args }, transfer);
    });
  }

  terminate() {
    this.#worker.terminate();
    if (!this.#dead) this.#dead = rvError('RV_ECLOSED', 'the collection is closed');
    // calls still waiting would never be answered now
    for (const p of this.#pending.values()) p.reject(this.#dead);
    this.#pending.clear();
  }
}

const noop = () => {};
const same = (v) => v;

export {
  METRICS, enc, rvError, typeError, rangeError, prefixed, dimError, normalizeMetric, wellFormed, checkIdText,
  uuid, entryId, possibleId, isNumericTypedArray, copyNumbers, vectorLength, ownedFloat32, Engine, noop, same,
};
