// Type declarations for ruvector (Node.js).

/** A vector: a Float32Array (read without conversion), an Array of numbers or another numeric typed array. */
export type VectorLike = Float32Array | number[] | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Errors from the core carry code 'RV_EDIM', 'RV_ENONFINITE', 'RV_EID', 'RV_EZERO', 'RV_EINVAL', 'RV_ECLOSED', ... */
export interface RuvectorError extends Error {
  code: string;
  /** The core's negative error number, for errors from the C core. */
  errno?: number;
}

// ---------------------------------------------------------------- VectorDB

export interface HnswConfig {
  /** Links per node (default 32, as in ruvector 0.3.2); 2..128. */
  m?: number;
  /** Candidate list size while building (default 200). */
  efConstruction?: number;
  /** Default candidate list size for searches (default 100). */
  efSearch?: number;
  /** Accepted for compatibility; not a limit (capacity grows as needed). */
  maxElements?: number;
}

export interface VectorDbOptions {
  dimensions?: number;
  /** Alias of dimensions. */
  dimension?: number;
  /**
   * A database directory (created when missing) holding the vectors and a
   * metadata log. Without it everything is in memory (ruvector 0.3.2 wrote
   * ./ruvector.db instead).
   */
  storagePath?: string;
  /** Alias of storagePath. */
  path?: string;
  /** 'full' (default: each write synced before it resolves), 'normal' (synced within syncIntervalMs), 'off'. Not in 0.3.2. */
  durability?: Durability;
  /** Open without the writer lock: reads the state as of opening; writes reject with RV_EREADONLY. Not in 0.3.2. */
  readOnly?: boolean;
  /** The 'normal' durability window, 1..60000 ms (default 100). */
  syncIntervalMs?: number;
  /** Checkpoint a collection's log past this many bytes (default 64 MiB; 0: only when asked). */
  checkpointBytes?: number;
  /**
   * Index each metadata key a search filter compares (numeric for numbers, keyword for strings and
   * booleans) on its first use, so selective filters list their matches (default true; never on
   * readOnly). Not in 0.3.2.
   */
  autoIndex?: boolean;
  /** 'cosine' (default), 'euclidean' | 'l2', 'dot' | 'dotproduct' | 'innerproduct' | 'ip', 'manhattan' | 'l1'. */
  distanceMetric?: string;
  /** Alias of distanceMetric. */
  metric?: string;
  hnswConfig?: HnswConfig;
  /** Merged over the defaults. */
  hnsw?: HnswConfig;
}

export interface VectorEntry {
  /** A UUID v4 is generated when absent. 1..255 UTF-8 bytes, no NUL, well-formed UTF-16 (a lone surrogate is RV_EID). */
  id?: string;
  vector: VectorLike;
  /** Stored as the record's payload in the core; `{}` is no metadata (read back as undefined). */
  metadata?: Record<string, any>;
}

export interface SearchQuery {
  vector: VectorLike;
  k: number;
  /**
   * Run by the core over the metadata (the record's payload), in the syntax of `Filter` below:
   * `{key: value}` is equality as in 0.3.2 (an array field: an element equals it), plus operators.
   * Returns min(k, matches) entries.
   */
  filter?: Record<string, any>;
  /** Candidate list size for this query (0 or absent: the database's efSearch). */
  efSearch?: number;
}

export interface SearchResult {
  id: string;
  /** A distance: smaller is closer. cosine: 1 - cos; euclidean: L2 distance; dot: -(a.b); manhattan: L1. */
  score: number;
  vector?: Float32Array;
  metadata?: Record<string, any>;
}

export interface GetResult {
  id: string;
  vector: Float32Array;
  metadata?: Record<string, any>;
}

export type Durability = 'full' | 'normal' | 'off';

export declare class VectorDB {
  /** With storagePath, opening starts here and every method waits for it (errors reject the first call, or ready()). */
  constructor(options: VectorDbOptions);
  readonly dimensions: number;
  readonly metric: 'cosine' | 'euclidean' | 'dot' | 'manhattan';
  readonly storagePath: string | undefined;
  readonly persistent: boolean;
  readonly readOnly: boolean;
  /** The underlying Collection; undefined until a persistent database is open. */
  readonly collection: Collection | undefined;
  /** Resolves once the database is open (rejects with RV_EBUSY, RV_EFORMAT, RV_ECORRUPT, ...). */
  ready(): Promise<this>;
  checkpoint(): Promise<void>;
  compact(): Promise<void>;
  insert(entry: VectorEntry): Promise<string>;
  insertBatch(entries: VectorEntry[]): Promise<string[]>;
  search(query: SearchQuery): Promise<SearchResult[]>;
  get(id: string): Promise<GetResult | null>;
  delete(id: string): Promise<boolean>;
  len(): Promise<number>;
  isEmpty(): Promise<boolean>;
  stats(): Promise<CollectionStats & { storage?: StorageStats }>;
  close(): Promise<void>;
}
export declare const VectorDb: typeof VectorDB;
export declare const HNSW_DEFAULTS: Readonly<Required<HnswConfig>>;

