/*
 * i8_avx512.c: the int8 code kernel for AVX-512. With VNNI, vpdpbusd
 * multiplies 64 unsigned by signed bytes and adds each group of four into a
 * 32-bit lane in one instruction, exactly (no saturation: that is
 * vpdpbusds). Without VNNI but with BW, bytes are widened to 16 bits as in
 * the AVX2 version, 32 at a time. Tails use byte masks, which never read
 * past the end.
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define RV_BW __attribute__((target("avx512f,avx512bw,avx512vl")))

RV_VNNI static int32_t dot_vnni(const uint8_t *a, const int8_t *b, size_t n)
{
	__m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
	size_t i = 0;
	for (; i + 128 <= n; i += 128) {
		acc0 = _mm512_dpbusd_epi32(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
		acc1 = _mm512_dpbusd_epi32(acc1, _mm512_loadu_si512(a + i + 64), _mm512_loadu_si512(b + i + 64));
	}
	for (; i < n; i += 64) {
		__mmask64 m = n - i >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (n - i)) - 1);
		acc0 = _mm512_dpbusd_epi32(acc0, _mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i));
	}
	return _mm512_reduce_add_epi32(_mm512_add_epi32(acc0, acc1));
}

RV_VNNI static void dot4_vnni(const int8_t *q, const uint8_t *const v[4], size_t n, int32_t out[4])
{
	__m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
	__m512i a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
	for (size_t i = 0; i < n; i += 64) {
		__mmask64 m = n - i >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (n - i)) - 1);
		__m512i qq = _mm512_maskz_loadu_epi8(m, q + i);
		a0 = _mm512_dpbusd_epi32(a0, _mm512_maskz_loadu_epi8(m, v[0] + i), qq);
		a1 = _mm512_dpbusd_epi32(a1, _mm512_maskz_loadu_epi8(m, v[1] + i), qq);
		a2 = _mm512_dpbusd_epi32(a2, _mm512_maskz_loadu_epi8(m, v[2] + i), qq);
		a3 = _mm512_dpbusd_epi32(a3, _mm512_maskz_loadu_epi8(m, v[3] + i), qq);
	}
	out[0] = _mm512_reduce_add_epi32(a0);
	out[1] = _mm512_reduce_add_epi32(a1);
	out[2] = _mm512_reduce_add_epi32(a2);
	out[3] = _mm512_reduce_add_epi32(a3);
}

RV_BW static int32_t dot_bw(const uint8_t *a, const int8_t *b, size_t n)
{
	__m512i acc = _mm512_setzero_si512();
	for (size_t i = 0; i < n; i += 32) {
		__mmask32 m = n - i >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << (n - i)) - 1);
		__m512i aa = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, a + i));
		__m512i bb = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, b + i));
		acc = _mm512_add_epi32(acc, _mm512_madd_epi16(aa, bb));
	}
	return _mm512_reduce_add_epi32(acc);
}

RV_BW static void dot4_bw(const int8_t *q, const uint8_t *const v[4], size_t n, int32_t out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = dot_bw(v[j], q, n);
}

void rv_i8_avx512_fill(rv_kernels *k, unsigned feats)
{
	if (feats & RV_CPU_VNNI) {
		k->dot_u8s8 = dot_vnni;
		k->dot_u8s8_x4 = dot4_vnni;
	} else if (feats & RV_CPU_AVX512BW) {
		k->dot_u8s8 = dot_bw;
		k->dot_u8s8_x4 = dot4_bw;
	}
}

#else
void rv_i8_avx512_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
