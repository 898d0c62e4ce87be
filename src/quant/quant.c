/*
 * quant.c: what the three quantizers share: configuration checks, code
 * sizes, dispatch, and the serialised form of their trained parameters.
 *
 * PARAMETERS (a segment section, collection/persist.h), little-endian:
 *   0  u32 kind   4 u32 dim   8 u32 m (pq) or padded dim (binary)   12 u32 0
 *   16 ... int8:   dim float mins, dim float scales
 *          pq:     m x 256 x (dim/m) float centroids
 *          binary: dim float mean, then 3 x padded-dim sign bytes (0 or 1)
 *          binary-itq: as binary, then the learned rotation's blocks
 *                  (rotation.c): bits/B blocks of B x B floats, B = min(64, bits)
 */
#include "quant.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"

#define PARAM_HEADER 16

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

int rv_quant_check(rv_quant_kind kind, uint32_t dim, rv_metric metric, uint32_t pq_m, char *why, size_t why_size)
{
	if (kind == RV_QUANT_NONE)
		return RV_OK;
	if ((unsigned)kind > RV_QUANT_BINARY_ITQ) {
		snprintf(why, why_size, "quant %d is not none, int8, pq, binary or binary-itq", (int)kind);
		return RV_EINVAL;
	}
	if (metric == RV_METRIC_L1) {
		snprintf(why, why_size, "quantization works with l2, ip and cosine, not l1");
		return RV_EINVAL;
	}
	if (kind == RV_QUANT_PQ) {
		if (pq_m == 0) {
			snprintf(why, why_size, "pq needs a number of subspaces (pq:M)");
			return RV_EINVAL;
		}
		if (pq_m > dim || dim % pq_m != 0) {
			snprintf(why, why_size, "pq:%u: the number of subspaces must divide the dimension %u", pq_m, dim);
			return RV_EINVAL;
		}
	}
	if (rv_quant_is_binary(kind) && dim > 32768) {
		snprintf(why, why_size, "binary quantization supports up to 32768 dimensions, not %u", dim);
		return RV_EINVAL;
	}
	return RV_OK;
}

size_t rv_quant_min_train(rv_quant_kind kind) { return kind == RV_QUANT_PQ ? 256 : 16; }

int rv_quant_init(rv_quant *q, rv_quant_kind kind, uint32_t dim, rv_metric metric, uint32_t pq_m,
                  const rv_kernels *k)
{
	memset(q, 0, sizeof *q);
	q->kind = kind;
	q->dim = dim;
	q->metric = metric;
	q->k = k;
	switch (kind) {
	case RV_QUANT_INT8:
		/* the bytes, then the float correction at a 4-byte boundary */
		q->code_bytes = round_up(round_up(dim, 4) + 4, 8);
		break;
	case RV_QUANT_PQ:
		q->m = pq_m;
		q->dsub = dim / pq_m;
		q->code_bytes = round_up(pq_m, 8);
		break;
	case RV_QUANT_BINARY:
	case RV_QUANT_BINARY_ITQ:
		/* at most a bit per dimension, so a code is at least 32 times
		 * smaller than the vector (the rotation leaves more coordinates
		 * than dimensions to choose from) */
		q->bits = dim < 64 ? dim : dim - dim % 64;
		q->words = (q->bits + 63) / 64;
		q->code_bytes = (size_t)q->words * 8;
		break;
	default:
		return RV_EINVAL;
	}
	return RV_OK;
}

void rv_quant_free(rv_quant *q)
{
	rv_free(q->mins);
	rv_free(q->scales);
	rv_free(q->centroids);
	rv_free(q->mean);
	rv_free(q->rot);
	rv_free(q->itq);
	memset(q, 0, sizeof *q);
}

int rv_quant_train(rv_quant *q, const float *sample, size_t n, uint64_t seed, unsigned threads, char *why,
                   size_t why_size)
{
	size_t need = rv_quant_min_train(q->kind);
	if (n < need) {
		snprintf(why, why_size, "%s quantization needs at least %zu training vectors; got %zu",
		         q->kind == RV_QUANT_PQ ? "pq" : q->kind == RV_QUANT_INT8 ? "int8" : "binary", need, n);
		return RV_EINVAL;
	}
	int rc;
	switch (q->kind) {
	case RV_QUANT_INT8: rc = rv_int8_train(q, sample, n); break;
	case RV_QUANT_PQ: rc = rv_pq_train(q, sample, n, seed, threads); break;
	default: rc = rv_binary_train(q, sample, n, seed); break;
	}
	if (rc != RV_OK)
		snprintf(why, why_size, "out of memory training the quantizer");
	return rc;
}

