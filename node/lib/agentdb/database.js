'use strict';
// createDatabase(filename): agentdb 1.6.1's entry point, on real SQLite.
//
// agentdb 1.6.1 always used sql.js: the whole database in memory, written
// back as a new file image only when save() or close() was called (its CLI
// and MCP server often did not, and lost writes). Here the returned object
// IS a better-sqlite3 Database (a subclass), on the file itself:
//
//   - WAL journal mode and synchronous=FULL: every committed statement is on
//     disk when it returns (survives kill -9 and power loss);
//   - agentdb's exact schema (schema.js: schema.sql and frontier-schema.sql
//     copied from agentdb@1.6.1, then the tables agentdb's controllers
//     create in code: LearningSystem, ReasoningBank, SyncCoordinator), all
//     IF NOT EXISTS in agentdb's CLI order, so a database written by agentdb
//     opens as it is and one written here opens in agentdb;
//   - raw SQL works: prepare/exec/transaction/function/... are
//     better-sqlite3's, with agentdb's wrapper semantics where they differ
//     (below);
//   - the vector indexes of the embedding tables (vector-index.js) hang off
//     it, kept in step with every write made through this connection.
//
// Where agentdb's sql.js wrapper and better-sqlite3 differ, agentdb wins,
// since code written for agentdb calls this object:
//   prepare(sql)  statements bind as sql.js did: numbers that fit in 32 bits
//                 as INTEGERs (better-sqlite3: always REAL, which turns
//                 integer divisions into real ones), true/false as 1/0, and
//                 undefined refused with sql.js's message ("Wrong API use :
//                 tried to bind a value of an unknown type (undefined).");
//                 finalize() exists (a no-op);
//   pragma(str)   agentdb's whitelist (ValidationError otherwise), returns
//                 the first value of the first row;
//   save()        exists; a no-op (every write is already durable);
//   filename      the path given.
// better-sqlite3's own pragma() stays reachable as db.rawPragma().
const fs = require('fs');
const path = require('path');
const { validatePragmaCommand } = require('./security');
const { applySchema } = require('./schema');

let Sqlite = null;
let loadError = null;
try {
  Sqlite = require('better-sqlite3');
} catch (e) {
  loadError = e;
}

const UNKNOWN_BIND = 'Wrong API use : tried to bind a value of an unknown type (undefined).';

// sql.js's binding rules: a number that fits in 32 bits is bound as an
// INTEGER (better-sqlite3 binds every number as a REAL, which changes the
// result of integer arithmetic such as agentdb's running means:
// (avg_latency_ms * uses + ?) / (uses + 1) divides integers in agentdb),
// booleans as 0/1, undefined refused.
function convertParams(params) {
  let out = params;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    let c = v;
    if (typeof v === 'number') {
      if (v === (v | 0)) c = BigInt(v);
    } else if (v === undefined) {
      throw new Error(UNKNOWN_BIND);
    } else if (v === true || v === false) {
      c = v ? 1n : 0n;
    }
    if (c !== v) {
      if (out === params) out = params.slice();
      out[i] = c;
    }
  }
  return out;
}

