/*
 * test_hyper.c: the hypergraph (ruvector.h, "Hypergraph") against a model
 * written here: random hypergraphs of 10,000 records and 50,000 hyperedges
 * (1,000 and 5,000 under a sanitizer), whose k-hop neighbourhoods (with
 * fan-out caps), weighted paths, edges per record and calendar buckets
 * must equal a brute-force reference over the model, before and after
 * deletes (the delete rule), after a replay of the log and after a
 * checkpoint. Hyperedge search reaches recall@10 >= 0.95 against an exact
 * scan (100,000 hyperedges; 5,000 under a sanitizer) with a time window
 * and a filter, and never returns an edge outside them. Bad input is
 * refused with a message naming it, and nothing changes.
 */
#include "harness.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ruvector.h"

#ifdef RV_TEST_SMALL
#define NREC 1000
#define NEDGE 5000
#define NSEARCH 5000
#else
#define NREC 10000
#define NEDGE 50000
#define NSEARCH 100000
#endif
#define D 8
#define MAXM 6

static char root[256];

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

/* ---- the model ---- */

typedef struct medge {
	char id[24];
	int n, mem[MAXM];
	bool ordered;
	float conf;
	int64_t from, to;
	bool live;
} medge;

static medge *E;
static size_t nE;
static bool *alive;
static char (*rid)[16];

static void rec_id(int i, char *out) { snprintf(out, 16, "r%d", i); }

static bool valid_in(const medge *e, const rv_window *w)
{
	if (!w || w->kind == RV_WINDOW_ANY)
		return true;
	if (w->kind == RV_WINDOW_AT)
		return e->from <= w->at && w->at < e->to;
	return e->from < w->to && e->to > w->from;
}

static int cmp_id(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a, b, la);
}

typedef struct ref_hit {
	int v;
	int hop;
	float w;
} ref_hit;

static int cmp_ref(const void *a, const void *b)
{
	const ref_hit *x = a, *y = b;
	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return cmp_id(rid[x->v], rid[y->v]);
}

/* Whether a walk may go from member position p to position m of e. */
static bool step_ok(const medge *e, int p, int m, unsigned flags)
{
	return !(flags & RV_HYPER_DIRECTED) || !e->ordered || m > p;
}

/* Brute force: every hop scans every edge. */
static int ref_khop(int s, int k, const uint32_t *fan, const rv_window *w, unsigned flags, ref_hit *out)
{
	int *hop = malloc(NREC * sizeof *hop);
	float *best = malloc(NREC * sizeof *best);
	ref_hit *cand = malloc(NREC * sizeof *cand);
	for (int i = 0; i < NREC; i++)
		hop[i] = -1;
	hop[s] = 0;
	int count = 0;
	for (int d = 1; d <= k; d++) {
		for (int i = 0; i < NREC; i++)
			best[i] = -1;
		for (size_t e = 0; e < nE; e++) {
			if (!E[e].live || !valid_in(&E[e], w))
				continue;
			for (int p = 0; p < E[e].n; p++) {
				if (hop[E[e].mem[p]] != d - 1)
					continue;
				for (int m = 0; m < E[e].n; m++) {
					int v = E[e].mem[m];
					if (step_ok(&E[e], p, m, flags) && hop[v] < 0 && E[e].conf > best[v])
						best[v] = E[e].conf;
				}
			}
		}
		int nc = 0;
		for (int i = 0; i < NREC; i++)
			if (best[i] >= 0)
				cand[nc++] = (ref_hit){i, d, best[i]};
		qsort(cand, nc, sizeof *cand, cmp_ref);
		int keep = fan && fan[d - 1] && (int)fan[d - 1] < nc ? (int)fan[d - 1] : nc;
		for (int i = 0; i < keep; i++) {
			hop[cand[i].v] = d;
			out[count++] = cand[i];
		}
		if (!keep)
			break;
	}
	free(hop);
	free(best);
	free(cand);
	return count;
}

