/*
 * rv_web.c: the C shell that the browser build's worker (node/browser/worker.js)
 * calls: a flat set of functions over include/ruvector.h that take and
 * return only numbers and pointers, so that JavaScript never needs the
 * layout of a C struct (rv_options, rv_search_params, rv_hit, rv_stats).
 *
 * Conventions. Every function that can fail returns an int: 0 or a
 * negative RV_E* code, exactly as the core returned it. On failure the
 * message the core attached to the handle (rv_errmsg, rv_db_errmsg, or
 * rv_errmsg(NULL) for opens) is copied at once into one static buffer that
 * rvw_errmsg() returns: the worker is single-threaded and reads it right
 * after the failing call. A function that produces a handle or a count
 * puts it where rvw_result() reads it, for the same reason. Nothing here
 * changes what the core does; it only unpacks arguments and packs results.
 *
 * Memory: the worker allocates argument buffers with malloc (exported) and
 * frees them; buffers the shell allocates for the caller (payload text)
 * are freed with rvw_free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emscripten.h>

#include "ruvector.h"

#define EXPORT EMSCRIPTEN_KEEPALIVE

static char last_msg[1024];
static double last_result;

static int keep(int rc, const char *msg)
{
	if (rc < 0)
		snprintf(last_msg, sizeof last_msg, "%s", msg && *msg ? msg : rv_strerror(rc));
	return rc;
}

EXPORT const char *rvw_errmsg(void) { return last_msg; }
EXPORT double rvw_result(void) { return last_result; }
EXPORT const char *rvw_strerror(int rc) { return rv_strerror(rc); }
EXPORT const char *rvw_isa(void) { return rv_isa(); }
EXPORT const char *rvw_version(void) { return rv_version(NULL, NULL, NULL); }
EXPORT void rvw_free(void *p) { free(p); }

/* ---- databases ---- */

/* Open (flags: RV_DB_CREATE, RV_DB_READONLY) the database at path; the
 * handle goes to rvw_result(). checkpoint_bytes < 0 keeps the default. */
EXPORT int rvw_db_open(const char *path, uint32_t flags, int durability, double checkpoint_bytes)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	o.durability = (rv_durability)durability;
	if (checkpoint_bytes >= 0)
		o.checkpoint_bytes = (uint64_t)checkpoint_bytes;
	rv_db *db = NULL;
	int rc = rv_db_open(path, &o, &db);
	if (rc < 0)
		return keep(rc, rv_errmsg(NULL));
	last_result = (double)(uintptr_t)db;
	return 0;
}

EXPORT int rvw_db_close(rv_db *db)
{
	int rc = rv_db_close(db);
	return keep(rc, rv_errmsg(NULL));
}

/* Verify the database at path without opening it; the first problem (or
 * "") goes to rvw_errmsg(). */
EXPORT int rvw_db_check(const char *path)
{
	char problem[512];
	problem[0] = 0;
	int rc = rv_db_check(path, problem, sizeof problem);
	snprintf(last_msg, sizeof last_msg, "%s", rc < 0 && !*problem ? rv_errmsg(NULL) : problem);
	return rc;
}

/* The collection `name` of db: create 0 opens it, 1 opens it or creates it
 * with these options when it is missing, 2 creates it (RV_EEXIST when it
 * exists); db NULL: a new in-memory collection.
 * o[] = dim, metric, m, ef_construction, ef_search, prune_alpha,
 * exact_threshold, repair_batch, seed, quant_train, threads: NaN leaves the
 * default; the core checks the ranges and names the field. quant: NULL or
 * "none", "int8", "pq:M", "binary". The handle goes to rvw_result(). */
#define OPT(i, field, type) \
	if (o[i] == o[i])   \
		opts.field = (type)o[i];