// ---------------------------------------------------------------- Collection

export type Id = string | number;

export interface CollectionOptions {
  /** Required (alias dim, dimension): 1..65536. */
  dimensions?: number;
  dim?: number;
  dimension?: number;
  /** 'l2' (default; squared L2 distances), 'ip' (negative inner product), 'cosine' (1 - cos), 'l1'; aliases as VectorDB. */
  metric?: string;
  /** HNSW links per node, default 16. */
  m?: number;
  efConstruction?: number;
  /** Default ef for searches, default 64. */
  efSearch?: number;
  /** Neighbour pruning factor 1.0..2.0, default 1.2. */
  pruneAlpha?: number;
  /** Collections smaller than this are searched exactly; default 4096, 0: always the graph. */
  exactThreshold?: number;
  /** Threads for batch insert and batch search; 0 (default): one per CPU. */
  threads?: number;
  repairBatch?: number;
  seed?: number;
  /** Return ids as numbers in results (for integer ids). */
  numericIds?: boolean;
}

/** A payload value: payloads are flat (no nested objects; arrays hold strings only). */
export type PayloadValue = null | boolean | number | string | string[];
/** A record's payload, a flat JSON object (at most 64 KiB as JSON, 256 fields). */
export type Payload = { [field: string]: PayloadValue };

/** A value in a filter condition. */
export type FilterValue = null | boolean | number | string;
/** Operators on one field (several in one object must all hold). */
export interface FieldCondition {
  $eq?: FilterValue;
  $ne?: FilterValue;
  /** Numbers numerically, strings bytewise; a field of another type does not match. */
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
  $in?: FilterValue[];
  $nin?: FilterValue[];
  /** true: the field is present (even if null); false: absent. */
  $exists?: boolean;
  /** A string-array field has this element, or a string field contains it. */
  $contains?: string;
}
/**
 * A filter on payloads, Mongo-style: `{field: value}` (equality; for a
 * string-array field, an element equals it), `{field: {$op: value}}`, and
 * `$and` / `$or` (arrays of filters) and `$not` (one filter). The entries of
 * one object must all hold. Also accepted as JSON text.
 */
export type Filter = {
  $and?: Filter[];
  $or?: Filter[];
  $not?: Filter;
  [field: string]: FilterValue | FieldCondition | Filter | Filter[] | undefined;
};

/** Maximal marginal relevance: re-rank for diversity. */
export interface MmrOptions {
  /** In [0, 1]; 1: the plain ranking, lower: more spread. Default 0.5. */
  lambda?: number;
  /** How many nearest matches MMR picks from; 0 or absent: max(4k, 40); at most 65536. */
  candidates?: number;
}

export interface CalibrateOptions {
  /** Conformal sets: the share of queries whose set may miss a relevant item, in (0, 1). */
  alpha?: number;
  /** Target recall mode: the mean recall@k wanted, in (0, 1). */
  targetRecall?: number;
  /** Relevant items per query (default 10). */
  k?: number;
  /** One array of k ids per query; default: each query's exact k nearest. */
  relevant?: Id[][];
  /** Conformal: most items a set holds (default max(10k, 100)). */
  cap?: number;
  /** Conformal: ef of the calibrated search (default: the collection's, at least cap). */
  ef?: number;
  /** Conformal: 'distance' (default), 'rank' or 'ratio' (distance over the nearest's). */
  score?: 'distance' | 'rank' | 'ratio';
  /** Target recall: the largest ef tried (default 4096). */
  maxEf?: number;
}

export interface Calibration {
  conformal: { alpha: number; score: 'distance' | 'rank' | 'ratio'; threshold: number; n: number; infinite: number;
               k: number; cap: number; ef: number } | null;
  targetRecall: { target: number; ef: number; k: number; n: number; bound: number } | null;
}

