'use strict';
// Database: a directory of named collections that survive the process (the
// core's rv_db_* API, through src/db.c).
//
//   const db = await Database.open('./vectors', { durability: 'full' });
//   const c = await db.createCollection('docs', { dimensions: 384, metric: 'cosine' });
//   await c.insert('a', vec);            // durable when the Promise resolves
//   const again = await db.openCollection('docs');  // after a restart
//   await db.close();                    // closes its collections too
//
// Every call that touches the disk runs off the JS thread. Calls on one
// Database (open/create/drop/list/backup/close) run one at a time in call
// order; collections then work independently (writes in call order per
// collection, searches in parallel).
//
// Durability (the core's promise, ruvector.h "Databases"):
//   'full'   (default) a write resolves once its log frame is synced:
//            survives kill -9 and power loss;
//   'normal' handed to the OS and synced within syncIntervalMs: survives
//            kill -9; power loss loses at most that window;
//   'off'    synced only by checkpoints: survives kill -9.
// One process at a time may open a database for writing; another gets
// RV_EBUSY at once. readOnly opens take no lock and see the state as of
// their open.
const binding = require('./native');
const { Collection, ADOPT, normalizeMetric } = require('./collection');
const { rvError, typeError, rangeError, closedError } = require('./errors');

const DURABILITY = { full: 0, normal: 1, off: 2 };
const CREATE = 0x1;
const READONLY = 0x2;

// Collections opened by Collection.open(), which own their database.
const owning = new WeakSet();

function durabilityCode(d) {
  if (d === undefined || d === null) return 0;
  if (typeof d !== 'string' || !(d in DURABILITY)) {
    throw rvError('RV_EINVAL', `durability must be 'full', 'normal' or 'off'; got ${JSON.stringify(d)}`);
  }
  return DURABILITY[d];
}

function uintOption(v, name, lo, hi, dflt) {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number') throw typeError(`${name} must be a number`);
  if (!Number.isInteger(v) || v < lo || v > hi) throw rangeError(`${name} must be an integer from ${lo} to ${hi}; got ${v}`);
  return v;
}

function checkPath(p, what = 'path') {
  if (typeof p !== 'string' || p.length === 0) throw typeError(`${what} must be a non-empty string`);
  if (p.includes('\0')) throw rvError('RV_EINVAL', `${what} contains a NUL character`);
  return p;
}

// The core's options for a new collection, from Collection's option names.
function coreOptions(options) {
  if (options === null || typeof options !== 'object') throw typeError('options must be an object');
  const dim = options.dimensions ?? options.dim ?? options.dimension;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) {
    throw rangeError('dimensions must be a positive integer', 'RV_EINVAL');
  }
  const o = { dim, metric: normalizeMetric(options.metric ?? options.distanceMetric) ?? 'l2' };
  for (const k of ['m', 'efConstruction', 'efSearch', 'pruneAlpha', 'exactThreshold', 'threads', 'repairBatch', 'seed']) {
    if (options[k] !== undefined && options[k] !== null) o[k] = options[k];
  }
  return o;
}

class Database {
  #native;
  #path;
  #readOnly;
  #durability;
  #ops = Promise.resolve();
  #open = new Set(); // Collections opened through this database, not yet closed
  #closing = null;

  /** Use Database.open(). */
  constructor(token, native, path, readOnly, durability) {
    if (token !== ADOPT) throw typeError('use Database.open(path, options)', 'ERR_ILLEGAL_CONSTRUCTOR');
    this.#native = native;
    this.#path = path;
    this.#readOnly = readOnly;
    this.#durability = durability;
  }

  /**
   * Open (by default creating) the database directory `path`.
   * options: create (true), readOnly (false), durability ('full' | 'normal' |
   * 'off'), syncIntervalMs (100; 'normal' only), checkpointBytes (64 MiB:
   * a collection's log is folded into a checkpoint past this; 0: only when
   * asked).
   */
  static async open(path, options = {}) {
    checkPath(path);
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    const readOnly = Boolean(options.readOnly);
    const create = options.create === undefined ? !readOnly : Boolean(options.create);
    if (create && readOnly) throw rvError('RV_EINVAL', 'create and readOnly cannot both be set');
    const dur = durabilityCode(options.durability);
    const ms = uintOption(options.syncIntervalMs, 'syncIntervalMs', 1, 60000, 100);
    const cp = uintOption(options.checkpointBytes, 'checkpointBytes', 0, Number.MAX_SAFE_INTEGER, 64 * 1024 * 1024);
    const native = new binding.Database();
    await native.open(path, (create ? CREATE : 0) | (readOnly ? READONLY : 0), dur, ms, cp);
    return new Database(ADOPT, native, path, readOnly, ['full', 'normal', 'off'][dur]);
  }

  /**
   * Verify a database without changing it (every checksum, every graph):
   * {ok, code, problem}. Works while another process writes it.
   */
  static async check(path) {
    checkPath(path);
    return binding.checkDatabase(path);
  }