EXPORT int rvw_collection(rv_db *db, const char *name, const double *o, const char *quant, int create)
{
	rv_options opts;
	rv_options_init(&opts);
	OPT(0, dim, uint32_t)
	OPT(1, metric, rv_metric)
	OPT(2, m, uint32_t)
	OPT(3, ef_construction, uint32_t)
	OPT(4, ef_search, uint32_t)
	OPT(5, prune_alpha, float)
	OPT(6, exact_threshold, uint32_t)
	OPT(7, repair_batch, uint32_t)
	OPT(8, seed, uint64_t)
	OPT(9, quant_train, uint32_t)
#ifdef __EMSCRIPTEN_PTHREADS__
	/* the threads build: the page's choice (the pool has four workers) */
	opts.threads = o[10] == o[10] ? (uint32_t)o[10] : 1;
#else
	/* Single-threaded WebAssembly: the calling thread does all the work. */
	opts.threads = 1;
#endif
	if (quant && rv_quant_parse(quant, &opts.quant, &opts.quant_pq_m) != RV_OK) {
		snprintf(last_msg, sizeof last_msg, "quantization must be 'none', 'int8', 'binary' or 'pq:M' (M dividing the "
		         "dimension); got \"%.200s\"", quant);
		return RV_EINVAL;
	}
	rv_collection *c = NULL;
	int rc;
	if (!db) {
		rc = rv_collection_new(&opts, &c);
		if (rc < 0)
			return keep(rc, rv_errmsg(NULL));
	} else {
		rc = create == 2 ? RV_ENOTFOUND : rv_db_open_collection(db, name, &c);
		if (rc == RV_ENOTFOUND && create)
			rc = rv_db_create_collection(db, name, &opts, &c);
		if (rc < 0)
			return keep(rc, rv_db_errmsg(db));
	}
	last_result = (double)(uintptr_t)c;
	return 0;
}
#undef OPT

/* Drop collection `name` of db (RV_EBUSY while open). */
EXPORT int rvw_db_drop(rv_db *db, const char *name) { return keep(rv_db_drop_collection(db, name), rv_db_errmsg(db)); }

/* The collections' names, NUL-separated, in a buffer for rvw_free (its
 * pointer in rvw_result()); returns how many. */
EXPORT int rvw_db_list(rv_db *db)
{
	size_t need = 256;
	for (;;) {
		char *buf = malloc(need);
		if (!buf)
			return keep(RV_ENOMEM, "out of memory listing collections");
		size_t want = 0;
		int n = rv_db_list_collections(db, buf, need, &want);
		if (n >= 0) {
			last_result = (double)(uintptr_t)buf;
			return n;
		}
		free(buf);
		if (n != RV_ERANGE || want <= need)
			return keep(n, rv_db_errmsg(db));
		need = want;
	}
}

/* out[0..5) = generation, segment bytes, log bytes, format version, durability. */
EXPORT void rvw_storage(rv_collection *c, double *out)
{
	rv_storage_stats s;
	rv_collection_storage(c, &s);
	out[0] = (double)s.generation;
	out[1] = (double)s.segment_bytes;
	out[2] = (double)s.wal_bytes;
	out[3] = (double)s.format_version;
	out[4] = (double)s.durability;
}

EXPORT void rvw_collection_free(rv_collection *c) { rv_collection_free(c); }

EXPORT uint32_t rvw_dim(rv_collection *c)
{
	rv_options o;
	rv_collection_options(c, &o);
	return o.dim;
}

EXPORT int rvw_metric(rv_collection *c)
{
	rv_options o;
	rv_collection_options(c, &o);
	return (int)o.metric;
}

/* ---- writes ---- */

EXPORT int rvw_insert(rv_collection *c, const char *id, const float *v, uint32_t dim, uint32_t flags,
                      const char *payload)
{
	return keep(rv_insert_payload(c, id, v, dim, payload, flags), rv_errmsg(c));
}

/* ids: n pointers to NUL-terminated ids; payloads: NULL or n pointers
 * (each NULL or JSON text). */
EXPORT int rvw_insert_batch(rv_collection *c, uint32_t n, const char *const *ids, const float *v,
                            uint32_t dim, uint32_t flags, const char *const *payloads)
{
	return keep(rv_insert_batch_payload(c, n, ids, v, dim, payloads, flags), rv_errmsg(c));
}

EXPORT int rvw_delete(rv_collection *c, const char *id)
{
	return keep(rv_delete(c, id), rv_errmsg(c));
}

