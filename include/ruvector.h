/** @file ruvector.h
 *  @brief ruvector: an embeddable vector database.
 *
 *  ruvector stores float32 vectors under string ids and answers k-nearest-
 *  neighbour queries, exactly (a SIMD scan) or approximately (an HNSW graph).
 *  This header is the whole public C API and its documentation.
 *
 *  @section caveats Caveats
 *  - Every call that can fail returns an int: 0 (#RV_OK) or a negative
 *    RV_E* code. Calls that produce results return the number of results
 *    (>= 0) or a negative code. Nothing in the library aborts the process;
 *    running out of memory is #RV_ENOMEM.
 *  - After a failed call, rv_errmsg() on the same handle, in the same thread,
 *    gives a message naming what was wrong (the argument, the id, the file
 *    and offset). A failed call leaves the collection as it was.
 *  - A collection is safe to use from many threads at once. Searches never
 *    wait for inserts; they wait only for the rare structural changes listed
 *    under "Locking" below.
 *  - Vectors are copied in; the library never keeps a caller's pointer after
 *    a call returns.
 *  - With #RV_METRIC_COSINE, vectors are stored normalised, and rv_get()
 *    returns the original scaled back from the stored norm: equal to what was
 *    inserted up to float rounding (relative error about 1e-7), not bit-exact.
 *  - rv_set_allocator() must be called before any other call that allocates,
 *    or not at all.
 *
 *  @section locking Locking
 *  Writers (insert, update, delete) take turns on a per-collection writer
 *  mutex; a batch insert links its vectors into the graph on all the
 *  collection's threads at once, under per-node locks. Searches read the
 *  graph without locks and never wait for a writer.
 *  Growing the arrays and repairing the graph after deletions take a
 *  collection-wide exclusive lock for a moment; searches started meanwhile
 *  wait for it. A search that runs while an id is updated sees the old
 *  vector, the new one, or, for an instant, neither; never both.
 *
 *  @section distances Distances
 *  Every search result carries a distance; smaller is always closer.
 *  - #RV_METRIC_L2:     squared Euclidean distance, sum((a-b)^2).
 *  - #RV_METRIC_IP:     negative inner product, -sum(a*b).
 *  - #RV_METRIC_COSINE: 1 - cos(a, b), in [0, 2].
 *  - #RV_METRIC_L1:     sum(|a-b|).
 */
#ifndef RUVECTOR_H
#define RUVECTOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup version Version */
/** @{ */
#define RV_VERSION_MAJOR 0
#define RV_VERSION_MINOR 1
#define RV_VERSION_PATCH 0
#define RV_VERSION_STRING "0.1.0"

/** Return the library version string, and its parts where the pointers are
 *  not NULL. The string is static. */
const char *rv_version(int *major, int *minor, int *patch);
/** @} */

/** @defgroup errors Error codes
 *  Codes live in a negative range of their own so they cannot be mistaken for
 *  errno values or counts. */
/** @{ */
#define RV_OK          0       /**< success */
#define RV_EINVAL    (-30900)  /**< an argument is outside its documented range */
#define RV_ENOMEM    (-30901)  /**< an allocation failed */
#define RV_EDIM      (-30902)  /**< a vector's dimension does not match */
#define RV_ENONFINITE (-30903) /**< a vector has a NaN or infinite component */
#define RV_ENOTFOUND (-30904)  /**< no record has that id */
#define RV_EEXIST    (-30905)  /**< the id exists and RV_UPSERT was not given */
#define RV_EID       (-30906)  /**< an id is empty, too long or not UTF-8 */
#define RV_EZERO     (-30907)  /**< a zero vector under the cosine metric */
#define RV_ERANGE    (-30908)  /**< a caller's buffer is too small */
#define RV_EIO       (-30909)  /**< an operating-system I/O call failed */
#define RV_EFORMAT   (-30910)  /**< an input file is malformed or truncated */
#define RV_ECORRUPT  (-30911)  /**< stored data fails its checksum */
#define RV_EVERSION  (-30912)  /**< a file was written by a newer format version */
#define RV_ETHREAD   (-30913)  /**< a thread could not be started */
#define RV_EUNSUPPORTED (-30914) /**< the CPU or build lacks what was asked for */
#define RV_EBUSY     (-30915)  /**< the resource is locked or in use */
#define RV_EREADONLY (-30916)  /**< the handle is read-only or in error state */
#define RV_ENOSPC    (-30917)  /**< the disk is full */

/** Return a static English description of an error code (any int). */
const char *rv_strerror(int err);
/** @} */

/** @defgroup limits Limits */
/** @{ */
#define RV_DIM_MAX      65536u      /**< largest dimension */
#define RV_ID_MAX       255u        /**< longest id in bytes, not counting the NUL */
#define RV_K_MAX        65536u      /**< largest k for one query */
#define RV_EF_MAX       65536u      /**< largest ef (search or construction) */
#define RV_M_MIN        2u          /**< smallest HNSW M */
#define RV_M_MAX        128u        /**< largest HNSW M */
#define RV_MAX_VECTORS  0x7fffffffu /**< most vectors in one collection */
/** Bytes of id buffer that always suffice for k search results. */
#define RV_IDBUF_SIZE(k) ((size_t)(k) * (RV_ID_MAX + 1u))
/** @} */

/** @defgroup global Library-wide settings */
/** @{ */

/** A memory allocator. The whole library allocates through it. Each
 *  function receives @c ctx. @c realloc and @c free accept NULL. A function
 *  that fails returns NULL; the library then reports #RV_ENOMEM. */
typedef struct rv_allocator {
	void *(*malloc)(void *ctx, size_t size);
	void *(*realloc)(void *ctx, void *ptr, size_t size);
	void (*free)(void *ctx, void *ptr);
	void *ctx;
} rv_allocator;

/** Install an allocator (NULL restores libc's). Call before anything else.
 *  @return #RV_OK, or #RV_EBUSY if library objects already exist. */
int rv_set_allocator(const rv_allocator *alloc);

/** Name of the instruction set the distance kernels use: "avx512", "avx2",
 *  "neon", "wasm-simd128" or "serial". Chosen once, at first use, from
 *  CPUID/XGETBV, at most the limit in the environment variable
 *  RUVECTOR_ISA (same names) when it is set. */
const char *rv_isa(void);

/** Sub-features the chosen kernels use beyond their base instruction set,
 *  space-separated ("vnni vpopcntdq" on AVX-512 CPUs that have them), or
 *  "". Static. */
const char *rv_isa_features(void);

/** Restrict the kernels to at most @p name ("serial", "avx2", "avx512",
 *  "neon", "wasm-simd128"). Collections created afterwards use the new
 *  choice; existing ones keep theirs.
 *  @return #RV_OK; #RV_EINVAL for an unknown name; #RV_EUNSUPPORTED when
 *  this CPU or build lacks that instruction set. */
int rv_set_isa(const char *name);
/** @} */

/** @defgroup collection Collections */
/** @{ */

/** Distance metric, fixed when a collection is created. */
typedef enum rv_metric {
	RV_METRIC_L2 = 0,     /**< squared Euclidean */
	RV_METRIC_IP = 1,     /**< inner product (maximum inner product search) */
	RV_METRIC_COSINE = 2, /**< cosine; vectors are normalised on insert */
	RV_METRIC_L1 = 3      /**< Manhattan */
} rv_metric;

/** Quantization: how the graph walk measures distance. Codes are smaller
 *  than the float32 vectors, so a search reads less memory; the best
 *  candidates are then re-ranked with the float32 vectors (which a
 *  persistent collection maps from its segment rather than holding in
 *  memory). See rv_options.quant. Not available with #RV_METRIC_L1. */
typedef enum rv_quant_kind {
	RV_QUANT_NONE = 0,   /**< float32 throughout */
	RV_QUANT_INT8 = 1,   /**< a byte per dimension: per-dimension ranges, plus an exact norm per vector (4x smaller) */
	RV_QUANT_PQ = 2,     /**< product quantization: a byte per subspace (dim / quant_pq_m floats each) */
	RV_QUANT_BINARY = 3, /**< a bit per dimension, after centring and a random rotation (32x smaller) */
	/** As #RV_QUANT_BINARY, with a rotation learned on the training sample
	 *  (iterative quantization, per 64-bit word of the code) after the
	 *  random one, so that the signs lose less: same code size. */
	RV_QUANT_BINARY_ITQ = 4
} rv_quant_kind;

/** Parse "none", "int8", "pq:M", "binary" or "binary-itq"; *pq_m gets M
 *  for "pq:M".
 *  @return #RV_OK or #RV_EINVAL. */
int rv_quant_parse(const char *spec, rv_quant_kind *kind, uint32_t *pq_m);

/** Parse "l2", "ip", "cosine" or "l1" (also "euclidean", "dot", "manhattan").
 *  @return #RV_OK or #RV_EINVAL. */
int rv_metric_parse(const char *name, rv_metric *out);
/** Canonical name of a metric ("l2", "ip", "cosine", "l1"), or "?". */
const char *rv_metric_name(rv_metric metric);

/** Opaque handle to a collection: vectors of one dimension and metric under
 *  string ids, with an exact index and an HNSW graph. */
typedef struct rv_collection rv_collection;

/** Options for rv_collection_new(). Fill with rv_options_init(), then set
 *  fields. Out-of-bounds values make rv_collection_new() fail with
 *  #RV_EINVAL naming the field. */
