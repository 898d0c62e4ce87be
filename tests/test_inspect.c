/*
 * test_inspect.c: the embedding-quality report (ruvector.h, Embedding-
 * quality report) on generated data whose answer is known:
 *  - planted exact and near duplicates are counted exactly;
 *  - the intrinsic dimension of an 8-dimensional manifold embedded in 128
 *    dimensions is recovered within 25% (TwoNN and MLE);
 *  - variance confined to 5 of 64 coordinates: 59 collapsed, effective
 *    rank near 5, the top 5 directions hold it all;
 *  - hubness grows with dimension (i.i.d. Gaussian, 3 against 100 dims);
 *  - H0 death times equal an independent minimum spanning tree (Kruskal,
 *    in double precision, over the sampled vectors fetched by id);
 *  - norms, and bad parameters refused.
 */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruvector.h"

static rv_collection *build(const float *v, size_t n, size_t d, rv_metric metric)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = (uint32_t)d;
	o.metric = metric;
	rv_collection *c = NULL;
	CHECK_OK(rv_collection_new(&o, &c));
	char (*ids)[24] = malloc(n * sizeof *ids); /* room for any size_t */
	const char **idp = malloc(n * sizeof *idp);
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof ids[i], "%zu", i);
		idp[i] = ids[i];
	}
	CHECK_OK(rv_insert_batch(c, n, idp, v, d, 0));
	free(ids);
	free(idp);
	return c;
}

static float *gaussian(size_t n, size_t d, uint64_t seed)
{
	test_rng r = {seed};
	float *v = malloc(n * d * sizeof *v);
	for (size_t i = 0; i < n * d; i++)
		v[i] = rng_gauss(&r);
	return v;
}

TEST(planted_duplicates)
{
	const size_t base = 1000, d = 32, exact = 20, near = 15, n = base + exact + near;
	float *v = gaussian(n, d, 3);
	test_rng r = {4};
	for (size_t i = 0; i < exact; i++)
		memcpy(v + (base + i) * d, v + (i * 7) * d, d * sizeof *v);
	for (size_t i = 0; i < near; i++)
		for (size_t j = 0; j < d; j++)
			v[(base + exact + i) * d + j] = v[(500 + i * 3) * d + j] + 1e-4f * rng_gauss(&r);
	rv_collection *c = build(v, n, d, RV_METRIC_L2);
	rv_inspect_params p;
	rv_inspect_params_init(&p);
	p.sample = (uint32_t)n; /* all of them */
	rv_inspect_report *rep = NULL;
	CHECK_OK(rv_inspect(c, &p, &rep));
	CHECK(rep->sample == n);
	CHECK_MSG(rep->exact_duplicate_pairs == exact, "%llu exact pairs", (unsigned long long)rep->exact_duplicate_pairs);
	CHECK_MSG(rep->near_duplicate_pairs == near, "%llu near pairs", (unsigned long long)rep->near_duplicate_pairs);
	CHECK_MSG(rep->duplicated_vectors == 2 * (exact + near), "%u vectors", rep->duplicated_vectors);
	rv_inspect_free(rep);
	rv_collection_free(c);
	free(v);
}

TEST(intrinsic_dimension_of_a_manifold)
{
	/* u in [0,1]^8 mapped smoothly into 128 dimensions */
	const size_t n = 3000, d = 128, m = 8;
	test_rng r = {11};
	float *a = malloc(d * m * sizeof *a), *b = malloc(d * m * sizeof *b), *v = malloc(n * d * sizeof *v);
	for (size_t i = 0; i < d * m; i++)
		a[i] = rng_gauss(&r), b[i] = rng_gauss(&r);
	for (size_t i = 0; i < n; i++) {
		double u[8];
		for (size_t j = 0; j < m; j++)
			u[j] = (rng_float(&r) + 1) / 2;
		for (size_t k = 0; k < d; k++) {
			double t = 0;
			for (size_t j = 0; j < m; j++)
				t += a[k * m + j] * u[j] + 0.3 * b[k * m + j] * sin(3 * u[j]);
			v[i * d + k] = (float)t;
		}
	}
	rv_collection *c = build(v, n, d, RV_METRIC_L2);
	rv_inspect_params p;
	rv_inspect_params_init(&p);
	rv_inspect_report *rep = NULL;
	CHECK_OK(rv_inspect(c, &p, &rep));
	printf("    8-d manifold in 128-d: TwoNN %.2f, MLE %.2f, effective rank %.2f\n", rep->twonn_dimension,
	       rep->mle_dimension, rep->effective_rank);
	CHECK_MSG(fabs(rep->twonn_dimension - 8) <= 2, "TwoNN %.2f", rep->twonn_dimension);
	CHECK_MSG(fabs(rep->mle_dimension - 8) <= 2, "MLE %.2f", rep->mle_dimension);
	CHECK(rep->exact_duplicate_pairs == 0);
	rv_inspect_free(rep);
	rv_collection_free(c);
	free(a);
	free(b);
	free(v);
}

