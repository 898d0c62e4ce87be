/*
 * f32_neon.c: float32 distance kernels for AArch64 Advanced SIMD (NEON).
 *
 * NEON is part of the AArch64 base architecture, so there is no runtime
 * probe: this file is compiled in on every aarch64 build and selected
 * there. 4 floats per register, four accumulators, scalar tail.
 */
#include "kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>

static float l2sq_neon(const float *a, const float *b, size_t n)
{
	float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		float32x4_t d0 = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
		float32x4_t d1 = vsubq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
		float32x4_t d2 = vsubq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
		float32x4_t d3 = vsubq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
		s0 = vfmaq_f32(s0, d0, d0);
		s1 = vfmaq_f32(s1, d1, d1);
		s2 = vfmaq_f32(s2, d2, d2);
		s3 = vfmaq_f32(s3, d3, d3);
	}
	for (; i + 4 <= n; i += 4) {
		float32x4_t d = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
		s0 = vfmaq_f32(s0, d, d);
	}
	float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
	for (; i < n; i++) {
		float d = a[i] - b[i];
		s += d * d;
	}
	return s;
}

static float dot_neon(const float *a, const float *b, size_t n)
{
	float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
		s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
		s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
		s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
	}
	for (; i + 4 <= n; i += 4)
		s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
	float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static float cosine_neon(const float *a, const float *b, size_t n)
{
	float32x4_t ab = vdupq_n_f32(0), aa = vdupq_n_f32(0), bb = vdupq_n_f32(0);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		float32x4_t x = vld1q_f32(a + i), y = vld1q_f32(b + i);
		ab = vfmaq_f32(ab, x, y);
		aa = vfmaq_f32(aa, x, x);
		bb = vfmaq_f32(bb, y, y);
	}
	float sab = vaddvq_f32(ab), saa = vaddvq_f32(aa), sbb = vaddvq_f32(bb);
	for (; i < n; i++) {
		sab += a[i] * b[i];
		saa += a[i] * a[i];
		sbb += b[i] * b[i];
	}
	return rv_cosine_finish(sab, saa, sbb);
}

static float l1_neon(const float *a, const float *b, size_t n)
{
	float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		s0 = vaddq_f32(s0, vabdq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
		s1 = vaddq_f32(s1, vabdq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4)));
	}
	for (; i + 4 <= n; i += 4)
		s0 = vaddq_f32(s0, vabdq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
	float s = vaddvq_f32(vaddq_f32(s0, s1));
	for (; i < n; i++)
		s += fabsf(a[i] - b[i]);
	return s;
}

static void l2sq_x4_neon(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = l2sq_neon(q, v[j], n);
}

static void dot_x4_neon(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = dot_neon(q, v[j], n);
}

static void l1_x4_neon(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = l1_neon(q, v[j], n);
}

bool rv_f32_neon_compiled(void) { return true; }

void rv_f32_neon_fill(rv_kernels *k)
{
	k->l2sq = l2sq_neon;
	k->dot = dot_neon;
	k->cosine = cosine_neon;
	k->l1 = l1_neon;
	k->l2sq_x4 = l2sq_x4_neon;
	k->dot_x4 = dot_x4_neon;
	k->l1_x4 = l1_x4_neon;
}

#else
bool rv_f32_neon_compiled(void) { return false; }
void rv_f32_neon_fill(rv_kernels *k) { (void)k; }
#endif
