/*
 * hyper.c: the Collection's hypergraph methods (ruvector.h, "Hypergraph").
 *
 * Writes and searches are jobs on worker threads, as every write and
 * search (work.h): hyperPut, hyperDelete, hyperSearch. The graph reads
 * (hyperGet, hyperKhop, hyperPath, hyperOf, hyperBuckets, hyperStats) run
 * on the JS thread: they walk in-memory lists under a shared lock, without
 * I/O, and return small results; lib/collection.js documents it.
 *
 * A batch of hyperedges crosses as three values lib/ builds (and never
 * shows to user code):
 *   text  per hyperedge: id, description, payload ("" for none), then its
 *         members, each followed by a NUL;
 *   nums  Float64Array, 7 per hyperedge: members, ordered (0/1),
 *         confidence, validFrom, validTo (-Infinity / Infinity: no bound),
 *         has embedding (0/1), has payload (0/1);
 *   embs  Float32Array of the embeddings of those that have one, in order.
 * A window is a Float64Array [kind, at, from, to] (rv_window).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

#define NUMS 7

typedef struct put_aux {
	rv_hyperedge *e;
	const char **mem;
} put_aux;

/* A JS time (ms) as int64: the infinities are the given bound, and
 * anything beyond int64's range is clamped (a cast of such a double is
 * undefined behaviour in C). */
static int64_t time_of(double t, int64_t inf)
{
	if (isinf(t))
		return inf;
	if (!(t > -9.2e18))
		return RV_TIME_MIN;
	if (t > 9.2e18)
		return RV_TIME_MAX;
	return (int64_t)t;
}

static void exec_put(rvn_job *base)
{
	cjob *j = (cjob *)base;
	put_aux *a = j->aux;
	int rc = rv_hyperedge_put(j->c, j->n, a->e, j->flags & RVN_UPSERT ? RV_UPSERT : 0);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static void exec_delete(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_hyperedge_delete(j->c, j->n, (const char *const *)j->ids);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static bool read_window(napi_env env, napi_value v, rv_window *w)
{
	napi_valuetype t;
	w->kind = RV_WINDOW_ANY;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t == napi_undefined || t == napi_null)
		return true;
	napi_typedarray_type tt;
	size_t len;
	void *data;
	bool is_ta = false;
	napi_is_typedarray(env, v, &is_ta);
	if (!is_ta || napi_get_typedarray_info(env, v, &tt, &len, &data, NULL, NULL) != napi_ok ||
	    tt != napi_float64_array || len != 4) {
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "window must be a Float64Array of 4");
		return false;
	}
	const double *d = data;
	if (!(d[0] >= 0 && d[0] <= 3)) {
		rvn_throw_range(env, "ERR_OUT_OF_RANGE", "window kind must be 0..3");
		return false;
	}
	w->kind = (rv_window_kind)d[0];
	w->at = time_of(d[1], d[1] < 0 ? RV_TIME_MIN : RV_TIME_MAX);
	w->from = time_of(d[2], RV_TIME_MIN);
	w->to = time_of(d[3], RV_TIME_MAX);
	return true;
}

static void exec_search(rvn_job *base)
{
	cjob *j = (cjob *)base;
	rv_hsearch_params p;
	rv_hsearch_params_init(&p);
	p.ef = j->ef;
	p.flags = j->flags & RVN_EXACT ? RV_SEARCH_EXACT : 0;
	p.filter = j->filter;
	p.window = *(rv_window *)j->aux;
	rv_hit *hits = malloc(j->k * sizeof *hits);
	size_t idbuf_size = RV_IDBUF_SIZE(j->k);
	j->out_ids = malloc(idbuf_size);
	j->out_dist = malloc(j->k * sizeof(float));
	j->out_score = malloc(j->k * sizeof(float));
	if (!hits || !j->out_ids || !j->out_dist || !j->out_score) {
		free(hits);
		rvn_cjob_oom(j, "hyperedge search results");
		return;
	}
	int n = rv_hyperedge_search(j->c, j->vecs, j->vec_len, j->k, &p, hits, j->out_ids, idbuf_size);
	if (n < 0) {
		free(hits);
		rvn_cjob_fail(j, n);
		return;
	}
	/* the ids lie one after the other in out_ids already */
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		used += hits[i].id_len + 1;
		j->out_dist[i] = hits[i].distance;
		j->out_score[i] = hits[i].score;
	}
	j->out_ids_len = used ? used - 1 : 0;
	j->out_n = (size_t)n;
	free(hits);
}