typedef struct rv_options {
	/** Vector dimension. Required: 1..#RV_DIM_MAX; no default. */
	uint32_t dim;
	/** Distance metric. Default #RV_METRIC_L2. */
	rv_metric metric;
	/** HNSW links per node on upper levels; level 0 keeps 2*m.
	 *  Default 16; #RV_M_MIN..#RV_M_MAX. */
	uint32_t m;
	/** Candidate list size while building. Default 200; 1..#RV_EF_MAX. */
	uint32_t ef_construction;
	/** Neighbour selection keeps a candidate unless a neighbour already
	 *  kept is closer to it by this factor (in the metric's distance).
	 *  1.0 is HNSW's heuristic; larger keeps more long links, which raises
	 *  recall at a given ef but makes each step of a search cost more.
	 *  Measured at recall 0.95 (bench/README.md): 1.1 is ahead of 1.0 by
	 *  10% on SIFT and 60% on 384-d word vectors, and behind it by 10% on
	 *  784-d fashion-mnist, where 1.0 already reaches 0.94 at ef = 10.
	 *  Default 1.1; 1.0..2.0. Inner product always uses 1.0. */
	float prune_alpha;
	/** Candidate list size for searches that pass ef = 0. Default 64;
	 *  1..#RV_EF_MAX. A search always uses at least k. */
	uint32_t ef_search;
	/** Collections with fewer live vectors than this are searched by an
	 *  exact scan, which is exact and, at that size, as fast. Default 4096;
	 *  0 means always use the graph. */
	uint32_t exact_threshold;
	/** Threads for rv_insert_batch() and rv_search_batch(). Default 0: one
	 *  per online CPU. 1 means the calling thread only. At most 1024. */
	uint32_t threads;
	/** Deleted vectors are unlinked from the graph and their slots freed in
	 *  batches. A repair runs when this many deletions are pending.
	 *  Default 0: max(64, live/64). rv_vacuum() runs one at any time. */
	uint32_t repair_batch;
	/** Seed for the level generator (and the quantizers' training); the
	 *  same seed and insertion order build the same graph single-threaded.
	 *  Default 0x5eed. */
	uint64_t seed;
	/** Quantization of the graph walk. Default #RV_QUANT_NONE. The
	 *  quantizer is trained when the collection first holds quant_train
	 *  vectors (or at rv_quantize()); until then searches use float32. */
	rv_quant_kind quant;
	/** #RV_QUANT_PQ: number of subspaces; must divide dim. 1..dim. */
	uint32_t quant_pq_m;
	/** Vectors to train the quantizer on. Default 0: 1000 for int8 and
	 *  binary, 10000 for PQ. Bounds: at least 16 (int8, binary) or 256
	 *  (PQ: one per centroid); at most 1000000. */
	uint32_t quant_train;
} rv_options;

/** Fill @p opts with the documented defaults (dim is left 0). */
void rv_options_init(rv_options *opts);

/** Check @p opts as creating a collection would, without creating
 *  anything: lets a caller refuse bad options before it makes files.
 *  @return #RV_OK or #RV_EINVAL with the message in rv_errmsg(NULL). */
int rv_options_check(const rv_options *opts);

/** Create an empty in-memory collection.
 *  @param[in]  opts options; copied.
 *  @param[out] out  the new handle, or NULL on failure.
 *  @return #RV_OK, #RV_EINVAL (a field out of bounds; the message names it),
 *  #RV_ENOMEM. On failure no error message is attached to a handle; use
 *  rv_errmsg(NULL). */
int rv_collection_new(const rv_options *opts, rv_collection **out);

/** Free a collection and everything it owns. NULL is ignored. No call on
 *  the handle may be running or follow. */
void rv_collection_free(rv_collection *coll);

/** The message of the most recent failed call that the calling thread made
 *  on @p coll (NULL: on no handle, as for rv_collection_new()). Thread-local,
 *  like errno: valid until the thread's next failing call. Never NULL;
 *  empty when there is none. */
const char *rv_errmsg(const rv_collection *coll);

/** Copy the collection's options (with defaults resolved) into @p out. */
void rv_collection_options(const rv_collection *coll, rv_options *out);

/** Make room for @p n vectors in total, so that inserts up to n never grow
 *  the arrays. Optional: capacity grows by itself.
 *  @return #RV_OK, #RV_EINVAL (n > #RV_MAX_VECTORS), #RV_ENOMEM. */
int rv_reserve(rv_collection *coll, size_t n);

/** Flags for inserts. */
#define RV_UPSERT 0x1u /**< replace the vector of an id that exists */

/** Insert one vector under @p id.
 *  @param id     NUL-terminated UTF-8, 1..#RV_ID_MAX bytes.
 *  @param vector @p dim floats, all finite; for cosine, not all zero.
 *  @param dim    number of floats at vector; must equal the collection's.
 *  @param flags  0, or #RV_UPSERT to replace an existing id's vector.
 *  @return #RV_OK; #RV_EDIM; #RV_EID; #RV_ENONFINITE; #RV_EZERO; #RV_EEXIST
 *  (id exists, no #RV_UPSERT: the stored vector is kept); #RV_EINVAL (NULL
 *  argument); #RV_ENOMEM. */
int rv_insert(rv_collection *coll, const char *id, const float *vector, size_t dim, unsigned flags);

/** Insert @p n vectors, spread over the collection's threads. The batch is
 *  validated as a whole first: if any id or vector is bad, or (without
 *  #RV_UPSERT) any id exists or repeats within the batch, nothing is
 *  inserted and the message names the index of the first bad entry. With
 *  #RV_UPSERT a later entry with the same id wins.
 *  @param ids     n id strings.
 *  @param vectors n*dim floats, row-major.
 *  @param dim     floats per vector; must equal the collection's.
 *  @return #RV_OK or the codes of rv_insert(). */
int rv_insert_batch(rv_collection *coll, size_t n, const char *const *ids,
                    const float *vectors, size_t dim, unsigned flags);

/** Replace the vector of an existing id; the id keeps its identity.
 *  @return #RV_OK, #RV_ENOTFOUND, or the vector errors of rv_insert(). */
int rv_update(rv_collection *coll, const char *id, const float *vector, size_t dim);

/** Delete the vector stored under @p id. Its id can be reused at once; its
 *  graph neighbours are repaired and its slot reused when the next repair
 *  batch runs (see rv_options.repair_batch, rv_vacuum()).
 *  @return #RV_OK, #RV_ENOTFOUND, #RV_EID, #RV_ENOMEM. */
int rv_delete(rv_collection *coll, const char *id);

/** Delete @p n ids at once, then repair the graph. All ids must exist and be
 *  distinct; otherwise nothing is deleted and the message names the first
 *  bad one.
 *  @return #RV_OK, #RV_ENOTFOUND, #RV_EID, #RV_EINVAL (repeated id),
 *  #RV_ENOMEM. */
int rv_delete_batch(rv_collection *coll, size_t n, const char *const *ids);

/** Repair the graph around every pending deletion now and free their slots.
 *  @return #RV_OK or #RV_ENOMEM (the graph is left valid either way). */
int rv_vacuum(rv_collection *coll);

/** Repair pending deletions, then renumber the vectors so that graph
 *  neighbours lie close together in memory, which makes searches faster
 *  (fewer cache and TLB misses). Runs by itself after an insert batch that
 *  at least doubles the collection; worth calling after other bulk changes.
 *  Takes the exclusive lock while it runs; needs memory for a second copy
 *  of the vectors and links, and skips the renumbering without it.
 *  @return #RV_OK, or #RV_ENOMEM from the repair. */
int rv_optimize(rv_collection *coll);

/** Train the collection's quantizer on the vectors it holds now and encode
 *  them all (normally automatic; see rv_options.quant_train). Searches go
 *  on with float32 meanwhile.
 *  @return #RV_OK; #RV_EINVAL (no quantization configured, or fewer vectors
 *  than the quantizer needs, with the count in the message); #RV_ENOMEM. */
int rv_quantize(rv_collection *coll);

/** Copy the vector stored under @p id into @p out, which holds @p dim
 *  floats (the collection's dimension).
 *  @return #RV_OK, #RV_ENOTFOUND, #RV_EID, #RV_EDIM, #RV_EINVAL. */
int rv_get(rv_collection *coll, const char *id, float *out, size_t dim);

/** Number of live vectors. */
size_t rv_count(const rv_collection *coll);

/** List the ids of the live records, a page at a time, in slot order
 *  (unspecified, but the same on every call while nothing writes): what
 *  an export walks. Start with *cursor = 0; each call writes as many ids
 *  as fit into @p buf, each NUL-terminated, one after the other, and
 *  advances *cursor past them; a call that writes none means the listing
 *  is complete.
 *  With no write between the calls, every live id comes exactly once.
 *  Writes between calls reuse and renumber slots, so they may make the
 *  listing miss or repeat ids: list from a database opened read-only (or
 *  while nothing writes) for a consistent listing.
 *  @param cursor  in and out: where the listing goes on.
 *  @param buf     receives the ids.
 *  @param size    bytes at buf; at least #RV_ID_MAX + 1, so that every
 *                 call makes progress.
 *  @return how many ids were written (0: done), or #RV_EINVAL (a NULL
 *  argument, or size below #RV_ID_MAX + 1). */
int rv_list_ids(rv_collection *coll, uint64_t *cursor, char *buf, size_t size);

/** Per-query parameters; NULL means all defaults. */
typedef struct rv_search_params {
	/** Candidate list size. 0: the collection's ef_search. The search uses
	 *  max(ef, k). At most #RV_EF_MAX. */
	uint32_t ef;
	/** #RV_SEARCH_EXACT to scan every vector instead of the graph. */
	uint32_t flags;
	/** Quantized collections: how many of the best candidates the walk
	 *  found are re-ranked with the float32 vectors. 0: all ef of them.
	 *  At least k are re-ranked. Ignored without quantization. */
	uint32_t rerank;
	/** Only records whose payload matches this filter are returned; NULL
	 *  for none. See @ref filters: the search picks its plan by the
	 *  filter's estimated selectivity and always returns min(k, matches)
	 *  results. The filter is only read. */
	const struct rv_filter *filter;
	/** With #RV_SEARCH_MMR: MMR's lambda in [0, 1] (1: plain ranking). */
	float mmr_lambda;
	/** With #RV_SEARCH_MMR: how many nearest candidates MMR chooses from.
	 *  0: max(4k, 40). At most #RV_K_MAX. */
	uint32_t mmr_candidates;
} rv_search_params;

