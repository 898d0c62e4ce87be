/*
 * f32_avx2.c: float32 distance kernels for AVX2 with FMA.
 *
 * 8 floats per register, four accumulators in the main loop (see
 * f32_avx512.c for why). AVX2 has masked loads only for 32-bit lanes
 * through _mm256_maskload_ps, which is slow on some AMD parts, so the
 * remainder below 8 is handled by a short scalar loop instead.
 */
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define RV_AVX2 __attribute__((target("avx2,fma")))

RV_AVX2 static inline float hsum256(__m256 v)
{
	__m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
	__m128 s = _mm_add_ps(lo, hi);
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

RV_AVX2 static float l2sq_avx2(const float *a, const float *b, size_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	__m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		__m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
		__m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
		__m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
		s2 = _mm256_fmadd_ps(d2, d2, s2);
		s3 = _mm256_fmadd_ps(d3, d3, s3);
	}
	for (; i + 8 <= n; i += 8) {
		__m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		s0 = _mm256_fmadd_ps(d, d, s0);
	}
	float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
	for (; i < n; i++) {
		float d = a[i] - b[i];
		s += d * d;
	}
	return s;
}

RV_AVX2 static float dot_avx2(const float *a, const float *b, size_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	__m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
		s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
		s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

RV_AVX2 static float cosine_avx2(const float *a, const float *b, size_t n)
{
	__m256 ab = _mm256_setzero_ps(), aa = _mm256_setzero_ps(), bb = _mm256_setzero_ps();
	__m256 ab1 = _mm256_setzero_ps(), aa1 = _mm256_setzero_ps(), bb1 = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256 x0 = _mm256_loadu_ps(a + i), y0 = _mm256_loadu_ps(b + i);
		__m256 x1 = _mm256_loadu_ps(a + i + 8), y1 = _mm256_loadu_ps(b + i + 8);
		ab = _mm256_fmadd_ps(x0, y0, ab);
		aa = _mm256_fmadd_ps(x0, x0, aa);
		bb = _mm256_fmadd_ps(y0, y0, bb);
		ab1 = _mm256_fmadd_ps(x1, y1, ab1);
		aa1 = _mm256_fmadd_ps(x1, x1, aa1);
		bb1 = _mm256_fmadd_ps(y1, y1, bb1);
	}
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);
		ab = _mm256_fmadd_ps(x, y, ab);
		aa = _mm256_fmadd_ps(x, x, aa);
		bb = _mm256_fmadd_ps(y, y, bb);
	}
	float sab = hsum256(_mm256_add_ps(ab, ab1));
	float saa = hsum256(_mm256_add_ps(aa, aa1));
	float sbb = hsum256(_mm256_add_ps(bb, bb1));
	for (; i < n; i++) {
		sab += a[i] * b[i];
		saa += a[i] * a[i];
		sbb += b[i] * b[i];
	}
	return rv_cosine_finish(sab, saa, sbb);
}

RV_AVX2 static inline __m256 abs256(__m256 x)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

RV_AVX2 static float l1_avx2(const float *a, const float *b, size_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
		s1 = _mm256_add_ps(s1, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8))));
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_add_ps(s0, abs256(_mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))));
	float s = hsum256(_mm256_add_ps(s0, s1));
	for (; i < n; i++)
		s += fabsf(a[i] - b[i]);
	return s;
}

RV_AVX2 static void l2sq_x4_avx2(const float *q, const float *const v[4], size_t n, float out[4])
{
	const float *v0 = v[0], *v1 = v[1], *v2 = v[2], *v3 = v[3];
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	__m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(q + i);
		__m256 d0 = _mm256_sub_ps(x, _mm256_loadu_ps(v0 + i));
		__m256 d1 = _mm256_sub_ps(x, _mm256_loadu_ps(v1 + i));
		__m256 d2 = _mm256_sub_ps(x, _mm256_loadu_ps(v2 + i));
		__m256 d3 = _mm256_sub_ps(x, _mm256_loadu_ps(v3 + i));
		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
		s2 = _mm256_fmadd_ps(d2, d2, s2);
		s3 = _mm256_fmadd_ps(d3, d3, s3);
	}
	float r0 = hsum256(s0), r1 = hsum256(s1), r2 = hsum256(s2), r3 = hsum256(s3);
	for (; i < n; i++) {
		float d0 = q[i] - v0[i], d1 = q[i] - v1[i], d2 = q[i] - v2[i], d3 = q[i] - v3[i];
		r0 += d0 * d0;
		r1 += d1 * d1;
		r2 += d2 * d2;
		r3 += d3 * d3;
	}
	out[0] = r0;
	out[1] = r1;
	out[2] = r2;
	out[3] = r3;
}

RV_AVX2 static void dot_x4_avx2(const float *q, const float *const v[4], size_t n, float out[4])
{
	const float *v0 = v[0], *v1 = v[1], *v2 = v[2], *v3 = v[3];
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	__m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(q + i);
		s0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(v0 + i), s0);
		s1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(v1 + i), s1);
		s2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(v2 + i), s2);
		s3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(v3 + i), s3);
	}
	float r0 = hsum256(s0), r1 = hsum256(s1), r2 = hsum256(s2), r3 = hsum256(s3);
	for (; i < n; i++) {
		r0 += q[i] * v0[i];
		r1 += q[i] * v1[i];
		r2 += q[i] * v2[i];
		r3 += q[i] * v3[i];
	}
	out[0] = r0;
	out[1] = r1;
	out[2] = r2;
	out[3] = r3;
}

RV_AVX2 static void l1_x4_avx2(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = l1_avx2(q, v[j], n);
}

bool rv_f32_avx2_compiled(void) { return true; }

void rv_f32_avx2_fill(rv_kernels *k)
{
	k->l2sq = l2sq_avx2;
	k->dot = dot_avx2;
	k->cosine = cosine_avx2;
	k->l1 = l1_avx2;
	k->l2sq_x4 = l2sq_x4_avx2;
	k->dot_x4 = dot_x4_avx2;
	k->l1_x4 = l1_x4_avx2;
}

#else
bool rv_f32_avx2_compiled(void) { return false; }
void rv_f32_avx2_fill(rv_kernels *k) { (void)k; }
#endif
