/*
 * dispatch.c: builds one kernel table per instruction set, once, and picks
 * the active one.
 *
 * The tables are filled under pthread_once (rv_once_run), never lazily in a
 * racy way; after that they are read-only. The active pointer is atomic
 * because rv_set_isa() may change it while other threads create collections.
 */
#include "kernels.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../platform/platform.h"
#include "ruvector.h"

static rv_kernels tables[RV_ISA_COUNT];
static bool usable[RV_ISA_COUNT];
static _Atomic(const rv_kernels *) active;
static rv_once init_once = RV_ONCE_INIT;

static const char *const labels[RV_ISA_COUNT] = {"serial", "avx2", "avx512", "neon", "wasm-simd128"};

const char *rv_isa_label(rv_isa_id isa)
{
	return (unsigned)isa < RV_ISA_COUNT ? labels[isa] : "?";
}

static int parse_isa(const char *name, rv_isa_id *out)
{
	for (int i = 0; i < RV_ISA_COUNT; i++) {
		if (strcmp(name, labels[i]) == 0) {
			*out = (rv_isa_id)i;
			return 0;
		}
	}
	if (strcmp(name, "wasm") == 0) {
		*out = RV_ISA_WASM;
		return 0;
	}
	return -1;
}

/* Preference order when several are usable. */
static const rv_isa_id preference[] = {RV_ISA_AVX512, RV_ISA_AVX2, RV_ISA_NEON, RV_ISA_WASM, RV_ISA_SERIAL};

/* The best usable table that does not exceed `limit` in this order:
 * serial < avx2 < avx512 on x86; serial < neon; serial < wasm. */
static const rv_kernels *best_up_to(rv_isa_id limit)
{
	for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
		rv_isa_id isa = preference[i];
		if (!usable[isa])
			continue;
		bool allowed = isa == RV_ISA_SERIAL || isa == limit ||
		               (limit == RV_ISA_AVX512 && isa == RV_ISA_AVX2);
		if (allowed)
			return &tables[isa];
	}
	return &tables[RV_ISA_SERIAL];
}

static void build_tables(void)
{
	static const struct {
		rv_isa_id isa;
		bool (*compiled)(void);
		void (*fill)(rv_kernels *);
	} families[] = {
		{RV_ISA_AVX2, rv_f32_avx2_compiled, rv_f32_avx2_fill},
		{RV_ISA_AVX512, rv_f32_avx512_compiled, rv_f32_avx512_fill},
		{RV_ISA_NEON, rv_f32_neon_compiled, rv_f32_neon_fill},
		{RV_ISA_WASM, rv_f32_wasm_compiled, rv_f32_wasm_fill},
	};
	for (int i = 0; i < RV_ISA_COUNT; i++) {
		tables[i].isa = (rv_isa_id)i;
		tables[i].name = labels[i];
		rv_f32_serial_fill(&tables[i]);
		rv_i8_serial_fill(&tables[i]);
		rv_bin_serial_fill(&tables[i]);
		rv_pq_serial_fill(&tables[i]);
	}
	usable[RV_ISA_SERIAL] = true;
	const unsigned feats = rv_cpu_features();
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
		rv_isa_id isa = families[f].isa;
		if (!families[f].compiled() || !rv_cpu_supports(isa))
			continue;
		/* AVX-512 tables start from AVX2 so a family without an AVX-512
		 * version still gets the better of the two. */
		if (isa == RV_ISA_AVX512 && usable[RV_ISA_AVX2])
			tables[isa] = tables[RV_ISA_AVX2], tables[isa].isa = isa, tables[isa].name = labels[isa];
		families[f].fill(&tables[isa]);
		/* the integer families (quantized codes) have x86 versions only;
		 * elsewhere the serial ones stay */
		if (isa == RV_ISA_AVX2) {
			rv_i8_avx2_fill(&tables[isa], feats);
			rv_bin_avx2_fill(&tables[isa], feats);
			rv_pq_avx2_fill(&tables[isa], feats);
		} else if (isa == RV_ISA_AVX512) {
			rv_i8_avx512_fill(&tables[isa], feats);
			rv_bin_avx512_fill(&tables[isa], feats);
			rv_pq_avx512_fill(&tables[isa], feats);
			snprintf(tables[isa].extras, sizeof tables[isa].extras, "%s%s%s",
			         (feats & RV_CPU_VNNI) ? "vnni" : "",
			         (feats & RV_CPU_VNNI) && (feats & RV_CPU_VPOPCNTDQ) ? " " : "",
			         (feats & RV_CPU_VPOPCNTDQ) ? "vpopcntdq" : "");
		}
		usable[isa] = true;
	}
	/* RUVECTOR_ISA caps the choice; an unknown value is ignored (the CLI's
	 * "version" command shows what was chosen). */
	const char *env = getenv("RUVECTOR_ISA");
	rv_isa_id cap;
	const rv_kernels *best = NULL;
	if (env && *env && parse_isa(env, &cap) == 0)
		best = best_up_to(cap);
	for (size_t i = 0; !best && i < sizeof preference / sizeof preference[0]; i++)
		if (usable[preference[i]])
			best = &tables[preference[i]];
	atomic_store_explicit(&active, best, memory_order_release);
}

static void ensure_init(void) { rv_once_run(&init_once, build_tables); }

const rv_kernels *rv_kernels_active(void)
{
	ensure_init();
	return atomic_load_explicit(&active, memory_order_acquire);
}

const rv_kernels *rv_kernels_for(rv_isa_id isa)
{
	ensure_init();
	if ((unsigned)isa >= RV_ISA_COUNT || !usable[isa])
		return NULL;
	return &tables[isa];
}

const char *rv_isa(void) { return rv_kernels_active()->name; }
const char *rv_isa_features(void) { return rv_kernels_active()->extras; }

int rv_set_isa(const char *name)
{
	ensure_init();
	rv_isa_id isa;
	if (!name || parse_isa(name, &isa) != 0)
		return RV_EINVAL;
	if (!usable[isa])
		return RV_EUNSUPPORTED;
	atomic_store_explicit(&active, &tables[isa], memory_order_release);
	return RV_OK;
}
