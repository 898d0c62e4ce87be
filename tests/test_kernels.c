/*
 * test_kernels.c: every compiled distance kernel against the serial one
 * and against a double-precision reference, on every length 0..300, at
 * unaligned addresses, on zeros, NaN, infinities and huge values.
 */
#include "harness.h"

#include <float.h>

#include "../src/kernels/kernels.h"
#include "ruvector.h"

#define MAXLEN 300
#define PAD 8

typedef enum { K_L2SQ, K_DOT, K_COS, K_L1 } kind;
static const char *const kind_name[] = {"l2sq", "dot", "cosine", "l1"};

static rv_f32_dist_fn pick(const rv_kernels *k, kind w)
{
	switch (w) {
	case K_L2SQ: return k->l2sq;
	case K_DOT: return k->dot;
	case K_COS: return k->cosine;
	default: return k->l1;
	}
}

/* Double-precision value and the sum of |terms|, which bounds the float
 * rounding error of any summation order: |err| <= n * eps * sum|terms|. */
static double reference(kind w, const float *a, const float *b, size_t n, double *scale)
{
	double s = 0, abs_sum = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < n; i++) {
		double x = a[i], y = b[i];
		switch (w) {
		case K_L2SQ: s += (x - y) * (x - y); abs_sum += (x - y) * (x - y); break;
		case K_DOT: s += x * y; abs_sum += fabs(x * y); break;
		case K_COS: s += x * y; aa += x * x; bb += y * y; break;
		case K_L1: s += fabs(x - y); abs_sum += fabs(x - y); break;
		}
	}
	if (w == K_COS) {
		*scale = 4.0; /* the ratio's error is relative to 1 (Cauchy-Schwarz) */
		if (aa == 0 || bb == 0)
			return 1.0;
		return 1.0 - s / sqrt(aa * bb);
	}
	*scale = abs_sum;
	return s;
}

static int close_enough(double got, double want, double scale, size_t n)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	double tol = (double)(n + 4) * FLT_EPSILON * 2.0 * scale + 1e-30;
	return fabs(got - want) <= tol;
}

static void fill(test_rng *r, float *v, size_t n, float scale)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rng_float(r) * scale;
}

static void check_all_lengths(const rv_kernels *k, kind w, float scale, uint64_t seed)
{
	rv_f32_dist_fn f = pick(k, w), serial = pick(rv_kernels_for(RV_ISA_SERIAL), w);
	test_rng r = {seed};
	float abuf[MAXLEN + PAD], bbuf[MAXLEN + PAD];
	for (size_t n = 0; n <= MAXLEN; n++) {
		size_t off_a = n % 4, off_b = (n / 4) % 4; /* unaligned in every combination */
		float *a = abuf + off_a, *b = bbuf + off_b;
		fill(&r, a, n, scale);
		fill(&r, b, n, scale);
		double sc, want = reference(w, a, b, n, &sc);
		float got = f(a, b, n), ser = serial(a, b, n);
		CHECK_MSG(close_enough(got, want, sc, n), "%s %s n=%zu scale=%g: got %.9g want %.9g",
		          k->name, kind_name[w], n, scale, got, want);
		CHECK_MSG(close_enough(got, ser, sc, n), "%s %s n=%zu: got %.9g serial %.9g",
		          k->name, kind_name[w], n, got, ser);
	}
}

static void check_special(const rv_kernels *k, kind w)
{
	rv_f32_dist_fn f = pick(k, w), serial = pick(rv_kernels_for(RV_ISA_SERIAL), w);
	float a[MAXLEN + PAD], b[MAXLEN + PAD];
	test_rng r = {99};
	for (size_t n = 1; n <= MAXLEN; n += (n < 40 ? 1 : 13)) {
		/* zeros */
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		float z = f(a + 1, b + 3, n);
		CHECK_MSG(z == serial(a + 1, b + 3, n), "%s %s zeros n=%zu: %g", k->name, kind_name[w], n, z);
		CHECK_MSG(w == K_COS ? z == 1.0f : z == 0.0f, "%s %s zeros n=%zu: %g", k->name, kind_name[w], n, z);
		/* a NaN anywhere, including the tail, gives NaN */
		for (size_t pos = 0; pos < n; pos += (n > 20 ? n / 7 + 1 : 1)) {
			fill(&r, a, n + 4, 1.0f);
			fill(&r, b, n + 4, 1.0f);
			a[1 + pos] = NAN;
			float v = f(a + 1, b, n);
			CHECK_MSG(isnan(v), "%s %s NaN at %zu of %zu gave %g", k->name, kind_name[w], pos, n, v);
		}
		/* +inf in one vector: l2sq and l1 are +inf */
		if (w == K_L2SQ || w == K_L1) {
			fill(&r, a, n, 1.0f);
			fill(&r, b, n, 1.0f);
			a[n - 1] = INFINITY;
			CHECK_MSG(isinf(f(a, b, n)), "%s %s inf n=%zu", k->name, kind_name[w], n);
		}
		/* huge finite values that overflow to the same +inf in any order */
		for (size_t i = 0; i < n; i++) {
			a[i] = 3e38f;
			b[i] = -3e38f;
		}
		if (w == K_L2SQ || w == K_L1) {
			float hv = f(a, b, n), hs = serial(a, b, n);
			CHECK_MSG(hv == hs && isinf(hv), "%s %s overflow n=%zu: %g vs %g", k->name, kind_name[w], n, hv, hs);
		}
	}
	/* large but finite magnitudes keep relative accuracy */
	check_all_lengths(k, w, 1e15f, 7);
	check_all_lengths(k, w, 1e-15f, 8);
}

