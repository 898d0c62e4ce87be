/*
 * test_conformal.c: calibrated retrieval (ruvector.h, Calibrated retrieval).
 *
 *  - the threshold rule, exactly, on hand-made scores: the
 *    ceil((n+1)(1-alpha))-th smallest, +infinity past n, no off-by-one at
 *    integer (n+1)(1-alpha), +infinity scores counted;
 *  - every query's score equals one the test computes itself from the same
 *    search (largest distance or rank of a relevant item, +infinity for an
 *    item the capped search misses, or an id the collection lacks);
 *  - coverage: the held-out sets of rv_search_conformal hold every exact
 *    neighbour (brute force, computed here) for at least 1 - alpha - slack
 *    of the queries, over many random splits, in a setting where the
 *    search misses items for part of the queries: a version that dropped
 *    never-found items would calibrate too low a threshold, and the check
 *    of that dropped threshold's coverage shows it falls short;
 *  - target recall: held-out mean recall at the chosen ef meets the target;
 *  - calibrations survive closing, reopening and checkpoints;
 *  - bad arguments are refused with the collection unchanged.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ruvector.h"

#define D 24
#ifdef RV_TEST_SMALL
#define NBASE 3000
#else
#define NBASE 6000
#endif
#define NQ 2000
#define NCAL 1000
#define K 10

static char root[256];

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

/* base vectors, then queries from the same distribution */
static float *data;
static char ids[NBASE][12];
static const char *idp[NBASE];

static rv_collection *make_collection(void)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.m = 6;
	o.ef_construction = 40;
	o.exact_threshold = 0; /* the graph, which misses items at low ef */
	rv_collection *c = NULL;
	CHECK_OK(rv_collection_new(&o, &c));
	CHECK_OK(rv_insert_batch(c, NBASE, idp, data, D, 0));
	return c;
}

static const float *query(size_t i) { return data + (NBASE + i) * D; }

/* The exact K nearest base rows of query i, by brute force. */
static void truth(size_t qi, int *out)
{
	float best[K];
	for (int j = 0; j < K; j++)
		best[j] = INFINITY, out[j] = -1;
	const float *q = query(qi);
	for (int i = 0; i < NBASE; i++) {
		float d = 0;
		for (int j = 0; j < D; j++) {
			float t = data[(size_t)i * D + j] - q[j];
			d += t * t;
		}
		if (d >= best[K - 1])
			continue;
		int at = K - 1;
		while (at > 0 && best[at - 1] > d) {
			best[at] = best[at - 1];
			out[at] = out[at - 1];
			at--;
		}
		best[at] = d;
		out[at] = i;
	}
}

static int *truths; /* NQ x K */

TEST(threshold_rule_exact)
{
	double s5[] = {5, 1, 4, 2, 3};
	/* (n+1)(1-alpha) = 6 * 0.8 = 4.8 -> 5th smallest */
	CHECK(rv_conformal_threshold(s5, 5, 0.2) == 5);
	/* 6 * 0.6 = 3.6 -> 4th */
	CHECK(rv_conformal_threshold(s5, 5, 0.4) == 4);
	/* 6 * 0.5 = 3 exactly -> 3rd, not 4th */
	CHECK(rv_conformal_threshold(s5, 5, 0.5) == 3);
	/* 6 * 0.9 = 5.4 -> 6 > n -> +infinity */
	CHECK(isinf(rv_conformal_threshold(s5, 5, 0.1)));
	/* n = 9, alpha = 0.1: 10 * 0.9 = 9 exactly -> the 9th, finite */
	double s9[9];
	for (int i = 0; i < 9; i++)
		s9[i] = 9 - i;
	CHECK(rv_conformal_threshold(s9, 9, 0.1) == 9);
	/* n = 8: 9 * 0.9 = 8.1 -> 9 > 8 -> +infinity */
	CHECK(isinf(rv_conformal_threshold(s9, 8, 0.1)));
	/* n = 99, alpha = 0.1: rank 90 exactly (not 91 from rounding) */
	double s99[99];
	for (int i = 0; i < 99; i++)
		s99[i] = (i * 37) % 99 + 1; /* 1..99 shuffled */
	CHECK(rv_conformal_threshold(s99, 99, 0.1) == 90);
	CHECK(rv_conformal_threshold(s99, 99, 0.05) == 95); /* 100 * 0.95 = 95 */
	/* +infinity scores sort last and can be the threshold */
	double si[] = {1, INFINITY, 2, 3};
	CHECK(rv_conformal_threshold(si, 4, 0.5) == 3);       /* 5 * 0.5 = 2.5 -> 3rd */
	CHECK(isinf(rv_conformal_threshold(si, 4, 0.25)));   /* 3.75 -> 4th = +inf */
	/* ties: the value, whichever copy */
	double st[] = {2, 2, 2, 1};
	CHECK(rv_conformal_threshold(st, 4, 0.5) == 2);
	/* n = 0 and bad arguments */
	CHECK(isinf(rv_conformal_threshold(NULL, 0, 0.1)));
	CHECK(isnan(rv_conformal_threshold(s5, 5, 0)));
	CHECK(isnan(rv_conformal_threshold(s5, 5, 1)));
	CHECK(isnan(rv_conformal_threshold(NULL, 3, 0.1)));
	double sn[] = {1, NAN};
	CHECK(isnan(rv_conformal_threshold(sn, 2, 0.1)));
}