static napi_value f32_array(napi_env env, const float *src, size_t n)
{
	napi_value ab, ta;
	void *data = NULL;
	if (napi_create_arraybuffer(env, n * sizeof(float), &data, &ab) != napi_ok)
		return NULL;
	if (n)
		memcpy(data, src, n * sizeof(float));
	if (napi_create_typedarray(env, napi_float32_array, n, ab, 0, &ta) != napi_ok)
		return NULL;
	return ta;
}

/* [ids joined by NUL, distances, scores (confidences)] */
static bool search_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	cjob *j = (cjob *)base;
	napi_value v;
	RVN_CALL(env, napi_create_array_with_length(env, 3, out), false);
	RVN_CALL(env, napi_create_string_utf8(env, j->out_ids ? j->out_ids : "", j->out_ids_len, &v), false);
	RVN_CALL(env, napi_set_element(env, *out, 0, v), false);
	if (!(v = f32_array(env, j->out_dist, j->out_n)))
		return false;
	RVN_CALL(env, napi_set_element(env, *out, 1, v), false);
	if (!(v = f32_array(env, j->out_score, j->out_n)))
		return false;
	RVN_CALL(env, napi_set_element(env, *out, 2, v), false);
	return true;
}

static const rvn_job_ops put_ops = RVN_CJOB_OPS(exec_put, rvn_cjob_undefined);
static const rvn_job_ops delete_ops = RVN_CJOB_OPS(exec_delete, rvn_cjob_undefined);
static const rvn_job_ops search_ops = RVN_CJOB_OPS(exec_search, search_result);

static bool get_f64(napi_env env, napi_value v, const char *what, const double **d, size_t *len)
{
	napi_typedarray_type tt;
	void *data;
	bool is_ta = false;
	napi_is_typedarray(env, v, &is_ta);
	if (!is_ta || napi_get_typedarray_info(env, v, &tt, len, &data, NULL, NULL) != napi_ok ||
	    tt != napi_float64_array) {
		char msg[96];
		snprintf(msg, sizeof msg, "%s must be a Float64Array", what);
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", msg);
		return false;
	}
	*d = data;
	return true;
}

/* hyperPut(text, nums, embs|null, n, upsert) -> Promise<undefined> */
napi_value rvn_hyper_put(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 5) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "hyperPut(text, nums, embs, n, upsert)");
		return NULL;
	}
	uint64_t n, upsert;
	const double *nums;
	size_t nlen;
	if (!rvn_get_uint(env, argv[3], "n", 1, RV_MAX_VECTORS, &n) ||
	    !rvn_get_uint(env, argv[4], "upsert", 0, 1, &upsert) || !get_f64(env, argv[1], "nums", &nums, &nlen))
		return NULL;
	if (nlen != n * NUMS) {
		rvn_throw_range(env, "ERR_OUT_OF_RANGE", "nums must hold 7 numbers per hyperedge");
		return NULL;
	}
	cjob *j = rvn_cjob_new(env, rc, &put_ops);
	if (!j)
		return NULL;
	j->n = (size_t)n;
	j->flags = upsert ? RVN_UPSERT : 0;
	size_t tlen;
	if (!rvn_get_string(env, argv[0], "text", &j->text, &tlen))
		return rvn_cjob_drop(env, j);
	napi_valuetype et;
	napi_typeof(env, argv[2], &et);
	if (et != napi_null && et != napi_undefined && !rvn_cjob_vectors(env, j, argv[2], false))
		return rvn_cjob_drop(env, j);
	size_t members = 0, embs = 0;
	for (size_t i = 0; i < n; i++) {
		double m = nums[i * NUMS];
		if (!(m >= 0 && m <= RV_HEDGE_MEMBERS_MAX + 1.0) || m != floor(m)) {
			rvn_throw_range(env, "ERR_OUT_OF_RANGE", "a member count is out of range");
			return rvn_cjob_drop(env, j);
		}
		members += (size_t)m;
		embs += nums[i * NUMS + 5] != 0;
	}
	if (j->vec_len != embs * rc->dim) {
		rvn_throw_range(env, "ERR_OUT_OF_RANGE", "embeddings must hold dim floats per hyperedge that has one");
		return rvn_cjob_drop(env, j);
	}
	put_aux *a = malloc(sizeof *a + n * sizeof(rv_hyperedge) + (members ? members : 1) * sizeof(char *));
	if (!a) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory for a batch of hyperedges");
		return rvn_cjob_drop(env, j);
	}
	j->aux = a; /* freed with the job */
	a->e = (rv_hyperedge *)(a + 1);
	a->mem = (const char **)(a->e + n);
	/* walk the NUL-separated strings */
	const char *p = j->text, *end = j->text + tlen;
