/*
 * cmd_hyper.c: the hypergraph commands (ruvector.h, "Hypergraph").
 *
 *   ruvector hyperedge DB COLL ID                      print it (JSON)
 *   ruvector hyperedge DB COLL ID MEMBER MEMBER...     write it
 *            [--ordered] [--desc TEXT] [--confidence C] [--from MS] [--to MS]
 *            [--payload JSON] [--embedding F,F,...] [--upsert]
 *   ruvector hyperedge DB COLL ID --delete
 *   ruvector hyper-search DB COLL --query F,F,... [-k 10] [--ef E] [--exact]
 *            [--at MS | --between FROM,TO | --any] [--filter JSON]
 *   ruvector khop DB COLL START [-k 2] [--fanout N,N,...] [--at MS] [--directed]
 *   ruvector path DB COLL FROM TO [--at MS] [--directed]
 *   ruvector hyper-buckets DB COLL FROM TO day|week|month
 *
 * Times are milliseconds since the Unix epoch, UTC. Reads open the
 * database read-only (no lock), as search does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static bool parse_time(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

/* "F,F,..." into a malloc'd array of *n floats; NULL on a bad number. */
static float *parse_floats(const char *s, size_t *n)
{
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	float *v = malloc(cap * sizeof *v);
	if (!v)
		return NULL;
	*n = 0;
	for (const char *p = s;;) {
		char *end;
		errno = 0;
		v[(*n)++] = strtof(p, &end);
		if (errno || end == p || (*end && *end != ',')) {
			free(v);
			return NULL;
		}
		if (!*end)
			return v;
		p = end + 1;
	}
}

static bool window_of(const char *at, const char *between, bool any, rv_window *w, char *why, size_t size)
{
	w->kind = RV_WINDOW_NOW;
	if (any)
		w->kind = RV_WINDOW_ANY;
	if (at) {
		w->kind = RV_WINDOW_AT;
		if (!parse_time(at, &w->at)) {
			snprintf(why, size, "--at must be milliseconds since the epoch");
			return false;
		}
	}
	if (between) {
		char a[32];
		const char *comma = strchr(between, ',');
		size_t l = comma ? (size_t)(comma - between) : 0;
		w->kind = RV_WINDOW_BETWEEN;
		if (!comma || l >= sizeof a || (memcpy(a, between, l), a[l] = '\0', !parse_time(a, &w->from)) ||
		    !parse_time(comma + 1, &w->to)) {
			snprintf(why, size, "--between must be FROM,TO in milliseconds");
			return false;
		}
	}
	return true;
}

/* ---- hyperedge ---- */

static const char hyperedge_usage[] =
	"usage: ruvector hyperedge DB COLL ID [MEMBER MEMBER...] [--ordered] [--desc TEXT]\n"
	"                          [--confidence C] [--from MS] [--to MS] [--payload JSON]\n"
	"                          [--embedding F,F,...] [--upsert] [--delete]\n"
	"\n"
	"With only ID, prints the hyperedge as JSON. With members (2..256 record ids\n"
	"that exist), writes it: --ordered keeps the order meaningful, --confidence in\n"
	"[0, 1] (default 1), --from/--to bound its validity (ms since the epoch, UTC;\n"
	"default unbounded), --embedding gives its vector (the collection's dimension).\n"
	"An existing ID needs --upsert. --delete removes it.\n";

