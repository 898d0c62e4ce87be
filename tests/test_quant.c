/*
 * test_quant.c: quantized collections (int8, PQ, binary) against the exact
 * index: recall after re-ranking for every metric, the quantizers'
 * distance estimates against the true distances, training (automatic at
 * quant_train vectors, or rv_quantize), inserts and deletes after training,
 * the configuration errors, and the trained parameters' serialised form.
 */
#include "harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include "../src/kernels/kernels.h"
#include "../src/index/index.h"
#include "../src/quant/quant.h"
#include "ruvector.h"

#define DIM 64
#if RV_TEST_SMALL
#define N 3000 /* sanitizer builds (Makefile) */
#else
#define N 10000
#endif
#define NQ 100
#define K 10

static float *base, *queries;
static char (*names)[16];
static const char **ids;

typedef struct kind_case {
	const char *spec;
	rv_quant_kind kind;
	uint32_t pq_m;
	uint32_t ef;  /* the walk's width for the recall floor */
	double floor; /* recall@10 at that ef, every candidate re-ranked */
} kind_case;

/* Floors sit below what was measured here (int8 0.99-1.0, pq:16 0.97-0.99,
 * binary 0.998-1.0 at ef=400, across l2, cosine and ip); a quantizer whose codes no
 * longer order candidates sensibly falls far below them, since the walk is
 * steered by the codes alone. 64 bits say little about a 64-dimensional
 * vector, so binary walks wider (as binary codes are meant to be used:
 * over-fetch, then re-rank). */
static const kind_case kinds[] = {
	{"int8", RV_QUANT_INT8, 0, 100, 0.97},
	{"pq:16", RV_QUANT_PQ, 16, 100, 0.90},
	{"binary", RV_QUANT_BINARY, 0, 400, 0.95},
	{"binary-itq", RV_QUANT_BINARY_ITQ, 0, 400, 0.95},
};

static rv_collection *make(rv_metric metric, const kind_case *kc, uint32_t train)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.metric = metric;
	o.exact_threshold = 0;
	o.quant = kc->kind;
	o.quant_pq_m = kc->pq_m;
	o.quant_train = train;
	rv_collection *c = NULL;
	int rc = rv_collection_new(&o, &c);
	if (rc != RV_OK) {
		fprintf(stderr, "%s: %s\n", kc->spec, rv_errmsg(NULL));
		exit(2);
	}
	return c;
}

/* recall@K of the quantized walk against the exact index */
static double recall(rv_collection *c, uint32_t ef, uint32_t rerank)
{
	rv_hit h[K], e[K];
	char hb[RV_IDBUF_SIZE(K)], eb[RV_IDBUF_SIZE(K)];
	rv_search_params approx = {.ef = ef, .rerank = rerank}, exact = {.flags = RV_SEARCH_EXACT};
	size_t found = 0, want = 0;
	for (size_t q = 0; q < NQ; q++) {
		int ne = rv_search(c, queries + q * DIM, DIM, K, &exact, e, eb, sizeof eb);
		int na = rv_search(c, queries + q * DIM, DIM, K, &approx, h, hb, sizeof hb);
		CHECK_MSG(ne == K && na == K, "exact %d approx %d", ne, na);
		for (int i = 0; i < na; i++)
			for (int j = 0; j < ne; j++)
				if (!strcmp(h[i].id, e[j].id)) {
					found++;
					break;
				}
		want += (size_t)ne;
	}
	return want ? (double)found / (double)want : 1.0;
}

