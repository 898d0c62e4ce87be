/*
 * kernels.h: distance kernels and the one dispatch table that selects them.
 *
 * Layout. One source file per instruction set per kernel family
 * (f32_serial.c, f32_avx2.c, f32_avx512.c, f32_neon.c, f32_wasm.c), each
 * compiled with function-level target attributes, never -march=native, so a
 * binary built anywhere runs on any x86-64 and still uses AVX-512 where the
 * CPU has it. Every kernel has a portable _serial twin that is both the
 * fallback and the test oracle.
 *
 * Selection. At first use, dispatch.c asks the CPU (CPUID and XGETBV on x86:
 * the OS must have enabled the register state, not just the CPU support it)
 * and builds one constant table per instruction set: start from the serial
 * table, then let each family overwrite the entries it has for that ISA.
 * The active table is the best one allowed by the RUVECTOR_ISA environment
 * variable or rv_set_isa(). Indexes copy the pointers they need when they
 * are created, so the hot path is one indirect call and no branch.
 *
 * Conventions. Lengths are in elements; pointers need no alignment. "l2sq"
 * is the squared distance and returns it squared. "cosine" returns the
 * distance 1 - cos, and 1 when either vector is all zeros. NaN inputs give
 * NaN outputs. The _x4 kernels compute one query against four vectors at
 * once, to keep the query in registers and overlap four dependency chains.
 */
#ifndef RV_KERNELS_H
#define RV_KERNELS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruvector.h"

typedef enum rv_isa_id {
	RV_ISA_SERIAL = 0,
	RV_ISA_AVX2 = 1,
	RV_ISA_AVX512 = 2,
	RV_ISA_NEON = 3,
	RV_ISA_WASM = 4,
	RV_ISA_COUNT
} rv_isa_id;

typedef float (*rv_f32_dist_fn)(const float *a, const float *b, size_t n);
typedef void (*rv_f32_dist4_fn)(const float *q, const float *const v[4], size_t n, float out[4]);
/* int8 codes (quant/int8.c): sum of a[i] * b[i], a unsigned, b signed. */
typedef int32_t (*rv_u8s8_dot_fn)(const uint8_t *a, const int8_t *b, size_t n);
typedef void (*rv_u8s8_dot4_fn)(const int8_t *q, const uint8_t *const v[4], size_t n, int32_t out[4]);
/* binary codes (quant/binary.c), over `words` 64-bit words: for each of
 * four codes v, dot = sum over p < 4 of 2^p popcount(v & plane p) (planes
 * holds 4 x words: the query at four bits a coordinate) and ones =
 * popcount(v). */
typedef void (*rv_bitdot4_fn)(const uint64_t *planes, const uint64_t *const v[4], size_t words, uint32_t dot[4],
                              uint32_t ones[4]);
/* product-quantization codes (quant/pq.c): sum of lut[j * 256 + code[j]]
 * over the m subspaces (asymmetric distance computation). */
typedef float (*rv_pq_adc_fn)(const float *lut, const uint8_t *code, size_t m);
/* One subspace's row of that table: the distance from a d-float query
 * sub-vector q to each of 256 centroids stored transposed (ct: d rows of
 * 256), sum (q_t - c_t)^2, or with ip set -sum q_t c_t. */
typedef void (*rv_pq_lut_fn)(const float *q, const float *ct, size_t d, int ip, float out[256]);
typedef void (*rv_pq_adc4_fn)(const float *lut, const uint8_t *const c[4], size_t m, float out[4]);

typedef struct rv_kernels {
	rv_isa_id isa;
	const char *name;
	rv_f32_dist_fn l2sq;   /* sum (a-b)^2 */
	rv_f32_dist_fn dot;    /* sum a*b */
	rv_f32_dist_fn cosine; /* 1 - dot/sqrt(|a|^2 |b|^2) */
	rv_f32_dist_fn l1;     /* sum |a-b| */
	rv_f32_dist4_fn l2sq_x4;
	rv_f32_dist4_fn dot_x4;
	rv_f32_dist4_fn l1_x4;
	rv_u8s8_dot_fn dot_u8s8;
	rv_u8s8_dot4_fn dot_u8s8_x4;
	rv_bitdot4_fn bitdot_x4;
	rv_pq_adc_fn pq_adc;
	rv_pq_adc4_fn pq_adc_x4;
	rv_pq_lut_fn pq_lut;
	char extras[48];     /* sub-features in use, e.g. "vnni vpopcntdq" */
} rv_kernels;

