/*
 * rotation.c: a learned rotation for binary codes (#RV_QUANT_BINARY_ITQ):
 * iterative quantization (ITQ, Gong and Lazebnik 2011) on top of the
 * randomised Hadamard rotation of binary.c.
 *
 * A code is the signs of rotated, centred coordinates; the random rotation
 * spreads the variance evenly but places the sign boundaries anywhere.
 * ITQ turns the coordinates further so that the data sit close to the
 * corners of the hypercube: it minimises ||B - V R||^2 over the codes
 * B in {-1, +1} and an orthogonal R, alternating B = sign(V R) with the
 * orthogonal Procrustes step R = polar(V^T B).
 *
 * Blocks. A full R is bits x bits (768 x 768 for 784 dimensions): training
 * is then cubic in the bits and each encode costs bits^2. After the
 * Hadamard rotation every coordinate already mixes all of the input, so R
 * is learned block-diagonal: one 64 x 64 rotation per word of the code
 * (bits x 64 per encode, as cheap as the Hadamard rounds). The polar
 * factor comes from the Newton-Schulz iteration X <- X (3I - X^T X) / 2,
 * started from M / |M|_F (every singular value then in (0, 1], where it
 * converges), finished by Gram-Schmidt so that R is orthogonal to
 * rounding whatever the iteration left.
 *
 * Trained on the sample the quantizer already uses (quant_train vectors),
 * with ITQ_ITERS alternations.
 */
#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "quant.h"

#define ITQ_ITERS 30
#define NS_ITERS 30

/* The block size: 64, or all the bits when fewer. */
uint32_t rv_itq_block(const rv_quant *q) { return q->bits < 64 ? q->bits : 64; }

size_t rv_itq_floats(const rv_quant *q)
{
	uint32_t b = rv_itq_block(q);
	return (size_t)(q->bits / b) * b * b;
}

/* c = a b, all n x n row-major. */
static void matmul(const double *a, const double *b, double *c, uint32_t n)
{
	memset(c, 0, (size_t)n * n * sizeof *c);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < n; k++) {
			double t = a[i * n + k];
			for (uint32_t j = 0; j < n; j++)
				c[i * n + j] += t * b[k * n + j];
		}
}

/* The orthogonal polar factor of m (n x n), into r. work: 3 n^2. */
static void polar(const double *m, double *r, uint32_t n, double *work)
{
	double *xtx = work, *t = work + (size_t)n * n, *xt = work + 2 * (size_t)n * n;
	double f = 0;
	for (size_t i = 0; i < (size_t)n * n; i++)
		f += m[i] * m[i];
	f = f > 0 ? 1.0 / sqrt(f) : 1;
	for (size_t i = 0; i < (size_t)n * n; i++)
		r[i] = m[i] * f;
	for (int it = 0; it < NS_ITERS; it++) {
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t j = 0; j < n; j++)
				xt[i * n + j] = r[j * n + i];
		matmul(xt, r, xtx, n);
		for (size_t i = 0; i < (size_t)n * n; i++)
			xtx[i] = -xtx[i];
		for (uint32_t i = 0; i < n; i++)
			xtx[i * n + i] += 3;
		matmul(r, xtx, t, n);
		for (size_t i = 0; i < (size_t)n * n; i++)
			r[i] = t[i] / 2;
	}
	/* Gram-Schmidt on the columns */
	for (uint32_t c = 0; c < n; c++) {
		double nrm = 0;
		/* a lost direction is replaced by a unit vector e_a: one of them
		 * is independent of the c columns before it */
		for (uint32_t attempt = 0; attempt <= n && nrm < 1e-6; attempt++) {
			if (attempt)
				for (uint32_t i = 0; i < n; i++)
					r[i * n + c] = i == (c + attempt - 1) % n;
			for (uint32_t p = 0; p < c; p++) {
				double dot = 0;
				for (uint32_t i = 0; i < n; i++)
					dot += r[i * n + c] * r[i * n + p];
				for (uint32_t i = 0; i < n; i++)
					r[i * n + c] -= dot * r[i * n + p];
			}
			nrm = 0;
			for (uint32_t i = 0; i < n; i++)
				nrm += r[i * n + c] * r[i * n + c];
			nrm = sqrt(nrm);
		}
		for (uint32_t i = 0; i < n; i++)
			r[i * n + c] /= nrm;
	}
}

int rv_itq_train(rv_quant *q, const float *v, size_t n)
{
	const uint32_t b = rv_itq_block(q), blocks = q->bits / b;
	float *rot = rv_malloc(rv_itq_floats(q) * sizeof *rot);
	double *vb = rv_malloc(n * b * sizeof *vb), *m = rv_malloc((size_t)b * b * sizeof *m);
	double *r = rv_malloc((size_t)b * b * sizeof *r), *work = rv_malloc(3 * (size_t)b * b * sizeof *work);
	double *u = rv_malloc(b * sizeof *u);
	if (!rot || !vb || !m || !r || !work || !u) {
		rv_free(rot), rv_free(vb), rv_free(m), rv_free(r), rv_free(work), rv_free(u);
		return RV_ENOMEM;
	}
	for (uint32_t blk = 0; blk < blocks; blk++) {
		/* this block's coordinates of every sample vector, scaled to unit
		 * mean square (the rotation does not depend on scale) */
		double ss = 0;
		for (size_t i = 0; i < n; i++)
			for (uint32_t j = 0; j < b; j++) {
				double t = v[i * q->bits + blk * b + j];
				vb[i * b + j] = t;
				ss += t * t;
			}
		ss = ss > 0 ? sqrt((double)n * b / ss) : 1;
		for (size_t i = 0; i < n * b; i++)
			vb[i] *= ss;
		for (uint32_t i = 0; i < b; i++)
			for (uint32_t j = 0; j < b; j++)
				r[i * b + j] = i == j;
		for (int it = 0; it < ITQ_ITERS; it++) {
			/* m = V^T sign(V R) */
			memset(m, 0, (size_t)b * b * sizeof *m);
			for (size_t i = 0; i < n; i++) {
				const double *row = vb + i * b;
				for (uint32_t j = 0; j < b; j++) {
					double t = 0;
					for (uint32_t k = 0; k < b; k++)
						t += row[k] * r[k * b + j];
					u[j] = t > 0 ? 1 : -1;
				}
				for (uint32_t k = 0; k < b; k++)
					for (uint32_t j = 0; j < b; j++)
						m[k * b + j] += row[k] * u[j];
			}
			polar(m, r, b, work);
		}
		for (size_t i = 0; i < (size_t)b * b; i++)
			rot[(size_t)blk * b * b + i] = (float)r[i];
	}
	rv_free(vb), rv_free(m), rv_free(r), rv_free(work), rv_free(u);
	rv_free(q->itq);
	q->itq = rot;
	return RV_OK;
}

void rv_itq_apply(const rv_quant *q, float *w)
{
	const uint32_t b = rv_itq_block(q), blocks = q->bits / b;
	float t[64];
	for (uint32_t blk = 0; blk < blocks; blk++) {
		const float *r = q->itq + (size_t)blk * b * b;
		float *x = w + (size_t)blk * b;
		for (uint32_t j = 0; j < b; j++)
			t[j] = 0;
		for (uint32_t k = 0; k < b; k++) {
			float xk = x[k];
			for (uint32_t j = 0; j < b; j++)
				t[j] += xk * r[k * b + j];
		}
		memcpy(x, t, b * sizeof *t);
	}
}
