'use strict';
// Errors the JS layer raises itself, shaped like the addon's: an Error (or
// TypeError/RangeError) with a `code`. Errors from the C core carry
// code 'RV_E...' (and `errno`, the core's negative number).

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

// JSON.stringify(value), or a TypeError with a code naming `what` when it
// cannot be written (a cycle, a BigInt): the engine's own TypeError has no
// code. Errors a getter of the caller's own object throws go through as
// they are.
function toJson(value, what) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (e instanceof TypeError) throw typeError(`${what} cannot be written as JSON: ${e.message}`, 'ERR_INVALID_ARG_VALUE');
    throw e;
  }
}

function rangeError(message, code = 'ERR_OUT_OF_RANGE') {
  const e = new RangeError(message);
  e.code = code;
  return e;
}

function closedError() {
  return rvError('RV_ECLOSED', 'the collection is closed');
}

// Prefix the message of an error from the core ("Insert failed: ..."),
// keeping its code, errno and stack. V8 writes `stack` lazily, from the
// message as it is at the first read: so the stack is read before the
// message changes (else it would show the prefix twice), and an error
// already prefixed is left alone.
function prefixed(err, prefix) {
  if (err && typeof err.message === 'string' && typeof err.code === 'string' && err.code.startsWith('RV_') &&
      !err.message.startsWith(prefix)) {
    const stack = err.stack;
    err.message = prefix + err.message;
    if (typeof stack === 'string') err.stack = stack.replace(/^(\w*Error): /, `$1: ${prefix}`);
  }
  return err;
}

module.exports = { rvError, typeError, rangeError, closedError, prefixed, toJson };
