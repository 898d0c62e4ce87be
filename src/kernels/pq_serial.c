/*
 * pq_serial.c: the product-quantization kernel, portable: asymmetric
 * distance computation, one table lookup per subspace. The table (m rows of
 * 256 floats, built per query by quant/pq.c) holds the distance from the
 * query's sub-vector to each centroid, so a code's distance is the sum of
 * its m lookups. The oracle of the gather versions. Building that table,
 * one subspace at a time, is the other kernel here (pq_lut): with the
 * centroids transposed, each query coordinate meets 256 centroid
 * coordinates in a row, which is what SIMD wants.
 */
#include "kernels.h"

float rv_pq_adc_serial(const float *lut, const uint8_t *code, size_t m)
{
	float s = 0.0f;
	for (size_t j = 0; j < m; j++)
		s += lut[j * 256 + code[j]];
	return s;
}

static void adc4_serial(const float *lut, const uint8_t *const c[4], size_t m, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = rv_pq_adc_serial(lut, c[j], m);
}

void rv_pq_lut_serial(const float *q, const float *ct, size_t d, int ip, float out[256])
{
	for (int c = 0; c < 256; c++)
		out[c] = 0.0f;
	for (size_t t = 0; t < d; t++) {
		const float qt = q[t], *row = ct + t * 256;
		if (ip) {
			for (int c = 0; c < 256; c++)
				out[c] -= qt * row[c];
		} else {
			for (int c = 0; c < 256; c++) {
				float diff = qt - row[c];
				out[c] += diff * diff;
			}
		}
	}
}

void rv_pq_serial_fill(rv_kernels *k)
{
	k->pq_adc = rv_pq_adc_serial;
	k->pq_adc_x4 = adc4_serial;
	k->pq_lut = rv_pq_lut_serial;
}
