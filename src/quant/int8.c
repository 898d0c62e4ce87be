/*
 * int8.c: scalar quantization to a byte per dimension (see quant.h).
 *
 * Training sets, per dimension j, the range [min_j, min_j + 255 s_j] from
 * the sample's extremes. A vector x is stored as c_j = round((x_j - min_j)
 * / s_j), which reconstructs x^_j = min_j + s_j c_j, plus its exact squared
 * norm |x|^2 (the correction term).
 *
 * For a query q:  q . x^ = sum_j q_j min_j + sum_j (q_j s_j) c_j
 *                        = bias + sum_j w_j c_j.
 * The weights w_j are quantized to int8 with one scale (w_j ~ w_scale w8_j),
 * so the sum is an exact integer dot product of bytes (dot_u8s8: 64 products
 * per vpdpbusd with VNNI). Then
 *   l2:      |q|^2 + |x|^2 - 2 q.x^      (only the cross term estimated)
 *   ip:      -q.x^
 *   cosine:  1 - q.x^                    (vectors and query normalised)
 * Reading a code costs a quarter of the float32 vector's memory traffic,
 * which is what a graph walk is bound by.
 */
#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "quant.h"

static size_t corr_offset(const rv_quant *q) { return (q->dim + 3u) & ~3u; }

int rv_int8_train(rv_quant *q, const float *s, size_t n)
{
	const uint32_t d = q->dim;
	float *mins = rv_malloc(d * sizeof *mins), *scales = rv_malloc(d * sizeof *scales);
	if (!mins || !scales) {
		rv_free(mins);
		rv_free(scales);
		return RV_ENOMEM;
	}
	for (uint32_t j = 0; j < d; j++) {
		float lo = s[j], hi = s[j];
		for (size_t i = 1; i < n; i++) {
			float v = s[i * d + j];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		mins[j] = lo;
		/* a constant dimension gets any positive scale: all its codes are 0 */
		scales[j] = hi > lo ? (hi - lo) / 255.0f : 1.0f;
	}
	rv_free(q->mins);
	rv_free(q->scales);
	q->mins = mins;
	q->scales = scales;
	return RV_OK;
}

void rv_int8_encode(const rv_quant *q, const float *v, uint8_t *code)
{
	double norm2 = 0;
	for (uint32_t j = 0; j < q->dim; j++) {
		float t = (v[j] - q->mins[j]) / q->scales[j];
		/* values outside the trained range are clamped; the exact norm
		 * below still keeps the l2 estimate honest */
		long c = lrintf(t);
		code[j] = (uint8_t)(c < 0 ? 0 : c > 255 ? 255 : c);
		norm2 += (double)v[j] * v[j];
	}
	float corr = (float)norm2;
	memcpy(code + corr_offset(q), &corr, sizeof corr);
}

void rv_int8_decode(const rv_quant *q, const uint8_t *code, float *out)
{
	for (uint32_t j = 0; j < q->dim; j++)
		out[j] = q->mins[j] + q->scales[j] * (float)code[j];
}

void rv_int8_query(const rv_quant *q, const float *query, rv_qquery *qq)
{
	float *w = qq->work, amax = 0;
	double bias = 0, qn = 0;
	for (uint32_t j = 0; j < q->dim; j++) {
		w[j] = query[j] * q->scales[j];
		bias += (double)query[j] * q->mins[j];
		qn += (double)query[j] * query[j];
		float a = fabsf(w[j]);
		amax = a > amax ? a : amax;
	}
	qq->w_scale = amax > 0 ? amax / 127.0f : 1.0f;
	for (uint32_t j = 0; j < q->dim; j++)
		qq->w8[j] = (int8_t)lrintf(w[j] / qq->w_scale);
	qq->bias = (float)bias;
	qq->qnorm2 = (float)qn;
}

void rv_int8_dists(const rv_qquery *qq, const uint8_t *const *codes, size_t n, float *out)
{
	const rv_quant *q = qq->q;
	const size_t co = corr_offset(q);
	for (size_t i = 0; i < n; i += 4) {
		const uint8_t *v[4] = {codes[i], i + 1 < n ? codes[i + 1] : codes[i], i + 2 < n ? codes[i + 2] : codes[i],
		                       i + 3 < n ? codes[i + 3] : codes[i]};
		int32_t dot[4];
		q->k->dot_u8s8_x4(qq->w8, v, q->dim, dot);
		for (size_t t = 0; t < 4 && i + t < n; t++) {
			float est = qq->bias + qq->w_scale * (float)dot[t];
			if (q->metric == RV_METRIC_L2) {
				float corr;
				memcpy(&corr, v[t] + co, sizeof corr);
				out[i + t] = qq->qnorm2 + corr - 2.0f * est;
			} else if (q->metric == RV_METRIC_COSINE) {
				out[i + t] = 1.0f - est;
			} else {
				out[i + t] = -est;
			}
		}
	}
}
