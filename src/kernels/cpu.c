/*
 * cpu.c: which instruction sets this CPU and OS can run.
 *
 * On x86 a feature is usable only when the CPU reports it (CPUID) and the OS
 * saves its registers on context switch (XCR0, read with XGETBV). Checking
 * CPUID alone crashes on kernels or hypervisors that leave AVX-512 state
 * disabled. AArch64 always has NEON; WebAssembly SIMD is a compile-time
 * property of the module.
 */
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
	uint32_t eax, edx;
	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t)edx << 32) | eax;
}

typedef struct x86_features {
	bool avx2_fma;
	bool avx512f;
} x86_features;

static x86_features probe(void)
{
	x86_features f = {false, false};
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return f;
	bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
	if (!osxsave || !avx)
		return f;
	uint64_t xcr0 = xgetbv0();
	bool ymm_state = (xcr0 & 0x6) == 0x6;          /* SSE and AVX state */
	bool zmm_state = (xcr0 & 0xe6) == 0xe6;        /* + opmask, ZMM_Hi256, Hi16_ZMM */
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return f;
	bool avx2 = b & (1u << 5), avx512f = b & (1u << 16);
	f.avx2_fma = ymm_state && avx2 && fma;
	f.avx512f = zmm_state && avx512f && f.avx2_fma;
	return f;
}

unsigned rv_cpu_features(void)
{
	unsigned a, b, c, d, feats = 0;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 23)))
		feats |= RV_CPU_POPCNT;
	if (!probe().avx512f || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return feats;
	if ((b & (1u << 30)) && (b & (1u << 31))) /* BW and VL: every BW CPU has both */
		feats |= RV_CPU_AVX512BW;
	if ((c & (1u << 11)) && (b & (1u << 30)))
		feats |= RV_CPU_VNNI;
	if (c & (1u << 14))
		feats |= RV_CPU_VPOPCNTDQ;
	return feats;
}

bool rv_cpu_supports(rv_isa_id isa)
{
	x86_features f = probe();
	switch (isa) {
	case RV_ISA_SERIAL: return true;
	case RV_ISA_AVX2: return f.avx2_fma;
	case RV_ISA_AVX512: return f.avx512f;
	default: return false;
	}
}

#else

unsigned rv_cpu_features(void) { return 0; }

bool rv_cpu_supports(rv_isa_id isa)
{
	switch (isa) {
	case RV_ISA_SERIAL: return true;
#if defined(__aarch64__)
	case RV_ISA_NEON: return true;
#endif
#if defined(__wasm_simd128__)
	case RV_ISA_WASM: return true;
#endif
	default: return false;
	}
}

#endif
