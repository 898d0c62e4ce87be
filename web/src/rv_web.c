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

/* The collection `name` of db (opened, or created with these options when
 * it is missing and create is set); db NULL: a new in-memory collection.
 * The handle goes to rvw_result(). */
EXPORT int rvw_collection(rv_db *db, const char *name, uint32_t dim, int metric, uint32_t m,
                          uint32_t ef_construction, uint32_t ef_search, int create)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = dim;
	o.metric = (rv_metric)metric;
	if (m)
		o.m = m;
	if (ef_construction)
		o.ef_construction = ef_construction;
	if (ef_search)
		o.ef_search = ef_search;
	/* Single-threaded WebAssembly: the calling thread does all the work. */
	o.threads = 1;
	rv_collection *c = NULL;
	int rc;
	if (!db) {
		rc = rv_collection_new(&o, &c);
		if (rc < 0)
			return keep(rc, rv_errmsg(NULL));
	} else {
		rc = rv_db_open_collection(db, name, &c);
		if (rc == RV_ENOTFOUND && create)
			rc = rv_db_create_collection(db, name, &o, &c);
		if (rc < 0)
			return keep(rc, rv_db_errmsg(db));
	}
	last_result = (double)(uintptr_t)c;
	return 0;
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

/* Search: k nearest to q (ef 0: the collection's; flags RV_SEARCH_*;
 * filter JSON text or NULL). Hit i's distance goes to dists[i], its id,
 * NUL-terminated, to idbuf + id_offs[i]. Returns the number of hits. */
EXPORT int rvw_search(rv_collection *c, const float *q, uint32_t dim, uint32_t k, uint32_t ef,
                      uint32_t flags, const char *filter, float *dists, uint32_t *id_offs, char *idbuf,
                      uint32_t idbuf_size)
{
	rv_search_params p;
	memset(&p, 0, sizeof p);
	p.ef = ef;
	p.flags = flags;
	rv_filter *f = NULL;
	if (filter) {
		char err[256];
		int rc = rv_filter_parse(filter, strlen(filter), &f, err, sizeof err);
		if (rc < 0)
			return keep(rc, err);
		p.filter = f;
	}
	rv_hit *hits = malloc((size_t)(k ? k : 1) * sizeof *hits);
	if (!hits) {
		rv_filter_free(f);
		return keep(RV_ENOMEM, "out of memory for search results");
	}
	int n = rv_search(c, q, dim, k, &p, hits, idbuf, idbuf_size);
	rv_filter_free(f);
	if (n < 0) {
		free(hits);
		return keep(n, rv_errmsg(c));
	}
	for (int i = 0; i < n; i++) {
		dists[i] = hits[i].distance;
		id_offs[i] = (uint32_t)(hits[i].id - idbuf);
	}
	free(hits);
	return n;
}

/* Figures for stats(): out[0..9) = count, capacity, pending deletes, free
 * slots, memory bytes, max level, dim, vector bytes, mapped bytes (the
 * segment's vectors: "mapped" here means read into the heap, see
 * vfs_web.c). */
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
}

/* Check the graph; the first problem goes to rvw_errmsg(). */
EXPORT int rvw_check(rv_collection *c)
{
	rv_check_report r;
	int rc = rv_check(c, &r);
	snprintf(last_msg, sizeof last_msg, "%s", rc == RV_ECORRUPT ? r.first_problem : rc < 0 ? rv_errmsg(c) : "");
	return rc;
}