#define RV_SEARCH_EXACT 0x1u /**< exact scan; recall 1 */
/** Re-rank for diversity by maximal marginal relevance (Carbonell and
 *  Goldstein, 1998): from the mmr_candidates nearest matches, pick k
 *  greedily, each time the candidate c maximising
 *  lambda * sim(q, c) - (1 - lambda) * max over picked s of sim(c, s),
 *  where sim = -distance in the collection's metric. lambda = 1 gives the
 *  plain ranking; lower lambda trades closeness for spread, measured as
 *  the mean pairwise distance of the results. Hits stay in pick order. */
#define RV_SEARCH_MMR 0x2u
/** Search with the ef that rv_calibrate_recall() chose for the collection
 *  (ignoring params.ef); #RV_EINVAL when it has no recall calibration. */
#define RV_SEARCH_CALIBRATED 0x4u

/** One search result. */
typedef struct rv_hit {
	/** The id, NUL-terminated, stored in the caller's id buffer; NULL when
	 *  no id buffer was given. */
	const char *id;
	/** Length of the id in bytes. */
	uint32_t id_len;
	/** Distance to the query; see "Distances" above. NaN for a hybrid
	 *  hit found only by the text index. */
	float distance;
	/** Higher is better: -distance for vector searches, the BM25 score
	 *  for rv_search_text(), the fused score for rv_search_hybrid(). */
	float score;
} rv_hit;

/** Find the k nearest vectors to @p query, nearest first. Exact searches
 *  rank equal distances by id: the shorter id first, then bytewise (for
 *  decimal ids, numeric order).
 *  @param query   @p dim floats, all finite (for cosine, not all zero).
 *  @param dim     the collection's dimension.
 *  @param k       1..#RV_K_MAX. A k larger than the collection is allowed:
 *                 the call returns every live vector.
 *  @param params  NULL for defaults.
 *  @param hits    room for k results.
 *  @param idbuf   where the ids are copied, or NULL to skip ids.
 *  @param idbuf_size bytes at idbuf; #RV_IDBUF_SIZE(k) always suffices.
 *  @return the number of hits written, min(k, count); or #RV_EINVAL
 *  (k = 0, k > #RV_K_MAX, ef > #RV_EF_MAX, NULL query or hits), #RV_EDIM,
 *  #RV_ENONFINITE, #RV_EZERO, #RV_ERANGE (idbuf too small), #RV_ENOMEM. */
int rv_search(rv_collection *coll, const float *query, size_t dim, size_t k,
              const rv_search_params *params, rv_hit *hits, char *idbuf,
              size_t idbuf_size);

/** Run @p nq queries, spread over the collection's threads.
 *  @param queries nq*dim floats.
 *  @param hits    nq*k results; query i's are at hits[i*k].
 *  @param counts  nq ints: how many hits each query got.
 *  @param idbuf   NULL, or at least nq * #RV_IDBUF_SIZE(k) bytes; query i
 *                 uses the slice starting at i * #RV_IDBUF_SIZE(k).
 *  @return #RV_OK or the codes of rv_search(); the queries are validated
 *  before any runs. */
int rv_search_batch(rv_collection *coll, size_t nq, const float *queries, size_t dim, size_t k,
                    const rv_search_params *params, rv_hit *hits, int *counts,
                    char *idbuf, size_t idbuf_size);

/** Figures about a collection. */
typedef struct rv_stats {
	uint64_t count;            /**< live vectors */
	uint64_t capacity;         /**< vectors that fit without growing */
	uint64_t pending_deletes;  /**< deleted, not yet unlinked from the graph */
	uint64_t free_slots;       /**< slots freed by deletion, awaiting reuse */
	uint64_t memory_bytes;     /**< bytes the collection holds on the heap */
	uint32_t max_level;        /**< top HNSW level, 0 when empty */
	uint32_t dim;              /**< dimension */
	const char *isa;           /**< kernels in use, as rv_isa() */
	uint64_t vector_bytes;     /**< float32 vectors on the heap (part of memory_bytes) */
	uint64_t mapped_bytes;     /**< float32 vectors mapped from a segment (not in memory_bytes) */
	uint64_t code_bytes;       /**< quantized codes and codebooks (part of memory_bytes) */
	rv_quant_kind quant;       /**< configured quantization */
	int quant_trained;         /**< 1 once the quantizer is trained and the codes drive searches */
} rv_stats;

/** Fill @p out. */
void rv_collection_stats(rv_collection *coll, rv_stats *out);

/** What rv_check() found. */
typedef struct rv_check_report {
	uint64_t nodes;            /**< live nodes checked */
	uint64_t edges;            /**< links over all levels */
	uint64_t reciprocal;       /**< links whose target links back */
	uint64_t dangling;         /**< links to a free slot or out of range */
	uint64_t bad_level;        /**< links to a node without that level */
	uint64_t duplicates;       /**< self-links and repeated links */
	uint64_t unreachable;      /**< live nodes not reachable from the entry point at level 0 */
	uint64_t pending_deletes;  /**< deleted nodes still linked (awaiting repair) */
	char first_problem[160];   /**< the first problem found, or "" */
} rv_check_report;

/** Check the graph: no dangling ids, no self or duplicate links, level
 *  consistency, every live node reachable from the entry point; count
 *  reciprocal links. Takes the exclusive lock while it runs.
 *  @return #RV_OK if the graph is sound, #RV_ECORRUPT if not (the report
 *  says where), #RV_ENOMEM. */
int rv_check(rv_collection *coll, rv_check_report *report);
/** @} */

/** @defgroup conformal Calibrated retrieval
 *  Two ways to ask for a level of quality instead of a size.
 *
 *  Conformal result sets (split conformal prediction). rv_calibrate() runs
 *  n calibration queries through the same search a conformal search uses
 *  (k = cap results at the calibrated ef) and gives each query one score:
 *  the largest distance (or rank, counting from 1) at which one of its
 *  relevant items appears in that result list; a relevant item the list
 *  does not hold scores +infinity, so a query whose items the search misses
 *  can never count as covered. The threshold is the
 *  ceil((n+1)(1-alpha))-th smallest score, or +infinity when that rank
 *  exceeds n. rv_search_conformal() then returns every item of the same
 *  list within the threshold. When the calibration queries and a new query
 *  are exchangeable (drawn from the same distribution) and the collection
 *  has not changed, the set holds all of the new query's relevant items
 *  with probability at least 1 - alpha (and below 1 - alpha + 1/(n+1) when
 *  scores do not tie). The cap is part of the procedure: an item beyond it
 *  is never returned, and calibration counts that as a miss (+infinity).
 *  When the threshold is +infinity more than alpha of the calibration
 *  queries had an item beyond the cap: the set is then the whole capped
 *  list and carries no guarantee; raise cap or ef.
 *
 *  Target recall (conformal risk control on the loss 1 - recall@k). For
 *  each ef of a grid (k, then x1.25, up to max_ef), rv_calibrate_recall()
 *  measures every calibration query's recall@k, and keeps the smallest ef
 *  whose bound (n * mean loss + 1) / (n + 1) is at most 1 - target; then
 *  the expected recall of a new exchangeable query at that ef is at least
 *  the target (as the loss falls with ef, which HNSW's does on average).
 *  Searches with #RV_SEARCH_CALIBRATED use that ef.
 *
 *  Both calibrations are stored with the collection (logged and
 *  checkpointed: they survive reopening). They describe the collection as
 *  it was: recalibrate after large changes. */
/** @{ */

/** What a conformal score measures. */
typedef enum rv_conformal_score {
	RV_CONFORMAL_DISTANCE = 0, /**< the distance of the farthest relevant item; sets are cut by distance */
	RV_CONFORMAL_RANK = 1,     /**< its rank (1 = nearest); sets are the first floor(threshold) results */
	/** its distance over the nearest result's (1 when no farther; +infinity
	 *  when the nearest is at 0 and it is not); sets are the results within
	 *  threshold times the nearest distance. Adapts to each query's scale.
	 *  Not with #RV_METRIC_IP (distances may be negative). */
	RV_CONFORMAL_RATIO = 2
} rv_conformal_score;

/** Parameters of a calibration. Fill with rv_calibrate_params_init(). */
typedef struct rv_calibrate_params {
	/** Relevant items per query (k*), and k of recall@k. Default 10;
	 *  1..#RV_K_MAX. */
	uint32_t k;
	/** nq * k ids, row-major: query i's relevant items are
	 *  relevant[i*k .. i*k+k). NULL: the exact k nearest neighbours of each
	 *  query, computed by the engine (an exact scan). An id that is not in
	 *  the collection can never be found (a conformal score of +infinity). */
	const char *const *relevant;
	/** Miscoverage: the sets miss a relevant item of at most this share of
	 *  queries. Default 0.1; in (0, 1). */
	float alpha;
	/** Default #RV_CONFORMAL_DISTANCE. */
	rv_conformal_score score;
	/** Most items a conformal search returns. 0: max(10 k, 100), at most
	 *  #RV_K_MAX; else k..#RV_K_MAX. */
	uint32_t cap;
	/** ef of the calibration and of the conformal searches. 0: the
	 *  collection's ef_search; at most #RV_EF_MAX; the search uses at least
	 *  cap. */
	uint32_t ef;
	/** rv_calibrate_recall(): the mean recall@k wanted. Default 0.95; in
	 *  (0, 1). */
	float target_recall;
	/** rv_calibrate_recall(): the largest ef tried. Default 4096;
	 *  k..#RV_EF_MAX. */
	uint32_t max_ef;
} rv_calibrate_params;