TEST(recall_after_rerank_every_kind_and_metric)
{
	const rv_metric metrics[] = {RV_METRIC_L2, RV_METRIC_COSINE, RV_METRIC_IP};
	for (size_t m = 0; m < 3; m++) {
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
			const kind_case *kc = &kinds[k];
			rv_collection *c = make(metrics[m], kc, 2000);
			CHECK_OK(rv_insert_batch(c, N, ids, base, DIM, 0));
			rv_stats st;
			rv_collection_stats(c, &st);
			CHECK_MSG(st.quant == kc->kind && st.quant_trained == 1, "%s: quant %d trained %d", kc->spec,
			          (int)st.quant, st.quant_trained);
			/* the codes are the advertised size: int8 a byte per
			 * dimension (+ the norm), pq a byte per subspace, binary a bit */
			size_t per = kc->kind == RV_QUANT_INT8 ? DIM + 8 : kc->kind == RV_QUANT_PQ ? 16 : DIM / 8;
			CHECK_MSG(st.code_bytes >= st.capacity * per && st.code_bytes < st.capacity * per + 1024 * 1024,
			          "%s: %llu code bytes for capacity %llu", kc->spec, (unsigned long long)st.code_bytes,
			          (unsigned long long)st.capacity);
			double r = recall(c, kc->ef, 0), shallow = recall(c, kc->ef, K);
			printf("  %-6s %-6s recall@10 ef=%u rerank all %.4f, rerank %d %.4f\n", rv_metric_name(metrics[m]),
			       kc->spec, kc->ef, r, K, shallow);
			CHECK_MSG(r >= kc->floor, "%s %s recall %.4f below %.2f", rv_metric_name(metrics[m]), kc->spec, r,
			          kc->floor);
			/* int8 orders so nearly like float32 that re-ranking only the
			 * best k is nearly as good (measured 0.96-0.98); the coarser
			 * codes need the depth (pq 0.39-0.51, binary 0.14-0.19) */
			if (kc->kind == RV_QUANT_INT8)
				CHECK_MSG(shallow >= 0.93, "%s int8 rerank %d recall %.4f", rv_metric_name(metrics[m]), K, shallow);
			else
				CHECK_MSG(r > shallow + 0.3, "%s %s: rerank all %.4f, rerank %d %.4f", rv_metric_name(metrics[m]),
				          kc->spec, r, K, shallow);
			rv_collection_free(c);
		}
	}
}

/* The estimates the walk uses, against the true distances of the same
 * pairs: int8's carries the exact norms, so its error is small; pq's and
 * binary's need only order pairs mostly right. */
TEST(estimates_track_true_distances)
{
	const rv_kernels *kern = rv_kernels_active();
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		const kind_case *kc = &kinds[k];
		rv_quant q;
		char why[160] = "";
		CHECK_OK(rv_quant_init(&q, kc->kind, DIM, RV_METRIC_L2, kc->pq_m, kern));
		CHECK_MSG(rv_quant_train(&q, base, 2000, 7, 1, why, sizeof why) == RV_OK, "%s: %s", kc->spec, why);
		uint8_t *codes = malloc(500 * q.code_bytes);
		const uint8_t **ptrs = malloc(500 * sizeof *ptrs);
		float *est = malloc(500 * sizeof *est), *truth = malloc(500 * sizeof *truth);
		void *mem = aligned_alloc(64, (rv_quant_query_bytes(&q) + 63) / 64 * 64);
		for (size_t i = 0; i < 500; i++) {
			rv_quant_encode(&q, base + (N - 1 - i) * DIM, codes + i * q.code_bytes);
			ptrs[i] = codes + i * q.code_bytes;
		}
		double rel_err = 0;
		size_t concordant = 0, pairs = 0;
		for (size_t t = 0; t < 10; t++) {
			const float *qv = queries + t * DIM;
			rv_qquery qq;
			rv_quant_query(&q, qv, mem, &qq);
			rv_quant_dists(&qq, ptrs, 500, est);
			for (size_t i = 0; i < 500; i++) {
				const float *x = base + (N - 1 - i) * DIM;
				double s = 0;
				for (size_t j = 0; j < DIM; j++)
					s += ((double)qv[j] - x[j]) * ((double)qv[j] - x[j]);
				truth[i] = (float)s;
				rel_err += fabs(est[i] - s) / s;
			}
			for (size_t i = 0; i + 1 < 500; i += 2) {
				pairs++;
				concordant += (est[i] < est[i + 1]) == (truth[i] < truth[i + 1]);
			}
		}
		rel_err /= 5000;
		double conc = (double)concordant / (double)pairs;
		printf("  %-6s mean relative error %.4f, pairs ordered right %.3f\n", kc->spec, rel_err, conc);
		if (kc->kind == RV_QUANT_INT8)
			CHECK_MSG(rel_err < 0.01, "int8 estimates off by %.4f on average", rel_err);
		if (kc->kind == RV_QUANT_PQ)
			CHECK_MSG(rel_err < 0.25, "pq estimates off by %.4f on average", rel_err);
		/* random pairs of a clustered set, ordered by the estimates as by
		 * the true distances (measured: int8 0.996, pq 0.89, binary 0.71;
		 * a coin would get 0.5). Binary's estimate is a bit count, not a
		 * distance, so only its order is checked. */
		double want = kc->kind == RV_QUANT_INT8 ? 0.98 : kc->kind == RV_QUANT_PQ ? 0.85 : 0.65;
		CHECK_MSG(conc > want, "%s orders %.3f of pairs right", kc->spec, conc);
		free(mem);
		free(codes);
		free(ptrs);
		free(est);
		free(truth);
		rv_quant_free(&q);
	}
}

