/*
 * fuzz_vecs.c: libFuzzer target for the fvecs/ivecs reader
 * (io/vecs_file.c, rv_read_vecs), and for what the CLI does with what it
 * reads.
 *
 * The input is a file. Each run writes it to disk and reads it as fvecs
 * and as ivecs, whole and with a row limit (as `search --nq` and `bench
 * --limit` do). Oracles: a refused file gives RV_EFORMAT (or RV_ENOMEM), a
 * message naming the path, and no buffer; an accepted one holds exactly
 * the records the format says (the first header's dimension, the length
 * a whole number of records, rows = min(records, limit)), byte for byte.
 * A file the reader accepts as fvecs is then used as `import` and `search`
 * use it (cli/cmd_vectors.c): its first rows are inserted as one batch,
 * ids "0".."n-1", into an in-memory L2 and a cosine collection of its
 * dimension, and its first rows searched for, graph and exact, one by one
 * and as a batch. The values are whatever the bytes say (NaN, infinities,
 * zero vectors, denormals): a batch holding a bad one is refused whole
 * with RV_ENONFINITE or RV_EZERO, a query likewise. With the batch
 * accepted, count equals the rows inserted, an exact search returns
 * min(k, count) hits, and an exact L2 search for a row finds a vector at
 * distance 0; a graph search returns min(k, count) hits when the graph
 * passes rv_check.
 *
 * FINDING (issue #19 fuzzing), fixed: exact duplicate vectors disconnected
 * the graph. A row full of duplicates at distance 0 never turned a new
 * duplicate away, so add_link (hnsw_insert.c) evicted the row's farthest
 * member, its link to the other values, until none was left: eleven
 * vectors of dimension 1, nine 1.0 and two -1.0 in the order of
 * corpus/vecs/regress-duplicates-disconnect (m = 4) failed rv_check right
 * after the inserts. hnsw_insert.c now keeps one of several copies, turns a
 * copy away from a row that holds its twin and links it where there is
 * room (tests/test_hnsw.c exact_duplicates_stay_reachable). Sequences of a
 * few values repeated hundreds of times can still leave a node pruned out
 * of its last in-link, as HNSW pruning can (repair reconnects it), so a
 * graph that fails check after inserts alone stays tolerated here (its
 * graph searches may return fewer hits); RV_FUZZ_STRICT_GRAPH=1 in the
 * environment makes it a finding.
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <math.h>
#include <stdint.h>

#include "fuzz_common.h"

#define MAX_INSERT 64 /* rows inserted; a 1 MB file of dimension 1 has 131,072 */
#define MAX_QUERY 8   /* rows searched for */
#define ROW_LIMIT 3   /* the limited read */

static char dir[512], path[600];
static int strict_graph; /* RV_FUZZ_STRICT_GRAPH=1: see FINDING above */

static void cleanup(void) { fuzz_rm_rf(dir); }

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tempdir(dir, sizeof dir, "fuzz-vecs");
	snprintf(path, sizeof path, "%s/input.fvecs", dir);
	const char *e = getenv("RV_FUZZ_STRICT_GRAPH");
	strict_graph = e && !strcmp(e, "1");
	atexit(cleanup);
	return 0;
}

/* What a read of the input with this row limit (0: none) must give: the
 * rows, or -1 when it must be refused. Without a limit every header must
 * repeat the first and the length be a whole number of records; a limit
 * smaller than the records ends the read there, so only the headers of
 * the rows read count. */
static long long expected_rows(const uint8_t *data, size_t size, size_t limit, size_t *dim)
{
	if (size < 4)
		return -1;
	uint32_t d = fz_get32(data);
	if (d < 1 || d > RV_DIM_MAX)
		return -1;
	*dim = d;
	size_t rec = 4 + (size_t)d * 4, whole = size / rec;
	if (limit && whole > limit) {
		for (size_t i = 0; i < limit; i++)
			if (fz_get32(data + i * rec) != d)
				return -1;
		return (long long)limit;
	}
	for (size_t off = 0; off + 4 <= size; off += rec)
		if (fz_get32(data + off) != d)
			return -1;
	return size % rec ? -1 : (long long)whole;
}

static int bad_vector(const float *v, size_t dim, int cosine)
{
	int zero = 1;
	for (size_t j = 0; j < dim; j++) {
		if (!isfinite(v[j]))
			return 1;
		if (v[j] != 0)
			zero = 0;
	}
	return cosine && zero;
}