#define NEXT(dst)                                                                                   \
	do {                                                                                            \
		if (p > end) {                                                                              \
			rvn_throw_range(env, "ERR_OUT_OF_RANGE", "text holds fewer strings than nums says");    \
			return rvn_cjob_drop(env, j);                                                           \
		}                                                                                           \
		(dst) = p;                                                                                  \
		p += strlen(p) + 1;                                                                         \
	} while (0)
	size_t mat = 0, eat = 0;
	for (size_t i = 0; i < n; i++) {
		const double *d = nums + i * NUMS;
		rv_hyperedge *e = &a->e[i];
		rv_hyperedge_init(e);
		const char *desc, *pl;
		NEXT(e->id);
		NEXT(desc);
		NEXT(pl);
		e->description = desc;
		e->payload = d[6] != 0 ? pl : NULL;
		e->n_members = (size_t)d[0];
		e->members = a->mem + mat;
		for (size_t m = 0; m < e->n_members; m++)
			NEXT(a->mem[mat++]);
		e->ordered = d[1] != 0;
		e->confidence = (float)d[2];
		if (!isfinite(d[2]))
			e->confidence = NAN; /* refused by the core, naming it */
		e->valid_from = time_of(d[3], RV_TIME_MIN);
		e->valid_to = time_of(d[4], RV_TIME_MAX);
		if (d[5] != 0) {
			e->embedding = j->vecs + eat * rc->dim;
			e->dim = rc->dim;
			eat++;
		}
	}
#undef NEXT
	return rvn_cjob_queue(env, self, j, "ruvector.hyperPut");
}

/* hyperDelete(idsJoined, n) -> Promise<undefined> */
napi_value rvn_hyper_delete(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "hyperDelete(idsJoined, n)");
		return NULL;
	}
	cjob *j = rvn_cjob_new(env, rc, &delete_ops);
	if (!j)
		return NULL;
	if (!rvn_cjob_ids(env, j, argv[0], argv[1]))
		return rvn_cjob_drop(env, j);
	return rvn_cjob_queue(env, self, j, "ruvector.hyperDelete");
}

/* hyperSearch(query, k, ef, exact, filter|null, window|null) ->
 * Promise<[ids joined, distances, confidences]> */
napi_value rvn_hyper_search(napi_env env, napi_callback_info info)
{
	size_t argc = 6;
	napi_value argv[6], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "hyperSearch(query, k, ef, exact, filter, window)");
		return NULL;
	}
	for (size_t i = argc; i < 6; i++)
		napi_get_undefined(env, &argv[i]);
	uint64_t k, ef, exact;
	rv_window w;
	if (!rvn_get_uint(env, argv[1], "k", 1, RV_K_MAX, &k) ||
	    !rvn_get_uint_opt(argv[2], env, "ef", 0, RV_EF_MAX, 0, &ef) ||
	    !rvn_get_uint_opt(argv[3], env, "exact", 0, 1, 0, &exact) || !read_window(env, argv[5], &w))
		return NULL;
	napi_valuetype wt;
	napi_typeof(env, argv[5], &wt);
	if (wt == napi_undefined || wt == napi_null)
		w.kind = RV_WINDOW_NOW;
	cjob *j = rvn_cjob_new(env, rc, &search_ops);
	if (!j)
		return NULL;
	j->k = (size_t)k;
	j->ef = (uint32_t)ef;
	j->flags = exact ? RVN_EXACT : 0;
	rv_window *wp = malloc(sizeof *wp);
	if (!wp) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory");
		return rvn_cjob_drop(env, j);
	}
	*wp = w;
	j->aux = wp;
	int bad;
	char err[512];
	if (!rvn_cjob_vectors(env, j, argv[0], false) || !rvn_cjob_filter(env, j, argv[4], &bad, err, sizeof err))
		return rvn_cjob_drop(env, j);
	if (bad != RV_OK)
		return rvn_cjob_reject(env, j, bad, err);
	return rvn_cjob_queue(env, self, j, "ruvector.hyperSearch");
}

