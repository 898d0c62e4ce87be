/*
 * f32_avx512.c: float32 distance kernels for AVX-512F.
 *
 * 16 floats per register. The main loops keep four (single-vector kernels)
 * or four-per-vector (x4 kernels) independent accumulators, because an FMA
 * has a latency of about four cycles and one accumulator would leave the
 * units idle. Tails use masked loads, which never touch memory past the end
 * (masked-off lanes do not fault), so no scalar clean-up loop is needed.
 */
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define RV_AVX512 __attribute__((target("avx512f")))

RV_AVX512 static inline __mmask16 tail_mask(size_t r)
{
	return (__mmask16)((1u << r) - 1u);
}

RV_AVX512 static float l2sq_avx512(const float *a, const float *b, size_t n)
{
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	__m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		__m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		__m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
		__m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
		__m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
		s2 = _mm512_fmadd_ps(d2, d2, s2);
		s3 = _mm512_fmadd_ps(d3, d3, s3);
	}
	for (; i + 16 <= n; i += 16) {
		__m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		s0 = _mm512_fmadd_ps(d, d, s0);
	}
	if (i < n) {
		__mmask16 m = tail_mask(n - i);
		__m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
		s1 = _mm512_fmadd_ps(d, d, s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

RV_AVX512 static float dot_avx512(const float *a, const float *b, size_t n)
{
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	__m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
	size_t i = 0;
	for (; i + 64 <= n; i += 64) {
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
		s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
		s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
	}
	for (; i + 16 <= n; i += 16)
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
	if (i < n) {
		__mmask16 m = tail_mask(n - i);
		s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

RV_AVX512 static float cosine_avx512(const float *a, const float *b, size_t n)
{
	__m512 ab0 = _mm512_setzero_ps(), aa0 = _mm512_setzero_ps(), bb0 = _mm512_setzero_ps();
	__m512 ab1 = _mm512_setzero_ps(), aa1 = _mm512_setzero_ps(), bb1 = _mm512_setzero_ps();
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m512 x0 = _mm512_loadu_ps(a + i), y0 = _mm512_loadu_ps(b + i);
		__m512 x1 = _mm512_loadu_ps(a + i + 16), y1 = _mm512_loadu_ps(b + i + 16);
		ab0 = _mm512_fmadd_ps(x0, y0, ab0);
		aa0 = _mm512_fmadd_ps(x0, x0, aa0);
		bb0 = _mm512_fmadd_ps(y0, y0, bb0);
		ab1 = _mm512_fmadd_ps(x1, y1, ab1);
		aa1 = _mm512_fmadd_ps(x1, x1, aa1);
		bb1 = _mm512_fmadd_ps(y1, y1, bb1);
	}
	for (; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
		__m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
		ab0 = _mm512_fmadd_ps(x, y, ab0);
		aa0 = _mm512_fmadd_ps(x, x, aa0);
		bb0 = _mm512_fmadd_ps(y, y, bb0);
	}
	float ab = _mm512_reduce_add_ps(_mm512_add_ps(ab0, ab1));
	float aa = _mm512_reduce_add_ps(_mm512_add_ps(aa0, aa1));
	float bb = _mm512_reduce_add_ps(_mm512_add_ps(bb0, bb1));
	return rv_cosine_finish(ab, aa, bb);
}

RV_AVX512 static float l1_avx512(const float *a, const float *b, size_t n)
{
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
		s1 = _mm512_add_ps(s1, _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16))));
	}
	for (; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
		__m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(d));
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

RV_AVX512 static void l2sq_x4_avx512(const float *q, const float *const v[4], size_t n, float out[4])
{
	const float *v0 = v[0], *v1 = v[1], *v2 = v[2], *v3 = v[3];
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	__m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
		__m512 x = _mm512_maskz_loadu_ps(m, q + i);
		__m512 d0 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v0 + i));
		__m512 d1 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v1 + i));
		__m512 d2 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v2 + i));
		__m512 d3 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v3 + i));
		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
		s2 = _mm512_fmadd_ps(d2, d2, s2);
		s3 = _mm512_fmadd_ps(d3, d3, s3);
	}
	out[0] = _mm512_reduce_add_ps(s0);
	out[1] = _mm512_reduce_add_ps(s1);
	out[2] = _mm512_reduce_add_ps(s2);
	out[3] = _mm512_reduce_add_ps(s3);
}

RV_AVX512 static void dot_x4_avx512(const float *q, const float *const v[4], size_t n, float out[4])
{
	const float *v0 = v[0], *v1 = v[1], *v2 = v[2], *v3 = v[3];
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	__m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
		__m512 x = _mm512_maskz_loadu_ps(m, q + i);
		s0 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, v0 + i), s0);
		s1 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, v1 + i), s1);
		s2 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, v2 + i), s2);
		s3 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, v3 + i), s3);
	}
	out[0] = _mm512_reduce_add_ps(s0);
	out[1] = _mm512_reduce_add_ps(s1);
	out[2] = _mm512_reduce_add_ps(s2);
	out[3] = _mm512_reduce_add_ps(s3);
}

RV_AVX512 static void l1_x4_avx512(const float *q, const float *const v[4], size_t n, float out[4])
{
	const float *v0 = v[0], *v1 = v[1], *v2 = v[2], *v3 = v[3];
	__m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
	__m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
	for (size_t i = 0; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
		__m512 x = _mm512_maskz_loadu_ps(m, q + i);
		s0 = _mm512_add_ps(s0, _mm512_abs_ps(_mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v0 + i))));
		s1 = _mm512_add_ps(s1, _mm512_abs_ps(_mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v1 + i))));
		s2 = _mm512_add_ps(s2, _mm512_abs_ps(_mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v2 + i))));
		s3 = _mm512_add_ps(s3, _mm512_abs_ps(_mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, v3 + i))));
	}
	out[0] = _mm512_reduce_add_ps(s0);
	out[1] = _mm512_reduce_add_ps(s1);
	out[2] = _mm512_reduce_add_ps(s2);
	out[3] = _mm512_reduce_add_ps(s3);
}

bool rv_f32_avx512_compiled(void) { return true; }

void rv_f32_avx512_fill(rv_kernels *k)
{
	k->l2sq = l2sq_avx512;
	k->dot = dot_avx512;
	k->cosine = cosine_avx512;
	k->l1 = l1_avx512;
	k->l2sq_x4 = l2sq_x4_avx512;
	k->dot_x4 = dot_x4_avx512;
	k->l1_x4 = l1_x4_avx512;
}

#else
bool rv_f32_avx512_compiled(void) { return false; }
void rv_f32_avx512_fill(rv_kernels *k) { (void)k; }
#endif
