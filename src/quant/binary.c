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
 * The first dim coordinates of the result are kept, so a code is
 * ceil(dim/64) words: 32 times smaller than float32 when dim is a multiple
 * of 64.
 *
 * Distance is the Hamming distance between the query's code and a
 * vector's: the number of coordinates whose signs differ, which grows with
 * the angle between the two centred vectors. It ranks candidates roughly;
 * the float32 re-ranking decides.
 */
#include <math.h>
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

/* Rotate centred v into work (P floats). */
static void rotate(const rv_quant *q, const float *v, float *work)
{
	const uint32_t p = padded_dim(q->dim);
	for (uint32_t i = 0; i < q->dim; i++)
		work[i] = v[i] - q->mean[i];
	for (uint32_t i = q->dim; i < p; i++)
		work[i] = 0;
	for (int round = 0; round < 3; round++) {
		const float *sign = q->rot + (size_t)round * p;
		for (uint32_t i = 0; i < p; i++)
			work[i] *= sign[i];
		fwht(work, p);
	}
}

static void to_bits(const rv_quant *q, const float *work, uint64_t *bits)
{
	memset(bits, 0, q->code_bytes);
	for (uint32_t i = 0; i < q->dim; i++)
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
	q->mean = mean;
	q->rot = signs;
	return RV_OK;
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
	rotate(q, v, work);
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
	rotate(q, query, qq->work);
	to_bits(q, qq->work, qq->bits);
}

void rv_binary_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out)
{
	const rv_quant *q = qq->q;
	for (size_t i = 0; i < n; i += 4) {
		const uint64_t *v[4] = {(const uint64_t *)codes[i], (const uint64_t *)codes[i + 1 < n ? i + 1 : i],
		                        (const uint64_t *)codes[i + 2 < n ? i + 2 : i],
		                        (const uint64_t *)codes[i + 3 < n ? i + 3 : i]};
		uint32_t h[4];
		q->k->hamming_x4(qq->bits, v, q->words, h);
		for (size_t t = 0; t < 4 && i + t < n; t++)
			out[i + t] = (float)h[t];
	}
}
