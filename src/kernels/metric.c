/*
 * metric.c: the one place that maps a metric (ruvector.h, rv_metric) to its
 * distances. Everything else asks here:
 *
 *   rv_metric_walk()   the float kernels a graph walk and the exact scan
 *                      use, as distance = sign * raw(a, b) + offset, so the
 *                      hot loops call one kernel pointer with no switch;
 *   rv_metric_exact()  the same distance in double precision (the exact
 *                      scan re-ranks with it, so ties and rounding do not
 *                      decide an order);
 *   rv_metric_pair()   a distance between two stored vectors (MMR), where
 *                      cosine vectors are already normalized.
 *
 * Distances: L2 squared, negative inner product, 1 - cosine, L1; smaller is
 * closer.
 */
#include <math.h>

#include "kernels.h"

void rv_metric_walk(const rv_kernels *k, rv_metric m, rv_metric_kernel *out)
{
	switch (m) {
	case RV_METRIC_IP: *out = (rv_metric_kernel){k->dot, k->dot_x4, -1.0f, 0.0f}; return;
	case RV_METRIC_COSINE: *out = (rv_metric_kernel){k->dot, k->dot_x4, -1.0f, 1.0f}; return;
	case RV_METRIC_L1: *out = (rv_metric_kernel){k->l1, k->l1_x4, 1.0f, 0.0f}; return;
	case RV_METRIC_L2:
	default: *out = (rv_metric_kernel){k->l2sq, k->l2sq_x4, 1.0f, 0.0f}; return;
	}
}

double rv_metric_exact(rv_metric m, const float *q, double qnorm, const float *v, size_t dim)
{
	double s = 0, vv = 0;
	switch (m) {
	case RV_METRIC_IP:
		for (size_t i = 0; i < dim; i++)
			s += (double)q[i] * v[i];
		return -s;
	case RV_METRIC_COSINE:
		for (size_t i = 0; i < dim; i++) {
			s += (double)q[i] * v[i];
			vv += (double)v[i] * v[i];
		}
		return vv == 0 || qnorm == 0 ? 1.0 : 1.0 - s / (qnorm * sqrt(vv));
	case RV_METRIC_L1:
		for (size_t i = 0; i < dim; i++)
			s += fabs((double)q[i] - v[i]);
		return s;
	case RV_METRIC_L2:
	default:
		for (size_t i = 0; i < dim; i++) {
			double d = (double)q[i] - v[i];
			s += d * d;
		}
		return s;
	}
}

static float pair_l2(const float *a, const float *b, size_t n) { return rv_kernels_active()->l2sq(a, b, n); }
static float pair_ip(const float *a, const float *b, size_t n) { return -rv_kernels_active()->dot(a, b, n); }
static float pair_cos(const float *a, const float *b, size_t n) { return 1.0f - rv_kernels_active()->dot(a, b, n); }
static float pair_l1(const float *a, const float *b, size_t n) { return rv_kernels_active()->l1(a, b, n); }

rv_f32_dist_fn rv_metric_pair(rv_metric m)
{
	switch (m) {
	case RV_METRIC_IP: return pair_ip;
	case RV_METRIC_COSINE: return pair_cos;
	case RV_METRIC_L1: return pair_l1;
	case RV_METRIC_L2:
	default: return pair_l2;
	}
}