/* The score of query qi as the documented rule gives it, from a search
 * the test runs itself. */
static double own_score(rv_collection *c, size_t qi, const int *rel, uint32_t cap, uint32_t ef, int rank,
                        const char *extra_missing)
{
	rv_hit *h = malloc(cap * sizeof *h);
	char *buf = malloc(RV_IDBUF_SIZE(cap));
	rv_search_params sp = {0};
	sp.ef = ef;
	int n = rv_search(c, query(qi), D, cap, &sp, h, buf, RV_IDBUF_SIZE(cap));
	CHECK(n == (int)cap);
	double s = -INFINITY;
	for (int j = 0; j < K; j++) {
		double v = INFINITY;
		for (int i = 0; i < n; i++) {
			double d = h[i].distance, d1 = h[0].distance;
			if (atoi(h[i].id) == rel[j])
				v = rank == 1 ? i + 1 : rank == 2 ? (d <= d1 ? 1 : d1 > 0 ? d / d1 : INFINITY) : d;
		}
		if (v > s)
			s = v;
	}
	if (extra_missing)
		s = INFINITY;
	free(h);
	free(buf);
	return s;
}

TEST(scores_follow_the_rule)
{
	rv_collection *c = make_collection();
	const size_t nq = 200;
	const char **rel = malloc(nq * K * sizeof *rel);
	for (size_t q = 0; q < nq; q++)
		for (int j = 0; j < K; j++)
			rel[q * K + j] = ids[truths[q * K + j]];
	rel[5 * K + 3] = "not-in-the-collection"; /* query 5 can never be covered */
	for (int rank = 0; rank <= 2; rank++) { /* distance, rank, ratio */
		rv_calibrate_params p;
		rv_calibrate_params_init(&p);
		p.k = K;
		p.relevant = rel;
		p.cap = 20;
		p.ef = 20;
		p.score = (rv_conformal_score)rank;
		double *s = malloc(nq * sizeof *s);
		CHECK_OK(rv_conformal_scores(c, nq, query(0), D, &p, s));
		size_t inf = 0, mismatch = 0;
		for (size_t q = 0; q < nq; q++) {
			double want = own_score(c, q, truths + q * K, 20, 20, rank, q == 5 ? "x" : NULL);
			mismatch += !(s[q] == want);
			inf += isinf(s[q]);
		}
		CHECK_MSG(mismatch == 0, "%zu scores differ from the rule", mismatch);
		CHECK(isinf(s[5]));
		/* the setting must exercise the +infinity rule on real misses */
		CHECK_MSG(inf > 5, "only %zu queries scored +infinity", inf);
		/* relevant = NULL: the engine's exact top-K gives the same scores */
		double *s2 = malloc(nq * sizeof *s2);
		p.relevant = NULL;
		CHECK_OK(rv_conformal_scores(c, nq, query(0), D, &p, s2));
		for (size_t q = 0; q < nq; q++)
			if (q != 5)
				CHECK_MSG(s2[q] == s[q], "query %zu: %g vs %g", q, s2[q], s[q]);
		free(s);
		free(s2);
	}
	free(rel);
	rv_collection_free(c);
}