int cmd_hyperedge(int argc, char **argv)
{
	const char *cmd = "hyperedge", *pos[2 + 1 + RV_HEDGE_MEMBERS_MAX + 1];
	int npos = 0;
	bool ordered = false, upsert = false, del = false;
	const char *desc = NULL, *from = NULL, *to = NULL, *payload = NULL, *emb = NULL;
	double conf = 1.0;
	const cli_opt opts[] = {CLI_FLAG("--ordered", ordered), CLI_FLAG("--upsert", upsert), CLI_FLAG("--delete", del),
	                        CLI_STR("--desc", desc), CLI_STR("--from", from), CLI_STR("--to", to),
	                        CLI_STR("--payload", payload), CLI_STR("--embedding", emb),
	                        CLI_DBL("--confidence", conf, 0.0, 1.0), CLI_END};
	const cli_spec spec = {cmd, hyperedge_usage, opts, 3, 3 + RV_HEDGE_MEMBERS_MAX + 1,
	                       "give a database, a collection name and a hyperedge id"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	bool write = npos > 3 || del;
	if (del && npos > 3)
		return cli_usage_error(cmd, hyperedge_usage, "give members or --delete, not both");
	rv_hyperedge e;
	rv_hyperedge_init(&e);
	if ((from && !parse_time(from, &e.valid_from)) || (to && !parse_time(to, &e.valid_to)))
		return cli_usage_error(cmd, hyperedge_usage, "--from and --to take milliseconds since the epoch");
	float *vec = NULL;
	size_t dim = 0;
	if (emb && !(vec = parse_floats(emb, &dim)))
		return cli_usage_error(cmd, hyperedge_usage, "--embedding must be comma-separated numbers");
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], write ? 0 : RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK) {
		free(vec);
		return EXIT_FAIL;
	}
	int status = EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK) {
		free(vec);
		return db_close(cmd, db, EXIT_FAIL);
	}
	if (del) {
		if (rv_hyperedge_delete(c, 1, &pos[2]) != RV_OK)
			cli_fail(cmd, "%s", rv_errmsg(c));
		else
			status = EXIT_OK;
	} else if (write) {
		e.id = pos[2];
		e.members = pos + 3;
		e.n_members = (size_t)npos - 3;
		e.ordered = ordered;
		e.description = desc;
		e.confidence = (float)conf;
		e.payload = payload;
		e.embedding = vec;
		e.dim = dim;
		if (rv_hyperedge_put(c, 1, &e, upsert ? RV_UPSERT : 0) != RV_OK)
			cli_fail(cmd, "%s", rv_errmsg(c));
		else
			status = EXIT_OK;
	} else {
		size_t need = 0;
		int r = rv_hyperedge_get(c, pos[2], NULL, 0, &need);
		char *buf = r == RV_ERANGE ? malloc(need) : NULL;
		if (buf && rv_hyperedge_get(c, pos[2], buf, need, &need) == RV_OK) {
			puts(buf);
			status = EXIT_OK;
		} else {
			cli_fail(cmd, "%s", buf || r != RV_ERANGE ? rv_errmsg(c) : "out of memory");
		}
		free(buf);
	}
	free(vec);
	return db_close(cmd, db, status);
}

/* ---- hyper-search ---- */

static const char hsearch_usage[] =
	"usage: ruvector hyper-search DB COLL --query F,F,... [-k 10] [--ef E] [--exact]\n"
	"                             [--at MS | --between FROM,TO | --any] [--filter JSON]\n"
	"\n"
	"Prints the k hyperedges whose embeddings are nearest the query, nearest first,\n"
	"one per line: <rank> <id> <distance> <confidence>. Only hyperedges valid now\n"
	"(or at --at, or at some time in --between, or at any time with --any) and\n"
	"matching --filter (on their payloads) are returned.\n";

