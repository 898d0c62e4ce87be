/*
 * i8_avx2.c: the int8 code kernel for AVX2. Both operands are widened to
 * 16 bits (vpmovzxbw / vpmovsxbw) and multiplied pairwise into 32-bit sums
 * (vpmaddwd): exact, unlike vpmaddubsw, whose 16-bit sums saturate.
 */
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define RV_AVX2 __attribute__((target("avx2")))

RV_AVX2 static inline int32_t hsum_epi32(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

RV_AVX2 static int32_t dot_avx2(const uint8_t *a, const int8_t *b, size_t n)
{
	__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m256i a0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
		__m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
		__m256i a1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + i + 16)));
		__m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i + 16)));
		acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, b0));
		acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(a1, b1));
	}
	for (; i + 16 <= n; i += 16) {
		__m256i a0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
		__m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
		acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(a0, b0));
	}
	int32_t s = hsum_epi32(_mm256_add_epi32(acc0, acc1));
	for (; i < n; i++)
		s += (int32_t)a[i] * (int32_t)b[i];
	return s;
}

RV_AVX2 static void dot4_avx2(const int8_t *q, const uint8_t *const v[4], size_t n, int32_t out[4])
{
	__m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
	                  _mm256_setzero_si256()};
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i qq = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + i)));
		for (int j = 0; j < 4; j++) {
			__m256i vv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(v[j] + i)));
			acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(vv, qq));
		}
	}
	for (int j = 0; j < 4; j++) {
		int32_t s = hsum_epi32(acc[j]);
		for (size_t t = i; t < n; t++)
			s += (int32_t)v[j][t] * (int32_t)q[t];
		out[j] = s;
	}
}

void rv_i8_avx2_fill(rv_kernels *k, unsigned feats)
{
	(void)feats;
	k->dot_u8s8 = dot_avx2;
	k->dot_u8s8_x4 = dot4_avx2;
}

#else
void rv_i8_avx2_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