/* Does the set hold all K exact neighbours of query qi? */
static int covered(const rv_hit *h, int n, const int *rel)
{
	for (int j = 0; j < K; j++) {
		int found = 0;
		for (int i = 0; i < n && !found; i++)
			found = atoi(h[i].id) == rel[j];
		if (!found)
			return 0;
	}
	return 1;
}

static void shuffle(size_t *v, size_t n, test_rng *r)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_next(r) % (i + 1), t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

TEST(coverage_holds_on_held_out_queries)
{
	rv_collection *c = make_collection();
	const double alpha = 0.1;
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	p.k = K;
	p.alpha = (float)alpha;
	p.cap = 24;
	p.ef = 100; /* misses a few of the K for some 5-10% of the queries */
	/* 1. calibrate on the first NCAL queries, store, and search the rest
	 * with rv_search_conformal, checking each set against brute force */
	rv_calibration cal;
	CHECK_OK(rv_calibrate(c, NCAL, query(0), D, &p, &cal));
	CHECK(cal.conformal && cal.n == NCAL && cal.cap == 24 && cal.ef == 100 && cal.k == K);
	CHECK_MSG(!isinf(cal.threshold), "threshold +inf: %u of %u infinite", cal.infinite, cal.n);
	CHECK_MSG(cal.infinite >= NCAL / 50, "%u calibration queries scored +inf: too few to test the rule",
	          cal.infinite);
	rv_hit h[24];
	char buf[RV_IDBUF_SIZE(24)];
	size_t cov = 0, total_size = 0;
	double *scores = malloc(NQ * sizeof *scores);
	CHECK_OK(rv_conformal_scores(c, NQ, query(0), D, &p, scores));
	size_t agree = 0;
	for (size_t q = NCAL; q < NQ; q++) {
		rv_conformal_info info;
		int n = rv_search_conformal(c, query(q), D, h, 24, buf, sizeof buf, &info);
		CHECK(n >= 0 && n <= 24);
		CHECK(info.threshold == cal.threshold && info.alpha == (float)alpha && info.cap == 24);
		int cv = covered(h, n, truths + q * K);
		cov += cv;
		total_size += (size_t)n;
		agree += cv == (scores[q] <= cal.threshold);
	}
	double coverage = (double)cov / (NQ - NCAL);
	printf("    held out: coverage %.3f (alpha %.2f), mean set size %.1f, threshold %g, %u/%u infinite\n", coverage,
	       alpha, (double)total_size / (NQ - NCAL), cal.threshold, cal.infinite, cal.n);
	CHECK_MSG(coverage >= 1 - alpha - 0.03, "coverage %.3f", coverage);
	/* the scores decide coverage exactly, so splits can be scored fast */
	CHECK_MSG(agree == NQ - NCAL, "%zu of %d held-out queries: covered != (score <= threshold)", agree, NQ - NCAL);

	/* the ratio score, through the stored calibration and the search */
	p.score = RV_CONFORMAL_RATIO;
	CHECK_OK(rv_calibrate(c, NCAL, query(0), D, &p, &cal));
	double *rs = malloc(NQ * sizeof *rs);
	CHECK_OK(rv_conformal_scores(c, NQ, query(0), D, &p, rs));
	size_t rcov = 0, ragree = 0, rsize = 0;
	for (size_t q = NCAL; q < NQ; q++) {
		int n = rv_search_conformal(c, query(q), D, h, 24, buf, sizeof buf, NULL);
		CHECK(n >= 1);
		int cv = covered(h, n, truths + q * K);
		rcov += cv;
		rsize += (size_t)n;
		ragree += cv == (rs[q] <= cal.threshold);
	}
	printf("    ratio score: coverage %.3f, mean set size %.1f, threshold %g\n", (double)rcov / (NQ - NCAL),
	       (double)rsize / (NQ - NCAL), cal.threshold);
	CHECK_MSG((double)rcov / (NQ - NCAL) >= 1 - alpha - 0.03, "ratio coverage %.3f", (double)rcov / (NQ - NCAL));
	CHECK_MSG(ragree == NQ - NCAL, "ratio: %zu agree", ragree);
	free(rs);
	p.score = RV_CONFORMAL_DISTANCE;

	/* 2. many random splits of the NQ scores */
	test_rng r = {0xc0fe};
	size_t order[NQ];
	for (size_t i = 0; i < NQ; i++)
		order[i] = i;
	double *cs = malloc(NCAL * sizeof *cs), sum = 0, worst = 1, sum_dropped = 0;
	const int splits = 100;
	for (int s = 0; s < splits; s++) {
		shuffle(order, NQ, &r);
		for (size_t i = 0; i < NCAL; i++)
			cs[i] = scores[order[i]];
		double t = rv_conformal_threshold(cs, NCAL, alpha);
		size_t hit = 0;
		for (size_t i = NCAL; i < NQ; i++)
			hit += scores[order[i]] <= t;
		double cv = (double)hit / (NQ - NCAL);
		sum += cv;
		worst = cv < worst ? cv : worst;
		/* what dropping never-found items would do: those queries scored
		 * by the items found, which puts them below most thresholds */
		size_t kept = 0;
		for (size_t i = 0; i < NCAL; i++)
			if (!isinf(cs[i]))
				cs[kept++] = cs[i];
		double td = rv_conformal_threshold(cs, kept, alpha);
		hit = 0;
		for (size_t i = NCAL; i < NQ; i++)
			hit += scores[order[i]] <= td;
		sum_dropped += (double)hit / (NQ - NCAL);
	}
	double mean = sum / splits, mean_dropped = sum_dropped / splits;
	printf("    %d splits: mean coverage %.4f, worst %.3f; dropping never-found items: %.4f\n", splits, mean, worst,
	       mean_dropped);
	CHECK_MSG(mean >= 1 - alpha - 0.01 && mean <= 1 - alpha + 0.02, "mean coverage %.4f", mean);
	CHECK_MSG(worst >= 1 - alpha - 0.05, "worst split %.3f", worst);
	/* the checks above have teeth: dropping falls short of them */
	CHECK_MSG(mean_dropped < 1 - alpha - 0.01, "dropped-version coverage %.4f would pass", mean_dropped);
	free(cs);
	free(scores);
	rv_collection_free(c);
}

