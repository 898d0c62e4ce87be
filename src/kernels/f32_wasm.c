/*
 * f32_wasm.c: float32 distance kernels for WebAssembly SIMD128.
 *
 * Compiled in when the target has simd128 (emcc -msimd128). WebAssembly has
 * no runtime feature probe: a module either validates with SIMD or not, so
 * the SIMD and non-SIMD browser builds are two separate .wasm files and
 * this file is simply absent from the second. simd128 has no fused
 * multiply-add, hence mul then add.
 */
#include "kernels.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

static inline float hsum(v128_t v)
{
	return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
	       wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

static float l2sq_wasm(const float *a, const float *b, size_t n)
{
	v128_t s0 = wasm_f32x4_splat(0), s1 = wasm_f32x4_splat(0);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		v128_t d0 = wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i));
		v128_t d1 = wasm_f32x4_sub(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4));
		s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d0, d0));
		s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(d1, d1));
	}
	for (; i + 4 <= n; i += 4) {
		v128_t d = wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i));
		s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d, d));
	}
	float s = hsum(wasm_f32x4_add(s0, s1));
	for (; i < n; i++) {
		float d = a[i] - b[i];
		s += d * d;
	}
	return s;
}

static float dot_wasm(const float *a, const float *b, size_t n)
{
	v128_t s0 = wasm_f32x4_splat(0), s1 = wasm_f32x4_splat(0);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
		s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
	}
	for (; i + 4 <= n; i += 4)
		s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
	float s = hsum(wasm_f32x4_add(s0, s1));
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static float cosine_wasm(const float *a, const float *b, size_t n)
{
	v128_t ab = wasm_f32x4_splat(0), aa = wasm_f32x4_splat(0), bb = wasm_f32x4_splat(0);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		v128_t x = wasm_v128_load(a + i), y = wasm_v128_load(b + i);
		ab = wasm_f32x4_add(ab, wasm_f32x4_mul(x, y));
		aa = wasm_f32x4_add(aa, wasm_f32x4_mul(x, x));
		bb = wasm_f32x4_add(bb, wasm_f32x4_mul(y, y));
	}
	float sab = hsum(ab), saa = hsum(aa), sbb = hsum(bb);
	for (; i < n; i++) {
		sab += a[i] * b[i];
		saa += a[i] * a[i];
		sbb += b[i] * b[i];
	}
	return rv_cosine_finish(sab, saa, sbb);
}

static float l1_wasm(const float *a, const float *b, size_t n)
{
	v128_t s0 = wasm_f32x4_splat(0);
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		s0 = wasm_f32x4_add(s0, wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i))));
	float s = hsum(s0);
	for (; i < n; i++)
		s += fabsf(a[i] - b[i]);
	return s;
}

static void l2sq_x4_wasm(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = l2sq_wasm(q, v[j], n);
}

static void dot_x4_wasm(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = dot_wasm(q, v[j], n);
}

static void l1_x4_wasm(const float *q, const float *const v[4], size_t n, float out[4])
{
	for (int j = 0; j < 4; j++)
		out[j] = l1_wasm(q, v[j], n);
}

bool rv_f32_wasm_compiled(void) { return true; }

void rv_f32_wasm_fill(rv_kernels *k)
{
	k->l2sq = l2sq_wasm;
	k->dot = dot_wasm;
	k->cosine = cosine_wasm;
	k->l1 = l1_wasm;
	k->l2sq_x4 = l2sq_x4_wasm;
	k->dot_x4 = dot_x4_wasm;
	k->l1_x4 = l1_x4_wasm;
}

#else
bool rv_f32_wasm_compiled(void) { return false; }
void rv_f32_wasm_fill(rv_kernels *k) { (void)k; }
#endif
