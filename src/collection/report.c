/*
 * report.c: the embedding-quality report (ruvector.h, Embedding-quality
 * report): norms, duplicates, hubness, intrinsic dimension, spectrum and
 * H0 persistence of a seeded random sample of the live vectors.
 *
 * The sample is copied out under the index's read lock (vectors and ids),
 * then everything is computed from the copy without locks: one s x s
 * matrix of exact Euclidean distances (float, s <= 4096: 64 MiB at most),
 * from which the neighbours, duplicates, k-occurrences, TwoNN and MLE
 * estimates and the minimum spanning tree (Prim's algorithm on the dense
 * matrix, O(s^2), whose edge lengths are the H0 death times) all follow;
 * and the d x d covariance (d <= 1024) for the spectrum, whose top
 * eigenvalues come from subspace iteration and whose effective rank needs
 * only its trace and Frobenius norm.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../index/index.h"
#include "../kernels/kernels.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "collection.h"

void rv_inspect_params_init(rv_inspect_params *p)
{
	memset(p, 0, sizeof *p);
	p->sample = 2000;
	p->k = 10;
	p->near_duplicate = 0.01f;
	p->seed = 1;
}

void rv_inspect_free(rv_inspect_report *r)
{
	if (!r)
		return;
	rv_free(r->h0);
	rv_free(r->sample_ids);
	rv_free(r);
}

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Copy s random live vectors (as inserted) and their ids. The ids go
 * back to back into r->sample_ids. index rw and the id lock held here. */