static void check_x4(const rv_kernels *k)
{
	test_rng r = {5};
	float q[MAXLEN + PAD], v[4][MAXLEN + PAD];
	for (size_t n = 0; n <= MAXLEN; n++) {
		fill(&r, q, n + 3, 1.0f);
		for (int j = 0; j < 4; j++)
			fill(&r, v[j], n + 3, 1.0f);
		const float *ptrs[4] = {v[0] + 1, v[1] + 2, v[2] + 3, v[3]};
		float out[4];
		struct {
			rv_f32_dist4_fn x4;
			kind w;
		} pairs[] = {{k->l2sq_x4, K_L2SQ}, {k->dot_x4, K_DOT}, {k->l1_x4, K_L1}};
		for (size_t p = 0; p < 3; p++) {
			pairs[p].x4(q + 1, ptrs, n, out);
			for (int j = 0; j < 4; j++) {
				double sc, want = reference(pairs[p].w, q + 1, ptrs[j], n, &sc);
				CHECK_MSG(close_enough(out[j], want, sc, n), "%s %s_x4 n=%zu lane %d: %g vs %g",
				          k->name, kind_name[pairs[p].w], n, j, out[j], want);
			}
		}
	}
}

TEST(every_compiled_kernel)
{
	int tested = 0;
	for (int isa = 0; isa < RV_ISA_COUNT; isa++) {
		const rv_kernels *k = rv_kernels_for((rv_isa_id)isa);
		if (!k)
			continue;
		tested++;
		printf("  testing %s kernels\n", k->name);
		for (int w = 0; w < 4; w++) {
			check_all_lengths(k, (kind)w, 1.0f, 1000 + (uint64_t)w);
			check_all_lengths(k, (kind)w, 255.0f, 2000 + (uint64_t)w);
			check_special(k, (kind)w);
		}
		check_x4(k);
	}
	CHECK(tested >= 1);
}

TEST(dispatch_picks_best_and_can_be_limited)
{
	const char *isa = rv_isa();
	CHECK(isa && *isa);
	CHECK_RC(rv_set_isa("no-such-isa"), RV_EINVAL);
	CHECK_RC(rv_set_isa(NULL), RV_EINVAL);
	CHECK_OK(rv_set_isa("serial"));
	CHECK(strcmp(rv_isa(), "serial") == 0);
#if defined(__x86_64__)
	CHECK_RC(rv_set_isa("neon"), RV_EUNSUPPORTED);
	if (rv_kernels_for(RV_ISA_AVX2)) {
		CHECK_OK(rv_set_isa("avx2"));
		CHECK(strcmp(rv_isa(), "avx2") == 0);
	}
#endif
	CHECK_OK(rv_set_isa(isa));
	CHECK(strcmp(rv_isa(), isa) == 0);
}

/* Integer kernels must equal the serial ones exactly: every length, every
 * alignment, and the extreme values (255 * -128 at every position). */
