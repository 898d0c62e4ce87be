/*
 * cmd_vectors.c: the database commands that read and change a collection's
 * records one query or one id at a time (import and export, which move
 * whole files, are in cmd_io.c).
 *
 *   ruvector count DB COLL
 *   ruvector search DB COLL --query Q.fvecs -k 10 [--ef E] [--filter JSON] [--mmr L] [--payload]
 *   ruvector delete DB COLL ID...
 *   ruvector payload DB COLL ID [JSON|--clear]
 *   ruvector index DB COLL KEY keyword|numeric|text
 *   ruvector text-search DB COLL TEXT [-k 10] [--filter JSON] [--payload]
 *
 * count and search open the database read-only (no lock), so they run
 * while another process writes, and see the state as of their open. What
 * the commands share (arguments, opening a database, a payload as JSON)
 * is declared in cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- count ---- */

static const char count_usage[] =
	"usage: ruvector count DB COLL\n"
	"\n"
	"Prints the number of vectors in the collection. Opens DB read-only: it works\n"
	"while another process writes, and counts what was written before it began.\n";

int cmd_count(int argc, char **argv)
{
	const char *cmd = "count", *pos[2];
	int npos = 0;
	const cli_spec spec = {cmd, count_usage, NULL, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_db *db;
	uint64_t n;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	if (rv_db_count(db, pos[1], &n) != RV_OK) {
		cli_fail(cmd, "%s", rv_db_errmsg(db));
		return db_close(cmd, db, EXIT_FAIL);
	}
	printf("%llu\n", (unsigned long long)n);
	return db_close(cmd, db, EXIT_OK);
}

/* ---- search ---- */

static const char search_usage[] =
	"usage: ruvector search DB COLL --query Q.fvecs [-k 10] [--ef E] [--exact]\n"
	"                      [--queries N] [--filter JSON] [--mmr LAMBDA] [--payload]\n"
	"                      [--conformal | --calibrated]\n"
	"\n"
	"For each vector of Q.fvecs (the first N with --queries), finds its k nearest\n"
	"vectors and prints one line per hit, nearest first:\n"
	"  <query index> <rank> <id> <distance>\n"
	"query index counts rows of Q.fvecs from 0; rank counts hits from 1. Distances:\n"
	"squared L2, negative inner product, 1 - cosine, or L1; smaller is closer.\n"
	"--ef sets the search's candidate list (default: the collection's ef_search);\n"
	"--exact scans every vector instead of the graph. --filter keeps only records\n"
	"whose payload matches a MongoDB-style filter, e.g. '{\"tag\":{\"$in\":[\"a\",\"b\"]}}'\n"
	"(operators $eq $ne $gt $gte $lt $lte $in $nin $exists $contains $and $or $not);\n"
	"--mmr re-ranks for diversity with that lambda (1: plain order); --payload\n"
	"appends each hit's payload as JSON. Opens DB read-only.\n"
	"--conformal prints each query's conformal result set instead of k hits (its\n"
	"size varies; at most the cap), --calibrated searches at the ef chosen for a\n"
	"target recall: both as stored by `ruvector calibrate`.\n";

/* Parse a --filter argument, reporting its error. */
static int parse_filter_arg(const char *cmd, const char *json, rv_filter **f)
{
	char err[256];
	if (rv_filter_parse(json, strlen(json), f, err, sizeof err) != RV_OK)
		return cli_fail(cmd, "%s", err);
	return EXIT_OK;
}

/* Print " <payload JSON>" for an id. */
static void print_payload(rv_collection *c, const char *id)
{
	char *json = coll_payload_json(c, id);
	if (json)
		printf(" %s", json);
	free(json);
}

int cmd_search(int argc, char **argv)
{
	const char *cmd = "search", *pos[2], *query = NULL, *filter_json = NULL;
	int npos = 0;
	bool exact = false, with_payload = false, conformal = false, calibrated = false;
	uint64_t k = 10, ef = 0, nq_limit = 0;
	double mmr = -1;
	const cli_opt opts[] = {
		CLI_STR("--query", query),
		{.name = "--k", .alias = "-k", .kind = OPT_U64, .out = &k, .min = 1, .max = RV_K_MAX},
		CLI_U64("--ef", ef, 1, RV_EF_MAX),
		CLI_FLAG("--exact", exact),
		CLI_U64("--queries", nq_limit, 1, UINT32_MAX),
		CLI_STR("--filter", filter_json),
		CLI_DBL("--mmr", mmr, 0.0, 1.0),
		CLI_FLAG("--payload", with_payload),
		CLI_FLAG("--conformal", conformal),
		CLI_FLAG("--calibrated", calibrated),
		CLI_END,
	};
	const cli_spec spec = {cmd, search_usage, opts, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	if (!query)
		return cli_usage_error(cmd, search_usage, "--query is required");
	if (conformal && (exact || calibrated || filter_json || mmr >= 0 || ef))
		return cli_usage_error(cmd, search_usage, "--conformal uses the calibrated search: no --exact, --calibrated, "
		                       "--filter, --mmr or --ef");
	rv_filter *filter = NULL;
	if (filter_json && parse_filter_arg(cmd, filter_json, &filter) != EXIT_OK)
		return EXIT_FAIL;
	void *data;
	size_t nq, dim;
	if (rv_read_vecs(query, 0, (size_t)nq_limit, &data, &nq, &dim) != RV_OK) {
		rv_filter_free(filter);
		return cli_fail(cmd, "%s", rv_errmsg(NULL));
	}
	const float *qs = data;
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK) {
		rv_free_buffer(data);
		rv_filter_free(filter);
		return EXIT_FAIL;
	}
	int status = EXIT_FAIL;
	rv_hit *hits = NULL;
	char *idbuf = NULL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		goto out;
	rv_options o;
	rv_collection_options(c, &o);
	if (dim != o.dim) {
		cli_fail(cmd, "%s has dimension %zu but collection %s has dimension %u", query, dim, pos[1], o.dim);
		goto out;
	}
	rv_calibration cal;
	rv_calibration_get(c, &cal);
	if (conformal) {
		if (!cal.conformal) {
			cli_fail(cmd, "collection %s has no conformal calibration (ruvector calibrate --alpha)", pos[1]);
			goto out;
		}
		k = cal.cap; /* the set is at most the cap */
	}
	hits = malloc((size_t)k * sizeof *hits);
	idbuf = malloc(RV_IDBUF_SIZE(k));
	if (!hits || !idbuf) {
		cli_fail(cmd, "out of memory for k = %llu", (unsigned long long)k);
		goto out;
	}
	rv_search_params p = {.ef = (uint32_t)ef,
	                      .flags = (exact ? RV_SEARCH_EXACT : 0) | (mmr >= 0 ? RV_SEARCH_MMR : 0) |
	                               (calibrated ? RV_SEARCH_CALIBRATED : 0),
	                      .filter = filter,
	                      .mmr_lambda = (float)(mmr >= 0 ? mmr : 1)};
	for (size_t q = 0; q < nq; q++) {
		int n = conformal ? rv_search_conformal(c, qs + q * dim, dim, hits, (size_t)k, idbuf, RV_IDBUF_SIZE(k), NULL)
		                  : rv_search(c, qs + q * dim, dim, (size_t)k, &p, hits, idbuf, RV_IDBUF_SIZE(k));
		if (n < 0) {
			cli_fail(cmd, "query %zu of %s: %s", q, query, rv_errmsg(c));
			goto out;
		}
		for (int r = 0; r < n; r++) {
			printf("%zu %d %s %.9g", q, r + 1, hits[r].id, (double)hits[r].distance);
			if (with_payload)
				print_payload(c, hits[r].id);
			putchar('\n');
		}
	}
	status = EXIT_OK;
out:
	free(hits);
	free(idbuf);
	rv_free_buffer(data);
	rv_filter_free(filter);
	return db_close(cmd, db, status);
}

/* ---- payload ---- */

static const char payload_usage[] =
	"usage: ruvector payload DB COLL ID [JSON [--merge] | --clear] [--durability full|normal|off]\n"
	"\n"
	"Without JSON, prints the payload of record ID as a JSON object ({} when it has\n"
	"none). With JSON (a document: an object of null, true/false, numbers, strings,\n"
	"arrays and objects), replaces it; with --merge, JSON is a merge patch (RFC 7386)\n"
	"that changes only the members it names (null removes one, objects merge into\n"
	"objects); --clear removes the payload. The vector is unchanged.\n";

int cmd_payload(int argc, char **argv)
{
	const char *cmd = "payload", *pos[4];
	int npos = 0;
	bool clear = false, merge = false;
	rv_durability dur = RV_SYNC_FULL;
	const cli_opt opts[] = {CLI_FLAG("--clear", clear), CLI_FLAG("--merge", merge), CLI_DURABILITY(dur), CLI_END};
	const cli_spec spec = {cmd, payload_usage, opts, 3, 4, "give a database, a collection name and an id"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	bool write = npos == 4 || clear;
	if (npos == 4 && clear)
		return cli_usage_error(cmd, payload_usage, "give JSON or --clear, not both");
	if (merge && npos != 4)
		return cli_usage_error(cmd, payload_usage, "--merge needs the JSON of a merge patch");
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], write ? 0 : RV_DB_READONLY, dur, &db) != EXIT_OK)
		return EXIT_FAIL;
	int status = EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		return db_close(cmd, db, EXIT_FAIL);
	if (write) {
		if ((merge ? rv_merge_payload(c, pos[2], pos[3]) : rv_set_payload(c, pos[2], clear ? NULL : pos[3])) != RV_OK)
			cli_fail(cmd, "%s", rv_errmsg(c));
		else
			status = EXIT_OK;
	} else {
		char *json = coll_payload_json(c, pos[2]);
		if (!json) {
			cli_fail(cmd, "%s", rv_errmsg(c)[0] ? rv_errmsg(c) : "out of memory");
		} else {
			puts(json);
			status = EXIT_OK;
		}
		free(json);
	}
	return db_close(cmd, db, status);
}

