// database.js: the browser's Database, the Node package's class
// (node/lib/database.js): a database of named persistent collections,
// stored in the origin private file system (OPFS) under a name
// (`storagePath`) instead of a directory, in the native file format.
//
//   const db = await Database.open('notes');
//   const c = await db.createCollection('docs', { dimensions: 384, metric: 'cosine' });
//   await c.insert('a', vec);            // durable when the Promise resolves
//   await db.close();                    // closes its collections too
//
// One worker per Database: the database and every collection opened
// through it live in that worker (worker.js), each collection under a
// handle; calls run one at a time in call order. Options as Node's
// (create, readOnly, durability, checkpointBytes) plus the browser's
// wasm, storage, workerUrl, distBase (see vectordb.js). Not here: backup()
// (exportFiles() gives the files of a native database directory instead)
// and syncIntervalMs ('normal' durability flushes at the core's interval).
import { Collection, ADOPT, coreOptions } from './collection.js';
import { rvError, typeError, rangeError, normalizeMetric, Engine } from './common.js';

const DURABILITIES = ['full', 'normal', 'off'];

function checkName(p, what = 'storagePath') {
  if (typeof p !== 'string' || p.length === 0) throw typeError(`${what} must be a non-empty string`);
  if (p.includes('\0')) throw rvError('RV_EINVAL', `${what} contains a NUL character`);
  return p;
}

function engineOptions(options) {
  return { wasm: options.wasm ?? 'auto', storage: options.storage,
    distBase: options.distBase ? String(options.distBase) : undefined };
}

export class Database {
  #engine;
  #storagePath;
  #readOnly;
  #durability;
  #open = new Set();
  #closing = null;
  #info;

  /** Use Database.open(). */
  constructor(token, engine, storagePath, readOnly, durability, info) {
    if (token !== ADOPT) throw typeError('use Database.open(storagePath, options)', 'ERR_ILLEGAL_CONSTRUCTOR');
    this.#engine = engine;
    this.#storagePath = storagePath;
    this.#readOnly = readOnly;
    this.#durability = durability;
    this.#info = info;
  }

  /**
   * Open (by default creating) the database stored under `storagePath`.
   * options: create (true), readOnly (false), durability ('full' | 'normal'
   * | 'off'), checkpointBytes; wasm, storage, workerUrl, distBase.
   */
  static async open(storagePath, options = {}) {
    checkName(storagePath);
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    const readOnly = Boolean(options.readOnly);
    const create = options.create === undefined ? !readOnly : Boolean(options.create);
    if (create && readOnly) throw rvError('RV_EINVAL', 'create and readOnly cannot both be set');
    const dur = options.durability ?? 'full';
    if (!DURABILITIES.includes(dur)) {
      throw rvError('RV_EINVAL', `durability must be 'full', 'normal' or 'off'; got ${JSON.stringify(dur)}`);
    }
    const cp = options.checkpointBytes;
    if (cp !== undefined && cp !== null && (typeof cp !== 'number' || !Number.isSafeInteger(cp) || cp < 0)) {
      throw rangeError(`checkpointBytes must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}; got ${cp}`);
    }
    const engine = new Engine(options.workerUrl ?? new URL('./worker.js', import.meta.url));
    try {
      const info = await engine.call('openDb', { ...engineOptions(options), storagePath, readOnly, create,
        durability: dur, checkpointBytes: cp ?? undefined, importFiles: options.importFiles });
      return new Database(ADOPT, engine, storagePath, readOnly, dur, info);
    } catch (e) {
      engine.terminate();
      throw e;
    }
  }

  /** Verify the stored database without opening it: {ok, code, problem} (as VectorDB.check). */
  static async check(storagePath, options = {}) {
    checkName(storagePath);
    const engine = new Engine(options.workerUrl ?? new URL('./worker.js', import.meta.url));
    try {
      return await engine.call('checkStorage', { storagePath, ...engineOptions(options) });
    } finally {
      engine.terminate();
    }
  }

  get storagePath() { return this.#storagePath; }
  /** The Node package's name for where the database lives. */
  get path() { return this.#storagePath; }
  get readOnly() { return this.#readOnly; }
  get durability() { return this.#durability; }
  get closed() { return this.#closing !== null; }
  /** {variant, isa, storage, persisted, timings, io} of the open. */
  get engineInfo() { return this.#info; }

  #live() {
    if (this.#closing) throw rvError('RV_ECLOSED', 'the database is closed');
  }

  #wrap(info) {
    const c = new Collection({ [ADOPT]: { engine: this.#engine, info, database: this,
      onClose: (child) => { this.#open.delete(child); } } });
    this.#open.add(c);
    return c;
  }

  /** Create collection `name` (RV_EEXIST if it exists); options as new Collection(). */
  async createCollection(name, options) {
    this.#live();
    const o = coreOptions(options);
    return this.#wrap(await this.#engine.call('collection', { name: String(name), options: o, mode: 'create' }));
  }

  /** Open an existing collection (RV_ENOTFOUND if there is none). */
  async openCollection(name) {
    this.#live();
    return this.#wrap(await this.#engine.call('collection', { name: String(name), mode: 'open' }));
  }

  /**
   * Open collection `name`, creating it with `options` when it does not
   * exist (a read-only database only opens). When it exists, its stored
   * dimension and metric must match the options given.
   */
  async collection(name, options = {}) {
    this.#live();
    const wanted = options.dimensions ?? options.dim ?? options.dimension;
    const mode = this.#readOnly || wanted === undefined ? 'open' : 'either';
    const o = wanted === undefined ? {} : coreOptions(options);
    const c = this.#wrap(await this.#engine.call('collection', { name: String(name), options: o, mode }));
    const metric = normalizeMetric(options.metric ?? options.distanceMetric);
    if ((wanted !== undefined && wanted !== c.dimensions) || (metric !== undefined && metric !== c.metric)) {
      await c.close();
      throw rvError('RV_EINVAL', `collection "${name}" in ${this.#storagePath} has dimension ${c.dimensions} and ` +
        `metric ${c.metric}; asked for ${wanted ?? c.dimensions} and ${metric ?? c.metric}`);
    }
    return c;
  }

  /** Delete a collection and its files (RV_EBUSY while it is open). */
  async dropCollection(name) {
    this.#live();
    return this.#engine.call('dropCollection', { name: String(name) });
  }

  /** Names of the collections. */
  async listCollections() {
    this.#live();
    return this.#engine.call('listCollections');
  }

  /** The database's files, [{path, dir, data}], as a native database directory holds them. */
  async exportFiles() {
    this.#live();
    return this.#engine.call('exportFiles');
  }

  /** For tests: storage faults, as VectorDB.injectFaults ({quotaBytes}). */
  async injectFaults(faults) {
    this.#live();
    return this.#engine.call('faults', faults ?? {});
  }

  /** Close the collections opened through this database, then the database and its worker. Idempotent. */
  close() {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      try {
        await this.#engine.call('close'); // closes every collection in the worker too
      } finally {
        this.#engine.terminate();
        // the worker closed them: mark them closed (their close() settles at once)
        for (const c of [...this.#open]) c.close().catch(() => {});
        this.#open.clear();
      }
    })();
    return this.#closing;
  }
}