/* Brute force: Dijkstra without a heap over the model, O(V^2 + incidences). */
static double ref_path(int s, int t, const rv_window *w, unsigned flags)
{
	double *dist = malloc(NREC * sizeof *dist);
	bool *done = calloc(NREC, 1);
	int *deg = calloc(NREC + 1, sizeof *deg), *inc;
	for (size_t e = 0; e < nE; e++)
		for (int m = 0; E[e].live && m < E[e].n; m++)
			deg[E[e].mem[m] + 1]++;
	for (int i = 0; i < NREC; i++)
		deg[i + 1] += deg[i];
	inc = malloc(((size_t)deg[NREC] + 1) * sizeof *inc);
	int *fill = calloc(NREC, sizeof *fill);
	for (size_t e = 0; e < nE; e++)
		for (int m = 0; E[e].live && m < E[e].n; m++)
			inc[deg[E[e].mem[m]] + fill[E[e].mem[m]]++] = (int)e;
	for (int i = 0; i < NREC; i++)
		dist[i] = INFINITY;
	dist[s] = 0;
	for (;;) {
		int u = -1;
		for (int i = 0; i < NREC; i++)
			if (!done[i] && dist[i] < INFINITY && (u < 0 || dist[i] < dist[u]))
				u = i;
		if (u < 0 || u == t)
			break;
		done[u] = true;
		for (int j = deg[u]; j < deg[u + 1]; j++) {
			const medge *e = &E[inc[j]];
			if (!(e->conf > 0) || !valid_in(e, w))
				continue;
			double nd = dist[u] - log((double)e->conf);
			int p = 0;
			while (e->mem[p] != u)
				p++;
			for (int m = 0; m < e->n; m++)
				if (step_ok(e, p, m, flags) && nd < dist[e->mem[m]])
					dist[e->mem[m]] = nd;
		}
	}
	double r = dist[t];
	free(dist);
	free(done);
	free(deg);
	free(inc);
	free(fill);
	return r;
}

static medge *model_edge(const char *id)
{
	int i = atoi(id + 1);
	return i >= 0 && (size_t)i < nE && strcmp(E[i].id, id) == 0 ? &E[i] : NULL;
}

static void model_delete_record(int v)
{
	alive[v] = false;
	for (size_t e = 0; e < nE; e++) {
		if (!E[e].live)
			continue;
		int k = 0;
		for (int m = 0; m < E[e].n; m++)
			if (E[e].mem[m] != v)
				E[e].mem[k++] = E[e].mem[m];
		E[e].n = k;
		if (k < 2)
			E[e].live = false;
	}
}

/* ---- building ---- */

static const int64_t T0 = 1704067200000LL; /* 2024-01-01T00:00:00Z, a Monday */
#define YEAR_MS (366LL * 86400000LL)

static void build(rv_collection *c, uint64_t seed)
{
	test_rng r = {seed};
	float *v = make_clustered(NREC, D, 16, seed);
	const char **ids = malloc(NREC * sizeof *ids);
	rid = malloc(NREC * sizeof *rid);
	alive = malloc(NREC * sizeof *alive);
	for (int i = 0; i < NREC; i++) {
		rec_id(i, rid[i]);
		ids[i] = rid[i];
		alive[i] = true;
	}
	CHECK_OK(rv_insert_batch(c, NREC, ids, v, D, 0));
	nE = NEDGE;
	E = calloc(nE, sizeof *E);
	rv_hyperedge *in = calloc(1000, sizeof *in);
	const char *(*mem)[MAXM] = calloc(1000, sizeof *mem);
	for (size_t b = 0; b < nE; b += 1000) {
		size_t nb = nE - b < 1000 ? nE - b : 1000;
		for (size_t j = 0; j < nb; j++) {
			medge *e = &E[b + j];
			snprintf(e->id, sizeof e->id, "e%zu", b + j);
			e->n = 2 + (int)(rng_next(&r) % (MAXM - 1));
			for (int m = 0; m < e->n; m++) {
				int x;
				bool dup;
				do {
					x = (int)(rng_next(&r) % NREC);
					dup = false;
					for (int q = 0; q < m; q++)
						dup |= e->mem[q] == x;
				} while (dup);
				e->mem[m] = x;
				mem[j][m] = rid[x];
			}
			/* a few confidence levels, so ties happen and their order is tested */
			e->conf = (float)(1 + rng_next(&r) % 10) / 10.0f;
			e->from = T0 + (int64_t)(rng_next(&r) % YEAR_MS);
			e->to = rng_next(&r) % 4 == 0 ? RV_TIME_MAX : e->from + 1 + (int64_t)(rng_next(&r) % (90LL * 86400000LL));
			e->live = true;
			rv_hyperedge_init(&in[j]);
			in[j].id = e->id;
			in[j].members = mem[j];
			in[j].n_members = (size_t)e->n;
			e->ordered = rng_next(&r) % 2;
			in[j].ordered = e->ordered;
			in[j].confidence = e->conf;
			in[j].valid_from = e->from;
			in[j].valid_to = e->to;
			in[j].description = "random";
		}
		CHECK_OK(rv_hyperedge_put(c, nb, in, 0));
	}
	free(in);
	free(mem);
	free(ids);
	free(v);
}