TEST(target_recall_met_on_held_out_queries)
{
	rv_collection *c = make_collection();
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	p.k = K;
	p.target_recall = 0.95f;
	rv_calibration cal;
	CHECK_OK(rv_calibrate_recall(c, NCAL, query(0), D, &p, &cal));
	CHECK(cal.recall && cal.recall_k == K && cal.recall_n == NCAL && cal.recall_ef >= K);
	CHECK(cal.recall_bound <= 0.05f);
	rv_search_params sp = {0};
	sp.flags = RV_SEARCH_CALIBRATED;
	sp.ef = 1; /* ignored under RV_SEARCH_CALIBRATED */
	rv_hit h[K];
	char buf[RV_IDBUF_SIZE(K)];
	double sum = 0, sum_lower = 0;
	for (size_t q = NCAL; q < NQ; q++) {
		int n = rv_search(c, query(q), D, K, &sp, h, buf, sizeof buf);
		CHECK(n == K);
		int found = 0;
		for (int j = 0; j < K; j++)
			for (int i = 0; i < n; i++)
				found += atoi(h[i].id) == truths[q * K + j];
		sum += found / (double)K;
		/* and at a clearly smaller ef, recall is lower: the ef matters */
		rv_search_params lo = {0};
		lo.ef = K;
		n = rv_search(c, query(q), D, K, &lo, h, buf, sizeof buf);
		found = 0;
		for (int j = 0; j < K; j++)
			for (int i = 0; i < n; i++)
				found += atoi(h[i].id) == truths[q * K + j];
		sum_lower += found / (double)K;
	}
	double recall = sum / (NQ - NCAL);
	printf("    target 0.95: ef %u (bound %.4f), held-out recall %.4f (at ef %d: %.4f)\n", cal.recall_ef,
	       (double)cal.recall_bound, recall, K, sum_lower / (NQ - NCAL));
	/* the guarantee is on the expectation; the held-out mean of 1000
	 * queries may fall below by its sampling error (about 0.003 here) */
	CHECK_MSG(recall >= 0.95 - 0.005, "held-out recall %.4f", recall);
	CHECK(sum_lower / (NQ - NCAL) < 0.95);
	/* unreachable targets are refused, the calibration kept */
	p.target_recall = 0.9999f;
	p.max_ef = K;
	CHECK_RC(rv_calibrate_recall(c, NCAL, query(0), D, &p, NULL), RV_ERANGE);
	CHECK(strstr(rv_errmsg(c), "max_ef") != NULL);
	rv_calibration now;
	rv_calibration_get(c, &now);
	CHECK(now.recall_ef == cal.recall_ef && now.target_recall == 0.95f);
	rv_collection_free(c);
}

