/*
 * binary.c: binary quantization, a bit per dimension (see quant.h).
 *
 * A bit is the sign of a coordinate, so the data must be centred first
 * (SIFT or pixel vectors are all non-negative: uncentred, every bit would
 * be 1) and then rotated: in the raw coordinates a few dimensions carry
 * most of the variance, and a sign per dimension wastes the rest. A random
 * orthogonal rotation spreads the variance over all coordinates (RaBitQ,
 * Gao and Long 2024, does the same). A dense random matrix costs dim^2 per
 * vector and per query (40 us at 784 dimensions, as much as a search), so
 * the rotation is a randomised Hadamard transform instead: the vector,
 * zero-padded to P = the next power of two, goes through three rounds of
 * "flip the sign of each coordinate by a fixed random pattern, then apply
 * the fast Walsh-Hadamard transform": O(P log P), and as good at mixing.
 * A code keeps the signs of the first `bits` coordinates of the result:
 * dim rounded down to a multiple of 64 (784 -> 768), so whole words, and at
 * least 32 times smaller than float32.
 *
 * The query is not binarised (RaBitQ's asymmetric estimate): rotated the
 * same way, its coordinates are quantized to four bits, u_j in 0..15
 * standing for lo + u_j step, and the estimate is its inner product with
 * the code's signs s_j = 2 b_j - 1:
 *   sum_j (lo + u_j step)(2 b_j - 1)
 *     = 2 lo popcount(b) + 2 step sum_{b_j = 1} u_j - sum_j (lo + u_j step)
 * where the middle sum is four population counts of b masked by the bit
 * planes of u (rv_kernels.bitdot_x4) and the last term is the same for
 * every code. Signs alone lose each vector's length, so this ranks by
 * angle: exact ranking is the float32 re-ranking's job. For l2 the query
 * is centred like the vectors (ranking by <q - mean, x - mean>); for ip and
 * cosine it is not (<q, x> differs from <q, x - mean> by a constant).
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../util/alloc.h"
#include "quant.h"

static uint32_t padded_dim(uint32_t d)
{
	uint32_t p = 1;
	while (p < d)
		p <<= 1;
	return p;
}

static void fwht(float *x, uint32_t n)
{
	for (uint32_t h = 1; h < n; h <<= 1)
		for (uint32_t i = 0; i < n; i += h << 1)
			for (uint32_t j = i; j < i + h; j++) {
				float a = x[j], b = x[j + h];
				x[j] = a + b;
				x[j + h] = a - b;
			}
}

/* Rotate v, centred when `centre`, into work (P floats). */
static void rotate(const rv_quant *q, const float *v, bool centre, float *work)
{
	const uint32_t p = padded_dim(q->dim);
	for (uint32_t i = 0; i < q->dim; i++)
		work[i] = centre ? v[i] - q->mean[i] : v[i];
	for (uint32_t i = q->dim; i < p; i++)
		work[i] = 0;
	for (int round = 0; round < 3; round++) {
		const float *sign = q->rot + (size_t)round * p;
		for (uint32_t i = 0; i < p; i++)
			work[i] *= sign[i];
		fwht(work, p);
	}
	if (q->itq)
		rv_itq_apply(q, work);
}

static void to_bits(const rv_quant *q, const float *work, uint64_t *bits)
{
	memset(bits, 0, q->code_bytes);
	for (uint32_t i = 0; i < q->bits; i++)
		if (work[i] > 0)
			bits[i >> 6] |= (uint64_t)1 << (i & 63);
}