/* Everything the model says, against the collection. */
static void compare(rv_collection *c, uint64_t seed, const char *when)
{
	test_rng r = {seed};
	rv_hyper_stats st;
	rv_hyper_stats_get(c, &st);
	size_t live = 0, inc = 0;
	for (size_t e = 0; e < nE; e++)
		if (E[e].live)
			live++, inc += (size_t)E[e].n;
	CHECK_MSG(st.hyperedges == live && st.incidences == inc, "%s: %llu edges, %llu incidences; model %zu, %zu", when,
	          (unsigned long long)st.hyperedges, (unsigned long long)st.incidences, live, inc);
	size_t cap = NREC + 1;
	rv_graph_hit *hits = malloc(cap * sizeof *hits);
	char *idbuf = malloc(RV_GRAPH_IDBUF_SIZE(cap));
	ref_hit *ref = malloc(NREC * sizeof *ref);
	int mismatches = 0;
	for (int q = 0; q < 12; q++) {
		int s;
		do
			s = (int)(rng_next(&r) % NREC);
		while (!alive[s]);
		rv_window w = {RV_WINDOW_AT, T0 + (int64_t)(rng_next(&r) % YEAR_MS), 0, 0};
		const rv_window *wp = q % 2 ? &w : NULL;
		uint32_t fan[3] = {q % 3 == 0 ? 0u : 3u, q % 4 == 0 ? 0u : 5u, 7};
		unsigned directed = q % 4 >= 2 ? RV_HYPER_DIRECTED : 0;
		int k = 1 + q % 3;
		int got = rv_hyper_khop(c, rid[s], (uint32_t)k, fan, wp, directed, hits, cap, idbuf, RV_GRAPH_IDBUF_SIZE(cap));
		int want = ref_khop(s, k, fan, wp, directed, ref);
		bool same = got == want;
		for (int i = 0; same && i < got; i++)
			same = strcmp(hits[i].id, rid[ref[i].v]) == 0 && (int)hits[i].hop == ref[i].hop &&
			       hits[i].weight == ref[i].w;
		mismatches += !same;
		CHECK_MSG(same, "%s: khop from %s k=%d: got %d, reference %d (first: %s vs %s)", when, rid[s], k, got, want,
		          got > 0 ? hits[0].id : "-", want > 0 ? rid[ref[0].v] : "-");
		/* paths: the product of confidences equals the reference's optimum,
		 * and the path is made of real, valid hyperedges */
		int t;
		do
			t = (int)(rng_next(&r) % NREC);
		while (!alive[t]);
		int np = rv_hyper_path(c, rid[s], rid[t], wp, directed, hits, cap, idbuf, RV_GRAPH_IDBUF_SIZE(cap));
		double rd = q < 6 ? ref_path(s, t, wp, directed) : NAN;
		if (q < 6)
			CHECK_MSG((np == 0) == (rd == INFINITY), "%s: path %s -> %s: %d records; reference %g", when, rid[s],
			          rid[t], np, rd);
		if (np > 0) {
			double prod = 1;
			CHECK(strcmp(hits[0].id, rid[s]) == 0 && strcmp(hits[np - 1].id, rid[t]) == 0);
			for (int i = 1; i < np; i++) {
				medge *e = model_edge(hits[i].via);
				bool ok = e && e->live && valid_in(e, wp);
				int a = -1, b = -1;
				for (int m = 0; ok && m < e->n; m++) {
					if (strcmp(rid[e->mem[m]], hits[i - 1].id) == 0)
						a = m;
					if (strcmp(rid[e->mem[m]], hits[i].id) == 0)
						b = m;
				}
				CHECK_MSG(ok && a >= 0 && b >= 0 && step_ok(e, a, b, directed), "%s: path step %d via %s does not join %s and %s", when, i, hits[i].via,
				          hits[i - 1].id, hits[i].id);
				if (e)
					prod *= e->conf;
			}
			if (q < 6)
				CHECK_MSG(fabs(-log(prod) - rd) < 1e-6 * (1 + rd), "%s: path weight %g, reference %g", when,
				          -log(prod), rd);
			CHECK(fabs(hits[np - 1].weight - prod) < 1e-5);
		}
		/* edges of a record */
		size_t need;
		char *buf = malloc(1 << 16);
		int ne = rv_hyperedges_of(c, rid[s], wp, buf, 1 << 16, &need);
		int want_e = 0;
		for (size_t e = 0; e < nE; e++) {
			if (!E[e].live || !valid_in(&E[e], wp))
				continue;
			for (int m = 0; m < E[e].n; m++)
				want_e += E[e].mem[m] == s;
		}
		CHECK_MSG(ne == want_e, "%s: %s is in %d hyperedges; model %d", when, rid[s], ne, want_e);
		const char *p = buf;
		for (int i = 0; i < ne; i++, p += strlen(p) + 1) {
			medge *e = model_edge(p);
			bool member = false;
			for (int m = 0; e && m < e->n; m++)
				member |= e->mem[m] == s;
			CHECK_MSG(e && e->live && member, "%s: %s listed for %s", when, p, rid[s]);
		}
		free(buf);
	}
	/* calendar buckets through the time index */
	for (int u = 0; u < 3; u++) {
		int64_t starts[80];
		uint64_t counts[80];
		size_t needed;
		int nb = rv_hyperedge_buckets(c, T0 - 86400000LL * 3, T0 + YEAR_MS / 2, (rv_time_unit)u, starts, counts,
		                              80, &needed);
		if (u == RV_UNIT_DAY) {
			CHECK_RC(nb, RV_ERANGE);
			CHECK(needed > 80);
			continue;
		}
		CHECK(nb > 0);
		for (int i = 0; i < nb; i++) {
			int64_t end = rv_time_bucket_next(starts[i], (rv_time_unit)u);
			uint64_t want = 0;
			for (size_t e = 0; e < nE; e++)
				want += E[e].live && E[e].from >= starts[i] && E[e].from < end;
			if (counts[i] != want) {
				CHECK_MSG(0, "%s: bucket %d (unit %d) holds %llu; model %llu", when, i, u,
				          (unsigned long long)counts[i], (unsigned long long)want);
				break;
			}
		}
	}
	free(hits);
	free(idbuf);
	free(ref);
	(void)mismatches;
}

