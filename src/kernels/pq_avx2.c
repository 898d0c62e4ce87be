/*
 * pq_avx2.c: the product-quantization kernel for AVX2: eight table lookups
 * per gather. Codes are widened to 32-bit indices and offset by 256 per
 * subspace; the remainder below eight uses scalar lookups. Sums are in a
 * different order than the serial kernel's, so they agree to rounding.
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_AVX2 __attribute__((target("avx2,fma")))

RV_AVX2 static float adc_avx2(const float *lut, const uint8_t *code, size_t m)
{
	__m256 acc = _mm256_setzero_ps();
	const __m256i step = _mm256_setr_epi32(0, 256, 512, 768, 1024, 1280, 1536, 1792);
	size_t j = 0;
	for (; j + 8 <= m; j += 8) {
		__m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(code + j)));
		idx = _mm256_add_epi32(idx, _mm256_add_epi32(step, _mm256_set1_epi32((int)(j * 256))));
		acc = _mm256_add_ps(acc, _mm256_i32gather_ps(lut, idx, 4));
	}
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	float r = _mm_cvtss_f32(s);
	for (; j < m; j++)
		r += lut[j * 256 + code[j]];
	return r;
}

RV_AVX2 static void adc4_avx2(const float *lut, const uint8_t *const c[4], size_t m, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = adc_avx2(lut, c[j], m);
}

/* The table row: 256 outputs in four passes of 64 (eight accumulators). */
RV_AVX2 static void lut_avx2(const float *q, const float *ct, size_t d, int ip, float out[256])
{
	for (int base = 0; base < 256; base += 64) {
		__m256 acc[8];
		for (int i = 0; i < 8; i++)
			acc[i] = _mm256_setzero_ps();
		for (size_t t = 0; t < d; t++) {
			const __m256 qt = _mm256_set1_ps(q[t]);
			const float *row = ct + t * 256 + base;
			for (int i = 0; i < 8; i++) {
				__m256 c = _mm256_loadu_ps(row + 8 * i);
				if (ip) {
					acc[i] = _mm256_fnmadd_ps(qt, c, acc[i]);
				} else {
					__m256 diff = _mm256_sub_ps(qt, c);
					acc[i] = _mm256_fmadd_ps(diff, diff, acc[i]);
				}
			}
		}
		for (int i = 0; i < 8; i++)
			_mm256_storeu_ps(out + base + 8 * i, acc[i]);
	}
}

void rv_pq_avx2_fill(rv_kernels *k, unsigned feats)
{
	(void)feats;
	k->pq_adc = adc_avx2;
	k->pq_adc_x4 = adc4_avx2;
	k->pq_lut = lut_avx2;
}

#else
void rv_pq_avx2_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