void rv_calibrate_params_init(rv_calibrate_params *p);

/** A collection's stored calibrations (rv_calibration_get()). */
typedef struct rv_calibration {
	int conformal;             /**< 1 when a conformal calibration is stored; the next fields are then set */
	rv_conformal_score score;
	float alpha;
	double threshold;          /**< may be +infinity (see above) */
	uint32_t n;                /**< calibration queries */
	uint32_t infinite;         /**< of those, how many scored +infinity */
	uint32_t k, cap, ef;       /**< as calibrated (ef resolved: at least cap) */
	int recall;                /**< 1 when a target-recall calibration is stored; the next fields are then set */
	float target_recall;
	uint32_t recall_k;
	uint32_t recall_ef;        /**< the ef chosen */
	uint32_t recall_n;         /**< calibration queries */
	float recall_bound;        /**< the bound on 1 - expected recall at that ef: (n * mean loss + 1) / (n + 1) */
} rv_calibration;

/** The conformal threshold of @p n scores (any order; +INFINITY allowed):
 *  the ceil((n+1)(1-alpha))-th smallest, or +INFINITY when that exceeds n
 *  (also for n = 0). A pure function, exposed so that callers (and tests)
 *  can split scores themselves. NaN when alpha is not in (0, 1), scores is
 *  NULL with n > 0, or a score is NaN. */
double rv_conformal_threshold(const double *scores, size_t n, double alpha);

/** Score @p nq queries as rv_calibrate() would (p->k, relevant, score,
 *  cap, ef), without storing anything: scores[i] for query i (+INFINITY
 *  when a relevant item is not among the cap results). The queries run on
 *  the collection's threads.
 *  @return #RV_OK; #RV_EINVAL (a parameter out of range, named; NULL
 *  argument; nq = 0), #RV_EDIM, #RV_ENONFINITE, #RV_EZERO, #RV_EID (a bad
 *  relevant id, named), #RV_ENOMEM. */
int rv_conformal_scores(rv_collection *coll, size_t nq, const float *queries, size_t dim,
                        const rv_calibrate_params *p, double *scores);

/** Calibrate conformal result sets on @p nq queries (see above), store the
 *  calibration with the collection (replacing the previous one; logged
 *  like a write), and copy it to @p out (NULL: not wanted).
 *  @return the codes of rv_conformal_scores(); #RV_EREADONLY; storage
 *  errors. On failure the stored calibration is unchanged. */
int rv_calibrate(rv_collection *coll, size_t nq, const float *queries, size_t dim,
                 const rv_calibrate_params *p, rv_calibration *out);

/** Choose and store the ef for p->target_recall on @p nq queries (see
 *  above; p->k, relevant, target_recall, max_ef).
 *  @return #RV_OK; #RV_ERANGE when even max_ef does not reach the target
 *  (the message gives the best bound; nothing stored); the codes of
 *  rv_calibrate(). */
int rv_calibrate_recall(rv_collection *coll, size_t nq, const float *queries, size_t dim,
                        const rv_calibrate_params *p, rv_calibration *out);

/** Copy the stored calibrations (zeros when none). */
void rv_calibration_get(rv_collection *coll, rv_calibration *out);

/** What rv_search_conformal() says about its set. */
typedef struct rv_conformal_info {
	double threshold;  /**< the calibrated threshold */
	float alpha;       /**< the calibrated alpha */
	uint32_t cap;      /**< the cap: hits must hold this many */
	int capped;        /**< 1 when the set holds cap items (the cap may have cut it) */
} rv_conformal_info;

/** The conformal result set for @p query: every item of the calibrated
 *  search's cap results whose score is within the threshold, nearest
 *  first.
 *  @param hits      room for @p max_hits results.
 *  @param max_hits  at least the calibration's cap (rv_calibration_get();
 *                   a calibration made meanwhile may change it).
 *  @param idbuf     #RV_IDBUF_SIZE(cap) bytes suffice.
 *  @param info      filled (NULL: not wanted).
 *  @return the number of hits (0 is possible: an empty set); #RV_EINVAL
 *  (no conformal calibration stored, NULL argument); #RV_ERANGE (max_hits
 *  below the cap, which the message gives); the codes of rv_search(). */
int rv_search_conformal(rv_collection *coll, const float *query, size_t dim, rv_hit *hits, size_t max_hits,
                        char *idbuf, size_t idbuf_size, rv_conformal_info *info);
/** @} */

/** @defgroup inspect Embedding-quality report
 *  rv_inspect() measures, on a seeded random sample of the live vectors,
 *  what explains bad recall before anyone tunes ef. Geometry uses the
 *  Euclidean distance between stored vectors (normalised ones under
 *  cosine, so neighbours rank as cosine ranks them; raw ones under inner
 *  product and L1). On the sample, all pairwise distances are computed
 *  exactly (sample^2 / 2 distances: a few seconds at 4096).
 *  - norms of the vectors as inserted: range, mean, spread, histogram;
 *  - duplicates: pairs at distance 0 (exact) and pairs closer than
 *    near_duplicate times the median nearest-neighbour distance (near);
 *  - hubness: N_k(x), how many sample points have x among their k nearest
 *    (the k-occurrence); its skewness (0: none; above ~1: hubs that crowd
 *    results), its largest value, and the antihubs (N_k = 0);
 *  - intrinsic dimension: TwoNN (Facco et al. 2017, maximum likelihood on
 *    the ratios of second to first neighbour distances) and the
 *    Levina-Bickel MLE over the k neighbours (averaged as MacKay and
 *    Ghahramani propose); points at distance 0 from a neighbour are left
 *    out of both;
 *  - spectrum (dimensions up to #RV_INSPECT_PCA_DIM_MAX): the share of the
 *    variance in the top principal directions, the effective rank
 *    (participation ratio (sum l)^2 / sum l^2 of the covariance's
 *    eigenvalues l: d for isotropic data, 1 for a line) and the collapsed
 *    coordinates (variance below 1e-6 of the largest);
 *  - H0 persistence: the death times of the 0-dimensional homology of the
 *    sample's Vietoris-Rips filtration, which are the edge lengths of its
 *    Euclidean minimum spanning tree, sorted. */
/** @{ */
#define RV_INSPECT_SAMPLE_MAX 4096u  /**< largest sample */
#define RV_INSPECT_BINS 20u          /**< bins of the norm histogram */
#define RV_INSPECT_TOP 10u           /**< principal directions reported */
#define RV_INSPECT_PCA_DIM_MAX 1024u /**< above this dimension the spectrum is not computed */

typedef struct rv_inspect_params {
	uint32_t sample;        /**< vectors sampled; default 2000; 3..#RV_INSPECT_SAMPLE_MAX; at most the count */
	uint32_t k;             /**< neighbours for hubness and the MLE; default 10; 2..100, below the sample */
	float near_duplicate;   /**< near-duplicate factor; default 0.01; 0..1 */
	uint64_t seed;          /**< sample seed; default 1 */
} rv_inspect_params;

void rv_inspect_params_init(rv_inspect_params *p);

/** What rv_inspect() found. Free with rv_inspect_free(). */
typedef struct rv_inspect_report {
	uint32_t sample, dim, k;
	double norm_min, norm_max, norm_mean, norm_std;
	uint32_t norm_hist[RV_INSPECT_BINS]; /**< equal bins from norm_min to norm_max */
	uint64_t exact_duplicate_pairs;
	uint64_t near_duplicate_pairs;       /**< not counting exact ones */
	uint32_t duplicated_vectors;         /**< sample vectors in a pair of either kind */
	double near_threshold;               /**< the distance below which a pair is near */
	double hubness_skew;                 /**< skewness of N_k */
	uint32_t hub_max;                    /**< largest N_k */
	uint32_t antihubs;                   /**< points with N_k = 0 */
	double twonn_dimension;              /**< NaN when fewer than 3 usable points */
	double mle_dimension;
	double effective_rank;               /**< NaN above #RV_INSPECT_PCA_DIM_MAX */
	double top_variance[RV_INSPECT_TOP]; /**< share of the variance of principal direction i (NaN unused) */
	uint32_t collapsed_dims;
	double *h0;                          /**< sample - 1 death times, ascending */
	char *sample_ids;                    /**< the sampled ids, each NUL-terminated, one after the other */
} rv_inspect_report;

/** Inspect a sample of the collection (see above).
 *  @param p   NULL for the defaults.
 *  @param out receives the report (free with rv_inspect_free()).
 *  @return #RV_OK; #RV_EINVAL (a parameter out of range, named; fewer than
 *  3 vectors); #RV_ENOMEM. */
int rv_inspect(rv_collection *coll, const rv_inspect_params *p, rv_inspect_report **out);

/** Free a report. NULL is ignored. */
void rv_inspect_free(rv_inspect_report *r);
/** @} */

/** @defgroup payload Payloads
 *  Each record may carry a payload: a JSON object (a document), for
 *  example {"session":"s1","reward":0.9,"tags":["a","b"],
 *  "meta":{"author":{"name":"Ada"},"scores":[1,2.5]}}. Values are null,
 *  true/false, numbers (kept as float64: integers exact up to 2^53),
 *  strings, arrays of any values and objects. Payloads go in and come out
 *  as JSON text (object keys come out in bytewise order); inside they are
 *  stored typed, logged and checkpointed with the record. Bounds: the JSON
 *  text up to #RV_PAYLOAD_MAX bytes, nesting up to #RV_PAYLOAD_DEPTH_MAX
 *  (the payload object counts as 1), #RV_PAYLOAD_FIELDS fields per object,
 *  field names of 1..#RV_PAYLOAD_KEY_MAX bytes, no duplicate keys; beyond
 *  them #RV_EINVAL names the field. Filters and indexes address fields by
 *  dotted path ("meta.author.name"; see Filters). */
