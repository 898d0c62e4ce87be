/*
 * pq.c: product quantization (Jegou, Douze, Schmid 2011; see quant.h).
 *
 * The dimensions are cut into m subspaces of dsub = dim/m. Each subspace
 * gets 256 centroids by k-means on the training sample (the subspaces are
 * independent, so they train in parallel). A vector is stored as, per
 * subspace, the byte naming its nearest centroid: m bytes in all.
 *
 * A query computes, per subspace, its distance to each of the 256
 * centroids (l2: squared distance; ip and cosine: minus the dot product):
 * an m x 256 table (rv_kernels.pq_lut). A code's estimated distance is then
 * the sum of m table entries (rv_kernels.pq_adc, with gathers), plus 1 for
 * cosine. That is the asymmetric distance: the query is never quantized,
 * only the data. The centroids are kept transposed (per subspace, dsub
 * rows of 256), the layout the table kernel wants; encoding and k-means use
 * the same kernel to find the nearest centroid. The serialised form keeps
 * the natural layout (centroid after centroid).
 *
 * k-means: initial centroids are distinct sample rows drawn with a seeded
 * generator; 16 rounds of assign-and-average; a centroid left empty is
 * moved onto the point farthest from its own centroid, which splits the
 * loosest cluster. Training samples beyond 20,000 are not used: the
 * centroids no longer move measurably.
 */
#include <float.h>
#include <string.h>

#include "../platform/platform.h"
#include "../util/alloc.h"
#include "quant.h"

#define K 256
#define ROUNDS 16
#define MAX_SAMPLE 20000

typedef struct train_job {
	rv_quant *q;
	const float *s;
	size_t n;
	uint64_t seed;
	int err;
} train_job;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Centroids c-major (K x d) to transposed (d x K). */
static void transpose(const float *rows, uint32_t d, float *ct)
{
	for (uint32_t c = 0; c < K; c++)
		for (uint32_t t = 0; t < d; t++)
			ct[(size_t)t * K + c] = rows[(size_t)c * d + t];
}


/* The centroid (of transposed ct) nearest x. */
static uint32_t nearest(const rv_kernels *k, const float *ct, const float *x, uint32_t d, float *best_out)
{
	float dist[K];
	k->pq_lut(x, ct, d, 0, dist);
	uint32_t best = 0;
	float bd = FLT_MAX;
	for (uint32_t c = 0; c < K; c++)
		if (dist[c] < bd)
			bd = dist[c], best = c;
	if (best_out)
		*best_out = bd;
	return best;
}

/* k-means of subspace j. */
static int train_subspace(void *arg, size_t j, unsigned worker)
{
	(void)worker;
	train_job *t = arg;
	rv_quant *q = t->q;
	const uint32_t d = q->dsub;
	const size_t n = t->n;
	float *x = rv_malloc(n * d * sizeof *x);
	uint32_t *assign = rv_malloc(n * sizeof *assign);
	float *sum = rv_malloc((size_t)K * d * sizeof *sum), *dist = rv_malloc(n * sizeof *dist);
	float *cent = rv_malloc((size_t)K * d * sizeof *cent), *ct = rv_malloc((size_t)K * d * sizeof *ct);
	uint32_t *count = rv_malloc(K * sizeof *count);
	if (!x || !assign || !sum || !count || !dist || !cent || !ct) {
		rv_free(x), rv_free(assign), rv_free(sum), rv_free(count), rv_free(dist), rv_free(cent), rv_free(ct);
		return RV_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(x + i * d, t->s + i * q->dim + j * d, d * sizeof(float));
	/* distinct initial rows: a partial Fisher-Yates shuffle of row numbers */
	uint64_t rng = t->seed ^ (j * 0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < n; i++)
		assign[i] = (uint32_t)i;
	for (uint32_t c = 0; c < K; c++) {
		size_t r = c + splitmix(&rng) % (n - c);
		uint32_t tmp = assign[c];
		assign[c] = assign[r];
		assign[r] = tmp;
		memcpy(cent + (size_t)c * d, x + (size_t)assign[c] * d, d * sizeof(float));
	}
	for (int round = 0; round < ROUNDS; round++) {
		transpose(cent, d, ct);
		for (size_t i = 0; i < n; i++)
			assign[i] = nearest(q->k, ct, x + i * d, d, &dist[i]);
		memset(sum, 0, (size_t)K * d * sizeof *sum);
		memset(count, 0, K * sizeof *count);
		for (size_t i = 0; i < n; i++) {
			count[assign[i]]++;
			for (uint32_t t2 = 0; t2 < d; t2++)
				sum[(size_t)assign[i] * d + t2] += x[i * d + t2];
		}
		for (uint32_t c = 0; c < K; c++) {
			if (count[c]) {
				for (uint32_t t2 = 0; t2 < d; t2++)
					cent[(size_t)c * d + t2] = sum[(size_t)c * d + t2] / (float)count[c];
				continue;
			}
			/* empty: take the point worst served by its centroid */
			size_t far = 0;
			for (size_t i = 1; i < n; i++)
				if (dist[i] > dist[far])
					far = i;
			memcpy(cent + (size_t)c * d, x + far * d, d * sizeof(float));
			dist[far] = 0;
		}
	}
	transpose(cent, d, q->centroids + j * K * d);
	rv_free(x), rv_free(assign), rv_free(sum), rv_free(count), rv_free(dist), rv_free(cent), rv_free(ct);
	return RV_OK;
}

int rv_pq_train(rv_quant *q, const float *s, size_t n, uint64_t seed, unsigned threads)
{
	float *cent = rv_malloc((size_t)q->m * K * q->dsub * sizeof *cent);
	if (!cent)
		return RV_ENOMEM;
	rv_free(q->centroids);
	q->centroids = cent;
	train_job t = {q, s, n < MAX_SAMPLE ? n : MAX_SAMPLE, seed, 0};
	return rv_parallel_for(q->m, threads ? threads : 1, 1, train_subspace, &t);
}

void rv_pq_encode(const rv_quant *q, const float *v, uint8_t *code)
{
	for (uint32_t j = 0; j < q->m; j++)
		code[j] = (uint8_t)nearest(q->k, q->centroids + (size_t)j * K * q->dsub, v + (size_t)j * q->dsub, q->dsub,
		                           NULL);
}

void rv_pq_query(const rv_quant *q, const float *query, rv_qquery *qq)
{
	const uint32_t d = q->dsub;
	const int ip = q->metric != RV_METRIC_L2;
	for (uint32_t j = 0; j < q->m; j++)
		q->k->pq_lut(query + (size_t)j * d, q->centroids + (size_t)j * K * d, d, ip, qq->lut + (size_t)j * K);
}

void rv_pq_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out)
{
	const rv_quant *q = qq->q;
	const float off = q->metric == RV_METRIC_COSINE ? 1.0f : 0.0f;
	for (size_t i = 0; i < n; i += 4) {
		const uint8_t *c[4] = {codes[i], i + 1 < n ? codes[i + 1] : codes[i], i + 2 < n ? codes[i + 2] : codes[i],
		                       i + 3 < n ? codes[i + 3] : codes[i]};
		float d[4];
		q->k->pq_adc_x4(qq->lut, c, q->m, d);
		for (size_t t = 0; t < 4 && i + t < n; t++)
			out[i + t] = d[t] + off;
	}
}