TEST(training_is_automatic_at_quant_train)
{
	rv_collection *c = make(RV_METRIC_L2, &kinds[0], 500);
	CHECK_OK(rv_insert_batch(c, 499, ids, base, DIM, 0));
	rv_stats st;
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 0 && st.code_bytes == 0);
	/* searches work before training, on float32 */
	CHECK(recall(c, 100, 0) > 0.99);
	CHECK_OK(rv_insert(c, ids[499], base + 499 * DIM, DIM, 0));
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 1 && st.code_bytes > 0);
	rv_collection_free(c);
}

/* Vectors inserted after training are encoded; deleted ones never come
 * back, whether their repair is pending or done. */
TEST(writes_after_training)
{
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		const kind_case *kc = &kinds[k];
		rv_collection *c = make(RV_METRIC_L2, kc, 1000);
		CHECK_OK(rv_insert_batch(c, N / 2, ids, base, DIM, 0));
		CHECK_OK(rv_insert_batch(c, N / 2, ids + N / 2, base + (size_t)(N / 2) * DIM, DIM, 0));
		rv_hit h[K];
		char hb[RV_IDBUF_SIZE(K)];
		rv_search_params p = {.ef = 64};
		size_t self = 0;
		for (size_t i = N / 2; i < N / 2 + 200; i++) {
			int n = rv_search(c, base + i * DIM, DIM, K, &p, h, hb, sizeof hb);
			self += n > 0 && !strcmp(h[0].id, ids[i]) && h[0].distance == 0.0f;
		}
		CHECK_MSG(self >= 198, "%s: %zu of 200 new vectors find themselves first", kc->spec, self);

		/* delete every tenth: a repair is pending for a while, so both
		 * of the walk's paths run */
		size_t ndel = 0;
		const char **del = malloc(N / 10 * sizeof *del);
		for (size_t i = 0; i < N; i += 10)
			del[ndel++] = ids[i];
		for (size_t i = 0; i < ndel; i++) {
			CHECK_OK(rv_delete(c, del[i]));
			if (i % 97 == 0) {
				int n = rv_search(c, base + (i * 10) * DIM, DIM, K, &p, h, hb, sizeof hb);
				CHECK(n == K);
				for (int j = 0; j < n; j++)
					CHECK_MSG(atoi(h[j].id + 1) % 10 != 0 || (size_t)atoi(h[j].id + 1) > i * 10,
					          "%s: deleted %s returned", kc->spec, h[j].id);
			}
		}
		for (size_t q = 0; q < NQ; q++) {
			int n = rv_search(c, queries + q * DIM, DIM, K, &p, h, hb, sizeof hb);
			CHECK(n == K);
			for (int j = 0; j < n; j++)
				CHECK_MSG(atoi(h[j].id + 1) % 10 != 0, "%s: deleted %s returned", kc->spec, h[j].id);
		}
		rv_check_report r;
		CHECK_OK(rv_check(c, &r));
		free(del);
		rv_collection_free(c);
	}
}