void rv_quant_encode(const rv_quant *q, const float *v, uint8_t *code)
{
	memset(code, 0, q->code_bytes);
	switch (q->kind) {
	case RV_QUANT_INT8: rv_int8_encode(q, v, code); break;
	case RV_QUANT_PQ: rv_pq_encode(q, v, code); break;
	default: rv_binary_encode(q, v, code); break;
	}
}

static size_t part_bytes(const rv_quant *q)
{
	switch (q->kind) {
	case RV_QUANT_INT8: return round_up(q->dim, 64);
	case RV_QUANT_PQ: return round_up((size_t)q->m * 256 * sizeof(float), 64);
	default: return round_up(4 * q->code_bytes, 64);
	}
}

size_t rv_quant_query_bytes(const rv_quant *q)
{
	uint32_t work = rv_quant_is_binary(q->kind) ? pow2_at_least(q->dim) : q->dim;
	return part_bytes(q) + round_up((size_t)work * sizeof(float), 64);
}

void rv_quant_query(const rv_quant *q, const float *query, void *mem, rv_qquery *qq)
{
	memset(qq, 0, sizeof *qq);
	qq->q = q;
	unsigned char *p = mem;
	qq->work = (float *)(p + part_bytes(q));
	switch (q->kind) {
	case RV_QUANT_INT8:
		qq->w8 = (int8_t *)p;
		rv_int8_query(q, query, qq);
		break;
	case RV_QUANT_PQ:
		qq->lut = (float *)p;
		rv_pq_query(q, query, qq);
		break;
	default:
		qq->planes = (uint64_t *)p;
		rv_binary_query(q, query, qq);
		break;
	}
}

void rv_quant_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out)
{
	switch (qq->q->kind) {
	case RV_QUANT_INT8: rv_int8_dists(qq, codes, n, out); break;
	case RV_QUANT_PQ: rv_pq_dists(qq, codes, n, out); break;
	default: rv_binary_dists(qq, codes, n, out); break;
	}
}