static void delete_some(rv_collection *c, uint64_t seed, int n)
{
	test_rng r = {seed};
	for (int i = 0; i < n; i++) {
		int v = (int)(rng_next(&r) % NREC);
		if (!alive[v])
			continue;
		CHECK_OK(rv_delete(c, rid[v]));
		model_delete_record(v);
	}
	/* and some hyperedges directly */
	for (int i = 0; i < n; i++) {
		size_t e = rng_next(&r) % nE;
		if (!E[e].live)
			continue;
		const char *id = E[e].id;
		CHECK_OK(rv_hyperedge_delete(c, 1, &id));
		E[e].live = false;
	}
}

TEST(model_before_after_deletes_replay_checkpoint)
{
	char db_dir[300];
	snprintf(db_dir, sizeof db_dir, "%s/model", root);
	rv_db_options dbo;
	rv_db_options_init(&dbo);
	dbo.flags = RV_DB_CREATE;
	dbo.durability = RV_SYNC_OFF;
	dbo.checkpoint_bytes = 0;
	rv_db *db;
	CHECK_OK(rv_db_open(db_dir, &dbo, &db));
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	rv_collection *c;
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	build(c, 42);
	compare(c, 1, "built");
	delete_some(c, 7, NREC / 20);
	compare(c, 2, "after deletes");
	/* replay: the log alone (no checkpoint) */
	CHECK_OK(rv_db_close(db));
	CHECK_OK(rv_db_open(db_dir, &dbo, &db));
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	compare(c, 3, "after replay");
	CHECK_OK(rv_checkpoint(c));
	delete_some(c, 8, NREC / 50);
	CHECK_OK(rv_db_close(db));
	CHECK_OK(rv_db_open(db_dir, &dbo, &db));
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	compare(c, 4, "after checkpoint, deletes, replay");
	CHECK_OK(rv_compact(c));
	CHECK_OK(rv_db_close(db));
	char problem[512];
	CHECK_OK(rv_db_check(db_dir, problem, sizeof problem));
	CHECK_OK(rv_db_open(db_dir, &dbo, &db));
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	compare(c, 5, "after compaction");
	CHECK_OK(rv_db_close(db));
	free(E);
	free(alive);
	free(rid);
	E = NULL;
	nE = 0;
}