TEST(explicit_training_and_its_errors)
{
	/* without quantization configured */
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	rv_collection *plain;
	CHECK_OK(rv_collection_new(&o, &plain));
	CHECK_RC(rv_quantize(plain), RV_EINVAL);
	CHECK(strstr(rv_errmsg(plain), "without quantization") != NULL);
	rv_collection_free(plain);

	/* too few vectors: refused with the counts; searches unaffected */
	rv_collection *c = make(RV_METRIC_L2, &kinds[1], 0);
	CHECK_OK(rv_insert_batch(c, 100, ids, base, DIM, 0));
	CHECK_RC(rv_quantize(c), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(c), "256") && strstr(rv_errmsg(c), "100"), "message: %s", rv_errmsg(c));
	rv_stats st;
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 0);
	CHECK_OK(rv_insert_batch(c, 900, ids + 100, base + 100 * DIM, DIM, 0));
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 0); /* default quant_train for pq: 10000 */
	CHECK_OK(rv_quantize(c));
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 1);
	/* retraining replaces the quantizer and keeps every vector findable */
	CHECK_OK(rv_quantize(c));
	rv_hit h[1];
	char hb[RV_IDBUF_SIZE(1)];
	rv_search_params p = {.ef = 64};
	size_t self = 0;
	for (size_t i = 0; i < 1000; i += 10)
		self += rv_search(c, base + i * DIM, DIM, 1, &p, h, hb, sizeof hb) == 1 && !strcmp(h[0].id, ids[i]);
	CHECK_MSG(self >= 99, "%zu of 100 find themselves", self);
	rv_collection_free(c);
}

TEST(configuration_errors)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 100;
	rv_collection *c = NULL;
	o.quant = RV_QUANT_PQ;
	o.quant_pq_m = 16; /* does not divide 100 */
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(NULL), "divide") != NULL, "%s", rv_errmsg(NULL));
	o.quant_pq_m = 0;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.quant_pq_m = 20;
	CHECK_OK(rv_collection_new(&o, &c));
	rv_collection_free(c);
	c = NULL;
	o.quant = RV_QUANT_INT8;
	o.metric = RV_METRIC_L1;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(NULL), "l1") != NULL, "%s", rv_errmsg(NULL));
	o.metric = RV_METRIC_L2;
	o.quant_train = 8;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(NULL), "quant_train") != NULL, "%s", rv_errmsg(NULL));
	o.quant_train = 2000000;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.quant_train = 0;
	o.quant = (rv_quant_kind)9;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	CHECK(c == NULL);

	rv_quant_kind kind;
	uint32_t m;
	CHECK_OK(rv_quant_parse("pq:8", &kind, &m));
	CHECK(kind == RV_QUANT_PQ && m == 8);
	CHECK_OK(rv_quant_parse("binary", &kind, &m));
	CHECK(kind == RV_QUANT_BINARY && m == 0);
	CHECK_OK(rv_quant_parse("binary-itq", &kind, &m));
	CHECK(kind == RV_QUANT_BINARY_ITQ && m == 0);
	CHECK_OK(rv_quant_parse("none", &kind, &m));
	CHECK(kind == RV_QUANT_NONE);
	const char *bad[] = {"", "pq", "pq:", "pq:0", "pq:x", "pq:8x", "int4", "INT8", "pq:-1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_MSG(rv_quant_parse(bad[i], &kind, &m) == RV_EINVAL, "'%s' accepted", bad[i]);
}

/* The trained parameters survive their serialised form exactly (the same
 * codes), and damaged forms are refused with a reason. */