/* Delete the ids (distinct) that exist, skipping missing ones, as the Node
 * package does: rv_delete_batch is all or nothing, so on RV_ENOTFOUND the
 * ids that exist are kept and it runs again (one worker thread: nothing
 * deletes in between). Returns how many were deleted. ids is rewritten. */
EXPORT int rvw_delete_batch(rv_collection *c, uint32_t n, const char **ids)
{
	int rc = n ? rv_delete_batch(c, n, ids) : RV_OK;
	if (rc != RV_ENOTFOUND)
		return rc < 0 ? keep(rc, rv_errmsg(c)) : (int)n;
	rv_options o;
	rv_collection_options(c, &o);
	float *tmp = malloc((size_t)o.dim * sizeof *tmp);
	if (!tmp)
		return keep(RV_ENOMEM, "out of memory deleting");
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		int g = rv_get(c, ids[i], tmp, o.dim);
		if (g == RV_OK)
			ids[k++] = ids[i];
		else if (g != RV_ENOTFOUND) {
			free(tmp);
			return keep(g, rv_errmsg(c));
		}
	}
	free(tmp);
	rc = k ? rv_delete_batch(c, k, ids) : RV_OK;
	return rc < 0 ? keep(rc, rv_errmsg(c)) : (int)k;
}

EXPORT int rvw_set_payload(rv_collection *c, const char *id, const char *payload)
{
	return keep(rv_set_payload(c, id, payload), rv_errmsg(c));
}

EXPORT int rvw_merge_payload(rv_collection *c, const char *id, const char *patch)
{
	return keep(rv_merge_payload(c, id, patch), rv_errmsg(c));
}

EXPORT int rvw_vacuum(rv_collection *c) { return keep(rv_vacuum(c), rv_errmsg(c)); }
EXPORT int rvw_optimize(rv_collection *c) { return keep(rv_optimize(c), rv_errmsg(c)); }
EXPORT int rvw_quantize(rv_collection *c) { return keep(rv_quantize(c), rv_errmsg(c)); }

EXPORT int rvw_checkpoint(rv_collection *c) { return keep(rv_checkpoint(c), rv_errmsg(c)); }
EXPORT int rvw_compact(rv_collection *c) { return keep(rv_compact(c), rv_errmsg(c)); }

EXPORT int rvw_create_index(rv_collection *c, const char *key, int kind)
{
	return keep(rv_create_index(c, key, (rv_index_kind)kind), rv_errmsg(c));
}

/* ---- reads ---- */

EXPORT double rvw_count(rv_collection *c) { return (double)rv_count(c); }

EXPORT int rvw_get(rv_collection *c, const char *id, float *out, uint32_t dim)
{
	return keep(rv_get(c, id, out, dim), rv_errmsg(c));
}

/* The payload of id as JSON text in a buffer for rvw_free, its pointer in
 * rvw_result(). */
EXPORT int rvw_get_payload(rv_collection *c, const char *id)
{
	size_t need = 0;
	char small[256];
	int rc = rv_get_payload(c, id, small, sizeof small, &need);
	if (rc == RV_ERANGE || rc == RV_OK) {
		char *buf = malloc(need ? need : 1);
		if (!buf)
			return keep(RV_ENOMEM, "out of memory reading a payload");
		if (rc == RV_OK)
			memcpy(buf, small, need);
		else if ((rc = rv_get_payload(c, id, buf, need, NULL)) < 0) {
			free(buf);
			return keep(rc, rv_errmsg(c));
		}
		last_result = (double)(uintptr_t)buf;
		return 0;
	}
	return keep(rc, rv_errmsg(c));
}

/* A filter from JSON text (NULL: none); its parse error goes to
 * rvw_errmsg(). */
static int parse_filter(const char *filter, rv_filter **out)
{
	*out = NULL;
	if (!filter)
		return RV_OK;
	char err[256];
	int rc = rv_filter_parse(filter, strlen(filter), out, err, sizeof err);
	return rc < 0 ? keep(rc, err) : RV_OK;
}

/* Hits out: hit i's distance (NaN where none) to dists[i], score to
 * scores[i], its id, NUL-terminated, to idbuf + id_offs[i]. */