TEST(bad_arguments)
{
	rv_collection *c = make_collection();
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	rv_hit h[200];
	char buf[RV_IDBUF_SIZE(200)];
	CHECK_RC(rv_search_conformal(c, query(0), D, h, 200, buf, sizeof buf, NULL), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "rv_calibrate") != NULL);
	rv_search_params sp = {0};
	sp.flags = RV_SEARCH_CALIBRATED;
	CHECK_RC(rv_search(c, query(0), D, 10, &sp, h, buf, sizeof buf), RV_EINVAL);
	p.alpha = 0;
	CHECK_RC(rv_calibrate(c, 10, query(0), D, &p, NULL), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "alpha") != NULL);
	p.alpha = 0.1f;
	p.cap = 5;
	CHECK_RC(rv_calibrate(c, 10, query(0), D, &p, NULL), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "cap") != NULL);
	p.cap = 0;
	p.score = (rv_conformal_score)7;
	CHECK_RC(rv_calibrate(c, 10, query(0), D, &p, NULL), RV_EINVAL);
	{
		/* the ratio needs distances >= 0 */
		rv_options o;
		rv_options_init(&o);
		o.dim = D;
		o.metric = RV_METRIC_IP;
		rv_collection *ip = NULL;
		CHECK_OK(rv_collection_new(&o, &ip));
		CHECK_OK(rv_insert_batch(ip, 100, idp, data, D, 0));
		p.score = RV_CONFORMAL_RATIO;
		CHECK_RC(rv_calibrate(ip, 10, query(0), D, &p, NULL), RV_EINVAL);
		CHECK(strstr(rv_errmsg(ip), "ratio") != NULL);
		rv_collection_free(ip);
	}
	p.score = RV_CONFORMAL_DISTANCE;
	const char *rel[10 * 10];
	for (int i = 0; i < 100; i++)
		rel[i] = "1";
	rel[57] = "";
	p.relevant = rel;
	CHECK_RC(rv_calibrate(c, 10, query(0), D, &p, NULL), RV_EID);
	CHECK(strstr(rv_errmsg(c), "57") != NULL);
	p.relevant = NULL;
	CHECK_RC(rv_calibrate(c, 0, query(0), D, &p, NULL), RV_EINVAL);
	CHECK_RC(rv_calibrate(c, 10, query(0), D + 1, &p, NULL), RV_EDIM);
	p.target_recall = 1;
	CHECK_RC(rv_calibrate_recall(c, 10, query(0), D, &p, NULL), RV_EINVAL);
	rv_calibration k;
	rv_calibration_get(c, &k);
	CHECK(!k.conformal && !k.recall); /* nothing stored by the failures */
	rv_collection_free(c);
}

static int same_calibration(const rv_calibration *a, const rv_calibration *b)
{
	return a->conformal == b->conformal && a->score == b->score && a->alpha == b->alpha &&
	       a->threshold == b->threshold && a->n == b->n && a->infinite == b->infinite && a->k == b->k &&
	       a->cap == b->cap && a->ef == b->ef && a->recall == b->recall && a->target_recall == b->target_recall &&
	       a->recall_k == b->recall_k && a->recall_ef == b->recall_ef && a->recall_n == b->recall_n &&
	       a->recall_bound == b->recall_bound;
}