/* ---- reads on the JS thread ---- */

static char *arg_string(napi_env env, napi_value v, const char *what)
{
	char *s;
	size_t len;
	return rvn_get_string(env, v, what, &s, &len) ? s : NULL;
}

/* hyperGet(id) -> JSON text | null */
napi_value rvn_hyper_get(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], self, out;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	char *id = arg_string(env, argv[0], "id");
	if (!id)
		return NULL;
	size_t need = 0, size = 1024;
	char *buf = malloc(size);
	int r = buf ? rv_hyperedge_get(rc->c, id, buf, size, &need) : RV_ENOMEM;
	if (r == RV_ERANGE) {
		free(buf);
		size = need;
		buf = malloc(size);
		r = buf ? rv_hyperedge_get(rc->c, id, buf, size, &need) : RV_ENOMEM;
	}
	free(id);
	if (r == RV_ENOTFOUND) {
		free(buf);
		RVN_CALL(env, napi_get_null(env, &out), NULL);
		return out;
	}
	if (r != RV_OK) {
		free(buf);
		rvn_throw_rv(env, r, r == RV_ENOMEM ? "out of memory" : rv_errmsg(rc->c));
		return NULL;
	}
	napi_status st = napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &out);
	free(buf);
	return st == napi_ok ? out : NULL;
}

/* [ids joined, vias joined, hops: Uint32Array, weights: Float32Array] */
static napi_value graph_result(napi_env env, const rv_graph_hit *h, int n)
{
	napi_value out, v, ab;
	size_t li = 0, lv = 0;
	for (int i = 0; i < n; i++) {
		li += strlen(h[i].id) + 1;
		lv += (h[i].via ? strlen(h[i].via) : 0) + 1;
	}
	char *ids = malloc(li + 1), *vias = malloc(lv + 1);
	void *data;
	if (!ids || !vias) {
		free(ids);
		free(vias);
		rvn_throw_rv(env, RV_ENOMEM, "out of memory");
		return NULL;
	}
	li = lv = 0;
	for (int i = 0; i < n; i++) {
		size_t a = strlen(h[i].id), b = h[i].via ? strlen(h[i].via) : 0;
		memcpy(ids + li, h[i].id, a + 1);
		li += a + 1;
		if (b)
			memcpy(vias + lv, h[i].via, b);
		vias[lv + b] = '\0';
		lv += b + 1;
	}
	bool ok = napi_create_array_with_length(env, 4, &out) == napi_ok &&
	          napi_create_string_utf8(env, ids, li ? li - 1 : 0, &v) == napi_ok &&
	          napi_set_element(env, out, 0, v) == napi_ok &&
	          napi_create_string_utf8(env, vias, lv ? lv - 1 : 0, &v) == napi_ok &&
	          napi_set_element(env, out, 1, v) == napi_ok;
	free(ids);
	free(vias);
	if (!ok)
		return NULL;
	RVN_CALL(env, napi_create_arraybuffer(env, (size_t)n * 4, &data, &ab), NULL);
	for (int i = 0; i < n; i++)
		((uint32_t *)data)[i] = h[i].hop;
	RVN_CALL(env, napi_create_typedarray(env, napi_uint32_array, (size_t)n, ab, 0, &v), NULL);
	RVN_CALL(env, napi_set_element(env, out, 2, v), NULL);
	RVN_CALL(env, napi_create_arraybuffer(env, (size_t)n * 4, &data, &ab), NULL);
	for (int i = 0; i < n; i++)
		((float *)data)[i] = h[i].weight;
	RVN_CALL(env, napi_create_typedarray(env, napi_float32_array, (size_t)n, ab, 0, &v), NULL);
	RVN_CALL(env, napi_set_element(env, out, 3, v), NULL);
	return out;
}

/* Run a traversal, growing the result room on RV_ERANGE. */
typedef int (*walk_fn)(rvn_coll *rc, void *ctx, rv_graph_hit *h, size_t max, char *buf, size_t size);

