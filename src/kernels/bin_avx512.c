/*
 * bin_avx512.c: the binary code kernel with AVX512_VPOPCNTDQ: eight 64-bit
 * population counts per instruction; the tail through a word mask.
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_VPOP __attribute__((target("avx512f,avx512vpopcntdq")))

RV_VPOP static uint32_t hamming_vpop(const uint64_t *a, const uint64_t *b, size_t words)
{
	__m512i acc = _mm512_setzero_si512();
	for (size_t i = 0; i < words; i += 8) {
		__mmask8 m = words - i >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (words - i)) - 1);
		__m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi64(m, a + i), _mm512_maskz_loadu_epi64(m, b + i));
		acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x));
	}
	return (uint32_t)_mm512_reduce_add_epi64(acc);
}

RV_VPOP static void hamming4_vpop(const uint64_t *q, const uint64_t *const v[4], size_t words, uint32_t out[4])
{
	__m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
	__m512i a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
	for (size_t i = 0; i < words; i += 8) {
		__mmask8 m = words - i >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (words - i)) - 1);
		__m512i qq = _mm512_maskz_loadu_epi64(m, q + i);
		a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(qq, _mm512_maskz_loadu_epi64(m, v[0] + i))));
		a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(qq, _mm512_maskz_loadu_epi64(m, v[1] + i))));
		a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_xor_si512(qq, _mm512_maskz_loadu_epi64(m, v[2] + i))));
		a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_xor_si512(qq, _mm512_maskz_loadu_epi64(m, v[3] + i))));
	}
	out[0] = (uint32_t)_mm512_reduce_add_epi64(a0);
	out[1] = (uint32_t)_mm512_reduce_add_epi64(a1);
	out[2] = (uint32_t)_mm512_reduce_add_epi64(a2);
	out[3] = (uint32_t)_mm512_reduce_add_epi64(a3);
}

void rv_bin_avx512_fill(rv_kernels *k, unsigned feats)
{
	if (feats & RV_CPU_VPOPCNTDQ) {
		k->hamming = hamming_vpop;
		k->hamming_x4 = hamming4_vpop;
	}
}

#else
void rv_bin_avx512_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