/* ---- search ---- */

static int cmp_dist(const void *a, const void *b)
{
	const float *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

TEST(search_recall_window_filter)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 16;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	const char *ids[2] = {"a", "b"};
	float z[32] = {0};
	z[0] = 1;
	z[17] = 1;
	CHECK_OK(rv_insert_batch(c, 2, ids, z, 16, 0));
	size_t n = NSEARCH;
	float *emb = make_clustered_scaled(n, 16, 64, 99, 1.0f);
	int64_t *from = malloc(n * sizeof *from), *to = malloc(n * sizeof *to);
	char (*eid)[16] = malloc(n * sizeof *eid);
	test_rng r = {5};
	rv_hyperedge *in = calloc(n, sizeof *in);
	for (size_t i = 0; i < n; i++) {
		snprintf(eid[i], 16, "h%zu", i);
		rv_hyperedge_init(&in[i]);
		in[i].id = eid[i];
		in[i].members = ids;
		in[i].n_members = 2;
		in[i].embedding = emb + i * 16;
		in[i].dim = 16;
		from[i] = T0 + (int64_t)(rng_next(&r) % 1000);
		to[i] = i % 10 == 0 ? from[i] + 1 : RV_TIME_MAX; /* a tenth expire at once */
		in[i].valid_from = from[i];
		in[i].valid_to = to[i];
		in[i].payload = i % 2 ? "{\"kind\":\"odd\"}" : "{\"kind\":\"even\"}";
	}
	CHECK_OK(rv_hyperedge_put(c, n, in, 0));
	rv_filter *f;
	char err[200];
	const char *fj = "{\"kind\":\"even\"}";
	CHECK_OK(rv_filter_parse(fj, strlen(fj), &f, err, sizeof err));
	int64_t at = T0 + 2000;
	size_t nq = 50, k = 10;
	double hit = 0, total = 0;
	float *dist = malloc(n * 2 * sizeof *dist);
	rv_hit hits[10];
	char idbuf[RV_IDBUF_SIZE(10)];
	for (size_t q = 0; q < nq; q++) {
		const float *qv = emb + (rng_next(&r) % n) * 16;
		for (int variant = 0; variant < 2; variant++) {
			rv_hsearch_params p;
			rv_hsearch_params_init(&p);
			p.window.kind = RV_WINDOW_AT;
			p.window.at = at;
			p.ef = 64;
			p.filter = variant ? f : NULL;
			/* exact reference */
			size_t m = 0;
			for (size_t i = 0; i < n; i++) {
				if (!(from[i] <= at && at < to[i]) || (variant && i % 2))
					continue;
				float d = 0;
				for (int j = 0; j < 16; j++) {
					float t = qv[j] - emb[i * 16 + j];
					d += t * t;
				}
				dist[2 * m] = d;
				memcpy(&dist[2 * m + 1], &(float){(float)i}, 4);
				m++;
			}
			qsort(dist, m, 2 * sizeof(float), cmp_dist);
			int got = rv_hyperedge_search(c, qv, 16, k, &p, hits, idbuf, sizeof idbuf);
			CHECK(got == (int)k);
			for (int i = 0; i < got; i++) {
				size_t e = (size_t)atol(hits[i].id + 1);
				CHECK_MSG(e % 10 != 0, "expired hyperedge %s returned", hits[i].id);
				CHECK_MSG(!variant || e % 2 == 0, "filtered-out hyperedge %s returned", hits[i].id);
				for (size_t j = 0; j < k; j++)
					if ((size_t)dist[2 * j + 1] == e) {
						hit++;
						break;
					}
			}
			total += (double)k;
		}
	}
	double recall = hit / total;
	printf("hyperedge search: %zu hyperedges, recall@10 %.4f (window + filter)\n", n, recall);
	CHECK_MSG(recall >= 0.95, "recall@10 %.4f", recall);
	/* exact: equal to the reference */
	rv_hsearch_params p;
	rv_hsearch_params_init(&p);
	p.window.kind = RV_WINDOW_ANY;
	p.flags = RV_SEARCH_EXACT;
	int got = rv_hyperedge_search(c, emb, 16, 1, &p, hits, idbuf, sizeof idbuf);
	CHECK(got == 1 && strcmp(hits[0].id, "h0") == 0 && hits[0].distance == 0);
	/* default window is now: every edge here started in 2024 and the
	 * expiring ones ended then */
	rv_hsearch_params_init(&p);
	got = rv_hyperedge_search(c, emb, 16, 10, &p, hits, idbuf, sizeof idbuf);
	CHECK(got == 10);
	for (int i = 0; i < got; i++)
		CHECK_MSG(atol(hits[i].id + 1) % 10 != 0, "expired %s returned by a search at now", hits[i].id);
	/* a record deletion detaches: both members gone -> every edge deleted */
	CHECK_OK(rv_delete(c, "a"));
	rv_hyper_stats st;
	rv_hyper_stats_get(c, &st);
	CHECK(st.hyperedges == 0 && st.nodes == 0 && st.embedded == 0);
	got = rv_hyperedge_search(c, emb, 16, 10, &p, hits, idbuf, sizeof idbuf);
	CHECK(got == 0);
	rv_filter_free(f);
	free(dist);
	free(in);
	free(eid);
	free(from);
	free(to);
	free(emb);
	rv_collection_free(c);
}