static void put_hits(const rv_hit *hits, int n, const char *idbuf, float *dists, float *scores, uint32_t *id_offs)
{
	for (int i = 0; i < n; i++) {
		dists[i] = hits[i].distance;
		scores[i] = hits[i].score;
		id_offs[i] = (uint32_t)(hits[i].id - idbuf);
	}
}

static rv_hit *hit_array(size_t n) { return malloc((n ? n : 1) * sizeof(rv_hit)); }

/* Search: k nearest to q (ef 0: the collection's; flags RV_SEARCH_*;
 * filter JSON text or NULL; mmr_lambda and mmr_candidates with
 * RV_SEARCH_MMR). Returns the number of hits (see put_hits). */
EXPORT int rvw_search(rv_collection *c, const float *q, uint32_t dim, uint32_t k, uint32_t ef, uint32_t flags,
                      const char *filter, float mmr_lambda, uint32_t mmr_candidates, float *dists, float *scores,
                      uint32_t *id_offs, char *idbuf, uint32_t idbuf_size)
{
	rv_search_params p;
	memset(&p, 0, sizeof p);
	p.ef = ef;
	p.flags = flags;
	p.mmr_lambda = mmr_lambda;
	p.mmr_candidates = mmr_candidates;
	rv_filter *f;
	int rc = parse_filter(filter, &f);
	if (rc < 0)
		return rc;
	p.filter = f;
	rv_hit *hits = hit_array(k);
	if (!hits) {
		rv_filter_free(f);
		return keep(RV_ENOMEM, "out of memory for search results");
	}
	int n = rv_search(c, q, dim, k, &p, hits, idbuf, idbuf_size);
	rv_filter_free(f);
	if (n >= 0)
		put_hits(hits, n, idbuf, dists, scores, id_offs);
	free(hits);
	return n < 0 ? keep(n, rv_errmsg(c)) : n;
}

/* nq queries at once: query i's hits at [i*k, i*k + counts[i]), its ids in
 * idbuf's slice i (RV_IDBUF_SIZE(k) bytes each; offsets from idbuf). */
EXPORT int rvw_search_batch(rv_collection *c, uint32_t nq, const float *q, uint32_t dim, uint32_t k, uint32_t ef,
                            uint32_t flags, const char *filter, float mmr_lambda, uint32_t mmr_candidates,
                            float *dists, float *scores, int *counts, uint32_t *id_offs, char *idbuf)
{
	rv_search_params p;
	memset(&p, 0, sizeof p);
	p.ef = ef;
	p.flags = flags;
	p.mmr_lambda = mmr_lambda;
	p.mmr_candidates = mmr_candidates;
	rv_filter *f;
	int rc = parse_filter(filter, &f);
	if (rc < 0)
		return rc;
	p.filter = f;
	rv_hit *hits = hit_array((size_t)nq * k);
	if (!hits) {
		rv_filter_free(f);
		return keep(RV_ENOMEM, "out of memory for search results");
	}
	rc = rv_search_batch(c, nq, q, dim, k, &p, hits, counts, idbuf, (size_t)nq * RV_IDBUF_SIZE(k));
	rv_filter_free(f);
	if (rc >= 0)
		for (uint32_t i = 0; i < nq; i++)
			put_hits(hits + (size_t)i * k, counts[i], idbuf, dists + (size_t)i * k, scores + (size_t)i * k,
			         id_offs + (size_t)i * k);
	free(hits);
	return rc < 0 ? keep(rc, rv_errmsg(c)) : 0;
}

/* BM25 over the text index: as rvw_search. */
EXPORT int rvw_search_text(rv_collection *c, const char *query, uint32_t k, const char *filter, float *dists,
                           float *scores, uint32_t *id_offs, char *idbuf, uint32_t idbuf_size)
{
	rv_filter *f;
	int rc = parse_filter(filter, &f);
	if (rc < 0)
		return rc;
	rv_hit *hits = hit_array(k);
	if (!hits) {
		rv_filter_free(f);
		return keep(RV_ENOMEM, "out of memory for search results");
	}
	int n = rv_search_text(c, query, k, f, hits, idbuf, idbuf_size);
	rv_filter_free(f);
	if (n >= 0)
		put_hits(hits, n, idbuf, dists, scores, id_offs);
	free(hits);
	return n < 0 ? keep(n, rv_errmsg(c)) : n;
}

