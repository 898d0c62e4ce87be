'use strict';
// Turning user vectors into Float32Arrays for the addon.
//
// Copy policy (see src/work.h): the addon copies every vector it is given
// before queuing work, unless told the buffer is "owned": a Float32Array
// this layer allocated itself and never hands to user code, so nothing can
// modify or detach it while a worker thread reads it. Arrays of numbers and
// other typed arrays are converted into such a fresh buffer here (one copy
// in all); a user's Float32Array is copied by the addon (one copy, on the JS
// thread, before the work is queued). Batches are packed into one owned
// buffer in slices, yielding to the event loop between slices, so that a
// 100,000-vector batch does not stall other work for tens of milliseconds.
const binding = require('./native');
const { typeError, rvError } = require('./errors');

// Entries packed per slice before yielding to the event loop.
const SLICE = 2048;

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

function isNumericTypedArray(v) {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) &&
    !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

function checkNotDetached(v, what) {
  if (v.length === 0 && binding.isDetached(v)) {
    throw typeError(`${what} is a Float32Array whose ArrayBuffer is detached`, 'ERR_INVALID_STATE');
  }
}

// What a non-number element of an Array vector is, for the error.
function describe(x) {
  if (x === undefined || x === null) return String(x);
  if (typeof x === 'string') return `a string (${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}...` : x)})`;
  if (Array.isArray(x)) return 'an array';
  return `a ${typeof x}`;
}

// Copy an Array of numbers into out at offset `at`. Anything else in it is a
// TypeError naming the element: Float32Array's own conversion would turn
// '1' into 1 and 'a' into NaN (so an array of strings passed as a vector).
function copyNumbers(v, out, at, what) {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number') throw typeError(`${what}[${i}] is ${describe(x)}, not a number`);
    out[at + i] = x;
  }
}

// One vector: { array: Float32Array, owned: boolean }. Throws TypeError for
// anything that is not an Array of numbers or a numeric typed array.
function toFloat32(v, what = 'vector') {
  if (v instanceof Float32Array) {
    checkNotDetached(v, what);
    return { array: v, owned: false };
  }
  if (Array.isArray(v)) {
    const array = new Float32Array(v.length);
    copyNumbers(v, array, 0, what);
    return { array, owned: true };
  }
  if (isNumericTypedArray(v)) {
    checkNotDetached(v, what);
    return { array: new Float32Array(v), owned: true };
  }
  throw typeError(`${what} must be a Float32Array, an Array of numbers or another numeric typed array`);
}

// Length of a vector-like value without converting it (for dimension checks).
function vectorLength(v, what) {
  if (Array.isArray(v)) return v.length;
  if (v instanceof Float32Array || isNumericTypedArray(v)) {
    checkNotDetached(v, what);
    return v.length;
  }
  throw typeError(`${what} must be a Float32Array, an Array of numbers or another numeric typed array`);
}

// Pack `n` vectors, got by `vectorAt(i)`, into one fresh Float32Array of
// n*dim floats, in slices with a yield between them. `onDimMismatch(i, len)`
// returns the error to throw for a vector of the wrong length. `visit(i)`,
// if given, runs for each entry first (validation, ids, metadata).
async function packVectors(n, dim, vectorAt, onDimMismatch, visit) {
  const out = new Float32Array(n * dim);
  for (let start = 0; start < n; start += SLICE) {
    if (start > 0) await yieldToLoop();
    const end = Math.min(n, start + SLICE);
    for (let i = start; i < end; i++) {
      if (visit) visit(i);
      const v = vectorAt(i);
      const len = vectorLength(v, `vector ${i}`);
      if (len !== dim) throw onDimMismatch(i, len);
      if (Array.isArray(v)) copyNumbers(v, out, i * dim, `vector ${i}`);
      else out.set(v, i * dim);
    }
  }
  return out;
}

// Copy a user's flat Float32Array into an owned one, in slices.
async function copyOwned(src) {
  checkNotDetached(src, 'vectors');
  const total = src.length;
  const out = new Float32Array(total);
  const step = SLICE * 128;
  for (let start = 0; start < total; start += step) {
    if (start > 0) {
      await yieldToLoop();
      if (src.length !== total) throw typeError('vectors was detached or resized during the call', 'ERR_INVALID_STATE');
    }
    out.set(src.subarray(start, Math.min(total, start + step)), start);
  }
  return out;
}

const dimError = (prefix, expected, got) =>
  rvError('RV_EDIM', `${prefix}Dimension mismatch: expected ${expected}, got ${got}`);

module.exports = { toFloat32, vectorLength, packVectors, copyOwned, yieldToLoop, dimError, SLICE };
