/*
 * bin_avx2.c: the binary code kernel on CPUs with AVX2: the POPCNT
 * instruction (every AVX2 CPU has it, but a portable build may not assume
 * it, so it is enabled per function and checked by CPUID), four
 * accumulators.
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_POPCNT __attribute__((target("popcnt")))

RV_POPCNT static uint32_t hamming_popcnt(const uint64_t *a, const uint64_t *b, size_t words)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	for (; i + 4 <= words; i += 4) {
		s0 += (uint64_t)_mm_popcnt_u64(a[i] ^ b[i]);
		s1 += (uint64_t)_mm_popcnt_u64(a[i + 1] ^ b[i + 1]);
		s2 += (uint64_t)_mm_popcnt_u64(a[i + 2] ^ b[i + 2]);
		s3 += (uint64_t)_mm_popcnt_u64(a[i + 3] ^ b[i + 3]);
	}
	for (; i < words; i++)
		s0 += (uint64_t)_mm_popcnt_u64(a[i] ^ b[i]);
	return (uint32_t)(s0 + s1 + s2 + s3);
}

RV_POPCNT static void hamming4_popcnt(const uint64_t *q, const uint64_t *const v[4], size_t words, uint32_t out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = hamming_popcnt(q, v[j], words);
}

void rv_bin_avx2_fill(rv_kernels *k, unsigned feats)
{
	if (feats & RV_CPU_POPCNT) {
		k->hamming = hamming_popcnt;
		k->hamming_x4 = hamming4_popcnt;
	}
}

#else
void rv_bin_avx2_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