TEST(parameters_round_trip)
{
	const rv_kernels *kern = rv_kernels_active();
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		const kind_case *kc = &kinds[k];
		rv_quant a, b;
		char why[160] = "";
		CHECK_OK(rv_quant_init(&a, kc->kind, DIM, RV_METRIC_COSINE, kc->pq_m, kern));
		CHECK_OK(rv_quant_train(&a, base, 1000, 3, 2, why, sizeof why));
		size_t len = rv_quant_param_bytes(&a);
		unsigned char *buf = malloc(len);
		rv_quant_save(&a, buf);
		CHECK_OK(rv_quant_init(&b, kc->kind, DIM, RV_METRIC_COSINE, kc->pq_m, kern));
		CHECK_MSG(rv_quant_load(&b, buf, len, why, sizeof why) == RV_OK, "%s: %s", kc->spec, why);
		uint8_t *ca = calloc(1, a.code_bytes), *cb = calloc(1, b.code_bytes);
		size_t same = 0;
		for (size_t i = 0; i < 200; i++) {
			rv_quant_encode(&a, base + i * DIM, ca);
			rv_quant_encode(&b, base + i * DIM, cb);
			same += !memcmp(ca, cb, a.code_bytes);
		}
		CHECK_MSG(same == 200, "%s: %zu of 200 codes equal after reload", kc->spec, same);
		rv_quant_free(&b);

		/* a short buffer, another kind's header, a NaN */
		CHECK_OK(rv_quant_init(&b, kc->kind, DIM, RV_METRIC_COSINE, kc->pq_m, kern));
		CHECK_RC(rv_quant_load(&b, buf, len - 4, why, sizeof why), RV_ECORRUPT);
		rv_quant_free(&b);
		CHECK_OK(rv_quant_init(&b, kc->kind, DIM, RV_METRIC_COSINE, kc->pq_m, kern));
		buf[0] ^= 3;
		CHECK_RC(rv_quant_load(&b, buf, len, why, sizeof why), RV_ECORRUPT);
		buf[0] ^= 3;
		rv_quant_free(&b);
		CHECK_OK(rv_quant_init(&b, kc->kind, DIM, RV_METRIC_COSINE, kc->pq_m, kern));
		float nan = NAN;
		memcpy(buf + 16, &nan, 4);
		CHECK_RC(rv_quant_load(&b, buf, len, why, sizeof why), RV_ECORRUPT);
		CHECK_MSG(strstr(why, "finite") != NULL, "%s: %s", kc->spec, why);
		rv_quant_free(&b);
		free(ca);
		free(cb);
		free(buf);
		rv_quant_free(&a);
	}
}

static char root[256];

static rv_db *open_db(const char *path)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_CREATE;
	rv_db *db = NULL;
	int rc = rv_db_open(path, &o, &db);
	CHECK_MSG(rc == RV_OK, "open %s: %s", path, rv_errmsg(NULL));
	return db;
}

/* The top 10 ids of the first 30 queries, concatenated. */
static void top_ids(rv_collection *c, char *out, size_t size)
{
	rv_hit h[K];
	char hb[RV_IDBUF_SIZE(K)];
	rv_search_params p = {.ef = 80};
	size_t at = 0;
	out[0] = '\0';
	for (size_t q = 0; q < 30; q++) {
		int n = rv_search(c, queries + q * DIM, DIM, K, &p, h, hb, sizeof hb);
		for (int i = 0; i < n && at + 20 < size; i++)
			at += (size_t)snprintf(out + at, size - at, "%s,", h[i].id);
	}
}