/** @{ */
#define RV_PAYLOAD_MAX       65536u /**< largest payload, as JSON text, in bytes */
#define RV_PAYLOAD_FIELDS    256u   /**< most fields in one object */
#define RV_PAYLOAD_KEY_MAX   255u   /**< longest field name in bytes */
#define RV_PAYLOAD_DEPTH_MAX 16u    /**< deepest nesting of objects and arrays */
#define RV_PAYLOAD_PATH_MAX  1024u  /**< longest dotted path in a filter or index, in bytes */

/** rv_insert() with a payload (JSON text, NUL-terminated; NULL for none).
 *  An insert, or an upsert that replaces a record, sets the record's
 *  payload to this one; rv_update() keeps it. The vector and its payload
 *  are one write: logged, applied and recovered together.
 *  @return the codes of rv_insert(); #RV_EINVAL for a bad payload. */
int rv_insert_payload(rv_collection *coll, const char *id, const float *vector, size_t dim,
                      const char *payload, unsigned flags);

/** rv_insert_batch() with payloads: @p payloads holds n JSON texts (an
 *  entry may be NULL: no payload), or is NULL for none at all. Bad JSON in
 *  any entry fails the whole batch, naming the entry. */
int rv_insert_batch_payload(rv_collection *coll, size_t n, const char *const *ids, const float *vectors,
                            size_t dim, const char *const *payloads, unsigned flags);

/** Replace the payload of an existing record (NULL removes it); the
 *  vector is unchanged.
 *  @return #RV_OK, #RV_ENOTFOUND, #RV_EINVAL (bad payload), #RV_EID,
 *  #RV_ENOMEM, or a storage error. */
int rv_set_payload(rv_collection *coll, const char *id, const char *payload);

/** Change part of the payload of an existing record: @p patch is a JSON
 *  merge patch (RFC 7386), an object whose members replace the payload's
 *  members of the same name, whose null members remove them, and whose
 *  object members merge into object members recursively, so
 *  {"meta":{"level":2,"draft":null}} sets meta.level, removes meta.draft
 *  and leaves the rest of the document as it was. Read, merged and written
 *  as one write (no other write comes between). A result of {} removes the
 *  payload. The result must be within the payload bounds.
 *  @return the codes of rv_set_payload(). */
int rv_merge_payload(rv_collection *coll, const char *id, const char *patch);

/** Write the payload of @p id as JSON text into buf (NUL-terminated; "{}"
 *  when it has none). *needed (if not NULL) gets the bytes needed,
 *  counting the NUL.
 *  @return #RV_OK, #RV_ENOTFOUND, #RV_EID, #RV_ERANGE (buf too small:
 *  nothing useful written; call again with *needed bytes), #RV_ENOMEM. */
int rv_get_payload(rv_collection *coll, const char *id, char *buf, size_t size, size_t *needed);

/** Kinds of payload index. */
typedef enum rv_index_kind {
	RV_INDEX_KEYWORD = 1, /**< exact values: strings, booleans, string-array elements ($eq, $in, $contains) */
	RV_INDEX_NUMERIC = 2, /**< numbers, ordered ($eq, $gt, $gte, $lt, $lte, $in) */
	RV_INDEX_TEXT = 3     /**< BM25 full text of a string field (rv_search_text(); one per collection) */
} rv_index_kind;

/** Index the payload values at dotted path @p key (1..#RV_PAYLOAD_KEY_MAX
 *  bytes; every value the path reaches, and each element of an array
 *  value, as filters match them), now and for every later write. Keyword and
 *  numeric indexes let filtered searches find a small matching set
 *  directly and estimate selectivity exactly; without them the planner
 *  samples. Creating an index that exists is a no-op. Persistent.
 *  @return #RV_OK, #RV_EINVAL (bad key, or a second text field),
 *  #RV_ENOMEM, or a storage error. */
int rv_create_index(rv_collection *coll, const char *key, rv_index_kind kind);

/** Drop the index of kind @p kind on @p key, with everything it holds;
 *  filters go on giving the same answers, planned without it. Persistent
 *  (logged, and left out of the next checkpoint).
 *  @return #RV_OK, #RV_ENOTFOUND (no such index), #RV_EINVAL (bad key or
 *  kind), #RV_EREADONLY, or a storage error. */
int rv_drop_index(rv_collection *coll, const char *key, rv_index_kind kind);

/** A payload index, as rv_list_indexes() describes it. */
typedef struct rv_index_desc {
	char key[RV_PAYLOAD_KEY_MAX + 1]; /**< its path, NUL-terminated */
	rv_index_kind kind;
} rv_index_desc;

/** The collection's payload indexes: writes up to @p max of them to @p out
 *  (keyword and numeric in order of creation, then the text index) and
 *  returns how many there are (which may be more than @p max). */
size_t rv_list_indexes(rv_collection *coll, rv_index_desc *out, size_t max);
/** @} */

/** @defgroup filters Filters
 *  A filter is a tree of conditions on payload fields, built with
 *  rv_filter_leaf(), rv_filter_elem_match() and rv_filter_node(), or parsed
 *  from JSON with rv_filter_parse(). It is immutable once built, and may be
 *  shared by any number of concurrent searches on any collections.
 *
 *  A condition names a field by dotted path ("meta.author.name"), resolved
 *  as MongoDB does: through arrays the path goes on in every element that
 *  is an object, and a numeric segment picks one element ("authors.0.name").
 *  A field name that itself holds dots still matches whole ("a.b" names
 *  the key "a.b" where there is one). A path of 1..#RV_PAYLOAD_PATH_MAX
 *  bytes, without empty segments.
 *
 *  Semantics (MongoDB's): a condition holds when any value the path reaches
 *  satisfies it, and a value that is an array satisfies it when the array
 *  does ($size, $elemMatch) or any of its elements does (the others).
 *  - eq: equals the value. Numbers compare as float64; types never coerce.
 *  - ne: not eq (a record without the field matches).
 *  - in / nin: eq to any / none of the values.
 *  - gt, gte, lt, lte: numbers numerically, strings bytewise (UTF-8 code
 *    point order); a value of another type does not match.
 *  - exists: values[0] true: the path reaches something (even null);
 *    false: it reaches nothing.
 *  - contains: a string containing the string as a substring, or an array
 *    with an element equal to it.
 *  - size: an array of exactly values[0] elements (a whole number).
 *  - elem_match: an array with an element matching the sub-filter: for an
 *    element that is an object, the sub-filter's paths are inside it; in a
 *    sub-filter built from conditions without a field (rv_filter_leaf()
 *    with key ""), they apply to the element itself.
 *  - and, or, not over sub-filters.
 *
 *  JSON syntax: an object whose entries all hold (an implicit and):
 *    {"path": value}                       eq (value: null, bool, number, string)
 *    {"path": {"$op": value, ...}}         $eq $ne $gt $gte $lt $lte $in $nin
 *                                          $exists $contains $size
 *    {"path": {"$elemMatch": {"sub.path": ..., ...}}}   on arrays of objects
 *    {"path": {"$elemMatch": {"$gte": 1, "$lt": 5}}}   on arrays of values
 *    {"$and": [f, ...]}  {"$or": [f, ...]}  {"$not": f}
 *  Bounds: nesting depth #RV_FILTER_DEPTH_MAX, #RV_FILTER_IN_MAX values per
 *  $in/$nin, #RV_FILTER_NODES_MAX conditions in all, JSON text up to
 *  #RV_FILTER_JSON_MAX bytes. */
/** @{ */
#define RV_FILTER_DEPTH_MAX  16u      /**< deepest nesting of and/or/not */
#define RV_FILTER_IN_MAX     1024u    /**< most values in one in/nin */
#define RV_FILTER_NODES_MAX  4096u    /**< most conditions in one filter */
#define RV_FILTER_JSON_MAX   262144u  /**< longest filter JSON text in bytes */

typedef struct rv_filter rv_filter;

typedef enum rv_filter_op {
	RV_FILTER_AND = 1, RV_FILTER_OR, RV_FILTER_NOT,
	RV_FILTER_EQ, RV_FILTER_NE, RV_FILTER_IN, RV_FILTER_NIN,
	RV_FILTER_GT, RV_FILTER_GTE, RV_FILTER_LT, RV_FILTER_LTE,
	RV_FILTER_EXISTS, RV_FILTER_CONTAINS,
	RV_FILTER_SIZE, RV_FILTER_ELEM_MATCH
} rv_filter_op;

/** Type of a filter value. */
typedef enum rv_value_type {
	RV_VALUE_NULL = 0, RV_VALUE_BOOL = 1, RV_VALUE_NUMBER = 2, RV_VALUE_STRING = 3
} rv_value_type;

/** A value in a condition. Strings are copied by the builder. */
typedef struct rv_value {
	rv_value_type type;
	int boolean;        /**< #RV_VALUE_BOOL */
	double number;      /**< #RV_VALUE_NUMBER; finite */
	const char *string; /**< #RV_VALUE_STRING: UTF-8 */
	size_t length;      /**< its length in bytes */
} rv_value;

/** A condition on one field. eq, ne, gt..lte, contains and size take one
 *  value (gt..lte: a number or a string; contains: a string; size: a whole
 *  number); in and nin take 1..#RV_FILTER_IN_MAX; exists takes one boolean.
 *  @p key is a dotted path, or "" for the element itself inside
 *  rv_filter_elem_match().
 *  @return #RV_OK with *out (free with rv_filter_free()), #RV_EINVAL (wrong
 *  count or type of values, bad path; rv_errmsg(NULL) names it), #RV_ENOMEM. */