/* Insert the first rows into a new collection of metric m and search. */
static void use(const float *vecs, size_t rows, size_t dim, rv_metric metric)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = (uint32_t)dim;
	o.metric = metric;
	o.m = 4;
	o.ef_construction = 16;
	o.exact_threshold = 0; /* searches walk the graph */
	o.threads = 1;
	rv_collection *c;
	int rc = rv_collection_new(&o, &c);
	if (rc == RV_ENOMEM)
		return;
	if (rc != RV_OK)
		fuzz_die("cannot make a collection of the file's dimension", rv_errmsg(NULL));
	int cosine = metric == RV_METRIC_COSINE;
	size_t n = rows < MAX_INSERT ? rows : MAX_INSERT, bad = n;
	for (size_t i = 0; i < n && bad == n; i++)
		if (bad_vector(vecs + i * dim, dim, cosine))
			bad = i;
	char names[MAX_INSERT][16];
	const char *ids[MAX_INSERT];
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "%zu", i);
		ids[i] = names[i];
	}
	rc = rv_insert_batch(c, n, ids, vecs, dim, 0);
	if (bad < n && rc != RV_ENONFINITE && rc != RV_EZERO)
		fuzz_die("a batch with a bad vector was not refused as such", rv_strerror(rc));
	if (bad == n && rc != RV_OK && rc != RV_ENOMEM)
		fuzz_die("a batch of good vectors was refused", rv_errmsg(c));
	if (rc == RV_OK && rv_count(c) != n)
		fuzz_die("count is not the rows inserted", "");
	int stored = rc == RV_OK;
	rv_check_report rep;
	int graph_sound = rv_check(c, &rep) == RV_OK;
	if (!graph_sound && strict_graph)
		fuzz_die("the graph fails check after inserts alone", rv_errmsg(c));

	size_t nq = rows < MAX_QUERY ? rows : MAX_QUERY;
	enum { K = 10 };
	rv_hit hits[MAX_QUERY * K];
	int counts[MAX_QUERY];
	static char idbuf[MAX_QUERY * RV_IDBUF_SIZE(K)];
	for (size_t q = 0; q < nq; q++) {
		const float *v = vecs + q * dim;
		int qbad = bad_vector(v, dim, cosine);
		for (int exact = 0; exact < 2; exact++) {
			rv_search_params p = {.flags = exact ? RV_SEARCH_EXACT : 0};
			int got = rv_search(c, v, dim, K, &p, hits, idbuf, RV_IDBUF_SIZE(K));
			if (qbad && got != RV_ENONFINITE && got != RV_EZERO)
				fuzz_die("a bad query was not refused as such", rv_strerror(got));
			if (!qbad && got < 0 && got != RV_ENOMEM)
				fuzz_die("a good query failed", rv_errmsg(c));
			if (!qbad && got >= 0 && (exact || graph_sound) && (size_t)got != (stored ? (n < K ? n : K) : 0))
				fuzz_die("a search returned other than min(k, count) hits", "");
			/* the row itself is stored: an exact L2 search finds distance 0
			 * (x - x is exactly 0 for a finite x) */
			if (exact && stored && !qbad && q < n && metric == RV_METRIC_L2 && got > 0 && hits[0].distance != 0)
				fuzz_die("an exact search for a stored row did not find it", "");
		}
	}
	rc = rv_search_batch(c, nq, vecs, dim, K, NULL, hits, counts, idbuf, sizeof idbuf);
	if (rc != RV_OK && rc != RV_ENONFINITE && rc != RV_EZERO && rc != RV_ENOMEM)
		fuzz_die("a batch search failed", rv_errmsg(c));
	rv_collection_free(c);
}

static void read_as(const uint8_t *data, size_t size, int is_int, size_t limit)
{
	void *buf = (void *)1;
	size_t rows = 1, dim = 1, want_dim = 0;
	long long want = expected_rows(data, size, limit, &want_dim);
	int rc = rv_read_vecs(path, is_int, limit, &buf, &rows, &dim);
	if (rc != RV_OK) {
		if (rc == RV_ENOMEM)
			return;
		if (rc != RV_EFORMAT || buf != NULL)
			fuzz_die("a refused file gave an unexpected code or a buffer", rv_strerror(rc));
		if (strncmp(rv_errmsg(NULL), path, strlen(path)) != 0)
			fuzz_die("a refusal does not start with the path", rv_errmsg(NULL));
		if (want >= 0)
			fuzz_die("a well-formed file was refused", rv_errmsg(NULL));
		return;
	}
	if (want < 0)
		fuzz_die("a malformed file was accepted", "");
	if ((long long)rows != want || dim != want_dim)
		fuzz_die("an accepted file read other than its records", "");
	for (size_t i = 0; i < rows; i++)
		if (memcmp((const char *)buf + i * dim * 4, data + i * (4 + dim * 4) + 4, dim * 4) != 0)
			fuzz_die("a row read is not the file's bytes", "");
	if (!is_int && !limit)
		for (int m = 0; m < 2; m++)
			use(buf, rows, dim, m ? RV_METRIC_COSINE : RV_METRIC_L2);
	rv_free_buffer(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(path, data, size);
	for (int is_int = 0; is_int < 2; is_int++) {
		read_as(data, size, is_int, 0);
		read_as(data, size, is_int, ROW_LIMIT);
	}
	return 0;
}