TEST(collapsed_directions)
{
	const size_t n = 2000, d = 64;
	test_rng r = {21};
	float *v = malloc(n * d * sizeof *v);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			v[i * d + j] = j < 5 ? rng_gauss(&r) : 0.25f; /* constant elsewhere */
	rv_collection *c = build(v, n, d, RV_METRIC_L2);
	rv_inspect_report *rep = NULL;
	CHECK_OK(rv_inspect(c, NULL, &rep));
	double top5 = 0;
	for (int i = 0; i < 5; i++)
		top5 += rep->top_variance[i];
	printf("    5 live of 64: collapsed %u, effective rank %.2f, top-5 share %.4f, 6th %.2g\n", rep->collapsed_dims,
	       rep->effective_rank, top5, rep->top_variance[5]);
	CHECK(rep->collapsed_dims == 59);
	CHECK_MSG(fabs(rep->effective_rank - 5) < 0.3, "effective rank %.3f", rep->effective_rank);
	CHECK(top5 > 0.999);
	CHECK(rep->top_variance[5] < 1e-6);
	CHECK(rep->top_variance[0] >= rep->top_variance[1] && rep->top_variance[1] >= rep->top_variance[4]);
	rv_inspect_free(rep);
	rv_collection_free(c);
	free(v);
}

TEST(hubness_grows_with_dimension)
{
	double skew[2];
	size_t dims[2] = {3, 100};
	for (int t = 0; t < 2; t++) {
		float *v = gaussian(2000, dims[t], 31 + t);
		rv_collection *c = build(v, 2000, dims[t], RV_METRIC_L2);
		rv_inspect_report *rep = NULL;
		CHECK_OK(rv_inspect(c, NULL, &rep));
		skew[t] = rep->hubness_skew;
		CHECK(rep->k == 10);
		rv_inspect_free(rep);
		rv_collection_free(c);
		free(v);
	}
	printf("    k-occurrence skew: %.2f at 3 dims, %.2f at 100\n", skew[0], skew[1]);
	CHECK_MSG(skew[1] > skew[0] + 0.5 && skew[1] > 1, "skew %.2f vs %.2f", skew[1], skew[0]);
}

