/*
 * test_concurrency.c: two writer threads and two searcher threads on one
 * collection, with repairs, renumbering and growth happening under them.
 * Run it under ThreadSanitizer (make SANITIZE=thread test) to check the
 * locking protocol of index.h; without TSan it still checks that every
 * answer is well-formed and that the final state is exactly what the
 * writers did. The second run quantizes: the quantizer trains mid-run,
 * under the searchers.
 */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ruvector.h"

#define DIM 16
#define INITIAL 1500
#define PER_WRITER 1200

static rv_collection *coll;
static atomic_int writers_done;
static atomic_long searches, bad_answers;

/* The vector of id "w<writer>-<n>" (version v) is a function of its name,
 * so anyone can check what get() returns. */
static void vector_for(int writer, int n, int version, float *v)
{
	test_rng r = {(uint64_t)writer * 1000003u + (uint64_t)n * 7919u + (uint64_t)version * 104729u};
	for (int i = 0; i < DIM; i++)
		v[i] = rng_float(&r) * 10.0f;
}

typedef struct writer_state {
	int id;
	unsigned char live[PER_WRITER];   /* 1 if w<id>-<n> should exist at the end */
	unsigned char version[PER_WRITER];
} writer_state;

static void *writer(void *arg)
{
	writer_state *w = arg;
	test_rng r = {(uint64_t)w->id + 17};
	char name[32];
	float v[DIM];
	for (int n = 0; n < PER_WRITER;) {
		int op = (int)(rng_next(&r) % 10);
		if (op < 6) { /* one insert */
			snprintf(name, sizeof name, "w%d-%d", w->id, n);
			vector_for(w->id, n, 0, v);
			CHECK_OK(rv_insert(coll, name, v, DIM, 0));
			w->live[n++] = 1;
		} else if (op < 7 && n + 40 <= PER_WRITER) { /* a batch: linked on the pool's threads */
			char names[40][32];
			const char *ids[40];
			float vs[40 * DIM];
			for (int i = 0; i < 40; i++) {
				snprintf(names[i], sizeof names[i], "w%d-%d", w->id, n + i);
				ids[i] = names[i];
				vector_for(w->id, n + i, 0, vs + i * DIM);
			}
			CHECK_OK(rv_insert_batch(coll, 40, ids, vs, DIM, 0));
			for (int i = 0; i < 40; i++)
				w->live[n + i] = 1;
			n += 40;
		} else if (op < 8 && n > 0) { /* delete one of ours */
			int t = (int)(rng_next(&r) % (uint64_t)n);
			snprintf(name, sizeof name, "w%d-%d", w->id, t);
			int rc = rv_delete(coll, name);
			CHECK(rc == (w->live[t] ? RV_OK : RV_ENOTFOUND));
			w->live[t] = 0;
		} else if (op < 9 && n > 0) { /* update one of ours */
			int t = (int)(rng_next(&r) % (uint64_t)n);
			snprintf(name, sizeof name, "w%d-%d", w->id, t);
			vector_for(w->id, t, w->version[t] + 1, v);
			int rc = rv_update(coll, name, v, DIM);
			CHECK(rc == (w->live[t] ? RV_OK : RV_ENOTFOUND));
			if (rc == RV_OK)
				w->version[t]++;
		} else if (n % 97 == 0) {
			CHECK_OK(rv_vacuum(coll));
		}
	}
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

static void *searcher(void *arg)
{
	test_rng r = {(uint64_t)(intptr_t)arg};
	rv_hit h[20];
	char idbuf[RV_IDBUF_SIZE(20)];
	float q[DIM];
	while (atomic_load(&writers_done) < 2) {
		for (int i = 0; i < DIM; i++)
			q[i] = rng_float(&r) * 10.0f;
		rv_search_params p = {.ef = (uint32_t)(10 + rng_next(&r) % 60), .flags = rng_next(&r) % 8 == 0 ? RV_SEARCH_EXACT : 0};
		int n = rv_search(coll, q, DIM, 20, &p, h, idbuf, sizeof idbuf);
		if (n < 1 || n > 20) {
			fprintf(stderr, "search returned %d: %s\n", n, rv_errmsg(coll));
			atomic_fetch_add(&bad_answers, 1);
			continue;
		}
		for (int i = 0; i < n; i++) {
			bool named = h[i].id && (h[i].id[0] == 'w' || h[i].id[0] == 's');
			bool sorted = i == 0 || h[i].distance >= h[i - 1].distance;
			bool distinct = true;
			for (int j = 0; j < i; j++)
				distinct &= strcmp(h[i].id, h[j].id) != 0;
			if (!named || !sorted || !distinct) {
				fprintf(stderr, "hit %d of %d (%s, exact %d): named %d sorted %d distinct %d\n", i, n,
				        h[i].id ? h[i].id : "(null)", (int)p.flags, named, sorted, distinct);
				atomic_fetch_add(&bad_answers, 1);
			}
		}
		/* get: found with the right length, or not found; never garbage */
		float out[DIM];
		char name[32];
		snprintf(name, sizeof name, "w%d-%d", (int)(rng_next(&r) % 2), (int)(rng_next(&r) % PER_WRITER));
		int rc = rv_get(coll, name, out, DIM);
		if (rc != RV_OK && rc != RV_ENOTFOUND) {
			fprintf(stderr, "get %s returned %d\n", name, rc);
			atomic_fetch_add(&bad_answers, 1);
		}
		rv_stats st;
		rv_collection_stats(coll, &st);
		if (st.count > INITIAL + 2 * PER_WRITER) {
			fprintf(stderr, "count %llu\n", (unsigned long long)st.count);
			atomic_fetch_add(&bad_answers, 1);
		}
		atomic_fetch_add(&searches, 1);
	}
	return NULL;
}

static void two_writers_two_searchers(rv_quant_kind quant)
{
	atomic_store(&writers_done, 0);
	atomic_store(&searches, 0);
	atomic_store(&bad_answers, 0);
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.exact_threshold = 0;
	o.threads = 2;
	o.repair_batch = 16; /* repair often, to exercise it under load */
	o.quant = quant;
	o.quant_train = INITIAL + 600; /* reached while the threads run */
	CHECK_OK(rv_collection_new(&o, &coll));
	/* a seed set that triggers the renumbering of a large first batch */
	float *seed = make_clustered(INITIAL, DIM, 10, 5);
	char(*names)[16] = malloc(INITIAL * sizeof *names);
	const char **ids = malloc(INITIAL * sizeof *ids);
	for (int i = 0; i < INITIAL; i++) {
		snprintf(names[i], sizeof names[i], "s%d", i);
		ids[i] = names[i];
	}
	CHECK_OK(rv_insert_batch(coll, INITIAL, ids, seed, DIM, 0));

	static writer_state ws[2];
	memset(ws, 0, sizeof ws);
	pthread_t tw[2], ts[2];
	for (int i = 0; i < 2; i++) {
		ws[i].id = i;
		pthread_create(&tw[i], NULL, writer, &ws[i]);
		pthread_create(&ts[i], NULL, searcher, (void *)(intptr_t)(i + 1));
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(tw[i], NULL);
		pthread_join(ts[i], NULL);
	}
	printf("  %ld searches ran alongside the writers\n", atomic_load(&searches));
	CHECK(atomic_load(&searches) > 0);
	CHECK_MSG(atomic_load(&bad_answers) == 0, "%ld malformed answers", atomic_load(&bad_answers));

	/* the final state is exactly what the writers did */
	size_t expect = INITIAL;
	float v[DIM], out[DIM];
	char name[32];
	rv_hit h[1];
	char idbuf[RV_IDBUF_SIZE(1)];
	rv_search_params exact = {.flags = RV_SEARCH_EXACT};
	for (int w = 0; w < 2; w++) {
		for (int n = 0; n < PER_WRITER; n++) {
			snprintf(name, sizeof name, "w%d-%d", w, n);
			int rc = rv_get(coll, name, out, DIM);
			if (!ws[w].live[n]) {
				CHECK_RC(rc, RV_ENOTFOUND);
				continue;
			}
			expect++;
			CHECK_OK(rc);
			vector_for(w, n, ws[w].version[n], v);
			CHECK_MSG(!memcmp(v, out, sizeof v), "%s has the wrong vector", name);
			/* exact search for its vector finds it at distance 0 */
			CHECK(rv_search(coll, v, DIM, 1, &exact, h, idbuf, sizeof idbuf) == 1);
			CHECK(h[0].distance == 0.0f);
		}
	}
	CHECK_MSG(rv_count(coll) == expect, "count %zu, expected %zu", rv_count(coll), expect);
	CHECK_OK(rv_vacuum(coll));
	rv_check_report r;
	CHECK_MSG(rv_check(coll, &r) == RV_OK, "%s", r.first_problem);
	CHECK(r.nodes == expect);
	if (quant != RV_QUANT_NONE) {
		rv_stats st;
		rv_collection_stats(coll, &st);
		CHECK(st.quant_trained == 1);
	}
	rv_collection_free(coll);
	free(seed);
	free(names);
	free(ids);
}

TEST(float32) { two_writers_two_searchers(RV_QUANT_NONE); }
TEST(int8_trained_under_searchers) { two_writers_two_searchers(RV_QUANT_INT8); }

int main(void)
{
	RUN(float32);
	RUN(int8_trained_under_searchers);
	return harness_exit();
}
