/*
 * bin_serial.c: the binary code kernel, portable: Hamming distance, the
 * number of differing bits, over 64-bit words. The oracle of the others.
 */
#include "kernels.h"

uint32_t rv_hamming_serial(const uint64_t *a, const uint64_t *b, size_t words)
{
	uint32_t s = 0;
	for (size_t i = 0; i < words; i++)
		s += (uint32_t)__builtin_popcountll(a[i] ^ b[i]);
	return s;
}

static void hamming4_serial(const uint64_t *q, const uint64_t *const v[4], size_t words, uint32_t out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = rv_hamming_serial(q, v[j], words);
}

void rv_bin_serial_fill(rv_kernels *k)
{
	k->hamming = rv_hamming_serial;
	k->hamming_x4 = hamming4_serial;
}