/* Kruskal over all pairs in double precision. */
typedef struct edge {
	double w;
	uint32_t a, b;
} edge;
static int cmp_edge(const void *x, const void *y)
{
	double a = ((const edge *)x)->w, b = ((const edge *)y)->w;
	return (a > b) - (a < b);
}
static uint32_t find(uint32_t *p, uint32_t x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

TEST(h0_equals_an_independent_mst)
{
	const size_t n = 5000, d = 16, s = 600;
	float *v = gaussian(n, d, 41);
	for (size_t i = 0; i < n * d; i++)
		v[i] = v[i] * 3 + (float)(i % 5); /* not normalised, for the cosine run too */
	for (int metric = 0; metric < 2; metric++) {
		rv_collection *c = build(v, n, d, metric ? RV_METRIC_COSINE : RV_METRIC_L2);
		rv_inspect_params p;
		rv_inspect_params_init(&p);
		p.sample = (uint32_t)s;
		p.seed = 99;
		rv_inspect_report *rep = NULL;
		CHECK_OK(rv_inspect(c, &p, &rep));
		/* the sampled vectors, by id */
		double *x = malloc(s * d * sizeof *x);
		const char *id = rep->sample_ids;
		float tmp[16];
		for (size_t i = 0; i < s; i++, id += strlen(id) + 1) {
			CHECK_OK(rv_get(c, id, tmp, d));
			double nrm = 0;
			for (size_t j = 0; j < d; j++)
				nrm += (double)tmp[j] * tmp[j];
			for (size_t j = 0; j < d; j++)
				x[i * d + j] = metric ? tmp[j] / sqrt(nrm) : tmp[j];
		}
		edge *e = malloc(s * (s - 1) / 2 * sizeof *e);
		size_t ne = 0;
		for (size_t i = 0; i < s; i++)
			for (size_t j = i + 1; j < s; j++) {
				double t = 0;
				for (size_t k = 0; k < d; k++)
					t += (x[i * d + k] - x[j * d + k]) * (x[i * d + k] - x[j * d + k]);
				e[ne++] = (edge){sqrt(t), (uint32_t)i, (uint32_t)j};
			}
		qsort(e, ne, sizeof *e, cmp_edge);
		uint32_t *par = malloc(s * sizeof *par);
		for (size_t i = 0; i < s; i++)
			par[i] = (uint32_t)i;
		size_t got = 0, bad = 0;
		for (size_t i = 0; i < ne && got < s - 1; i++) {
			uint32_t a = find(par, e[i].a), b = find(par, e[i].b);
			if (a == b)
				continue;
			par[a] = b;
			if (fabs(rep->h0[got] - e[i].w) > 1e-4 * (e[i].w + 1e-3))
				bad++;
			got++;
		}
		CHECK(got == s - 1);
		CHECK_MSG(bad == 0, "%s: %zu of %zu death times differ", metric ? "cosine" : "l2", bad, s - 1);
		for (size_t i = 1; i < s - 1; i++)
			CHECK(rep->h0[i - 1] <= rep->h0[i]);
		free(par);
		free(e);
		free(x);
		rv_inspect_free(rep);
		rv_collection_free(c);
	}
	free(v);
}

TEST(norms_and_bad_parameters)
{
	const size_t n = 300, d = 8;
	float *v = gaussian(n, d, 51);
	for (size_t i = 0; i < n; i++) {
		double t = 0;
		for (size_t j = 0; j < d; j++)
			t += (double)v[i * d + j] * v[i * d + j];
		for (size_t j = 0; j < d; j++)
			v[i * d + j] = (float)(v[i * d + j] * 3 / sqrt(t));
	}
	rv_collection *c = build(v, n, d, RV_METRIC_L2);
	rv_inspect_report *rep = NULL;
	CHECK_OK(rv_inspect(c, NULL, &rep));
	CHECK(rep->sample == n); /* the default sample, capped at the count */
	CHECK(fabs(rep->norm_min - 3) < 1e-4 && fabs(rep->norm_max - 3) < 1e-4 && rep->norm_std < 1e-4);
	uint32_t total = 0;
	for (unsigned i = 0; i < RV_INSPECT_BINS; i++)
		total += rep->norm_hist[i];
	CHECK(total == n);
	rv_inspect_free(rep);
	rv_inspect_params p;
	rv_inspect_params_init(&p);
	p.sample = 2;
	CHECK_RC(rv_inspect(c, &p, &rep), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "sample") != NULL && rep == NULL);
	p.sample = 100;
	p.k = 1;
	CHECK_RC(rv_inspect(c, &p, &rep), RV_EINVAL);
	p.k = 10;
	p.near_duplicate = 2;
	CHECK_RC(rv_inspect(c, &p, &rep), RV_EINVAL);
	CHECK_RC(rv_inspect(c, NULL, NULL), RV_EINVAL);
	rv_collection_free(c);
	free(v);
}

int main(void)
{
	RUN(planted_duplicates);
	RUN(intrinsic_dimension_of_a_manifold);
	RUN(collapsed_directions);
	RUN(hubness_grows_with_dimension);
	RUN(h0_equals_an_independent_mst);
	RUN(norms_and_bad_parameters);
	return harness_exit();
}