/* ---- calendar ---- */

TEST(calendar_buckets_utc)
{
	/* known dates */
	CHECK(rv_time_bucket_start(T0 + 5, RV_UNIT_MONTH) == T0);
	CHECK(rv_time_bucket_next(T0, RV_UNIT_MONTH) == 1706745600000LL);            /* 2024-02-01 */
	CHECK(rv_time_bucket_next(1706745600000LL, RV_UNIT_MONTH) == 1709251200000LL); /* 2024-03-01: 29 days */
	CHECK(rv_time_bucket_next(1675209600000LL, RV_UNIT_MONTH) == 1677628800000LL); /* 2023-02 -> 03: 28 days */
	CHECK(rv_time_bucket_start(T0 + 6 * 86400000LL + 1, RV_UNIT_WEEK) == T0);     /* Sunday -> Monday */
	CHECK(rv_time_bucket_start(T0 - 1, RV_UNIT_WEEK) == T0 - 7 * 86400000LL);
	CHECK(rv_time_bucket_start(-1, RV_UNIT_DAY) == -86400000LL);
	/* random times against libc's calendar (gmtime_r) */
	test_rng r = {11};
	for (int i = 0; i < 20000; i++) {
		int64_t t = (int64_t)(rng_next(&r) % (4000LL * YEAR_MS)) - 2000LL * YEAR_MS;
		for (int u = 0; u < 3; u++) {
			int64_t s = rv_time_bucket_start(t, (rv_time_unit)u), nx = rv_time_bucket_next(s, (rv_time_unit)u);
			CHECK(s <= t && t < nx);
			time_t ss = (time_t)(s / 1000);
			struct tm tm;
			CHECK(s % 1000 == 0 && gmtime_r(&ss, &tm));
			CHECK(tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0);
			if (u == RV_UNIT_WEEK)
				CHECK(tm.tm_wday == 1 && nx - s == 7 * 86400000LL);
			if (u == RV_UNIT_MONTH) {
				time_t ns = (time_t)(nx / 1000);
				struct tm tn;
				CHECK(gmtime_r(&ns, &tn));
				CHECK_MSG(tm.tm_mday == 1 && tn.tm_mday == 1 && (tn.tm_mon == (tm.tm_mon + 1) % 12),
				          "month bucket of %lld", (long long)t);
			}
			if (u == RV_UNIT_DAY)
				CHECK(nx - s == 86400000LL);
		}
	}
}

