/*
 * i8_serial.c: the int8 code kernel, portable: the dot product of unsigned
 * 8-bit codes with a signed 8-bit query, in 32-bit integers (exact: at most
 * 255 * 128 * 65536 in magnitude, inside int32). The oracle of i8_avx2.c
 * and i8_avx512.c.
 */
#include "kernels.h"

int32_t rv_dot_u8s8_serial(const uint8_t *a, const int8_t *b, size_t n)
{
	int32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += (int32_t)a[i] * (int32_t)b[i];
	return s;
}

static void dot4_serial(const int8_t *q, const uint8_t *const v[4], size_t n, int32_t out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = rv_dot_u8s8_serial(v[j], q, n);
}

void rv_i8_serial_fill(rv_kernels *k)
{
	k->dot_u8s8 = rv_dot_u8s8_serial;
	k->dot_u8s8_x4 = dot4_serial;
}