export interface InspectReport {
  sample: number; dim: number; k: number;
  norms: { min: number; max: number; mean: number; std: number; hist: Float64Array };
  duplicates: { exactPairs: number; nearPairs: number; vectors: number; nearThreshold: number };
  hubness: { skew: number; max: number; antihubs: number };
  /** TwoNN estimate (NaN when it cannot be computed). */
  intrinsicDimension: number;
  intrinsicDimensionMle: number;
  spectrum: { effectiveRank: number; topVariance: Float64Array; collapsedDims: number };
  /** H0 persistence: the sorted death times (the sample's minimum spanning tree edges). */
  h0: Float64Array;
  sampleIds: Id[];
}

export interface ConformalResult {
  hits: Hit[];
  /** May be Infinity: more than alpha of the calibration queries had an item beyond the cap. */
  threshold: number;
  alpha: number;
  cap: number;
}

export interface SearchOptions {
  /** Use the ef chosen by calibrate({targetRecall}). */
  calibrated?: boolean;
  /** Candidate list size for this query; 0 or absent: the collection's efSearch. */
  ef?: number;
  /** Scan every vector (recall 1; ties ranked by id, numeric order for decimal ids). */
  exact?: boolean;
  /** Include each hit's stored vector. */
  vectors?: boolean;
  /** Only records whose payload matches; the search still returns min(k, matches) hits. */
  filter?: Filter | string;
  /** Re-rank by MMR (true: the defaults); hits are then in pick order. */
  mmr?: MmrOptions | boolean;
  /** Include each hit's payload ({} for none). */
  withPayload?: boolean;
  /** search() only: false runs it on the libuv pool instead of the low-latency lane (default true). */
  lane?: boolean;
}

/** Options of Collection.searchText(). */
export interface TextSearchOptions {
  filter?: Filter | string;
  withPayload?: boolean;
  vectors?: boolean;
}

/** Options of Collection.searchHybrid(). */
export interface HybridSearchOptions {
  /** 'rrf' (default): w_v/(rrfK + rank_v) + w_t/(rrfK + rank_t); 'weighted': w_v*nv + w_t*nt over min-max normalised scores. */
  fusion?: 'rrf' | 'weighted';
  /** w_v, default 1. */
  vectorWeight?: number;
  /** w_t, default 1. */
  textWeight?: number;
  /** Default 60 (0 also means 60). */
  rrfK?: number;
  /** Candidates taken from each ranking; 0 or absent: max(2k, 50); never fewer than k. */
  depth?: number;
  /** The vector side's ef and exact scan. */
  ef?: number;
  exact?: boolean;
  /** Applies to both sides. */
  filter?: Filter | string;
  withPayload?: boolean;
  vectors?: boolean;
}

/** Payload index kinds for Collection.createIndex(). */
export type IndexKind = 'keyword' | 'numeric' | 'text';

export interface Hit<D extends number | null = number> {
  id: string | number;
  /**
   * The core's distance: squared L2, -(a.b), 1 - cos or L1; smaller is
   * closer. null where none was computed: text search hits, and hybrid hits
   * that only the text side found.
   */
  distance: D;
  /** Higher is better: -distance for vector searches, BM25 for searchText(), the fused score for searchHybrid(). */
  score: number;
  vector?: Float32Array;
  /** With withPayload. */
  payload?: Payload;
}
/** A searchText() hit: distance is always null. */
export type TextHit = Hit<null>;
/** A searchHybrid() hit: distance null for records only the text side found. */
export type HybridHit = Hit<number | null>;

export interface CollectionStats {
  count: number;
  capacity: number;
  pendingDeletes: number;
  freeSlots: number;
  memoryBytes: number;
  maxLevel: number;
  dim: number;
  isa: string;
}

export interface CheckReport {
  ok: boolean;
  nodes: number;
  edges: number;
  reciprocal: number;
  dangling: number;
  badLevel: number;
  duplicates: number;
  unreachable: number;
  pendingDeletes: number;
  firstProblem: string;
}

export interface StorageStats {
  generation: number;
  segmentBytes: number;
  walBytes: number;
  formatVersion: number;
  durability: Durability | 'none';
  persistent: boolean;
}

export interface OpenCollectionOptions extends CollectionOptions {
  /** The database directory. */
  path: string;
  /** The collection's name in it (default 'default'). */
  name?: string;
  /** Create the database and the collection when missing (default true unless readOnly). */
  create?: boolean;
  readOnly?: boolean;
  durability?: Durability;
  syncIntervalMs?: number;
  checkpointBytes?: number;
}