int rv_filter_leaf(rv_filter_op op, const char *key, const rv_value *values, size_t n, rv_filter **out);

/** elem_match: the array at @p key has an element matching @p sub. Takes
 *  ownership of @p sub, also when it fails.
 *  @return #RV_OK, #RV_EINVAL (bad path, depth beyond the bound), #RV_ENOMEM. */
int rv_filter_elem_match(const char *key, rv_filter *sub, rv_filter **out);

/** and / or over 1..n sub-filters, or not over exactly one. Takes
 *  ownership of kids[0..n), also when it fails.
 *  @return #RV_OK, #RV_EINVAL (op, count, or depth beyond the bound),
 *  #RV_ENOMEM. */
int rv_filter_node(rv_filter_op op, rv_filter *const *kids, size_t n, rv_filter **out);

/** Parse a JSON filter (syntax above). On failure @p err (errsize bytes)
 *  names the offending part: an unknown operator, a value of the wrong
 *  type, nesting deeper than the bound, an oversized $in, bad JSON and
 *  its byte offset.
 *  @return #RV_OK with *out, #RV_EINVAL, #RV_ENOMEM. */
int rv_filter_parse(const char *json, size_t len, rv_filter **out, char *err, size_t errsize);

/** Free a filter. NULL is ignored. */
void rv_filter_free(rv_filter *f);

/** Whether the payload of @p id matches @p f: 1 yes, 0 no, or a negative
 *  code (#RV_ENOTFOUND, #RV_EID). */
int rv_filter_match(rv_collection *coll, const char *id, const rv_filter *f);

/** Count the live records matching @p f (a scan, or the indexes when they
 *  answer exactly). @return the count, or a negative code. */
long long rv_count_matching(rv_collection *coll, const rv_filter *f);
/** @} */

/** @defgroup text Text and hybrid search
 *  With a text index (rv_create_index(.., #RV_INDEX_TEXT)), the string in
 *  that payload field is tokenised (Unicode letters and digits, lower-
 *  cased; CJK characters one token each) and scored by BM25 (k1 = 1.2,
 *  b = 0.75; src/text/text.h states the formula). */
/** @{ */

/** The k records whose text best matches @p query by BM25, best first;
 *  only records with a positive score, and only those matching
 *  @p filter when it is not NULL. hit.score is the BM25 score and
 *  hit.distance the vector distance is not computed (NaN).
 *  @return the number of hits, or #RV_EINVAL (no text index, k out of
 *  range, query not UTF-8), #RV_ERANGE, #RV_ENOMEM. */
int rv_search_text(rv_collection *coll, const char *query, size_t k, const rv_filter *filter,
                   rv_hit *hits, char *idbuf, size_t idbuf_size);

/** How rv_search_hybrid() fuses its two rankings. */
typedef enum rv_fusion {
	/** Reciprocal-rank fusion: score(d) = w_v/(rrf_k + rank_v(d)) +
	 *  w_t/(rrf_k + rank_t(d)), ranks from 1; a list without d adds 0. */
	RV_FUSION_RRF = 0,
	/** Weighted: score(d) = w_v * nv(d) + w_t * nt(d), where nv and nt are
	 *  each list's scores min-max normalised to [0, 1] (1 = best; a list
	 *  of equal scores gives 1 to all); a list without d adds 0. */
	RV_FUSION_WEIGHTED = 1
} rv_fusion;

/** Parameters of a hybrid search. Fill with rv_hybrid_params_init(). */
typedef struct rv_hybrid_params {
	rv_fusion fusion;          /**< default #RV_FUSION_RRF */
	float vector_weight;       /**< w_v; default 1 (RRF) -- for weighted, 0.5 is usual */
	float text_weight;         /**< w_t; default 1 */
	float rrf_k;               /**< RRF's constant; default 60, and 0 also means 60 */
	uint32_t depth;            /**< candidates taken from each ranking; 0: max(2k, 50); at least k */
	rv_search_params vector;   /**< ef, filter... for the vector side; the filter applies to both sides */
} rv_hybrid_params;

void rv_hybrid_params_init(rv_hybrid_params *p);

/** Fuse a vector search for @p query and a BM25 search for @p text.
 *  hit.score is the fused score, hit.distance the vector distance (NaN
 *  when the record came only from the text side).
 *  @return the number of hits, or the codes of rv_search() and
 *  rv_search_text(). */
int rv_search_hybrid(rv_collection *coll, const float *query, size_t dim, const char *text, size_t k,
                     const rv_hybrid_params *params, rv_hit *hits, char *idbuf, size_t idbuf_size);
/** @} */

/** @defgroup hypergraph Hypergraph
 *  Hyperedges tie 2..#RV_HEDGE_MEMBERS_MAX records of a collection into
 *  one fact ("the deploy failed because the migration and the cache flush
 *  ran together"), with a description, an optional embedding, a
 *  confidence, a validity interval and a payload. They live inside the
 *  collection: logged, checkpointed and checked with it, in its backups.
 *
 *  - Members are record ids of the collection that exist when the
 *    hyperedge is written; distinct; kept in the given order (ordered
 *    hyperedges: the order is the meaning, e.g. a causal chain).
 *  - The delete rule: deleting a record removes it from every hyperedge it
 *    is a member of; a hyperedge left with fewer than 2 members is deleted
 *    too. Updating a record's vector or payload keeps its memberships. A
 *    new record under a deleted id starts with none.
 *  - Times are milliseconds since the Unix epoch, UTC. A hyperedge is valid
 *    at t when valid_from <= t < valid_to; #RV_TIME_MAX as valid_to means
 *    "still valid".
 *  - Hyperedge ids are a namespace of their own (1..#RV_ID_MAX bytes of
 *    UTF-8, as record ids).
 *  - Embeddings have the collection's dimension and metric, and have an
 *    HNSW index of their own (the collection's M, ef_construction; rebuilt
 *    from the stored embeddings when a collection is opened). */
/** @{ */

#define RV_HEDGE_MEMBERS_MAX 256u         /**< most members of one hyperedge */
#define RV_HEDGE_DESC_MAX    65535u       /**< longest description in bytes */
#define RV_TIME_MAX INT64_MAX             /**< valid_to of a hyperedge with no end */
#define RV_TIME_MIN INT64_MIN

/** A hyperedge to write. Fill with rv_hyperedge_init(). */
typedef struct rv_hyperedge {
	const char *id;              /**< 1..#RV_ID_MAX bytes of UTF-8 */
	const char *const *members;  /**< n_members record ids */
	size_t n_members;            /**< 2..#RV_HEDGE_MEMBERS_MAX */
	int ordered;                 /**< non-zero: the member order means something */
	const char *description;     /**< UTF-8, up to #RV_HEDGE_DESC_MAX bytes; NULL: "" */
	const float *embedding;      /**< dim floats, all finite (cosine: not all zero), or NULL */
	size_t dim;                  /**< floats at embedding; the collection's dimension */
	float confidence;            /**< in [0, 1]; default 1 */
	int64_t valid_from;          /**< default #RV_TIME_MIN */
	int64_t valid_to;            /**< > valid_from; default #RV_TIME_MAX */
	const char *payload;         /**< JSON object text (the payload rules), or NULL */
} rv_hyperedge;

void rv_hyperedge_init(rv_hyperedge *e);

/** Write @p n hyperedges as one atomic, logged batch. Validated whole
 *  first: a bad field, an unknown member id, a repeated member, more than
 *  #RV_HEDGE_MEMBERS_MAX members, or (without #RV_UPSERT) an id that exists
 *  or repeats, and nothing is written; the message names the entry and
 *  what was wrong. With #RV_UPSERT an existing hyperedge is replaced.
 *  @return #RV_OK; #RV_EINVAL; #RV_EID; #RV_ENOTFOUND (a member is not a
 *  record); #RV_EEXIST; #RV_EDIM; #RV_ENONFINITE; #RV_EZERO; #RV_ENOMEM;
 *  the write errors of rv_insert() for a database. */
int rv_hyperedge_put(rv_collection *coll, size_t n, const rv_hyperedge *edges, unsigned flags);

/** Delete hyperedges by id; all must exist and be distinct, or nothing is
 *  deleted. @return #RV_OK, #RV_ENOTFOUND, #RV_EID, #RV_EINVAL. */
int rv_hyperedge_delete(rv_collection *coll, size_t n, const char *const *ids);

/** A hyperedge as JSON text into @p buf: {"id", "members", "ordered",
 *  "description", "confidence", "valid_from", "valid_to" (null for
 *  #RV_TIME_MIN / #RV_TIME_MAX), "payload" (object or null), "embedding"
 *  (array or null)}.
 *  @return #RV_OK; #RV_ENOTFOUND; #RV_ERANGE (size too small; *needed says
 *  how many bytes with the NUL); #RV_EID. */
int rv_hyperedge_get(rv_collection *coll, const char *id, char *buf, size_t size, size_t *needed);

/** A time window. */
typedef enum rv_window_kind {
	RV_WINDOW_NOW = 0,     /**< valid now (the system clock): expired and future edges excluded */
	RV_WINDOW_AT = 1,      /**< valid at `at` */
	RV_WINDOW_BETWEEN = 2, /**< valid at some time in [from, to) */
	RV_WINDOW_ANY = 3      /**< every hyperedge */
} rv_window_kind;

typedef struct rv_window {
	rv_window_kind kind;
	int64_t at, from, to;
} rv_window;