  get path() { return this.#path; }
  get readOnly() { return this.#readOnly; }
  get durability() { return this.#durability; }
  get closed() { return this.#closing !== null; }

  #live() {
    if (this.#closing) throw rvError('RV_ECLOSED', 'the database is closed');
  }

  // One database call at a time, in call order; the chain survives failures.
  #op(fn) {
    const p = this.#ops.then(fn);
    this.#ops = p.then(() => {}, () => {});
    return p;
  }

  #wrap(native, options) {
    const c = new Collection({ [ADOPT]: native, numericIds: options && options.numericIds, database: this,
      onClose: (child) => this.#childClosed(child) });
    this.#open.add(c);
    return c;
  }

  // A child's close() finished: forget it; close this database too when the
  // child was opened by Collection.open().
  async #childClosed(c) {
    this.#open.delete(c);
    if (owning.has(c) && !this.closed) await this.close();
  }

  /**
   * Create the collection `name` (1..64 letters, digits, '_', '-', '.'; not
   * starting with '.'). options: as new Collection() (dimensions required,
   * metric 'l2' by default, m, efConstruction, efSearch, ...) plus
   * numericIds. RV_EEXIST if it exists.
   */
  async createCollection(name, options) {
    this.#live();
    const o = coreOptions(options);
    return this.#op(async () => this.#wrap(await this.#native.createCollection(name, o), options));
  }

  /** Open an existing collection (RV_ENOTFOUND if there is none). options: numericIds. */
  async openCollection(name, options = {}) {
    this.#live();
    return this.#op(async () => this.#wrap(await this.#native.openCollection(name), options));
  }

  /**
   * Open the collection `name`, creating it with `options` when it does not
   * exist (a read-only database only opens). When it exists, its stored
   * dimension and metric must match the options given.
   */
  async collection(name, options = {}) {
    this.#live();
    const wanted = options.dimensions ?? options.dim ?? options.dimension;
    return this.#op(async () => {
      let native;
      try {
        native = await this.#native.openCollection(name);
      } catch (e) {
        if (e.code !== 'RV_ENOTFOUND' || this.#readOnly || wanted === undefined) throw e;
        native = await this.#native.createCollection(name, coreOptions(options));
      }
      const c = this.#wrap(native, options);
          const metric = normalizeMetric(options.metric ?? options.distanceMetric);
      if ((wanted !== undefined && wanted !== c.dimensions) || (metric !== undefined && metric !== c.metric)) {
        await c.close();
        throw rvError('RV_EINVAL', `collection "${name}" in ${this.#path} has dimension ${c.dimensions} and ` +
          `metric ${c.metric}; asked for ${wanted ?? c.dimensions} and ${metric ?? c.metric}`);
      }
      return c;
    });
  }

  /** Delete a collection and its files (RV_EBUSY while it is open). */
  async dropCollection(name) {
    this.#live();
    return this.#op(() => this.#native.dropCollection(name));
  }

  /** Names of the collections. */
  async listCollections() {
    this.#live();
    return this.#op(() => this.#native.listCollections());
  }

  /** Copy the database consistently into the new directory `dest`, while writers go on. */
  async backup(dest) {
    this.#live();
    checkPath(dest, 'dest');
    return this.#op(() => this.#native.backup(dest));
  }

  /**
   * Close the collections opened through this database (their writes
   * already called still run), then the database. Idempotent.
   */
  close() {
    if (this.#closing) return this.#closing;
    const pending = this.#ops;
    this.#closing = (async () => {
      await pending;
      await Promise.all([...this.#open].map((c) => c.close()));
      await this.#native.close();
    })();
    return this.#closing;
  }
}

/**
 * Collection.open(options): open a persistent collection: the collection
 * `name` ('default') of the database directory `path`, created (with the
 * other options, as for new Collection()) when it does not exist and
 * `create` is not false. Database options: readOnly, durability ('full' |
 * 'normal' | 'off'), syncIntervalMs, checkpointBytes (see Database.open).
 * Closing the collection closes the database.
 *
 * A static of Collection, defined here because it opens a Database:
 * collection.js sits below this file and does not require it.
 */
async function openCollection(options = {}) {
  if (options === null || typeof options !== 'object') throw typeError('options must be an object');
  const path = options.path ?? options.storagePath;
  const name = options.name ?? 'default';
  const db = await Database.open(path, {
    create: options.create ?? !options.readOnly,
    readOnly: options.readOnly,
    durability: options.durability,
    syncIntervalMs: options.syncIntervalMs,
    checkpointBytes: options.checkpointBytes,
  });
  let c;
  try {
    c = options.create === false || options.readOnly || (options.dimensions ?? options.dim ?? options.dimension) === undefined
      ? await db.openCollection(name, options)
      : await db.collection(name, options);
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
  owning.add(c);
  return c;
}
// As a class's static method is: writable, configurable, not enumerable.
Object.defineProperty(Collection, 'open', { value: openCollection, writable: true, configurable: true });

module.exports = { Database, coreOptions, durabilityCode };