static int take_sample(rv_collection *c, size_t s, uint64_t seed, float *vecs, rv_inspect_report *r)
{
	rv_index *x = c->index;
	int rc = RV_OK;
	rv_rwlock_rdlock(&x->rw);
	uint32_t n = atomic_load(&x->n_slots);
	uint32_t *live = rv_malloc((n ? n : 1) * sizeof *live);
	size_t m = 0;
	if (!live) {
		rv_rwlock_unlock(&x->rw);
		return RV_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		if (rv_visible(x, i))
			live[m++] = i;
	if (m < s) {
		rc = RV_EINVAL;
		goto out;
	}
	/* a partial Fisher-Yates shuffle: the first s are the sample */
	for (size_t i = 0; i < s; i++) {
		size_t j = i + (size_t)(mix(&seed) % (m - i));
		uint32_t t = live[i];
		live[i] = live[j];
		live[j] = t;
	}
	size_t bytes = 0;
	rv_rwlock_rdlock(&c->ids.lock);
	for (size_t i = 0; i < s; i++) {
		size_t len = 0;
		(void)rv_idmap_key_locked(&c->ids, live[i], &len);
		bytes += len + 1;
	}
	r->sample_ids = rv_malloc(bytes ? bytes : 1);
	if (!r->sample_ids) {
		rv_rwlock_unlock(&c->ids.lock);
		rc = RV_ENOMEM;
		goto out;
	}
	for (size_t i = 0, at = 0; i < s; i++) {
		size_t len = 0;
		const char *id = rv_idmap_key_locked(&c->ids, live[i], &len);
		memcpy(r->sample_ids + at, id ? id : "", len);
		r->sample_ids[at + len] = '\0';
		at += len + 1;
		rv_index_get_vector(x, live[i], vecs + i * x->dim);
	}
	rv_rwlock_unlock(&c->ids.lock);
out:
	rv_rwlock_unlock(&x->rw);
	rv_free(live);
	return rc;
}

static void norms(rv_inspect_report *r, const float *v, size_t s, size_t d)
{
	double *nv = rv_malloc(s * sizeof *nv), sum = 0, sq = 0;
	r->norm_min = INFINITY, r->norm_max = 0;
	for (size_t i = 0; i < s; i++) {
		double t = 0;
		for (size_t j = 0; j < d; j++)
			t += (double)v[i * d + j] * v[i * d + j];
		t = sqrt(t);
		if (nv)
			nv[i] = t;
		sum += t, sq += t * t;
		r->norm_min = t < r->norm_min ? t : r->norm_min;
		r->norm_max = t > r->norm_max ? t : r->norm_max;
	}
	r->norm_mean = sum / (double)s;
	double var = sq / (double)s - r->norm_mean * r->norm_mean;
	r->norm_std = var > 0 ? sqrt(var) : 0;
	double w = (r->norm_max - r->norm_min) / RV_INSPECT_BINS;
	for (size_t i = 0; nv && i < s; i++) {
		size_t b = w > 0 ? (size_t)((nv[i] - r->norm_min) / w) : 0;
		r->norm_hist[b < RV_INSPECT_BINS ? b : RV_INSPECT_BINS - 1]++;
	}
	rv_free(nv);
}

/* The k nearest of each point (excluding itself) from the distance
 * matrix: nn[i*k ..] ascending by distance. */
static void neighbours(const float *dm, size_t s, size_t k, uint32_t *nn)
{
	for (size_t i = 0; i < s; i++) {
		uint32_t *row = nn + i * k;
		const float *di = dm + i * s;
		size_t have = 0;
		for (size_t j = 0; j < s; j++) {
			if (j == i || (have == k && di[j] >= di[row[k - 1]]))
				continue;
			size_t at = have < k ? have++ : k - 1;
			while (at > 0 && di[row[at - 1]] > di[j]) {
				row[at] = row[at - 1];
				at--;
			}
			row[at] = (uint32_t)j;
		}
	}
}

static void duplicates_and_hubs(rv_inspect_report *r, const float *dm, const uint32_t *nn, size_t s, size_t k,
                                double factor)
{
	/* the median distance to the nearest neighbour, duplicates excluded */
	double *nd = rv_malloc(s * sizeof *nd);
	size_t m = 0;
	for (size_t i = 0; nd && i < s; i++)
		if (dm[i * s + nn[i * k]] > 0)
			nd[m++] = dm[i * s + nn[i * k]];
	if (nd && m) {
		qsort(nd, m, sizeof *nd, cmp_double);
		r->near_threshold = factor * nd[m / 2];
	}
	rv_free(nd);
	uint8_t *dup = rv_calloc(s, 1);
	for (size_t i = 0; i < s; i++)
		for (size_t j = i + 1; j < s; j++) {
			double v = dm[i * s + j];
			if (v == 0)
				r->exact_duplicate_pairs++;
			else if (v <= r->near_threshold)
				r->near_duplicate_pairs++;
			else
				continue;
			if (dup)
				dup[i] = dup[j] = 1;
		}
	for (size_t i = 0; dup && i < s; i++)
		r->duplicated_vectors += dup[i];
	rv_free(dup);
	/* k-occurrence */
	uint32_t *occ = rv_calloc(s, sizeof *occ);
	if (!occ) {
		r->hubness_skew = NAN;
		return;
	}
	for (size_t i = 0; i < s * k; i++)
		occ[nn[i]]++;
	double mean = (double)k, m2 = 0, m3 = 0;
	for (size_t i = 0; i < s; i++) {
		double t = (double)occ[i] - mean;
		m2 += t * t, m3 += t * t * t;
		r->hub_max = occ[i] > r->hub_max ? occ[i] : r->hub_max;
		r->antihubs += occ[i] == 0;
	}
	m2 /= (double)s, m3 /= (double)s;
	r->hubness_skew = m2 > 0 ? m3 / pow(m2, 1.5) : 0;
	rv_free(occ);
}

static void intrinsic(rv_inspect_report *r, const float *dm, const uint32_t *nn, size_t s, size_t k)
{
	/* TwoNN: d = n / sum log(r2 / r1) */
	double sum = 0;
	size_t n = 0;
	for (size_t i = 0; i < s; i++) {
		double r1 = dm[i * s + nn[i * k]], r2 = dm[i * s + nn[i * k + 1]];
		if (r1 > 0) {
			sum += log(r2 / r1);
			n++;
		}
	}
	r->twonn_dimension = n >= 3 && sum > 0 ? (double)n / sum : NAN;
	/* Levina-Bickel: per point the mean of log(T_k / T_j), j < k; the
	 * estimate is the inverse of their average */
	sum = 0, n = 0;
	for (size_t i = 0; i < s; i++) {
		double tk = dm[i * s + nn[i * k + k - 1]], t = 0;
		if (dm[i * s + nn[i * k]] <= 0)
			continue;
		for (size_t j = 0; j + 1 < k; j++)
			t += log(tk / dm[i * s + nn[i * k + j]]);
		sum += t / (double)(k - 1);
		n++;
	}
	r->mle_dimension = n >= 3 && sum > 0 ? (double)n / sum : NAN;
}

/* Prim on the dense matrix: the MST's edge lengths, sorted. */
static int h0(rv_inspect_report *r, const float *dm, size_t s)
{
	double *best = rv_malloc(s * sizeof *best);
	uint8_t *in = rv_calloc(s, 1);
	r->h0 = rv_malloc((s - 1) * sizeof *r->h0);
	if (!best || !in || !r->h0) {
		rv_free(best);
		rv_free(in);
		return RV_ENOMEM;
	}
	for (size_t i = 0; i < s; i++)
		best[i] = dm[i];
	in[0] = 1;
	for (size_t e = 0; e + 1 < s; e++) {
		size_t pick = 0;
		double b = INFINITY;
		for (size_t i = 0; i < s; i++)
			if (!in[i] && best[i] < b)
				b = best[i], pick = i;
		in[pick] = 1;
		r->h0[e] = b;
		const float *row = dm + pick * s;
		for (size_t i = 0; i < s; i++)
			if (!in[i] && row[i] < best[i])
				best[i] = row[i];
	}
	qsort(r->h0, s - 1, sizeof *r->h0, cmp_double);
	rv_free(best);
	rv_free(in);
	return RV_OK;
}

/* The covariance's spectrum: effective rank, top shares, collapsed
 * coordinates. v is centred here. */
static int spectrum(rv_inspect_report *r, float *v, size_t s, size_t d)
{
	for (size_t i = 0; i < RV_INSPECT_TOP; i++)
		r->top_variance[i] = NAN;
	r->effective_rank = NAN;
	double *mean = rv_calloc(d, sizeof *mean), *var = rv_calloc(d, sizeof *var);
	if (!mean || !var) {
		rv_free(mean);
		rv_free(var);
		return RV_ENOMEM;
	}
	for (size_t i = 0; i < s; i++)
		for (size_t j = 0; j < d; j++)
			mean[j] += v[i * d + j];
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)s;
	double vmax = 0;
	for (size_t i = 0; i < s; i++)
		for (size_t j = 0; j < d; j++) {
			v[i * d + j] = (float)(v[i * d + j] - mean[j]);
			var[j] += (double)v[i * d + j] * v[i * d + j];
		}
	for (size_t j = 0; j < d; j++)
		vmax = var[j] > vmax ? var[j] : vmax;
	for (size_t j = 0; j < d; j++)
		r->collapsed_dims += var[j] <= 1e-6 * vmax;
	rv_free(mean);
	rv_free(var);
	if (d > RV_INSPECT_PCA_DIM_MAX)
		return RV_OK;
	double *cov = rv_calloc(d * d, sizeof *cov);
	size_t m = d < RV_INSPECT_TOP ? d : RV_INSPECT_TOP;
	double *q = rv_malloc(d * m * sizeof *q), *z = rv_malloc(d * m * sizeof *z);
	if (!cov || !q || !z) {
		rv_free(cov);
		rv_free(q);
		rv_free(z);
		return RV_ENOMEM;
	}
	for (size_t i = 0; i < s; i++) {
		const float *row = v + i * d;
		for (size_t a = 0; a < d; a++) {
			double ra = row[a];
			double *ca = cov + a * d;
			for (size_t b = a; b < d; b++)
				ca[b] += ra * row[b];
		}
	}
	double trace = 0, frob = 0;
	for (size_t a = 0; a < d; a++)
		for (size_t b = a; b < d; b++) {
			double t = cov[a * d + b] / (double)s;
			cov[a * d + b] = cov[b * d + a] = t;
			frob += (a == b ? 1 : 2) * t * t;
			trace += a == b ? t : 0;
		}
	r->effective_rank = frob > 0 ? trace * trace / frob : 0;
	/* subspace iteration for the top m eigenvalues */
	uint64_t seed = 7;
	for (size_t i = 0; i < d * m; i++)
		q[i] = (double)(mix(&seed) >> 11) / 9007199254740992.0 - 0.5;
	double lam[RV_INSPECT_TOP] = {0};
	for (int it = 0; it < 60; it++) {
		for (size_t c = 0; c < m; c++)
			for (size_t a = 0; a < d; a++) {
				double t = 0;
				for (size_t b = 0; b < d; b++)
					t += cov[a * d + b] * q[b * m + c];
				z[a * m + c] = t;
			}
		/* Gram-Schmidt; the norms before normalising are the Rayleigh
		 * estimates once the columns have converged */
		for (size_t c = 0; c < m; c++) {
			for (size_t p = 0; p < c; p++) {
				double dot = 0;
				for (size_t a = 0; a < d; a++)
					dot += z[a * m + c] * z[a * m + p];
				for (size_t a = 0; a < d; a++)
					z[a * m + c] -= dot * z[a * m + p];
			}
			double nrm = 0;
			for (size_t a = 0; a < d; a++)
				nrm += z[a * m + c] * z[a * m + c];
			nrm = sqrt(nrm);
			lam[c] = nrm;
			for (size_t a = 0; a < d; a++)
				z[a * m + c] = nrm > 0 ? z[a * m + c] / nrm : 0;
		}
		double *t = q;
		q = z;
		z = t;
	}
	for (size_t c = 0; c < m; c++)
		r->top_variance[c] = trace > 0 ? lam[c] / trace : 0;
	rv_free(cov);
	rv_free(q);
	rv_free(z);
	return RV_OK;
}

