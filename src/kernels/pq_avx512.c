/*
 * pq_avx512.c: the product-quantization kernel for AVX-512: sixteen table
 * lookups per gather; the tail through a mask (masked-off lanes read
 * nothing).
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

RV_AVX512 static float adc_avx512(const float *lut, const uint8_t *code, size_t m)
{
	__m512 acc = _mm512_setzero_ps();
	const __m512i step = _mm512_setr_epi32(0, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304, 2560, 2816,
	                                       3072, 3328, 3584, 3840);
	for (size_t j = 0; j < m; j += 16) {
		__mmask16 mk = m - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (m - j)) - 1);
		__m512i idx = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mk, code + j));
		idx = _mm512_add_epi32(idx, _mm512_add_epi32(step, _mm512_set1_epi32((int)(j * 256))));
		acc = _mm512_add_ps(acc, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mk, idx, lut, 4));
	}
	return _mm512_reduce_add_ps(acc);
}

RV_AVX512 static void adc4_avx512(const float *lut, const uint8_t *const c[4], size_t m, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = adc_avx512(lut, c[j], m);
}

/* The table row: all 256 outputs live in sixteen registers. */
RV_AVX512 static void lut_avx512(const float *q, const float *ct, size_t d, int ip, float out[256])
{
	__m512 acc[16];
	for (int i = 0; i < 16; i++)
		acc[i] = _mm512_setzero_ps();
	for (size_t t = 0; t < d; t++) {
		const __m512 qt = _mm512_set1_ps(q[t]);
		const float *row = ct + t * 256;
		for (int i = 0; i < 16; i++) {
			__m512 c = _mm512_loadu_ps(row + 16 * i);
			if (ip) {
				acc[i] = _mm512_fnmadd_ps(qt, c, acc[i]);
			} else {
				__m512 diff = _mm512_sub_ps(qt, c);
				acc[i] = _mm512_fmadd_ps(diff, diff, acc[i]);
			}
		}
	}
	for (int i = 0; i < 16; i++)
		_mm512_storeu_ps(out + 16 * i, acc[i]);
}

void rv_pq_avx512_fill(rv_kernels *k, unsigned feats)
{
	k->pq_lut = lut_avx512; /* AVX512F only */
	if (feats & RV_CPU_AVX512BW) { /* _mm_maskz_loadu_epi8 is AVX512BW+VL */
		k->pq_adc = adc_avx512;
		k->pq_adc_x4 = adc4_avx512;
	}
}

#else
void rv_pq_avx512_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