/* ---- index ---- */

static const char index_usage[] =
	"usage: ruvector index DB COLL KEY keyword|numeric|text [--drop]\n"
	"\n"
	"Indexes payload field KEY: keyword (exact strings, booleans, array elements)\n"
	"and numeric (ranges) make filtered searches plan from exact counts and find\n"
	"small matching sets directly; text (one field per collection) enables BM25\n"
	"text-search and hybrid search. Existing records are indexed now, later\n"
	"writes as they happen. Creating an index that exists does nothing.\n"
	"--drop drops that index instead (an error if there is none); filters give\n"
	"the same answers without it.\n";

int cmd_index(int argc, char **argv)
{
	const char *cmd = "index", *pos[4];
	int npos = 0;
	bool drop = false;
	const cli_opt opts[] = {CLI_FLAG("--drop", drop), CLI_END};
	const cli_spec spec = {cmd, index_usage, opts, 4, 4, "give a database, a collection, a field and a kind"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_index_kind kind = !strcmp(pos[3], "keyword") ? RV_INDEX_KEYWORD
	                     : !strcmp(pos[3], "numeric") ? RV_INDEX_NUMERIC
	                     : !strcmp(pos[3], "text")    ? RV_INDEX_TEXT
	                                                  : (rv_index_kind)0;
	if (!kind)
		return cli_usage_error(cmd, index_usage, "unknown index kind '%s' (keyword, numeric, text)", pos[3]);
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], 0, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		return db_close(cmd, db, EXIT_FAIL);
	if ((drop ? rv_drop_index(c, pos[2], kind) : rv_create_index(c, pos[2], kind)) != RV_OK) {
		cli_fail(cmd, "%s", rv_errmsg(c));
		return db_close(cmd, db, EXIT_FAIL);
	}
	return db_close(cmd, db, EXIT_OK);
}