int rv_binary_train(rv_quant *q, const float *s, size_t n, uint64_t seed)
{
	const uint32_t d = q->dim, p = padded_dim(d);
	float *mean = rv_calloc(d, sizeof *mean), *signs = rv_malloc(3 * (size_t)p * sizeof *signs);
	double *acc = rv_calloc(d, sizeof *acc);
	if (!mean || !signs || !acc) {
		rv_free(mean), rv_free(signs), rv_free(acc);
		return RV_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < d; j++)
			acc[j] += s[i * d + j];
	for (uint32_t j = 0; j < d; j++)
		mean[j] = (float)(acc[j] / (double)n);
	uint64_t x = seed ^ 0xb1a7ull;
	for (uint32_t i = 0; i < 3 * p; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		signs[i] = (x >> 11) & 1 ? 1.0f : -1.0f;
	}
	rv_free(acc);
	rv_free(q->mean);
	rv_free(q->rot);
	rv_free(q->itq);
	q->itq = NULL;
	q->mean = mean;
	q->rot = signs;
	if (q->kind != RV_QUANT_BINARY_ITQ)
		return RV_OK;
	/* the learned rotation, on the sample as the random one leaves it */
	float *v = rv_malloc(n * q->bits * sizeof *v), *work = rv_malloc(p * sizeof *work);
	int rc = v && work ? RV_OK : RV_ENOMEM;
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		rotate(q, s + i * d, true, work);
		memcpy(v + i * q->bits, work, q->bits * sizeof *v);
	}
	if (rc == RV_OK)
		rc = rv_itq_train(q, v, n);
	rv_free(v);
	rv_free(work);
	return rc;
}

void rv_binary_encode(const rv_quant *q, const float *v, uint8_t *code)
{
	/* no scratch here: the encoder runs at insert time, one vector at a
	 * time; a small stack buffer covers up to 2048 padded dimensions */
	const uint32_t p = padded_dim(q->dim);
	float stack[2048];
	float *work = p <= 2048 ? stack : rv_malloc(p * sizeof *work);
	if (!work) {
		memset(code, 0, q->code_bytes); /* out of memory: an all-zero code still ranks, badly */
		return;
	}
	rotate(q, v, true, work);
	uint64_t bits[512];
	uint64_t *b = q->words <= 512 ? bits : rv_malloc(q->code_bytes);
	if (b) {
		to_bits(q, work, b);
		memcpy(code, b, q->code_bytes);
		if (b != bits)
			rv_free(b);
	}
	if (work != stack)
		rv_free(work);
}

void rv_binary_query(const rv_quant *q, const float *query, rv_qquery *qq)
{
	const float *w = qq->work;
	rotate(q, query, q->metric == RV_METRIC_L2, qq->work);
	float lo = w[0], hi = w[0];
	for (uint32_t i = 1; i < q->bits; i++) {
		lo = w[i] < lo ? w[i] : lo;
		hi = w[i] > hi ? w[i] : hi;
	}
	float step = hi > lo ? (hi - lo) / 15.0f : 1.0f;
	memset(qq->planes, 0, 4 * q->code_bytes);
	for (uint32_t i = 0; i < q->bits; i++) {
		long u = lrintf((w[i] - lo) / step);
		u = u < 0 ? 0 : u > 15 ? 15 : u;
		for (uint32_t p = 0; p < 4; p++)
			if (u >> p & 1)
				qq->planes[(size_t)p * q->words + (i >> 6)] |= (uint64_t)1 << (i & 63);
	}
	qq->b_lo = lo;
	qq->b_step = step;
}

void rv_binary_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out)
{
	const rv_quant *q = qq->q;
	/* smaller is nearer: minus the inner product, without its constant */
	const float a = -2.0f * qq->b_lo, b = -2.0f * qq->b_step;
	for (size_t i = 0; i < n; i += 4) {
		const uint64_t *v[4] = {(const uint64_t *)codes[i], (const uint64_t *)codes[i + 1 < n ? i + 1 : i],
		                        (const uint64_t *)codes[i + 2 < n ? i + 2 : i],
		                        (const uint64_t *)codes[i + 3 < n ? i + 3 : i]};
		uint32_t dot[4], ones[4];
		q->k->bitdot_x4(qq->planes, v, q->words, dot, ones);
		for (size_t t = 0; t < 4 && i + t < n; t++)
			out[i + t] = a * (float)ones[t] + b * (float)dot[t];
	}
}