static napi_value walk(napi_env env, rvn_coll *rc, walk_fn fn, void *ctx)
{
	/* Room for every node in a hyperedge (no walk returns more), and ids
	 * of 16 bytes on average; the id buffer grows when they are longer, so
	 * a walk is rarely run twice. */
	rv_hyper_stats st;
	rv_hyper_stats_get(rc->c, &st);
	size_t max = (size_t)st.nodes + 1, idbytes = max * 2 * 16;
	for (;;) {
		rv_graph_hit *h = malloc(max * sizeof *h);
		char *buf = malloc(idbytes);
		if (!h || !buf) {
			free(h);
			free(buf);
			rvn_throw_rv(env, RV_ENOMEM, "out of memory");
			return NULL;
		}
		int n = fn(rc, ctx, h, max, buf, idbytes);
		if (n == RV_ERANGE && idbytes < RV_GRAPH_IDBUF_SIZE(max)) {
			/* the ids are longer than guessed (or the graph grew: a writer
			 * on another thread) */
			free(h);
			free(buf);
			idbytes *= 4;
			max = max + max / 2;
			continue;
		}
		napi_value out = NULL;
		if (n < 0)
			rvn_throw_rv(env, n, rv_errmsg(rc->c));
		else
			out = graph_result(env, h, n);
		free(h);
		free(buf);
		return out;
	}
}

typedef struct khop_ctx {
	const char *start, *to;
	uint32_t k;
	const uint32_t *fanout;
	rv_window w;
	unsigned flags;
} khop_ctx;

static int do_khop(rvn_coll *rc, void *ctx, rv_graph_hit *h, size_t max, char *buf, size_t size)
{
	khop_ctx *a = ctx;
	return rv_hyper_khop(rc->c, a->start, a->k, a->fanout, &a->w, a->flags, h, max, buf, size);
}

static int do_path(rvn_coll *rc, void *ctx, rv_graph_hit *h, size_t max, char *buf, size_t size)
{
	khop_ctx *a = ctx;
	return rv_hyper_path(rc->c, a->start, a->to, &a->w, a->flags, h, max, buf, size);
}

/* hyperKhop(start, k, fanout: Uint32Array|null, window|null, directed) -> graph result */
napi_value rvn_hyper_khop(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	for (size_t i = argc; i < 5; i++)
		napi_get_undefined(env, &argv[i]);
	khop_ctx a = {0};
	uint64_t k, directed;
	if (!rvn_get_uint(env, argv[1], "k", 1, 64, &k) || !read_window(env, argv[3], &a.w) ||
	    !rvn_get_uint_opt(argv[4], env, "directed", 0, 1, 0, &directed))
		return NULL;
	a.flags = directed ? RV_HYPER_DIRECTED : 0;
	a.k = (uint32_t)k;
	napi_valuetype ft;
	napi_typeof(env, argv[2], &ft);
	if (ft != napi_undefined && ft != napi_null) {
		napi_typedarray_type tt;
		size_t len;
		void *data;
		bool is_ta = false;
		napi_is_typedarray(env, argv[2], &is_ta);
		if (!is_ta || napi_get_typedarray_info(env, argv[2], &tt, &len, &data, NULL, NULL) != napi_ok ||
		    tt != napi_uint32_array || len < k) {
			rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "fanout must be a Uint32Array of k caps");
			return NULL;
		}
		a.fanout = data;
	}
	char *start = arg_string(env, argv[0], "start");
	if (!start)
		return NULL;
	a.start = start;
	napi_value out = walk(env, rc, do_khop, &a);
	free(start);
	return out;
}

/* hyperPath(from, to, window|null, directed) -> graph result */
napi_value rvn_hyper_path(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	for (size_t i = argc; i < 4; i++)
		napi_get_undefined(env, &argv[i]);
	khop_ctx a = {0};
	uint64_t directed;
	if (!read_window(env, argv[2], &a.w) || !rvn_get_uint_opt(argv[3], env, "directed", 0, 1, 0, &directed))
		return NULL;
	a.flags = directed ? RV_HYPER_DIRECTED : 0;
	char *from = arg_string(env, argv[0], "from");
	if (!from)
		return NULL;
	char *to = arg_string(env, argv[1], "to");
	if (!to) {
		free(from);
		return NULL;
	}
	a.start = from;
	a.to = to;
	napi_value out = walk(env, rc, do_path, &a);
	free(from);
	free(to);
	return out;
}

