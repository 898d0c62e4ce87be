/*
 * bin_serial.c: the binary code kernel, portable. The oracle of the others.
 *
 * A binary code is a bit per coordinate; the query is kept at four bits a
 * coordinate, as four bit planes (quant/binary.c). For a code v it returns
 *   dot  = sum over planes p of 2^p popcount(v & plane_p)
 *        = the sum of the query's 4-bit values where v has a 1
 *   ones = popcount(v)
 * from which binary.c forms the inner product of the query with v's signs.
 */
#include "kernels.h"

void rv_bitdot_serial(const uint64_t *planes, const uint64_t *v, size_t words, uint32_t *dot, uint32_t *ones)
{
	uint32_t d = 0, o = 0;
	for (size_t i = 0; i < words; i++) {
		uint64_t c = v[i];
		for (int p = 3; p >= 0; p--)
			d = d + (uint32_t)__builtin_popcountll(c & planes[(size_t)p * words + i]) * (1u << p);
		o += (uint32_t)__builtin_popcountll(c);
	}
	*dot = d;
	*ones = o;
}

static void bitdot4_serial(const uint64_t *planes, const uint64_t *const v[4], size_t words, uint32_t dot[4],
                           uint32_t ones[4])
{
	for (int j = 0; j < 4; j++)
		rv_bitdot_serial(planes, v[j], words, &dot[j], &ones[j]);
}

void rv_bin_serial_fill(rv_kernels *k) { k->bitdot_x4 = bitdot4_serial; }