export declare class Collection {
  constructor(options: CollectionOptions);
  /** A persistent collection in a database directory; closing it closes that database. */
  static open(options: OpenCollectionOptions): Promise<Collection>;
  readonly persistent: boolean;
  readonly database: Database | null;
  checkpoint(): Promise<void>;
  compact(): Promise<void>;
  storage(): StorageStats;
  readonly dimensions: number;
  readonly metric: 'l2' | 'ip' | 'cosine' | 'l1';
  readonly closed: boolean;
  readonly options: Required<Omit<CollectionOptions, 'dimensions' | 'dimension' | 'numericIds'>>;
  len(): number;
  count(): number;
  isEmpty(): boolean;
  stats(): CollectionStats;
  /** payload: an object or JSON text; an upsert replaces the payload too (none without one). */
  insert(id: Id, vector: VectorLike, options?: { upsert?: boolean; payload?: Payload | string | null }): Promise<void>;
  upsert(id: Id, vector: VectorLike): Promise<void>;
  /** payloads: one per id (object, JSON text or null); a bad one fails the whole batch. */
  insertBatch(ids: Id[], vectors: Float32Array | VectorLike[],
    options?: { upsert?: boolean; payloads?: (Payload | string | null)[] }): Promise<void>;
  search(vector: VectorLike, k: number, options?: SearchOptions): Promise<Hit[]>;
  /** filter, mmr and withPayload apply to every query (lane does not apply). */
  searchBatch(queries: Float32Array | VectorLike[], k: number, options?: SearchOptions): Promise<Hit[][]>;
  /** Calibrate (conformal sets with alpha, or an ef for targetRecall) and store it with the collection. */
  calibrate(queries: Float32Array | VectorLike[], options: CalibrateOptions): Promise<Calibration>;
  /** The stored calibrations. */
  calibration(): Calibration;
  /** The embedding-quality report on a random sample. */
  inspect(options?: { sample?: number; k?: number; near?: number; seed?: number }): Promise<InspectReport>;
  /** The conformal result set of a query (after calibrate({alpha})). */
  searchConformal(vector: VectorLike): Promise<ConformalResult>;
  /** BM25 over the text-indexed field; only hits with a positive score. Rejects RV_EINVAL without a text index. */
  searchText(query: string, k: number, options?: TextSearchOptions): Promise<TextHit[]>;
  /** A vector and a BM25 search, fused. */
  searchHybrid(vector: VectorLike, text: string, k: number, options?: HybridSearchOptions): Promise<HybridHit[]>;
  /** Replace the payload of an existing id (null removes it); rejects RV_ENOTFOUND for an unknown id. */
  setPayload(id: Id, payload: Payload | string | null): Promise<void>;
  /** A JSON merge patch (RFC 7386): members replace, null removes, objects merge. One write. */
  mergePayload(id: Id, patch: Payload | string): Promise<void>;
  /** The payload ({} when none), or null when the id does not exist. */
  getPayload(id: Id): Promise<Payload | null>;
  /** Index a payload field (existing records too); a no-op when it exists. One text index per collection. */
  createIndex(key: string, kind: IndexKind): Promise<void>;
  /** How many live records match. */
  countMatching(filter: Filter | string): Promise<number>;
  // ---- hyperedges (lib/hypergraph.js; ruvector.h "Hypergraph") ----
  putHyperedges(edges: Hyperedge[], options?: { upsert?: boolean }): Promise<void>;
  putHyperedge(edge: Hyperedge, options?: { upsert?: boolean }): Promise<void>;
  deleteHyperedges(ids: Id[]): Promise<void>;
  getHyperedge(id: Id): StoredHyperedge | null;
  searchHyperedges(vector: VectorLike, k: number, options?: { ef?: number; exact?: boolean; filter?: Filter | string; window?: TimeWindow }): Promise<HyperedgeHit[]>;
  kHop(start: Id, k: number, options?: { fanout?: number[]; window?: TimeWindow; directed?: boolean }): GraphHit[];
  weightedPath(from: Id, to: Id, options?: { window?: TimeWindow; directed?: boolean }): GraphHit[];
  hyperedgesOf(id: Id, options?: { window?: TimeWindow }): string[];
  hyperedgeBuckets(from: number | Date, to: number | Date, unit?: 'day' | 'week' | 'month'): { start: number; count: number }[];
  hypergraphStats(): { hyperedges: number; nodes: number; incidences: number; embedded: number };
  get(id: Id): Promise<Float32Array | null>;
  getBatch(ids: Id[]): Promise<(Float32Array | null)[]>;
  delete(id: Id): Promise<boolean>;
  deleteBatch(ids: Id[]): Promise<number>;
  vacuum(): Promise<void>;
  optimize(): Promise<void>;
  check(): Promise<CheckReport>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  create?: boolean;
  readOnly?: boolean;
  durability?: Durability;
  syncIntervalMs?: number;
  checkpointBytes?: number;
}