// A better-sqlite3 Statement with agentdb's (sql.js's) binding rules.
class AgentStatement {
  #s;
  constructor(stmt) { this.#s = stmt; }
  run(...params) { return this.#s.run(...convertParams(params)); }
  get(...params) { return this.#s.get(...convertParams(params)); }
  all(...params) { return this.#s.all(...convertParams(params)); }
  iterate(...params) { return this.#s.iterate(...convertParams(params)); }
  bind(...params) { this.#s.bind(...convertParams(params)); return this; }
  pluck(on) { this.#s.pluck(on); return this; }
  expand(on) { this.#s.expand(on); return this; }
  raw(on) { this.#s.raw(on); return this; }
  safeIntegers(on) { this.#s.safeIntegers(on); return this; }
  columns() { return this.#s.columns(); }
  /** sql.js's statements have it; better-sqlite3 frees statements itself. */
  finalize() {}
  get source() { return this.#s.source; }
  get reader() { return this.#s.reader; }
  get readonly() { return this.#s.readonly; }
  get busy() { return this.#s.busy; }
  /** The better-sqlite3 statement. */
  get statement() { return this.#s; }
}

function requireSqlite() {
  if (Sqlite) return Sqlite;
  const err = new Error('ruvector/agentdb needs better-sqlite3, which is not installed or not built ' +
    `(${loadError && loadError.message}). Install it, building offline against the headers beside node: ` +
    'npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")" npm install better-sqlite3');
  err.code = 'ERR_AGENTDB_NO_SQLITE';
  throw err;
}

let AgentDatabase = null;
function agentDatabaseClass() {
  if (AgentDatabase) return AgentDatabase;
  const Base = requireSqlite();
  AgentDatabase = class AgentDatabase extends Base {
    #filename;
    #indexes = null;
    constructor(filename, options) {
      super(filename, options);
      this.#filename = filename;
    }
    /** The path given (agentdb's wrapper property). */
    get filename() { return this.#filename; }
    /** Statements with agentdb's binding rules (see the file comment). */
    prepare(sql) { return new AgentStatement(super.prepare(sql)); }
    /** better-sqlite3's prepare, for our own controllers. */
    rawPrepare(sql) { return super.prepare(sql); }
    /** agentdb's pragma: whitelisted names only; returns the first value. */
    pragma(pragma /* , options: ignored, as agentdb */) {
      const validated = validatePragmaCommand(pragma);
      const rows = super.pragma(validated);
      const first = Array.isArray(rows) ? rows[0] : undefined;
      return first === undefined ? undefined : first[Object.keys(first)[0]];
    }
    /** better-sqlite3's pragma(). */
    rawPragma(str, options) { return super.pragma(str, options); }
    /** agentdb's save(): writes are already durable here, so nothing to do. */
    save() {}
    /** The vector indexes of this connection (vector-index.js). */
    get vectorIndexes() { return this.#indexes; }
    set vectorIndexes(v) { this.#indexes = v; }
    /**
     * Close: the SQLite connection at once (as better-sqlite3); the vector
     * indexes finish in the background (closeAsync() waits for them).
     */
    close() {
      if (this.#indexes) this.#indexes.closeSoon();
      return super.close();
    }
    /** close(), then wait until the vector indexes are closed and their state saved. */
    async closeAsync() {
      const idx = this.#indexes;
      if (this.open) this.close();
      if (idx) await idx.closed();
    }
  };
  return AgentDatabase;
}

/**
 * Open (or create) the SQLite database `filename` (':memory:' for one in
 * memory), with agentdb's schema, WAL journal mode and every write synced.
 * options: readonly (better-sqlite3's), vectorIndex (false: no persistent
 * index files; searches still use the C index, rebuilt in memory),
 * exactThreshold (tables smaller than this are searched by an exact scan;
 * default 4096), efSearch (HNSW candidate list, default 128).
 * Resolves to the database (async, as agentdb's).
 */
async function createDatabase(filename, options = {}) {
  return openDatabase(filename, options);
}

// A path SQLite would misread: a NUL byte (SQLite takes the C string up to
// it, so it would open another, shorter path) or a directory (SQLite says
// only "unable to open database file").
function checkPath(filename) {
  const nul = filename.indexOf('\0');
  if (nul >= 0) {
    const e = new TypeError(`createDatabase: the path ${JSON.stringify(filename)} holds a NUL byte at index ${nul}; ` +
      `SQLite would open ${JSON.stringify(filename.slice(0, nul))} instead`);
    e.code = 'ERR_INVALID_ARG_VALUE';
    throw e;
  }
  let st = null;
  try { st = fs.statSync(filename); } catch { /* absent: created */ }
  if (st && st.isDirectory()) {
    const e = new Error(`createDatabase: ${filename} is a directory; give the path of a database file in it ` +
      `(such as ${path.join(filename, 'agent.db')})`);
    e.code = 'EISDIR';
    e.path = filename;
    throw e;
  }
}

function openDatabase(filename, options = {}) {
  if (typeof filename !== 'string') throw new TypeError('Expected first argument to be a string');
  const Cls = agentDatabaseClass();
  const memory = filename === ':memory:' || filename === '';
  if (!memory) {
    checkPath(filename);
    const dir = path.dirname(filename);
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
  }
  const readonly = Boolean(options.readonly);
  const db = new Cls(filename, readonly ? { readonly: true } : {});
  try {
    if (!readonly) {
      db.rawPragma('journal_mode = WAL');
      db.rawPragma('synchronous = FULL');
    }
    db.rawPragma('foreign_keys = ON');
    if (!readonly) applySchema(db);
    const { VectorIndexes } = require('./vector-index');
    db.vectorIndexes = new VectorIndexes(db, {
      dir: memory || options.vectorIndex === false ? null : `${filename}.rvindex`,
      readonly,
      exactThreshold: options.exactThreshold,
      efSearch: options.efSearch,
    });
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** agentdb's db-fallback getDatabaseInfo(), for this implementation. */
function getDatabaseInfo() {
  return { implementation: 'better-sqlite3 (native)', isNative: true, performance: 'high', requiresBuildTools: true };
}

module.exports = { createDatabase, openDatabase, applySchema, getDatabaseInfo, AgentStatement, convertParams, UNKNOWN_BIND };