/** Parameters of rv_hyperedge_search(). Fill with rv_hsearch_params_init(). */
typedef struct rv_hsearch_params {
	uint32_t ef;                    /**< 0: the collection's ef_search; at least k */
	unsigned flags;                 /**< #RV_SEARCH_EXACT */
	const struct rv_filter *filter; /**< on the hyperedges' payloads, or NULL */
	rv_window window;               /**< default #RV_WINDOW_NOW */
} rv_hsearch_params;

void rv_hsearch_params_init(rv_hsearch_params *p);

/** The k hyperedges whose embeddings are nearest @p query among those
 *  matching the filter and valid in the window (hyperedges without an
 *  embedding are never returned). hit.score is the confidence. Small or
 *  narrow candidate sets are scanned exactly (as rv_search()).
 *  @return the number of hits or the codes of rv_search(). */
int rv_hyperedge_search(rv_collection *coll, const float *query, size_t dim, size_t k,
                        const rv_hsearch_params *params, rv_hit *hits, char *idbuf, size_t idbuf_size);

/** One record reached by a traversal. */
typedef struct rv_graph_hit {
	const char *id;       /**< the record id, in the caller's idbuf */
	const char *via;      /**< the hyperedge that reached it (in idbuf), NULL for a path's start */
	uint32_t hop;         /**< hops from the start (k-hop), or position on the path */
	float weight;         /**< k-hop: best confidence of an edge reaching it; path: product so far */
} rv_graph_hit;
/** idbuf bytes that always suffice for n graph hits. */
#define RV_GRAPH_IDBUF_SIZE(n) ((size_t)(n) * 2u * (RV_ID_MAX + 1u))

/** Traversal flag: an ordered hyperedge is followed forward only, from a
 *  member to the members after it (a causal chain a -> b -> c); unordered
 *  ones both ways. Without it every hyperedge joins all its members. */
#define RV_HYPER_DIRECTED 0x1u

/** The records within @p k hops of record @p start (records are adjacent
 *  when some hyperedge valid in @p window has both as members), in order
 *  of hop; the start is not listed. At hop h only the fanout[h-1] best new
 *  records are kept and expanded (fanout NULL or 0: no cap): best by the
 *  highest confidence of an edge reaching them from hop h-1, then the
 *  shorter id, then bytewise. Hits of one hop come in that order.
 *  @param k  1..64.  @param window NULL: #RV_WINDOW_ANY.
 *  @param flags 0 or #RV_HYPER_DIRECTED.
 *  @return the count; #RV_ERANGE when more than @p max (or idbuf too
 *  small); #RV_ENOTFOUND (start is no record); #RV_EINVAL. */
int rv_hyper_khop(rv_collection *coll, const char *start, uint32_t k, const uint32_t *fanout,
                  const rv_window *window, unsigned flags, rv_graph_hit *hits, size_t max, char *idbuf, size_t idbuf_size);

/** The path from record @p from to record @p to whose hyperedges (valid in
 *  @p window) have the greatest product of confidences: a shortest path
 *  with weights -ln(confidence); edges of confidence 0 are not crossed.
 *  @p flags: 0 or #RV_HYPER_DIRECTED.
 *  hits[0] is @p from, the last @p to; hits[i].via the hyperedge taken.
 *  @return the number of records on it; 0 when no path exists;
 *  #RV_ERANGE; #RV_ENOTFOUND; #RV_EINVAL. */
int rv_hyper_path(rv_collection *coll, const char *from, const char *to, const rv_window *window, unsigned flags,
                  rv_graph_hit *hits, size_t max, char *idbuf, size_t idbuf_size);

/** The hyperedges record @p id is a member of, valid in @p window (NULL:
 *  any), by id: each NUL-terminated, one after the other, into @p buf.
 *  @return how many; #RV_ERANGE (*needed says the bytes); #RV_ENOTFOUND
 *  when @p id is no record. */
int rv_hyperedges_of(rv_collection *coll, const char *id, const rv_window *window, char *buf, size_t size,
                     size_t *needed);

/** Calendar units for time buckets, all in UTC. */
typedef enum rv_time_unit {
	RV_UNIT_DAY = 0,   /**< from 00:00 */
	RV_UNIT_WEEK = 1,  /**< ISO weeks, from Monday 00:00 */
	RV_UNIT_MONTH = 2  /**< calendar months, from the 1st 00:00 (28 to 31 days) */
} rv_time_unit;

/** The start of the bucket holding time @p t (ms), and of the next one. */
int64_t rv_time_bucket_start(int64_t t, rv_time_unit unit);
int64_t rv_time_bucket_next(int64_t start, rv_time_unit unit);

#define RV_BUCKETS_MAX 100000u /**< most buckets one rv_hyperedge_buckets() call spans */

/** Count the hyperedges whose valid_from falls in each bucket of @p unit
 *  from the bucket holding @p from to the one holding @p to - 1, through
 *  the time index (binary searches, not a scan). starts[i] and counts[i]
 *  describe bucket i. @return the number of buckets; #RV_ERANGE when more
 *  than @p max (*needed, when not NULL, says how many); #RV_EINVAL
 *  (from >= to, unknown unit, more than #RV_BUCKETS_MAX buckets). */
int rv_hyperedge_buckets(rv_collection *coll, int64_t from, int64_t to, rv_time_unit unit, int64_t *starts,
                         uint64_t *counts, size_t max, size_t *needed);

/** Figures about the hypergraph. */
typedef struct rv_hyper_stats {
	uint64_t hyperedges;    /**< live hyperedges */
	uint64_t nodes;         /**< records that are members of at least one */
	uint64_t incidences;    /**< member entries over all hyperedges */
	uint64_t embedded;      /**< hyperedges with an embedding */
} rv_hyper_stats;

void rv_hyper_stats_get(rv_collection *coll, rv_hyper_stats *out);
/** @} */

/** @defgroup db Databases
 *  A database is a directory holding named collections that survive the
 *  process. Every write is logged to a write-ahead log before it returns;
 *  checkpoints fold the log into checksummed segment files, which opening
 *  maps into memory without reading them, so opening is fast and
 *  collections larger than memory work.
 *
 *  Durability. A write call returns once its log frame is as durable as
 *  the setting promises:
 *  - #RV_SYNC_FULL (default): synced to stable storage. An acknowledged
 *    write survives kill -9 and power loss. Concurrent writers share
 *    syncs (group commit).
 *  - #RV_SYNC_NORMAL: handed to the operating system, and synced within
 *    sync_interval_ms. Survives kill -9; power loss loses at most that
 *    window and never leaves a partial or corrupt state.
 *  - #RV_SYNC_OFF: handed to the operating system, never synced except by
 *    checkpoints. Survives kill -9; power loss may lose any recent write.
 *  A write is visible to searches in this process before it is durable.
 *  A batch is atomic: after a crash it is there entirely or not at all.
 *
 *  Errors. If a sync fails the database enters a read-only error state:
 *  the failed write and every later write return #RV_EREADONLY (reads keep
 *  working); it is never retried, because after a failed sync the
 *  operating system may have dropped the data it could not write. Reopen
 *  the database to recover the durable state. A full disk returns
 *  #RV_ENOSPC and loses nothing.
 *
 *  Processes. One process at a time may open a database for writing (a
 *  lock file); others get #RV_EBUSY. Any number may open it read-only
 *  (#RV_DB_READONLY) at the same time: each sees the state as of its open. */
/** @{ */

typedef struct rv_db rv_db;

typedef enum rv_durability {
	RV_SYNC_FULL = 0,
	RV_SYNC_NORMAL = 1,
	RV_SYNC_OFF = 2
} rv_durability;

#define RV_DB_CREATE 0x1u   /**< create the database if it does not exist (a new or empty directory) */
#define RV_DB_READONLY 0x2u /**< open for reading only; no lock taken */

typedef struct rv_db_options {
	/** #RV_DB_CREATE and/or #RV_DB_READONLY. Default 0. */
	uint32_t flags;
	/** Default #RV_SYNC_FULL. */
	rv_durability durability;
	/** #RV_SYNC_NORMAL's window. Default 100; 1..60000 ms. */
	uint32_t sync_interval_ms;
	/** A collection is checkpointed when its log grows past this many
	 *  bytes. Default 64 MiB; 0 checkpoints only when asked
	 *  (rv_checkpoint(), rv_compact()) and at closing, which checkpoints a
	 *  log past 1 MiB only: under #RV_SYNC_OFF, writes since the last
	 *  checkpoint that closing left in a smaller log are not synced, and a
	 *  power loss may take them (kill -9 does not). */
	uint64_t checkpoint_bytes;
} rv_db_options;

/** Fill @p opts with the defaults. */
void rv_db_options_init(rv_db_options *opts);

/** Open (or with #RV_DB_CREATE create) the database directory @p path.
 *  @return #RV_OK; #RV_EFORMAT (not a ruvector database); #RV_EVERSION
 *  (written by a newer format); #RV_EBUSY (another process has it open
 *  for writing); #RV_EIO; #RV_ENOSPC; #RV_ENOMEM; #RV_EINVAL. Messages go
 *  to rv_errmsg(NULL). */
int rv_db_open(const char *path, const rv_db_options *opts, rv_db **out);

/** Close the database and every collection still open in it (their
 *  handles become invalid). Flushes logs per the durability setting.
 *  @return #RV_OK or the first error met while flushing; the handle is
 *  freed either way. */
int rv_db_close(rv_db *db);

/** The calling thread's last error message for @p db (as rv_errmsg()). */
const char *rv_db_errmsg(const rv_db *db);

/** Collection names: 1..64 bytes of ASCII letters, digits, '_', '-' and
 *  '.', not starting with '.'. Anything else is #RV_EINVAL naming the
 *  offending character (so no '/', "..", or control characters). */
#define RV_NAME_MAX 64u

/** Create a collection in @p db and open it. #RV_EEXIST if it exists.
 *  The handle is closed by rv_collection_free() or rv_db_close(). */