/* A vector and a text search fused. hp[] = fusion, vector weight, text
 * weight, rrf k, depth: NaN leaves the default. As rvw_search. */
EXPORT int rvw_search_hybrid(rv_collection *c, const float *q, uint32_t dim, const char *text, uint32_t k,
                             uint32_t ef, uint32_t flags, const char *filter, const double *hp, float *dists,
                             float *scores, uint32_t *id_offs, char *idbuf, uint32_t idbuf_size)
{
	rv_hybrid_params p;
	rv_hybrid_params_init(&p);
	if (hp[0] == hp[0])
		p.fusion = (rv_fusion)hp[0];
	if (hp[1] == hp[1])
		p.vector_weight = (float)hp[1];
	if (hp[2] == hp[2])
		p.text_weight = (float)hp[2];
	if (hp[3] == hp[3])
		p.rrf_k = (float)hp[3];
	if (hp[4] == hp[4])
		p.depth = (uint32_t)hp[4];
	p.vector.ef = ef;
	p.vector.flags = flags;
	rv_filter *f;
	int rc = parse_filter(filter, &f);
	if (rc < 0)
		return rc;
	p.vector.filter = f;
	rv_hit *hits = hit_array(k);
	if (!hits) {
		rv_filter_free(f);
		return keep(RV_ENOMEM, "out of memory for search results");
	}
	int n = rv_search_hybrid(c, q, dim, text, k, &p, hits, idbuf, idbuf_size);
	rv_filter_free(f);
	if (n >= 0)
		put_hits(hits, n, idbuf, dists, scores, id_offs);
	free(hits);
	return n < 0 ? keep(n, rv_errmsg(c)) : n;
}

/* Live records matching the filter (a double: counts pass 2^31). */
EXPORT double rvw_count_matching(rv_collection *c, const char *filter)
{
	rv_filter *f;
	int rc = parse_filter(filter, &f);
	if (rc < 0)
		return rc;
	long long n = rv_count_matching(c, f);
	rv_filter_free(f);
	return n < 0 ? keep((int)n, rv_errmsg(c)) : (double)n;
}

/* Figures for stats(): out[0..12) = count, capacity, pending deletes, free
 * slots, memory bytes, max level, dim, vector bytes, mapped bytes (the
 * segment's vectors: "mapped" here means read into the heap, see
 * vfs_web.c), code bytes, quantization, quantizer trained. */
EXPORT void rvw_stats(rv_collection *c, double *out)
{
	rv_stats s;
	rv_collection_stats(c, &s);
	out[0] = (double)s.count;
	out[1] = (double)s.capacity;
	out[2] = (double)s.pending_deletes;
	out[3] = (double)s.free_slots;
	out[4] = (double)s.memory_bytes;
	out[5] = (double)s.max_level;
	out[6] = (double)s.dim;
	out[7] = (double)s.vector_bytes;
	out[8] = (double)s.mapped_bytes;
	out[9] = (double)s.code_bytes;
	out[10] = (double)s.quant;
	out[11] = (double)s.quant_trained;
}

/* Check the graph: out[0..8) = nodes, edges, reciprocal, dangling, bad
 * level, duplicates, unreachable, pending deletes; the first problem goes
 * to rvw_errmsg(). */
EXPORT int rvw_check(rv_collection *c, double *out)
{
	rv_check_report r;
	memset(&r, 0, sizeof r);
	int rc = rv_check(c, &r);
	snprintf(last_msg, sizeof last_msg, "%s", rc == RV_ECORRUPT ? r.first_problem : rc < 0 ? rv_errmsg(c) : "");
	out[0] = (double)r.nodes;
	out[1] = (double)r.edges;
	out[2] = (double)r.reciprocal;
	out[3] = (double)r.dangling;
	out[4] = (double)r.bad_level;
	out[5] = (double)r.duplicates;
	out[6] = (double)r.unreachable;
	out[7] = (double)r.pending_deletes;
	return rc;
}
