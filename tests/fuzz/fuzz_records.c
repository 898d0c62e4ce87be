/*
 * fuzz_records.c: libFuzzer target for the record file readers that
 * `ruvector import` uses: JSON Lines (rv_read_jsonl) and NumPy .npy
 * (rv_read_npy).
 *
 * Each input is written to a file and read as both. Oracles beyond the
 * sanitizers:
 *   - a refusal is RV_EFORMAT (or RV_ENOMEM) with a message naming the
 *     file, and for JSON Lines a line ("line N: ");
 *   - JSON Lines records the reader accepts are accepted by the core as
 *     one batch (rv_insert_batch_payload into a new collection): the
 *     reader's checks promise that an import fails before it inserts,
 *     never half-way;
 *   - an .npy matrix it accepts fits in the file (rows * dim * 4 bytes).
 * Seeds: corpus/records/ (JSON Lines and .npy files).
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ruvector.h"

static char path[64];

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_records: %s: %s\n", what, msg);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/rv_fuzz_records_%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	rv_records *r = NULL;
	int rc = rv_read_jsonl(path, 0, &r);
	if (rc == RV_OK) {
		if (r->n) {
			rv_options o;
			rv_options_init(&o);
			o.dim = (uint32_t)r->dim;
			o.threads = 1;
			rv_collection *c;
			if (rv_collection_new(&o, &c) != RV_OK)
				fail("new collection", rv_errmsg(NULL));
			if (rv_insert_batch_payload(c, r->n, (const char *const *)r->ids, r->vectors, r->dim,
			                            (const char *const *)r->payloads, 0) != RV_OK)
				fail("the core refused what the JSON Lines reader accepted", rv_errmsg(c));
			if (rv_count(c) != r->n)
				fail("count", "differs from the records read");
			rv_collection_free(c);
		}
		rv_records_free(r);
	} else if (rc != RV_ENOMEM && (rc != RV_EFORMAT || !strstr(rv_errmsg(NULL), path) ||
	                               (size && !strstr(rv_errmsg(NULL), "line ")))) {
		fail("JSON Lines refusal", rv_errmsg(NULL));
	}

	void *m;
	size_t rows, dim;
	rc = rv_read_npy(path, 0, &m, &rows, &dim);
	if (rc == RV_OK) {
		if (dim < 1 || dim > RV_DIM_MAX || rows * dim * 4 > size)
			fail(".npy", "a matrix larger than the file");
		rv_free_buffer(m);
	} else if (rc != RV_ENOMEM && (rc != RV_EFORMAT || !strstr(rv_errmsg(NULL), path))) {
		fail(".npy refusal", rv_errmsg(NULL));
	}
	return 0;
}