/* ---- text-search ---- */

static const char text_usage[] =
	"usage: ruvector text-search DB COLL TEXT [-k 10] [--filter JSON] [--payload]\n"
	"\n"
	"Ranks the records by BM25 over the collection's text index (see\n"
	"`ruvector index`) and prints one line per hit, best first:\n"
	"  <rank> <id> <score>\n"
	"Opens DB read-only.\n";

int cmd_text_search(int argc, char **argv)
{
	const char *cmd = "text-search", *pos[3], *filter_json = NULL;
	int npos = 0;
	uint64_t k = 10;
	bool with_payload = false;
	const cli_opt opts[] = {
		{.name = "--k", .alias = "-k", .kind = OPT_U64, .out = &k, .min = 1, .max = RV_K_MAX},
		CLI_STR("--filter", filter_json),
		CLI_FLAG("--payload", with_payload),
		CLI_END,
	};
	const cli_spec spec = {cmd, text_usage, opts, 3, 3, "give a database, a collection and the text"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_filter *filter = NULL;
	if (filter_json && parse_filter_arg(cmd, filter_json, &filter) != EXIT_OK)
		return EXIT_FAIL;
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK) {
		rv_filter_free(filter);
		return EXIT_FAIL;
	}
	int status = EXIT_FAIL;
	rv_hit *hits = malloc((size_t)k * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(k));
	if (!hits || !idbuf)
		cli_fail(cmd, "out of memory for k = %llu", (unsigned long long)k);
	else if (db_open_coll(cmd, db, pos[1], &c) == EXIT_OK) {
		int n = rv_search_text(c, pos[2], (size_t)k, filter, hits, idbuf, RV_IDBUF_SIZE(k));
		if (n < 0) {
			cli_fail(cmd, "%s", rv_errmsg(c));
		} else {
			for (int r = 0; r < n; r++) {
				printf("%d %s %.6g", r + 1, hits[r].id, (double)hits[r].score);
				if (with_payload)
					print_payload(c, hits[r].id);
				putchar('\n');
			}
			status = EXIT_OK;
		}
	}
	free(hits);
	free(idbuf);
	rv_filter_free(filter);
	return db_close(cmd, db, status);
}