/* hyperOf(id, window|null) -> ids joined by NUL */
napi_value rvn_hyper_of(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self, out;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	for (size_t i = argc; i < 2; i++)
		napi_get_undefined(env, &argv[i]);
	rv_window w;
	if (!read_window(env, argv[1], &w))
		return NULL;
	char *id = arg_string(env, argv[0], "id");
	if (!id)
		return NULL;
	size_t need = 0;
	int n = rv_hyperedges_of(rc->c, id, &w, NULL, 0, &need);
	char *buf = NULL;
	if (n == RV_ERANGE || n >= 0) {
		buf = malloc(need + 1);
		n = buf ? rv_hyperedges_of(rc->c, id, &w, buf, need + 1, &need) : RV_ENOMEM;
	}
	free(id);
	if (n < 0) {
		free(buf);
		rvn_throw_rv(env, n, n == RV_ENOMEM ? "out of memory" : rv_errmsg(rc->c));
		return NULL;
	}
	napi_status st = napi_create_string_utf8(env, buf, need ? need - 1 : 0, &out);
	free(buf);
	return st == napi_ok ? out : NULL;
}

/* hyperBuckets(from, to, unit) -> [starts: Float64Array, counts: Float64Array] */
napi_value rvn_hyper_buckets(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3], self, out, v, ab;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	double from, to;
	uint64_t unit;
	if (argc < 3 || napi_get_value_double(env, argv[0], &from) != napi_ok ||
	    napi_get_value_double(env, argv[1], &to) != napi_ok || !rvn_get_uint(env, argv[2], "unit", 0, 2, &unit)) {
		if (argc < 3)
			rvn_throw_type(env, "ERR_MISSING_ARGS", "hyperBuckets(from, to, unit)");
		return NULL;
	}
	size_t need = 0;
	int64_t f = time_of(from, RV_TIME_MIN), t = time_of(to, RV_TIME_MAX);
	int n = rv_hyperedge_buckets(rc->c, f, t, (rv_time_unit)unit, NULL, NULL, 0, &need);
	int64_t *starts = NULL;
	uint64_t *counts = NULL;
	if (n == RV_ERANGE || n == 0) {
		starts = malloc((need ? need : 1) * sizeof *starts);
		counts = malloc((need ? need : 1) * sizeof *counts);
		n = starts && counts ? rv_hyperedge_buckets(rc->c, f, t, (rv_time_unit)unit, starts, counts, need, &need)
		                     : RV_ENOMEM;
	}
	if (n < 0) {
		free(starts);
		free(counts);
		rvn_throw_rv(env, n, n == RV_ENOMEM ? "out of memory" : rv_errmsg(rc->c));
		return NULL;
	}
	void *data;
	RVN_CALL(env, napi_create_array_with_length(env, 2, &out), NULL);
	RVN_CALL(env, napi_create_arraybuffer(env, (size_t)n * 8, &data, &ab), NULL);
	for (int i = 0; i < n; i++)
		((double *)data)[i] = (double)starts[i];
	RVN_CALL(env, napi_create_typedarray(env, napi_float64_array, (size_t)n, ab, 0, &v), NULL);
	RVN_CALL(env, napi_set_element(env, out, 0, v), NULL);
	RVN_CALL(env, napi_create_arraybuffer(env, (size_t)n * 8, &data, &ab), NULL);
	for (int i = 0; i < n; i++)
		((double *)data)[i] = (double)counts[i];
	RVN_CALL(env, napi_create_typedarray(env, napi_float64_array, (size_t)n, ab, 0, &v), NULL);
	RVN_CALL(env, napi_set_element(env, out, 1, v), NULL);
	free(starts);
	free(counts);
	return out;
}

/* hyperStats() -> {hyperedges, nodes, incidences, embedded} */
napi_value rvn_hyper_stats(napi_env env, napi_callback_info info)
{
	napi_value self, out, v;
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, &self, true);
	if (!rc)
		return NULL;
	rv_hyper_stats st;
	rv_hyper_stats_get(rc->c, &st);
	RVN_CALL(env, napi_create_object(env, &out), NULL);
	const struct {
		const char *k;
		uint64_t v;
	} f[] = {{"hyperedges", st.hyperedges}, {"nodes", st.nodes}, {"incidences", st.incidences}, {"embedded", st.embedded}};
	for (size_t i = 0; i < 4; i++) {
		RVN_CALL(env, napi_create_double(env, (double)f[i].v, &v), NULL);
		RVN_CALL(env, napi_set_named_property(env, out, f[i].k, v), NULL);
	}
	return out;
}
