/*
 * bin_avx512.c: the binary code kernel (bin_serial.c) with
 * AVX512_VPOPCNTDQ: eight 64-bit population counts per instruction, the
 * planes' weights applied by shifts (Horner), the tail through a word mask.
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_VPOP __attribute__((target("avx512f,avx512vpopcntdq")))

RV_VPOP static inline __m512i weighted(__m512i c, __m512i p0, __m512i p1, __m512i p2, __m512i p3)
{
	__m512i t = _mm512_popcnt_epi64(_mm512_and_si512(c, p3));
	t = _mm512_add_epi64(_mm512_slli_epi64(t, 1), _mm512_popcnt_epi64(_mm512_and_si512(c, p2)));
	t = _mm512_add_epi64(_mm512_slli_epi64(t, 1), _mm512_popcnt_epi64(_mm512_and_si512(c, p1)));
	return _mm512_add_epi64(_mm512_slli_epi64(t, 1), _mm512_popcnt_epi64(_mm512_and_si512(c, p0)));
}

RV_VPOP static void bitdot4_vpop(const uint64_t *planes, const uint64_t *const v[4], size_t words, uint32_t dot[4],
                                 uint32_t ones[4])
{
	__m512i d[4], o[4];
	for (int j = 0; j < 4; j++)
		d[j] = o[j] = _mm512_setzero_si512();
	for (size_t i = 0; i < words; i += 8) {
		__mmask8 m = words - i >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (words - i)) - 1);
		__m512i p0 = _mm512_maskz_loadu_epi64(m, planes + i);
		__m512i p1 = _mm512_maskz_loadu_epi64(m, planes + words + i);
		__m512i p2 = _mm512_maskz_loadu_epi64(m, planes + 2 * words + i);
		__m512i p3 = _mm512_maskz_loadu_epi64(m, planes + 3 * words + i);
		for (int j = 0; j < 4; j++) {
			__m512i c = _mm512_maskz_loadu_epi64(m, v[j] + i);
			d[j] = _mm512_add_epi64(d[j], weighted(c, p0, p1, p2, p3));
			o[j] = _mm512_add_epi64(o[j], _mm512_popcnt_epi64(c));
		}
	}
	for (int j = 0; j < 4; j++) {
		dot[j] = (uint32_t)_mm512_reduce_add_epi64(d[j]);
		ones[j] = (uint32_t)_mm512_reduce_add_epi64(o[j]);
	}
}

void rv_bin_avx512_fill(rv_kernels *k, unsigned feats)
{
	if (feats & RV_CPU_VPOPCNTDQ)
		k->bitdot_x4 = bitdot4_vpop;
}

#else
void rv_bin_avx512_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