int cmd_hyper_search(int argc, char **argv)
{
	const char *cmd = "hyper-search", *pos[2];
	int npos = 0;
	const char *query = NULL, *at = NULL, *between = NULL, *filter = NULL;
	uint64_t k = 10, ef = 0;
	bool exact = false, any = false;
	const cli_opt opts[] = {CLI_STR("--query", query), {.name = "-k", .kind = OPT_U64, .out = &k, .min = 1, .max = RV_K_MAX},
	                        CLI_U64("--ef", ef, 0, RV_EF_MAX), CLI_FLAG("--exact", exact), CLI_FLAG("--any", any),
	                        CLI_STR("--at", at), CLI_STR("--between", between), CLI_STR("--filter", filter), CLI_END};
	const cli_spec spec = {cmd, hsearch_usage, opts, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	if (!query)
		return cli_usage_error(cmd, hsearch_usage, "--query is required");
	rv_hsearch_params p;
	rv_hsearch_params_init(&p);
	char why[160];
	if (!window_of(at, between, any, &p.window, why, sizeof why))
		return cli_usage_error(cmd, hsearch_usage, "%s", why);
	size_t dim;
	float *q = parse_floats(query, &dim);
	if (!q)
		return cli_usage_error(cmd, hsearch_usage, "--query must be comma-separated numbers");
	rv_filter *f = NULL;
	if (filter && rv_filter_parse(filter, strlen(filter), &f, why, sizeof why) != RV_OK) {
		free(q);
		return cli_fail(cmd, "--filter: %s", why);
	}
	p.filter = f;
	p.ef = (uint32_t)ef;
	p.flags = exact ? RV_SEARCH_EXACT : 0;
	rv_db *db;
	rv_collection *c;
	int status = EXIT_FAIL;
	rv_hit *hits = malloc(k * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(k));
	if (!hits || !idbuf)
		cli_fail(cmd, "out of memory");
	else if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) == EXIT_OK) {
		if (db_open_coll(cmd, db, pos[1], &c) == EXIT_OK) {
			int n = rv_hyperedge_search(c, q, dim, k, &p, hits, idbuf, RV_IDBUF_SIZE(k));
			if (n < 0)
				cli_fail(cmd, "%s", rv_errmsg(c));
			for (int i = 0; i < n; i++)
				printf("%d %s %.9g %.9g\n", i, hits[i].id, (double)hits[i].distance, (double)hits[i].score);
			status = n < 0 ? EXIT_FAIL : EXIT_OK;
		}
		status = db_close(cmd, db, status);
	}
	free(hits);
	free(idbuf);
	free(q);
	rv_filter_free(f);
	return status;
}

/* ---- khop, path ---- */

static const char khop_usage[] =
	"usage: ruvector khop DB COLL START [-k 2] [--fanout N,N,...] [--at MS] [--directed]\n"
	"\n"
	"Prints the records within k hops of record START (records are adjacent when\n"
	"a hyperedge, valid at --at if given, has both), one per line in hop order:\n"
	"<hop> <id> <weight> <via>, weight the best confidence of a hyperedge reaching\n"
	"it, via that hyperedge. --fanout caps each hop at its N best new records.\n"
	"--directed follows ordered hyperedges forward only (a causal chain).\n";

static const char path_usage[] =
	"usage: ruvector path DB COLL FROM TO [--at MS] [--directed]\n"
	"\n"
	"Prints the path from record FROM to record TO through hyperedges whose\n"
	"confidences have the greatest product, one record per line: <position>\n"
	"<id> <product so far> <hyperedge taken>. Nothing (exit 0) when there is none.\n";

static int graph_cmd(int argc, char **argv, bool is_path)
{
	const char *cmd = is_path ? "path" : "khop", *usage = is_path ? path_usage : khop_usage, *pos[4];
	int npos = 0;
	const char *at = NULL, *fan = NULL;
	uint64_t k = 2;
	bool directed = false;
	const cli_opt opts[] = {{.name = "-k", .kind = OPT_U64, .out = &k, .min = 1, .max = 64}, CLI_STR("--fanout", fan),
	                        CLI_STR("--at", at), CLI_FLAG("--directed", directed), CLI_END};
	const cli_opt popts[] = {CLI_STR("--at", at), CLI_FLAG("--directed", directed), CLI_END};
	const cli_spec spec = {cmd, usage, is_path ? popts : opts, is_path ? 4 : 3, is_path ? 4 : 3,
	                       is_path ? "give a database, a collection and two record ids"
	                               : "give a database, a collection and a record id"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_window w = {RV_WINDOW_ANY, 0, 0, 0};
	char why[160];
	if (at && !window_of(at, NULL, false, &w, why, sizeof why))
		return cli_usage_error(cmd, usage, "%s", why);
	uint32_t *fanout = NULL;
	if (fan) {
		size_t n;
		float *f = parse_floats(fan, &n);
		fanout = f ? calloc(k, sizeof *fanout) : NULL;
		for (size_t i = 0; fanout && i < n && i < k; i++)
			fanout[i] = f[i] < 0 ? 0 : (uint32_t)f[i];
		free(f);
		if (!fanout)
			return cli_usage_error(cmd, usage, "--fanout must be comma-separated counts");
	}
	rv_db *db;
	rv_collection *c;
	int status = EXIT_FAIL;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK) {
		free(fanout);
		return EXIT_FAIL;
	}
	if (db_open_coll(cmd, db, pos[1], &c) == EXIT_OK) {
		for (size_t max = 1024;; max *= 8) {
			rv_graph_hit *h = malloc(max * sizeof *h);
			char *buf = malloc(RV_GRAPH_IDBUF_SIZE(max));
			int n = !h || !buf ? RV_ENOMEM
			        : is_path  ? rv_hyper_path(c, pos[2], pos[3], &w, directed ? RV_HYPER_DIRECTED : 0, h, max, buf, RV_GRAPH_IDBUF_SIZE(max))
			                   : rv_hyper_khop(c, pos[2], (uint32_t)k, fanout, &w, directed ? RV_HYPER_DIRECTED : 0, h, max, buf, RV_GRAPH_IDBUF_SIZE(max));
			if (n == RV_ERANGE && max < RV_MAX_VECTORS) {
				free(h);
				free(buf);
				continue;
			}
			if (n < 0)
				cli_fail(cmd, "%s", n == RV_ENOMEM && (!h || !buf) ? "out of memory" : rv_errmsg(c));
			for (int i = 0; i < n; i++)
				printf("%u %s %.9g %s\n", h[i].hop, h[i].id, (double)h[i].weight, h[i].via ? h[i].via : "-");
			status = n < 0 ? EXIT_FAIL : EXIT_OK;
			free(h);
			free(buf);
			break;
		}
	}
	free(fanout);
	return db_close(cmd, db, status);
}