size_t rv_quant_param_bytes(const rv_quant *q)
{
	switch (q->kind) {
	case RV_QUANT_INT8: return PARAM_HEADER + (size_t)q->dim * 8;
	case RV_QUANT_PQ: return PARAM_HEADER + (size_t)q->m * 256 * q->dsub * 4;
	default:
		return PARAM_HEADER + (size_t)q->dim * 4 + 3 * (size_t)pow2_at_least(q->dim) +
		       (q->kind == RV_QUANT_BINARY_ITQ ? rv_itq_floats(q) * 4 : 0);
	}
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void rv_quant_save(const rv_quant *q, unsigned char *buf)
{
	uint32_t padded = rv_quant_is_binary(q->kind) ? pow2_at_least(q->dim) : 0;
	put32(buf, (uint32_t)q->kind);
	put32(buf + 4, q->dim);
	put32(buf + 8, q->kind == RV_QUANT_PQ ? q->m : padded);
	put32(buf + 12, 0);
	unsigned char *p = buf + PARAM_HEADER;
	/* floats as they are: the formats are little-endian, and big-endian
	 * hosts are refused when files are opened (storage/storage.h) */
	switch (q->kind) {
	case RV_QUANT_INT8:
		memcpy(p, q->mins, q->dim * 4u);
		memcpy(p + q->dim * 4u, q->scales, q->dim * 4u);
		break;
	case RV_QUANT_PQ:
		/* centroid after centroid; held transposed (pq.c) */
		for (uint32_t j = 0; j < q->m; j++)
			for (uint32_t c = 0; c < 256; c++)
				for (uint32_t t = 0; t < q->dsub; t++)
					memcpy(p + 4 * (((size_t)j * 256 + c) * q->dsub + t),
					       q->centroids + ((size_t)j * q->dsub + t) * 256 + c, 4);
		break;
	default:
		memcpy(p, q->mean, q->dim * 4u);
		for (uint32_t i = 0; i < 3 * padded; i++)
			p[q->dim * 4u + i] = q->rot[i] < 0 ? 0 : 1;
		if (q->kind == RV_QUANT_BINARY_ITQ)
			memcpy(p + q->dim * 4u + 3 * (size_t)padded, q->itq, rv_itq_floats(q) * 4);
		break;
	}
}

static bool all_finite(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

int rv_quant_load(rv_quant *q, const unsigned char *buf, size_t len, char *why, size_t why_size)
{
#define BAD(...) (snprintf(why, why_size, __VA_ARGS__), RV_ECORRUPT)
#define OOM() (snprintf(why, why_size, "out of memory"), RV_ENOMEM)
	if (len < PARAM_HEADER || get32(buf) != (uint32_t)q->kind || get32(buf + 4) != q->dim)
		return BAD("quantizer parameters of another kind or dimension");
	if (len != rv_quant_param_bytes(q))
		return BAD("quantizer parameters of %zu bytes, expected %zu", len, rv_quant_param_bytes(q));
	const unsigned char *p = buf + PARAM_HEADER;
	uint32_t padded = pow2_at_least(q->dim);
	switch (q->kind) {
	case RV_QUANT_INT8:
		if (get32(buf + 8) != 0)
			return BAD("int8 parameters with a subspace count");
		q->mins = rv_malloc(q->dim * 4u);
		q->scales = rv_malloc(q->dim * 4u);
		if (!q->mins || !q->scales)
			return OOM();
		memcpy(q->mins, p, q->dim * 4u);
		memcpy(q->scales, p + q->dim * 4u, q->dim * 4u);
		if (!all_finite(q->mins, q->dim) || !all_finite(q->scales, q->dim))
			return BAD("int8 ranges not finite");
		for (uint32_t i = 0; i < q->dim; i++)
			if (!(q->scales[i] > 0))
				return BAD("int8 scale of dimension %u is not positive", i);
		return RV_OK;
	case RV_QUANT_PQ: {
		if (get32(buf + 8) != q->m)
			return BAD("pq parameters for %u subspaces, the collection has %u", get32(buf + 8), q->m);
		size_t nf = (size_t)q->m * 256 * q->dsub;
		if (!(q->centroids = rv_malloc(nf * 4)))
			return OOM();
		for (uint32_t j = 0; j < q->m; j++)
			for (uint32_t c = 0; c < 256; c++)
				for (uint32_t t = 0; t < q->dsub; t++)
					memcpy(q->centroids + ((size_t)j * q->dsub + t) * 256 + c,
					       p + 4 * (((size_t)j * 256 + c) * q->dsub + t), 4);
		return all_finite(q->centroids, nf) ? RV_OK : BAD("pq centroids not finite");
	}
	default:
		if (get32(buf + 8) != padded)
			return BAD("binary parameters for %u padded dimensions, expected %u", get32(buf + 8), padded);
		q->mean = rv_malloc(q->dim * 4u);
		q->rot = rv_malloc(3 * (size_t)padded * 4);
		if (!q->mean || !q->rot)
			return OOM();
		memcpy(q->mean, p, q->dim * 4u);
		if (!all_finite(q->mean, q->dim))
			return BAD("binary mean not finite");
		for (uint32_t i = 0; i < 3 * padded; i++) {
			unsigned char b = p[q->dim * 4u + i];
			if (b > 1)
				return BAD("binary rotation sign byte %u is %u", i, b);
			q->rot[i] = b ? 1.0f : -1.0f;
		}
		if (q->kind == RV_QUANT_BINARY_ITQ) {
			size_t nf = rv_itq_floats(q);
			if (!(q->itq = rv_malloc(nf * 4)))
				return OOM();
			memcpy(q->itq, p + q->dim * 4u + 3 * (size_t)padded, nf * 4);
			if (!all_finite(q->itq, nf))
				return BAD("binary-itq rotation not finite");
			/* an orthogonal block keeps every code's inner products; a
			 * crafted one could only misrank, but say so early */
			uint32_t b = rv_itq_block(q);
			for (size_t blk = 0; blk < nf / ((size_t)b * b); blk++)
				for (uint32_t i = 0; i < b; i++) {
					double nrm = 0;
					for (uint32_t j = 0; j < b; j++)
						nrm += (double)q->itq[blk * b * b + (size_t)j * b + i] * q->itq[blk * b * b + (size_t)j * b + i];
					if (fabs(nrm - 1) > 1e-3)
						return BAD("binary-itq rotation block %zu column %u is not a unit vector", blk, i);
				}
		}
		return RV_OK;
	}
#undef BAD
#undef OOM
}