/* ---- metric.c: the one map from a metric to its distances ---- */
/* distance(a, b) = sign * raw(a, b, n) + off. */
typedef struct rv_metric_kernel {
	rv_f32_dist_fn raw;
	rv_f32_dist4_fn raw4;
	float sign, off;
} rv_metric_kernel;
void rv_metric_walk(const rv_kernels *k, rv_metric m, rv_metric_kernel *out);
/* The distance from q (|q| = qnorm, used by cosine) to v, in double. */
double rv_metric_exact(rv_metric m, const float *q, double qnorm, const float *v, size_t dim);
/* The distance between two stored vectors (cosine: both normalized). */
rv_f32_dist_fn rv_metric_pair(rv_metric m);

/* x86 sub-features beyond the base of each table (cpu.c). */
#define RV_CPU_AVX512BW 0x1u  /* and AVX512VL */
#define RV_CPU_VNNI 0x2u       /* AVX512_VNNI: vpdpbusd */
#define RV_CPU_VPOPCNTDQ 0x4u  /* AVX512_VPOPCNTDQ */
#define RV_CPU_POPCNT 0x8u
unsigned rv_cpu_features(void);

/* The table in use (never NULL). */
const rv_kernels *rv_kernels_active(void);
/* The table of one ISA, or NULL when it is not compiled in or this CPU lacks
 * it. Tests walk every ISA with this. */
const rv_kernels *rv_kernels_for(rv_isa_id isa);
const char *rv_isa_label(rv_isa_id isa);

/* CPU feature probe (cpu_x86.c / per-target): is this ISA usable here? */
bool rv_cpu_supports(rv_isa_id isa);

/* Per-family fillers: each sets the entries it implements for its ISA. The
 * integer families take the sub-features they may use. */
void rv_i8_serial_fill(rv_kernels *k);
void rv_i8_avx2_fill(rv_kernels *k, unsigned feats);
void rv_i8_avx512_fill(rv_kernels *k, unsigned feats);
void rv_bin_serial_fill(rv_kernels *k);
void rv_bin_avx2_fill(rv_kernels *k, unsigned feats);
void rv_bin_avx512_fill(rv_kernels *k, unsigned feats);
void rv_pq_serial_fill(rv_kernels *k);
void rv_pq_avx2_fill(rv_kernels *k, unsigned feats);
void rv_pq_avx512_fill(rv_kernels *k, unsigned feats);
/* Serial integer kernels, the oracles of their tests. */
int32_t rv_dot_u8s8_serial(const uint8_t *a, const int8_t *b, size_t n);
void rv_bitdot_serial(const uint64_t *planes, const uint64_t *v, size_t words, uint32_t *dot, uint32_t *ones);
float rv_pq_adc_serial(const float *lut, const uint8_t *code, size_t m);
void rv_pq_lut_serial(const float *q, const float *ct, size_t d, int ip, float out[256]);
void rv_f32_serial_fill(rv_kernels *k);
void rv_f32_avx2_fill(rv_kernels *k);
void rv_f32_avx512_fill(rv_kernels *k);
void rv_f32_neon_fill(rv_kernels *k);
void rv_f32_wasm_fill(rv_kernels *k);
/* Whether the filler above is compiled in for this target. */
bool rv_f32_avx2_compiled(void);
bool rv_f32_avx512_compiled(void);
bool rv_f32_neon_compiled(void);
bool rv_f32_wasm_compiled(void);

/* Serial kernels, exported as the oracle for tests. */
float rv_l2sq_f32_serial(const float *a, const float *b, size_t n);
float rv_dot_f32_serial(const float *a, const float *b, size_t n);
float rv_cosine_f32_serial(const float *a, const float *b, size_t n);
float rv_l1_f32_serial(const float *a, const float *b, size_t n);

/* CRC-32C (crc32c.c): continue `crc` (0 to start) over buf[0..len). The
 * hardware version where the CPU has one; _serial is the table version,
 * kept for tests. */
uint32_t rv_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t rv_crc32c_serial(uint32_t crc, const void *buf, size_t len);

/* Shared by every ISA so that all of them agree on the edge cases:
 * a zero vector is at distance 1 from everything. Computed in double so
 * that |a|^2*|b|^2 cannot overflow. */
static inline float rv_cosine_finish(float dot, float aa, float bb)
{
	if (aa == 0.0f || bb == 0.0f)
		return 1.0f;
	return (float)(1.0 - (double)dot / sqrt((double)aa * (double)bb));
}

#endif