int rv_inspect(rv_collection *c, const rv_inspect_params *p, rv_inspect_report **out)
{
	if (!out)
		return rv_error(c, RV_EINVAL, "out is NULL");
	*out = NULL;
	rv_inspect_params def;
	rv_inspect_params_init(&def);
	if (!p)
		p = &def;
	size_t count = rv_count(c), s = p->sample < count ? p->sample : count, d = c->opts.dim;
	if (p->sample < 3 || p->sample > RV_INSPECT_SAMPLE_MAX)
		return rv_error(c, RV_EINVAL, "sample is %u; it must be 3..%u", p->sample, RV_INSPECT_SAMPLE_MAX);
	if (count < 3)
		return rv_error(c, RV_EINVAL, "the collection holds %zu vectors; the report needs at least 3", count);
	if (p->k < 2 || p->k > 100 || p->k >= s)
		return rv_error(c, RV_EINVAL, "k is %u; it must be 2..100 and below the sample (%zu)", p->k, s);
	if (!(p->near_duplicate >= 0 && p->near_duplicate <= 1))
		return rv_error(c, RV_EINVAL, "near_duplicate is %g; it must be in [0, 1]", (double)p->near_duplicate);
	size_t k = p->k;
	rv_inspect_report *r = rv_calloc(1, sizeof *r);
	float *v = rv_malloc(s * d * sizeof *v), *dm = rv_malloc(s * s * sizeof *dm);
	uint32_t *nn = rv_malloc(s * k * sizeof *nn);
	int rc = r && v && dm && nn ? RV_OK : RV_ENOMEM;
	if (rc == RV_OK) {
		r->sample = (uint32_t)s, r->dim = (uint32_t)d, r->k = (uint32_t)k;
		rc = take_sample(c, s, p->seed, v, r);
		if (rc == RV_EINVAL)
			rc = rv_error(c, rc, "fewer live vectors than the sample (a concurrent delete)");
	}
	if (rc == RV_OK) {
		norms(r, v, s, d);
		if (c->opts.metric == RV_METRIC_COSINE)
			for (size_t i = 0; i < s; i++) {
				double t = 0;
				for (size_t j = 0; j < d; j++)
					t += (double)v[i * d + j] * v[i * d + j];
				t = t > 0 ? 1.0 / sqrt(t) : 0;
				for (size_t j = 0; j < d; j++)
					v[i * d + j] = (float)(v[i * d + j] * t);
			}
		rv_f32_dist_fn l2 = c->index->k->l2sq;
		for (size_t i = 0; i < s; i++) {
			dm[i * s + i] = 0;
			for (size_t j = i + 1; j < s; j++)
				dm[i * s + j] = dm[j * s + i] = sqrtf(l2(v + i * d, v + j * d, d));
		}
		neighbours(dm, s, k, nn);
		duplicates_and_hubs(r, dm, nn, s, k, p->near_duplicate);
		intrinsic(r, dm, nn, s, k);
		rc = h0(r, dm, s);
	}
	if (rc == RV_OK)
		rc = spectrum(r, v, s, d);
	rv_free(v);
	rv_free(dm);
	rv_free(nn);
	if (rc == RV_ENOMEM)
		rv_error(c, rc, "out of memory for a report on %zu vectors", s);
	if (rc != RV_OK) {
		rv_inspect_free(r);
		return rc;
	}
	*out = r;
	return RV_OK;
}