export interface CheckResult {
  ok: boolean;
  /** '' when ok, else the RV_E... code. */
  code: string;
  /** 'file: offset: what' of the first problem, or ''. */
  problem: string;
}

/** A directory of named persistent collections. */
export declare class Database {
  static open(path: string, options?: DatabaseOptions): Promise<Database>;
  static check(path: string): Promise<CheckResult>;
  readonly path: string;
  readonly readOnly: boolean;
  readonly durability: Durability;
  readonly closed: boolean;
  createCollection(name: string, options: CollectionOptions): Promise<Collection>;
  openCollection(name: string, options?: { numericIds?: boolean }): Promise<Collection>;
  /** Open, or create with these options when missing. */
  collection(name: string, options?: CollectionOptions): Promise<Collection>;
  dropCollection(name: string): Promise<void>;
  listCollections(): Promise<string[]>;
  backup(dest: string): Promise<void>;
  close(): Promise<void>;
}

/** Milliseconds since the Unix epoch (UTC), or a Date. */
export type Time = number | Date;
/** A validity window: valid at `at`, at some time in [from, to), now, or any time. */
export type TimeWindow = { at: Time } | { from?: Time; to?: Time } | 'now' | 'any';

export interface Hyperedge {
  id: Id;
  /** 2..256 ids of existing records (`nodes` is accepted too). */
  members?: Id[];
  nodes?: Id[];
  ordered?: boolean;
  description?: string;
  embedding?: VectorLike;
  /** 0..1; default 1. */
  confidence?: number;
  validFrom?: Time;
  validTo?: Time;
  payload?: Payload | string;
  metadata?: Payload;
}

export interface StoredHyperedge {
  id: string;
  members: Id[];
  ordered: boolean;
  description: string;
  confidence: number;
  /** null: unbounded. */
  validFrom: number | null;
  validTo: number | null;
  payload: Payload | null;
  embedding: Float32Array | null;
}

export interface HyperedgeHit { id: string; distance: number; confidence: number }
export interface GraphHit { id: Id; hop: number; weight: number; via: string | null }

/** @ruvector/graph-node 2.1.0's GraphDatabase, over a collection's hypergraph (node/README.md, "GraphDatabase"). */
export declare class GraphDatabase {
  constructor(options?: { distanceMetric?: 'Euclidean' | 'Cosine' | 'DotProduct' | 'Manhattan'; dimensions?: number; storagePath?: string } | null);
  static open(path: string): GraphDatabase;
  isPersistent(): boolean;
  getStoragePath(): string | null;
  readonly collection: Collection | null;
  createNode(node: { id: string; embedding: Float32Array; labels?: string[]; properties?: Record<string, string> }): Promise<string>;
  createEdge(edge: { from: string; to: string; description: string; embedding: Float32Array; confidence?: number; metadata?: Record<string, string> }): Promise<string>;
  createHyperedge(hyperedge: { nodes: string[]; description: string; embedding: Float32Array; confidence?: number; metadata?: Record<string, string> }): Promise<string>;
  searchHyperedges(query: { embedding: Float32Array; k: number; filter?: Filter | string; window?: TimeWindow }): Promise<{ id: string; score: number }[]>;
  kHopNeighbors(startNode: string, k: number): Promise<string[]>;
  stats(): Promise<{ totalNodes: number; totalEdges: number; avgDegree: number }>;
  deleteNode(id: string, opts?: { cascade?: boolean } | null): Promise<{ deletedNode: boolean; deletedEdges: number }>;
  deleteEdge(id: string): Promise<{ deleted: boolean }>;
  deleteHyperedge(id: string): Promise<{ deleted: boolean }>;
  batchInsert(batch: { nodes?: { id: string; embedding: Float32Array }[]; edges?: object[] }): Promise<{ nodeIds: string[]; edgeIds: string[] }>;
  close(): Promise<void>;
}

/** Version of the C core. */
export declare function version(): string;
/** Instruction set of the distance kernels in use. */
export declare function isa(): string;

declare const ruvector: {
  VectorDB: typeof VectorDB;
  VectorDb: typeof VectorDB;
  Collection: typeof Collection;
  Database: typeof Database;
  GraphDatabase: typeof GraphDatabase;
  version: typeof version;
  isa: typeof isa;
  HNSW_DEFAULTS: typeof HNSW_DEFAULTS;
};
export default ruvector;
