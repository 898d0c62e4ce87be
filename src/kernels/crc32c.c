/*
 * crc32c.c: CRC-32C (Castagnoli), the checksum of every file header, WAL
 * frame and segment block.
 *
 * Castagnoli rather than the zlib polynomial because x86 (SSE4.2) and ARMv8
 * compute it in hardware, at several bytes per cycle, so checksumming a
 * segment costs far less than reading it. Three versions, chosen once:
 *   - x86 SSE4.2 crc32 instruction (function-level target attribute, and a
 *     CPUID check at run time: never assumed from the build machine);
 *   - ARMv8 crc32c instructions, when the compiler targets them;
 *   - slice-by-8 tables otherwise (WebAssembly, old CPUs), and as the
 *     oracle in tests.
 * The value is the standard one: rv_crc32c(0, "123456789", 9) = 0xe3069283.
 */
#include <string.h>

#include "../platform/platform.h"
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#endif

#define POLY 0x82f63b78u /* reversed Castagnoli polynomial */

static uint32_t table[8][256];
static uint32_t (*impl)(uint32_t, const unsigned char *, size_t);
static rv_once crc_once = RV_ONCE_INIT;

uint32_t rv_crc32c_serial(uint32_t crc, const void *buf, size_t len);

static uint32_t serial(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		/* the tables assume little-endian words; fix the order on others */
		const uint32_t one = 1;
		if (*(const unsigned char *)&one != 1)
			w = __builtin_bswap64(w);
		w ^= crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
		      table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		      table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t hw_x86(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t c = crc;
	while (n && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		n--;
	}
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		n -= 8;
	}
	while (n--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}

static int have_sse42(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 20));
}
#endif

#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
static uint32_t hw_arm(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = __crc32cb(crc, *p++);
		n--;
	}
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		crc = __crc32cd(crc, w);
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = __crc32cb(crc, *p++);
	return crc;
}
#endif

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	impl = serial;
#if defined(__x86_64__)
	if (have_sse42())
		impl = hw_x86;
#endif
#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
	impl = hw_arm;
#endif
}

uint32_t rv_crc32c(uint32_t crc, const void *buf, size_t len)
{
	rv_once_run(&crc_once, crc_init);
	return ~impl(~crc, buf, len);
}

uint32_t rv_crc32c_serial(uint32_t crc, const void *buf, size_t len)
{
	rv_once_run(&crc_once, crc_init);
	return ~serial(~crc, buf, len);
}
