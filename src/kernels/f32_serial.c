/*
 * f32_serial.c: portable float32 distance kernels.
 *
 * These are the fallback on CPUs without a SIMD version and the oracle the
 * SIMD versions are tested against. They accumulate in one float, in index
 * order, so their rounding is easy to reason about; the compiler may not
 * reassociate float sums, so it cannot vectorise them behind our back.
 */
#include "kernels.h"

float rv_l2sq_f32_serial(const float *a, const float *b, size_t n)
{
	float s = 0.0f;
	for (size_t i = 0; i < n; i++) {
		float d = a[i] - b[i];
		s += d * d;
	}
	return s;
}

float rv_dot_f32_serial(const float *a, const float *b, size_t n)
{
	float s = 0.0f;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

float rv_cosine_f32_serial(const float *a, const float *b, size_t n)
{
	float ab = 0.0f, aa = 0.0f, bb = 0.0f;
	for (size_t i = 0; i < n; i++) {
		ab += a[i] * b[i];
		aa += a[i] * a[i];
		bb += b[i] * b[i];
	}
	return rv_cosine_finish(ab, aa, bb);
}

float rv_l1_f32_serial(const float *a, const float *b, size_t n)
{
	float s = 0.0f;
	for (size_t i = 0; i < n; i++)
		s += fabsf(a[i] - b[i]);
	return s;
}

static void l2sq_x4_serial(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = rv_l2sq_f32_serial(q, v[j], n);
}

static void dot_x4_serial(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = rv_dot_f32_serial(q, v[j], n);
}

static void l1_x4_serial(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = rv_l1_f32_serial(q, v[j], n);
}

void rv_f32_serial_fill(rv_kernels *k)
{
	k->l2sq = rv_l2sq_f32_serial;
	k->dot = rv_dot_f32_serial;
	k->cosine = rv_cosine_f32_serial;
	k->l1 = rv_l1_f32_serial;
	k->l2sq_x4 = l2sq_x4_serial;
	k->dot_x4 = dot_x4_serial;
	k->l1_x4 = l1_x4_serial;
}
