'use strict';
// Tool arguments against a tool's input schema, for both MCP servers.
//
// The SDK's low-level Server lists our JSON schemas as they are written
// (agentdb's, verbatim) and checks nothing; this checks a call's arguments
// against the same schema before a handler runs, so that the schema a client
// reads is the whole contract. It knows the keywords our schemas use: type
// (string, number, integer, boolean, object, array), properties, required,
// additionalProperties (false: unknown fields refused), items, enum,
// minimum, maximum, multipleOf 1 (a whole number), minItems, maxItems,
// minLength, maxLength, maxProperties, default. A missing property with a
// default gets it (a copy); null counts as absent.
//
// A failure is an ArgumentError whose message names the field by its path
// (`k`, `filters.min_reward`, `items[3].text`), which the servers return as
// a tool error (isError: true).

class ArgumentError extends Error {
  constructor(field, problem) {
    super(`${field}: ${problem}`);
    this.name = 'ArgumentError';
    this.field = field;
  }
}

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function show(v) {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

function isType(v, type) {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return Number.isSafeInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    default: return true;
  }
}

const clone = (v) => (v !== null && typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v);

/** Check `value` against `schema`; returns the value with defaults filled in. */
function check(schema, value, field) {
  const types = schema.type === undefined ? [] : [].concat(schema.type);
  if (types.length && !types.some((t) => isType(value, t))) {
    const nonFinite = typeof value === 'number' && !Number.isFinite(value);
    throw new ArgumentError(field, `must be ${types.map((t) => (t === 'integer' ? 'an integer' : `a${/^[aeiou]/.test(t) ? 'n' : ''} ${t}`)).join(' or ')}` +
      (nonFinite ? ` (got ${value})` : ` (got ${typeName(value)})`));
  }
  if (schema.enum && !schema.enum.includes(value)) {
    throw new ArgumentError(field, `must be one of ${schema.enum.map(show).join(', ')} (got ${show(value)})`);
  }
  if (typeof value === 'number') {
    if (schema.multipleOf === 1 && !Number.isInteger(value)) throw new ArgumentError(field, `must be a whole number (got ${value})`);
    if (schema.minimum !== undefined && value < schema.minimum) throw new ArgumentError(field, `must be at least ${schema.minimum} (got ${value})`);
    if (schema.maximum !== undefined && value > schema.maximum) throw new ArgumentError(field, `must be at most ${schema.maximum} (got ${value})`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) throw new ArgumentError(field, `must have at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) throw new ArgumentError(field, `must have at most ${schema.maxLength} characters (got ${value.length})`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) throw new ArgumentError(field, `must have at least ${schema.minItems} items (got ${value.length})`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) throw new ArgumentError(field, `must have at most ${schema.maxItems} items (got ${value.length})`);
    if (schema.items) return value.map((x, i) => check(schema.items, x, `${field}[${i}]`));
    return value;
  }
  if (isType(value, 'object') && (schema.properties || schema.required || schema.additionalProperties === false)) {
    return checkObject(schema, value, field);
  }
  return value;
}

function checkObject(schema, value, field) {
  const props = schema.properties || {};
  const at = (k) => (field ? `${field}.${k}` : k);
  const keys = Object.keys(value);
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    throw new ArgumentError(field || 'arguments', `must have at most ${schema.maxProperties} fields (got ${keys.length})`);
  }
  for (const k of schema.required || []) {
    if (value[k] === undefined || value[k] === null) throw new ArgumentError(at(k), 'required');
  }
  const out = {};
  for (const k of keys) {
    const v = value[k];
    if (v === null || v === undefined) continue;
    const sub = props[k];
    if (!sub) {
      if (schema.additionalProperties === false) {
        throw new ArgumentError(at(k), `unknown field (expected one of ${Object.keys(props).join(', ')})`);
      }
      out[k] = v;
      continue;
    }
    out[k] = check(sub, v, at(k));
  }
  for (const [k, sub] of Object.entries(props)) {
    if (out[k] === undefined && sub.default !== undefined) out[k] = clone(sub.default);
  }
  return out;
}

/** A tool call's arguments (an object, or absent) against its input schema. */
function checkArguments(inputSchema, args) {
  if (args !== undefined && !isType(args, 'object')) throw new ArgumentError('arguments', `must be an object (got ${typeName(args)})`);
  return checkObject(inputSchema, args || {}, '');
}

module.exports = { checkArguments, ArgumentError };