TEST(calibration_survives_reopen)
{
	char path[512];
	snprintf(path, sizeof path, "%s/db", root);
	rv_db_options dbo;
	rv_db_options_init(&dbo);
	dbo.flags = RV_DB_CREATE;
	dbo.durability = RV_SYNC_OFF;
	rv_db *db = NULL;
	CHECK_OK(rv_db_open(path, &dbo, &db));
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.exact_threshold = 0;
	rv_collection *c = NULL;
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	CHECK_OK(rv_insert_batch(c, 2000, idp, data, D, 0));
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	p.score = RV_CONFORMAL_RANK;
	p.cap = 30;
	rv_calibration a, b;
	CHECK_OK(rv_calibrate(c, 300, query(0), D, &p, NULL));
	CHECK_OK(rv_calibrate_recall(c, 300, query(0), D, &p, &a));
	CHECK(a.conformal && a.recall && a.score == RV_CONFORMAL_RANK);
	rv_hit h[30], h2[30];
	char buf[RV_IDBUF_SIZE(30)], buf2[RV_IDBUF_SIZE(30)];
	int n1 = rv_search_conformal(c, query(1500), D, h, 30, buf, sizeof buf, NULL);
	CHECK(n1 >= 0);
	CHECK_OK(rv_db_close(db));
	/* 1. from the log */
	dbo.flags = 0;
	CHECK_OK(rv_db_open(path, &dbo, &db));
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	rv_calibration_get(c, &b);
	CHECK(same_calibration(&a, &b));
	CHECK_RC(rv_search_conformal(c, query(1500), D, h2, 29, buf2, sizeof buf2, NULL), RV_ERANGE);
	int n2 = rv_search_conformal(c, query(1500), D, h2, 30, buf2, sizeof buf2, NULL);
	CHECK(n1 == n2);
	for (int i = 0; i < n1 && i < n2; i++)
		CHECK(strcmp(h[i].id, h2[i].id) == 0);
	/* 2. from a segment, with a later calibration in the log over it */
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(db));
	CHECK_OK(rv_db_open(path, &dbo, &db));
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	rv_calibration_get(c, &b);
	CHECK(same_calibration(&a, &b));
	p.alpha = 0.2f;
	CHECK_OK(rv_calibrate(c, 300, query(0), D, &p, &a));
	CHECK(a.alpha == 0.2f && a.recall); /* the recall part kept */
	CHECK_OK(rv_db_close(db));
	char problem[512];
	CHECK_OK(rv_db_check(path, problem, sizeof problem));
	uint64_t count = 0;
	CHECK_OK(rv_db_open(path, &dbo, &db));
	CHECK_OK(rv_db_count(db, "c", &count));
	CHECK(count == 2000);
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	rv_calibration_get(c, &b);
	CHECK(same_calibration(&a, &b));
	CHECK_OK(rv_db_close(db));
	/* read-only: refused */
	dbo.flags = RV_DB_READONLY;
	CHECK_OK(rv_db_open(path, &dbo, &db));
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	CHECK_RC(rv_calibrate(c, 300, query(0), D, &p, NULL), RV_EREADONLY);
	CHECK_OK(rv_db_close(db));
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/rv_test_conformal_%d", (int)getpid());
	mkdir(root, 0755);
	data = make_clustered_scaled(NBASE + NQ, D, 40, 0xca11b, 1.0f);
	for (int i = 0; i < NBASE; i++) {
		snprintf(ids[i], sizeof ids[i], "%d", i);
		idp[i] = ids[i];
	}
	truths = malloc(NQ * K * sizeof *truths);
	for (size_t q = 0; q < NQ; q++)
		truth(q, truths + q * K);
	RUN(threshold_rule_exact);
	RUN(scores_follow_the_rule);
	RUN(coverage_holds_on_held_out_queries);
	RUN(target_recall_met_on_held_out_queries);
	RUN(bad_arguments);
	RUN(calibration_survives_reopen);
	free(truths);
	free(data);
	rm_rf(root);
	return harness_exit();
}
