/*
 * fuzz_filter.c: libFuzzer target for the JSON filter parser and the
 * payload parser (issue #5).
 *
 * Each input is parsed as a filter (rv_filter_parse); a filter that parses
 * is counted and searched with over a small in-memory collection whose
 * records carry payloads of every type, with and without payload indexes,
 * so evaluation and the planner's index paths run on whatever tree the
 * parser built. The same input is then offered as a payload
 * (rv_insert_payload); one that is accepted must come back through
 * rv_get_payload as JSON that is accepted again, unchanged.
 * Oracles beyond the sanitizers: a refused filter has a message starting
 * "filter"; a search never returns more than the count of matches.
 * Seeds: corpus/filter/.
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruvector.h"

static rv_collection *plain, *indexed;

static const char *const payloads[] = {
	"{\"a\":1,\"b\":\"x\",\"c\":true,\"t\":[\"p\",\"q\"],\"n\":null}",
	"{\"a\":2.5,\"b\":\"y\",\"c\":false,\"t\":[]}",
	"{\"a\":-3,\"b\":\"\",\"t\":[\"q\"],\"text\":\"hello world\"}",
	"{\"b\":\"xyz\",\"$and\":1}",
	"{}",
	NULL,
};

static rv_collection *make(int with_indexes)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 2;
	o.exact_threshold = 0; /* the graph path too */
	rv_collection *c = NULL;
	if (rv_collection_new(&o, &c) != RV_OK)
		abort();
	if (with_indexes && (rv_create_index(c, "a", RV_INDEX_NUMERIC) != RV_OK ||
	                     rv_create_index(c, "b", RV_INDEX_KEYWORD) != RV_OK ||
	                     rv_create_index(c, "t", RV_INDEX_KEYWORD) != RV_OK ||
	                     rv_create_index(c, "text", RV_INDEX_TEXT) != RV_OK))
		abort();
	for (int i = 0; i < 60; i++) {
		char id[16];
		snprintf(id, sizeof id, "%d", i);
		float v[2] = {(float)(i % 7), (float)(i / 7)};
		if (rv_insert_payload(c, id, v, 2, payloads[i % 6], 0) != RV_OK)
			abort();
	}
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	plain = make(0);
	indexed = make(1);
	return 0;
}

static void use_filter(rv_collection *c, const rv_filter *f)
{
	long long m = rv_count_matching(c, f);
	if (m < 0 || m > 60)
		abort();
	rv_hit hits[8];
	char idbuf[RV_IDBUF_SIZE(8)];
	float q[2] = {1, 1};
	for (int exact = 0; exact < 2; exact++) {
		rv_search_params p = {.filter = f, .ef = 4, .flags = exact ? RV_SEARCH_EXACT : 0};
		int n = rv_search(c, q, 2, 8, &p, hits, idbuf, sizeof idbuf);
		if (n < 0 || n != (m < 8 ? m : 8))
			abort();
		for (int i = 0; i < n; i++)
			if (rv_filter_match(c, hits[i].id, f) != 1)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rv_filter *f = NULL;
	char err[256];
	int rc = rv_filter_parse((const char *)data, size, &f, err, sizeof err);
	if (rc == RV_OK) {
		use_filter(plain, f);
		use_filter(indexed, f);
		rv_filter_free(f);
	} else if (rc != RV_EINVAL || strncmp(err, "filter", 6) != 0 || f) {
		abort();
	}
	/* the same bytes as a payload */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	float v[2] = {0.5f, 0.5f};
	if (strlen(text) == size && rv_insert_payload(indexed, "fz", v, 2, text, RV_UPSERT) == RV_OK) {
		static char out[1 << 18], again[1 << 18];
		size_t need;
		if (rv_get_payload(indexed, "fz", out, sizeof out, &need) == RV_OK) {
			if (rv_set_payload(indexed, "fz", out) != RV_OK ||
			    rv_get_payload(indexed, "fz", again, sizeof again, &need) != RV_OK || strcmp(out, again) != 0)
				abort();
		}
		if (rv_delete(indexed, "fz") != RV_OK)
			abort();
	}
	free(text);
	return 0;
}