TEST(persistence)
{
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		const kind_case *kc = &kinds[k];
		char path[512];
		snprintf(path, sizeof path, "%s/db-%zu", root, k);
		rv_db *db = open_db(path);
		rv_options o;
		rv_options_init(&o);
		o.dim = DIM;
		o.metric = RV_METRIC_COSINE;
		o.exact_threshold = 0;
		o.quant = kc->kind;
		o.quant_pq_m = kc->pq_m;
		o.quant_train = 1000;
		rv_collection *c = NULL;
		CHECK_OK(rv_db_create_collection(db, "q", &o, &c));
		CHECK_OK(rv_insert_batch(c, 2000, ids, base, DIM, 0));
		CHECK_OK(rv_checkpoint(c));
		static char before[30 * K * 8], after[30 * K * 8];
		top_ids(c, before, sizeof before);
		rv_stats st0;
		rv_collection_stats(c, &st0);
		CHECK_OK(rv_db_close(db));

		/* from the checkpoint: the same quantizer, codes and answers */
		db = open_db(path);
		CHECK_OK(rv_db_open_collection(db, "q", &c));
		rv_options got;
		rv_collection_options(c, &got);
		CHECK(got.quant == kc->kind && got.quant_pq_m == kc->pq_m && got.quant_train == 1000);
		rv_stats st;
		rv_collection_stats(c, &st);
		/* a loaded index holds exactly its slots (the original may have
		 * grown beyond): codes for 2000, no more than before */
		size_t per = kc->kind == RV_QUANT_INT8 ? DIM + 8 : kc->kind == RV_QUANT_PQ ? 16 : DIM / 8;
		CHECK_MSG(st.quant_trained == 1 && st.code_bytes >= 2000 * per && st.code_bytes <= st0.code_bytes,
		          "%s: trained %d, %llu code bytes (before: %llu)", kc->spec, st.quant_trained,
		          (unsigned long long)st.code_bytes, (unsigned long long)st0.code_bytes);
		CHECK_MSG(st.mapped_bytes > 0 && st.vector_bytes == 0, "%s: vectors not mapped", kc->spec);
		top_ids(c, after, sizeof after);
		CHECK_MSG(!strcmp(before, after), "%s: answers changed across a reopen", kc->spec);
		/* growing past the mapped rows, then the log holds the rest */
		CHECK_OK(rv_insert_batch(c, 1000, ids + 2000, base + 2000 * DIM, DIM, 0));
		CHECK(recall(c, kc->ef, 0) >= kc->floor);
		top_ids(c, before, sizeof before);
		CHECK_OK(rv_db_close(db));
		db = open_db(path);
		CHECK_OK(rv_db_open_collection(db, "q", &c));
		top_ids(c, after, sizeof after);
		CHECK_MSG(!strcmp(before, after), "%s: answers changed across a reopen with replay", kc->spec);
		char problem[512];
		CHECK_OK(rv_db_close(db));
		CHECK_MSG(rv_db_check(path, problem, sizeof problem) == RV_OK, "%s: check: %s", kc->spec, problem);
	}

	/* trained after the last checkpoint, at quant_train: replay trains too */
	char path[512];
	snprintf(path, sizeof path, "%s/db-replay", root);
	rv_db *db = open_db(path);
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.quant = RV_QUANT_INT8;
	o.quant_train = 500;
	rv_collection *c = NULL;
	CHECK_OK(rv_db_create_collection(db, "q", &o, &c));
	CHECK_OK(rv_insert_batch(c, 600, ids, base, DIM, 0));
	CHECK_OK(rv_db_close(db));
	db = open_db(path);
	CHECK_OK(rv_db_open_collection(db, "q", &c));
	rv_stats st;
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 1 && rv_count(c) == 600);

	/* rv_quantize below quant_train checkpoints, so it is durable */
	CHECK_OK(rv_db_create_collection(db, "explicit", &o, &c));
	CHECK_OK(rv_insert_batch(c, 100, ids, base, DIM, 0));
	CHECK_OK(rv_quantize(c));
	CHECK_OK(rv_db_close(db));
	db = open_db(path);
	CHECK_OK(rv_db_open_collection(db, "explicit", &c));
	rv_collection_stats(c, &st);
	CHECK(st.quant_trained == 1 && rv_count(c) == 100);
	CHECK_OK(rv_db_close(db));
}

int main(void)
{
	rv_vec_chunk_bytes = 8192; /* many chunks: growth and reloads cross their edges */
	/* queries: more points of the same blobs, not in the collection */
	base = make_clustered_scaled(N + NQ, DIM, 40, 11, 1.5f);
	queries = base + (size_t)N * DIM;
	names = malloc(N * sizeof *names);
	ids = malloc(N * sizeof *ids);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "v%zu", i);
		ids[i] = names[i];
	}
	RUN(configuration_errors);
	RUN(parameters_round_trip);
	RUN(estimates_track_true_distances);
	RUN(training_is_automatic_at_quant_train);
	RUN(explicit_training_and_its_errors);
	RUN(writes_after_training);
	RUN(recall_after_rerank_every_kind_and_metric);
	snprintf(root, sizeof root, "/tmp/rv_test_quant_%d", (int)getpid());
	mkdir(root, 0755);
	RUN(persistence);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	free(base);
	free(names);
	free(ids);
	return harness_exit();
}
