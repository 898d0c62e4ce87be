/*
 * bin_avx2.c: the binary code kernel (bin_serial.c) on CPUs with AVX2:
 * the POPCNT instruction (every AVX2 CPU has it, but a portable build may
 * not assume it, so it is enabled per function and checked by CPUID), the
 * four codes of a call sharing each loaded word of the query's planes.
 */
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define RV_POPCNT __attribute__((target("popcnt")))

RV_POPCNT static void bitdot4_popcnt(const uint64_t *planes, const uint64_t *const v[4], size_t words,
                                     uint32_t dot[4], uint32_t ones[4])
{
	uint64_t d[4] = {0, 0, 0, 0}, o[4] = {0, 0, 0, 0};
	for (size_t i = 0; i < words; i++) {
		const uint64_t p0 = planes[i], p1 = planes[words + i], p2 = planes[2 * words + i],
		               p3 = planes[3 * words + i];
		for (int j = 0; j < 4; j++) {
			const uint64_t c = v[j][i];
			d[j] += (uint64_t)_mm_popcnt_u64(c & p0) + ((uint64_t)_mm_popcnt_u64(c & p1) << 1) +
			        ((uint64_t)_mm_popcnt_u64(c & p2) << 2) + ((uint64_t)_mm_popcnt_u64(c & p3) << 3);
			o[j] += (uint64_t)_mm_popcnt_u64(c);
		}
	}
	for (int j = 0; j < 4; j++) {
		dot[j] = (uint32_t)d[j];
		ones[j] = (uint32_t)o[j];
	}
}

void rv_bin_avx2_fill(rv_kernels *k, unsigned feats)
{
	if (feats & RV_CPU_POPCNT)
		k->bitdot_x4 = bitdot4_popcnt;
}

#else
void rv_bin_avx2_fill(rv_kernels *k, unsigned feats) { (void)k, (void)feats; }
#endif