/* ---- delete ---- */

static const char delete_usage[] =
	"usage: ruvector delete DB COLL ID... [--durability full|normal|off]\n"
	"\n"
	"Deletes the vectors with these ids, all or nothing: an id that does not\n"
	"exist (or is given twice) fails the command and deletes none. Give '--'\n"
	"before ids that start with '-'.\n";

int cmd_delete(int argc, char **argv)
{
	const char *cmd = "delete";
	const char **pos = malloc((size_t)argc * sizeof *pos);
	if (!pos)
		return cli_fail(cmd, "out of memory");
	int npos = 0, status = EXIT_FAIL;
	rv_durability dur = RV_SYNC_FULL;
	const cli_opt opts[] = {CLI_DURABILITY(dur), CLI_END};
	const cli_spec spec = {cmd, delete_usage, opts, 3, -1, "give a database, a collection and at least one id"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON) {
		free(pos);
		return rc;
	}
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], 0, dur, &db) != EXIT_OK) {
		free(pos);
		return EXIT_FAIL;
	}
	if (db_open_coll(cmd, db, pos[1], &c) == EXIT_OK) {
		size_t n = (size_t)npos - 2;
		if (rv_delete_batch(c, n, pos + 2) != RV_OK) {
			cli_fail(cmd, "%s", rv_errmsg(c));
		} else {
			printf("deleted %zu; %zu left\n", n, rv_count(c));
			status = EXIT_OK;
		}
	}
	free(pos);
	return db_close(cmd, db, status);
}