TEST(int8_binary_and_pq_kernels)
{
	int tested = 0;
	test_rng r = {31};
	static uint8_t a[MAXLEN + 64], vb[4][MAXLEN + 64];
	static int8_t b[MAXLEN + 64];
	static uint64_t wv[4][72], planes[4 * 72];
	static float lut[96 * 256];
	static uint8_t code[4][100];
	for (int isa = 0; isa < RV_ISA_COUNT; isa++) {
		const rv_kernels *k = rv_kernels_for((rv_isa_id)isa);
		if (!k)
			continue;
		tested++;
		for (size_t n = 0; n <= MAXLEN; n++) {
			size_t oa = n % 7, ob = (n / 7) % 5;
			for (int extreme = 0; extreme < 2; extreme++) {
				for (size_t i = 0; i < n; i++) {
					a[oa + i] = extreme ? 255 : (uint8_t)rng_next(&r);
					b[ob + i] = extreme ? -128 : (int8_t)rng_next(&r);
				}
				int32_t want = rv_dot_u8s8_serial(a + oa, b + ob, n), got = k->dot_u8s8(a + oa, b + ob, n);
				CHECK_MSG(got == want, "%s dot_u8s8 n=%zu: %d vs %d", k->name, n, got, want);
			}
			const uint8_t *vp[4];
			for (int j = 0; j < 4; j++) {
				for (size_t i = 0; i < n; i++)
					vb[j][j + i] = (uint8_t)rng_next(&r);
				vp[j] = vb[j] + j;
			}
			int32_t out[4];
			k->dot_u8s8_x4(b + ob, vp, n, out);
			for (int j = 0; j < 4; j++)
				CHECK_MSG(out[j] == rv_dot_u8s8_serial(vp[j], b + ob, n), "%s dot_u8s8_x4 n=%zu lane %d", k->name, n,
				          j);
		}
		for (size_t w = 0; w <= 70; w++) {
			for (size_t i = 0; i < w + 1; i++)
				for (int j = 0; j < 4; j++)
					wv[j][i] = rng_next(&r);
			const uint64_t *vp[4] = {wv[0], wv[1], wv[2], wv[3]};
			uint32_t dot[4], ones[4], want_dot, want_ones;
			for (size_t i = 0; i < 4 * w; i++)
				planes[i] = rng_next(&r);
			k->bitdot_x4(planes, vp, w, dot, ones);
			for (int j = 0; j < 4; j++) {
				rv_bitdot_serial(planes, wv[j], w, &want_dot, &want_ones);
				CHECK_MSG(dot[j] == want_dot && ones[j] == want_ones, "%s bitdot_x4 w=%zu lane %d", k->name, w, j);
			}
			/* all-ones planes and codes: every bit counts 1+2+4+8 */
			uint64_t all[4 * 72];
			memset(all, 0xff, sizeof all);
			const uint64_t *ap[4] = {all, all, all, all};
			k->bitdot_x4(all, ap, w, dot, ones);
			CHECK(dot[0] == 15 * 64 * w && ones[3] == 64 * w);
		}
		for (size_t i = 0; i < sizeof lut / sizeof lut[0]; i++)
			lut[i] = rng_float(&r) * 100.0f;
		for (size_t m = 0; m <= 96; m++) {
			for (int j = 0; j < 4; j++)
				for (size_t i = 0; i < m; i++)
					code[j][i] = (uint8_t)rng_next(&r);
			const uint8_t *cp[4] = {code[0], code[1], code[2], code[3]};
			float out[4], want = rv_pq_adc_serial(lut, code[0], m);
			CHECK_MSG(fabsf(k->pq_adc(lut, code[0], m) - want) <= 1e-4f * (1 + fabsf(want)) + 1e-3f, "%s pq_adc m=%zu",
			          k->name, m);
			k->pq_adc_x4(lut, cp, m, out);
			for (int j = 0; j < 4; j++) {
				float wj = rv_pq_adc_serial(lut, code[j], m);
				CHECK_MSG(fabsf(out[j] - wj) <= 1e-4f * (1 + fabsf(wj)) + 1e-3f, "%s pq_adc_x4 m=%zu", k->name, m);
			}
		}
		/* the table rows, against the serial ones, both metrics, d 1..40 */
		static float ct[40 * 256], row[256], want_row[256], qsub[40];
		for (size_t i = 0; i < 40 * 256; i++)
			ct[i] = rng_float(&r) * 3.0f;
		for (size_t d = 1; d <= 40; d++) {
			for (size_t t = 0; t < d; t++)
				qsub[t] = rng_float(&r) * 3.0f;
			for (int ip = 0; ip < 2; ip++) {
				k->pq_lut(qsub, ct, d, ip, row);
				rv_pq_lut_serial(qsub, ct, d, ip, want_row);
				size_t bad = 0;
				for (int c = 0; c < 256; c++)
					bad += !(fabsf(row[c] - want_row[c]) <= 1e-4f * (1 + fabsf(want_row[c])) * (float)d);
				CHECK_MSG(bad == 0, "%s pq_lut d=%zu ip=%d: %zu of 256 differ", k->name, d, ip, bad);
			}
		}
		if (k->extras[0])
			printf("  %s integer kernels use: %s\n", k->name, k->extras);
	}
	CHECK(tested >= 1);
}

TEST(crc32c_matches_the_standard_and_the_tables)
{
	CHECK(rv_crc32c(0, "123456789", 9) == 0xe3069283u);
	CHECK(rv_crc32c_serial(0, "123456789", 9) == 0xe3069283u);
	CHECK(rv_crc32c(0, "", 0) == 0);
	unsigned char buf[1100];
	test_rng r = {4};
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)rng_next(&r);
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off <= sizeof buf; n += (n < 64 ? 1 : 37)) {
			uint32_t hw = rv_crc32c(0, buf + off, n), sw = rv_crc32c_serial(0, buf + off, n);
			CHECK_MSG(hw == sw, "off %zu n %zu: %08x vs %08x", off, n, hw, sw);
			/* continuing over two pieces equals one pass */
			CHECK(rv_crc32c(rv_crc32c(0, buf + off, n / 2), buf + off + n / 2, n - n / 2) == hw);
		}
}

int main(void)
{
	RUN(every_compiled_kernel);
	RUN(dispatch_picks_best_and_can_be_limited);
	RUN(crc32c_matches_the_standard_and_the_tables);
	RUN(int8_binary_and_pq_kernels);
	return harness_exit();
}