int rv_db_create_collection(rv_db *db, const char *name, const rv_options *opts, rv_collection **out);

/** Open an existing collection: load its last checkpoint and replay its
 *  log. #RV_ENOTFOUND if there is none of that name; #RV_EBUSY if it is
 *  already open in this database handle; #RV_ECORRUPT / #RV_EFORMAT /
 *  #RV_EVERSION with file and offset for a damaged one. */
int rv_db_open_collection(rv_db *db, const char *name, rv_collection **out);

/** Delete a collection and its files. #RV_EBUSY while it is open. */
int rv_db_drop_collection(rv_db *db, const char *name);

/** The collections' names, each NUL-terminated, one after the other, into
 *  @p buf. @return how many, or #RV_ERANGE when @p size is too small
 *  (*needed then says how much is). */
int rv_db_list_collections(rv_db *db, char *buf, size_t size, size_t *needed);

/** Fold the collection's log into a new segment now. No-op for in-memory
 *  collections. Searches continue meanwhile; writers wait. */
int rv_checkpoint(rv_collection *coll);

/** Reclaim the space of deleted vectors: repair, renumber the live vectors
 *  densely, and checkpoint, so the files shrink. Searches continue. */
int rv_compact(rv_collection *coll);

/** Copy the database to the new directory @p dest, consistently, while
 *  writers continue: each collection's copy holds every write acknowledged
 *  before the call and none that is partial. */
int rv_db_backup(rv_db *db, const char *dest);

/** Storage figures of a collection (all 0 for an in-memory one). */
typedef struct rv_storage_stats {
	uint64_t generation;      /**< checkpoint generation */
	uint64_t segment_bytes;   /**< size of the current segment file */
	uint64_t wal_bytes;       /**< size of the log since that checkpoint */
	uint32_t format_version;  /**< on-disk format written */
	rv_durability durability;
} rv_storage_stats;

void rv_collection_storage(rv_collection *coll, rv_storage_stats *out);

/** Verify a database without changing it: every header, every checksum
 *  of every segment block and log frame, and every collection's graph.
 *  @param problem receives the first problem found ("file: offset: what"),
 *                 or "" when clean.
 *  @return #RV_OK when clean, #RV_ECORRUPT when a problem was found, or the
 *  error that prevented checking (#RV_EIO, #RV_EFORMAT, ...). */
int rv_db_check(const char *path, char *problem, size_t size);

/** The number of vectors in collection @p name without loading it: reads
 *  the ids of its last checkpoint and applies its log's frames to them,
 *  without building the graph (what `ruvector count` uses; opening a
 *  collection replays every logged insert into the graph). Applies the
 *  same log rule as an open: a damaged log is #RV_ECORRUPT.
 *  If the collection is open in @p db, its rv_count().
 *  @return #RV_OK with *count; #RV_EINVAL, #RV_ENOTFOUND, #RV_ECORRUPT
 *  (damaged files or a damaged collection, message names what), #RV_EIO,
 *  #RV_ENOMEM. Works on a database opened read-only. */
int rv_db_count(rv_db *db, const char *name, uint64_t *count);

/** What a repair of a collection's log found and dropped (rv_db_repair). */
typedef struct rv_repair_report {
	int damaged;                 /**< 1: the log is damaged (there is something to repair) */
	int repaired;                /**< 1: the damaged tail was cut off (#RV_REPAIR_APPLY) */
	uint64_t offset;             /**< byte of the log where the damage starts: the cut */
	uint64_t bytes;              /**< bytes from there to the end of the log */
	uint64_t frames;             /**< log frames the cut drops (writes: one call each) */
	uint64_t intact_frames;      /**< of those, frames that pass their checksum */
	uint64_t vectors;            /**< vectors those frames insert, upsert or update */
	uint64_t deletes;            /**< ids they delete */
	uint64_t others;             /**< payload and index changes they make */
	uint64_t unknown_frames;     /**< damaged frames whose records cannot be counted */
	uint64_t undelimited_bytes;  /**< bytes after them that cannot be read as frames */
	char what[512];              /**< "log file: byte N: what is wrong", or "" */
} rv_repair_report;

/** rv_db_repair flag: cut the damaged tail (without it, only report). */
#define RV_REPAIR_APPLY 1u

/** Repair a collection whose log is damaged (an open fails with
 *  #RV_ECORRUPT naming the log and a byte offset). A damaged log is never
 *  cut by an open: acknowledged writes may lie after the damage. This
 *  reports what cutting the log at the damage drops (frames, vectors, ids)
 *  and, with #RV_REPAIR_APPLY, cuts it there, leaving a collection that
 *  opens and passes rv_db_check() with every write before the damage.
 *  A torn tail (a write a crash interrupted) is not damage: opening handles
 *  it, and this reports nothing to do.
 *  @param db    opened for writing (the repair needs the write lock).
 *  @param name  the collection; it must not be open in @p db.
 *  @param flags 0 (report only) or #RV_REPAIR_APPLY.
 *  @param out   filled; out->damaged == 0 means the log needs no repair.
 *  @return #RV_OK (see @p out); #RV_EINVAL, #RV_EREADONLY (db opened
 *  read-only), #RV_EBUSY (collection open), #RV_ENOTFOUND,
 *  #RV_ECORRUPT/#RV_EFORMAT (the manifest or the log header is damaged:
 *  nothing this can repair), #RV_EIO, #RV_ENOSPC, #RV_ENOMEM. Damage
 *  elsewhere (a segment) is not repaired: rv_db_check() reports it. */
int rv_db_repair(rv_db *db, const char *name, unsigned flags, rv_repair_report *out);
/** @} */

/** @defgroup files Vector and record files
 *  Readers for the fvecs/ivecs files of the ANN benchmarks (per vector an
 *  int32 little-endian dimension, then that many float32, or int32 for
 *  ivecs), NumPy .npy matrices, and JSON Lines files of records. Each reads
 *  and checks the whole file before it returns anything. */
/** @{ */

/** Read a whole .fvecs (or .ivecs, @p is_int != 0) file.
 *  @param[out] data  rows*dim values, to free with rv_free_buffer().
 *  @param[out] rows  number of vectors.
 *  @param[out] dim   dimension of every vector.
 *  @param limit      read at most this many rows (0: all).
 *  @return #RV_OK; #RV_EIO (cannot open or read; errmsg has errno text);
 *  #RV_EFORMAT (truncated, dimension headers disagree or out of range;
 *  errmsg names the byte offset); #RV_ENOMEM. Errors go to rv_errmsg(NULL). */
int rv_read_vecs(const char *path, int is_int, size_t limit, void **data,
                 size_t *rows, size_t *dim);

/** Read a whole NumPy .npy file holding a 2-D matrix of float32, one
 *  vector per row: dtype '<f4' (little-endian float32), fortran_order
 *  False, shape (rows, dim) with dim in 1..#RV_DIM_MAX; format versions
 *  1.0, 2.0 and 3.0 (what numpy.save writes for such an array).
 *  Arguments and ownership as rv_read_vecs(); rows may be 0.
 *  @return #RV_OK; #RV_EIO; #RV_EFORMAT (not an .npy file; another dtype,
 *  fortran order, a shape that is not 2-D or out of range, a header that
 *  cannot be read; a file shorter or longer than its shape says: errmsg
 *  names what and the byte offset); #RV_ENOMEM. */
int rv_read_npy(const char *path, size_t limit, void **data, size_t *rows, size_t *dim);

/** Free a buffer the library allocated for the caller. NULL is ignored. */
void rv_free_buffer(void *buf);

/** Records read from a JSON Lines file by rv_read_jsonl(): record i has
 *  the id ids[i], the vector vectors[i*dim .. (i+1)*dim) and the payload
 *  payloads[i] (JSON text of an object, or NULL for none), ready for
 *  rv_insert_batch_payload(); it came from line lines[i] (counting from
 *  1). Everything belongs to the struct: free it with rv_records_free(). */
typedef struct rv_records {
	size_t n;          /**< records */
	size_t dim;        /**< floats per vector */
	char **ids;        /**< n NUL-terminated UTF-8 ids */
	float *vectors;    /**< n*dim floats, row-major, all finite */
	char **payloads;   /**< n JSON objects as text, or NULL entries */
	size_t *lines;     /**< n line numbers */
} rv_records;

/** Read a whole JSON Lines file of records, one JSON object per line:
 *    {"id": "a1", "vector": [0.5, 1, -2e-3], "payload": {"tag": "x"}}
 *  - "id": a string of 1..#RV_ID_MAX bytes, or a non-negative integer
 *    written in decimal digits, which becomes the string of those digits;
 *  - "vector": an array of numbers, each within float32's range;
 *  - "payload" (optional): an object within the payload bounds (see
 *    @ref payload: nesting, fields, key lengths, size), kept as written.
 *  Blank lines (nothing but spaces, tabs and a CR) are skipped; a line
 *  that is not such an object, or has any other member, is an error.
 *  Every record must have @p dim numbers (0: as many as the first record
 *  has), and no id may come twice.
 *  The file is read and checked whole: on any error nothing is returned.
 *  @param[out] out the records (free with rv_records_free()); n may be 0.
 *  @return #RV_OK; #RV_EIO; #RV_EFORMAT (a bad line: errmsg names the
 *  file, the line number and what is wrong, e.g. "data.jsonl: line 7:
 *  "vector" has 3 numbers; expected 4"); #RV_EINVAL (NULL argument, dim
 *  above #RV_DIM_MAX); #RV_ENOMEM. Errors go to rv_errmsg(NULL). */
int rv_read_jsonl(const char *path, size_t dim, rv_records **out);

/** Free what rv_read_jsonl() returned. NULL is ignored. */
void rv_records_free(rv_records *r);
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* RUVECTOR_H */