/* ---- bad input ---- */

TEST(bad_input_changes_nothing)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 4;
	o.metric = RV_METRIC_COSINE;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	char ids[300][16];
	const char *p[300];
	float v[4] = {1, 2, 3, 4};
	for (int i = 0; i < 300; i++) {
		snprintf(ids[i], 16, "m%d", i);
		p[i] = ids[i];
		CHECK_OK(rv_insert(c, ids[i], v, 4, 0));
	}
	rv_hyperedge e;
	rv_hyperedge_init(&e);
	e.id = "x";
	e.members = p;
	e.n_members = 3;
	CHECK_OK(rv_hyperedge_put(c, 1, &e, 0));
	char before[4096], after[4096];
	CHECK_OK(rv_hyperedge_get(c, "x", before, sizeof before, NULL));
	rv_hyperedge b = e;
	b.id = "y";
	/* unknown member */
	const char *unk[3] = {"m1", "nobody", "m2"};
	b.members = unk;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_ENOTFOUND);
	CHECK(strstr(rv_errmsg(c), "nobody") != NULL);
	/* too many members, too few */
	b.members = p;
	b.n_members = RV_HEDGE_MEMBERS_MAX + 1;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "257") != NULL);
	b.n_members = 1;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	b.n_members = RV_HEDGE_MEMBERS_MAX; /* the limit itself is fine */
	CHECK_OK(rv_hyperedge_put(c, 1, &b, 0));
	const char *yid = "y";
	CHECK_OK(rv_hyperedge_delete(c, 1, &yid));
	b.n_members = 2;
	/* NaN, infinite, zero (cosine), wrong dimension */
	float nan4[4] = {1, NAN, 0, 0}, zero4[4] = {0}, inf4[4] = {INFINITY, 0, 0, 0};
	b.embedding = nan4;
	b.dim = 4;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_ENONFINITE);
	CHECK(strstr(rv_errmsg(c), "NaN") != NULL);
	b.embedding = inf4;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_ENONFINITE);
	b.embedding = zero4;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EZERO);
	b.embedding = v;
	b.dim = 3;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EDIM);
	b.embedding = NULL;
	/* repeated member, confidence, validity, payload, id */
	const char *rep[2] = {"m1", "m1"};
	b.members = rep;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	b.members = p;
	b.confidence = 1.5f;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	b.confidence = NAN;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	b.confidence = 0.5f;
	b.valid_from = 10;
	b.valid_to = 10;
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	b.valid_to = 11;
	b.payload = "[1,2]";
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EINVAL);
	b.payload = NULL;
	b.id = "";
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EID);
	/* an existing id without RV_UPSERT; a batch repeating an id */
	b.id = "x";
	CHECK_RC(rv_hyperedge_put(c, 1, &b, 0), RV_EEXIST);
	rv_hyperedge two[2] = {e, e};
	two[0].id = two[1].id = "z";
	CHECK_RC(rv_hyperedge_put(c, 2, two, 0), RV_EEXIST);
	/* a batch with one bad entry writes nothing */
	two[1].id = "w";
	two[1].members = unk;
	CHECK_RC(rv_hyperedge_put(c, 2, two, 0), RV_ENOTFOUND);
	CHECK(strstr(rv_errmsg(c), "entry 1") != NULL);
	rv_hyper_stats st;
	rv_hyper_stats_get(c, &st);
	CHECK(st.hyperedges == 1 && st.incidences == 3);
	CHECK_OK(rv_hyperedge_get(c, "x", after, sizeof after, NULL));
	CHECK(strcmp(before, after) == 0);
	/* reads: unknown ids, bad windows */
	rv_graph_hit hits[8];
	CHECK_RC(rv_hyper_khop(c, "nobody", 1, NULL, NULL, 0, hits, 8, NULL, 0), RV_ENOTFOUND);
	CHECK_RC(rv_hyper_khop(c, "m0", 0, NULL, NULL, 0, hits, 8, NULL, 0), RV_EINVAL);
	rv_window bad = {RV_WINDOW_BETWEEN, 0, 5, 5};
	CHECK_RC(rv_hyper_khop(c, "m0", 1, NULL, &bad, 0, hits, 8, NULL, 0), RV_EINVAL);
	CHECK_RC(rv_hyperedge_get(c, "nope", after, sizeof after, NULL), RV_ENOTFOUND);
	size_t need;
	CHECK_RC(rv_hyperedge_get(c, "x", after, 10, &need), RV_ERANGE);
	CHECK(need == strlen(before) + 1);
	CHECK_RC(rv_hyperedge_delete(c, 1, &yid), RV_ENOTFOUND);
	int64_t st8[8];
	uint64_t cn8[8];
	CHECK_RC(rv_hyperedge_buckets(c, 5, 5, RV_UNIT_DAY, st8, cn8, 8, NULL), RV_EINVAL);
	CHECK_RC(rv_hyperedge_buckets(c, 0, 5, (rv_time_unit)9, st8, cn8, 8, NULL), RV_EINVAL);
	/* a range of more than RV_BUCKETS_MAX buckets is refused before anything is counted */
	CHECK_RC(rv_hyperedge_buckets(c, 0, 86400000LL * (RV_BUCKETS_MAX + 1), RV_UNIT_DAY, st8, cn8, 8, NULL), RV_EINVAL);
	size_t nb_need = 0;
	CHECK_RC(rv_hyperedge_buckets(c, 0, 86400000LL * RV_BUCKETS_MAX, RV_UNIT_DAY, st8, cn8, 8, &nb_need), RV_ERANGE);
	CHECK(nb_need == RV_BUCKETS_MAX);
	/* upsert replaces; ordered members keep their order */
	const char *ord[3] = {"m5", "m3", "m4"};
	b = e;
	b.members = ord;
	b.ordered = 1;
	b.description = "deploy failed because the migration and the cache flush ran together";
	CHECK_OK(rv_hyperedge_put(c, 1, &b, RV_UPSERT));
	CHECK_OK(rv_hyperedge_get(c, "x", after, sizeof after, NULL));
	CHECK(strstr(after, "\"members\":[\"m5\",\"m3\",\"m4\"]") && strstr(after, "\"ordered\":true"));
	/* the delete rule: a record leaves, an edge of 3 keeps 2 in order */
	CHECK_OK(rv_delete(c, "m3"));
	CHECK_OK(rv_hyperedge_get(c, "x", after, sizeof after, NULL));
	CHECK_MSG(strstr(after, "\"members\":[\"m5\",\"m4\"]") != NULL, "%s", after);
	/* updating a record keeps its memberships; a new record under a
	 * deleted id has none */
	CHECK_OK(rv_update(c, "m5", v, 4));
	CHECK_OK(rv_hyperedge_get(c, "x", after, sizeof after, NULL));
	CHECK(strstr(after, "\"m5\"") != NULL);
	CHECK_OK(rv_delete(c, "m4"));
	CHECK_RC(rv_hyperedge_get(c, "x", after, sizeof after, NULL), RV_ENOTFOUND);
	CHECK_OK(rv_insert(c, "m4", v, 4, 0));
	char list[64];
	CHECK(rv_hyperedges_of(c, "m4", NULL, list, sizeof list, NULL) == 0);
	rv_hyper_stats_get(c, &st);
	CHECK(st.hyperedges == 0 && st.nodes == 0 && st.incidences == 0);
	rv_collection_free(c);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/rv_test_hyper_%d", (int)getpid());
	rm_rf(root);
	mkdir(root, 0700);
	RUN(bad_input_changes_nothing);
	RUN(calendar_buckets_utc);
	RUN(search_recall_window_filter);
	RUN(model_before_after_deletes_replay_checkpoint);
	rm_rf(root);
	return harness_exit();
}