int cmd_khop(int argc, char **argv) { return graph_cmd(argc, argv, false); }
int cmd_path(int argc, char **argv) { return graph_cmd(argc, argv, true); }

/* ---- hyper-buckets ---- */

static const char buckets_usage[] =
	"usage: ruvector hyper-buckets DB COLL FROM TO day|week|month\n"
	"\n"
	"Counts hyperedges by the calendar bucket (UTC day, ISO week from Monday, or\n"
	"month) their valid-from time falls in, from the bucket holding FROM to the\n"
	"one holding TO - 1 (ms since the epoch). One line per bucket:\n"
	"<bucket start, ms> <ISO date> <count>.\n";

int cmd_hyper_buckets(int argc, char **argv)
{
	const char *cmd = "hyper-buckets", *pos[5];
	int npos = 0;
	const cli_spec spec = {cmd, buckets_usage, NULL, 5, 5, "give a database, a collection, FROM, TO and a unit"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	int64_t from, to;
	if (!parse_time(pos[2], &from) || !parse_time(pos[3], &to))
		return cli_usage_error(cmd, buckets_usage, "FROM and TO are milliseconds since the epoch");
	rv_time_unit unit = !strcmp(pos[4], "day") ? RV_UNIT_DAY : !strcmp(pos[4], "week") ? RV_UNIT_WEEK
	                    : !strcmp(pos[4], "month") ? RV_UNIT_MONTH : (rv_time_unit)-1;
	if ((int)unit < 0)
		return cli_usage_error(cmd, buckets_usage, "unit must be day, week or month");
	rv_db *db;
	rv_collection *c;
	int status = EXIT_FAIL;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) == EXIT_OK) {
		size_t need = 0;
		int n = rv_hyperedge_buckets(c, from, to, unit, NULL, NULL, 0, &need);
		int64_t *starts = n >= 0 || n == RV_ERANGE ? malloc((need ? need : 1) * sizeof *starts) : NULL;
		uint64_t *counts = starts ? malloc((need ? need : 1) * sizeof *counts) : NULL;
		if (counts)
			n = rv_hyperedge_buckets(c, from, to, unit, starts, counts, need, &need);
		if (n < 0)
			cli_fail(cmd, "%s", rv_errmsg(c));
		for (int i = 0; i < n; i++) {
			char date[32] = "?";
			time_t secs = (time_t)(starts[i] / 1000);
			struct tm tm;
			if (gmtime_r(&secs, &tm))
				strftime(date, sizeof date, "%Y-%m-%d", &tm);
			printf("%lld %s %llu\n", (long long)starts[i], date, (unsigned long long)counts[i]);
		}
		status = n < 0 ? EXIT_FAIL : EXIT_OK;
		free(starts);
		free(counts);
	}
	return db_close(cmd, db, status);
}
