/*
 * cmd_db.c: the database commands that work on whole collections or whole
 * databases, and the helpers every database command shares.
 *
 *   ruvector create DB COLL --dim D [--metric M] [--m ..] [--ef-construction ..]
 *   ruvector compact DB COLL
 *   ruvector check DB
 *   ruvector backup DB DEST
 *   ruvector info DB [--json]
 *   ruvector repair DB COLL [--yes]
 *
 * (import, count, search and delete are in cmd_vectors.c.) Each is a thin
 * shell over the "Databases" section of ruvector.h: the messages printed
 * on failure are the library's, which name the file, offset, argument or
 * character at fault. Exit status: 0 success, 1 failure (message on
 * stderr), 2 bad command line.
 *
 * Commands that only read (check, backup, info, and count and search)
 * open the database read-only, which takes no lock, so they work while
 * another process writes. Commands that write take the database's writer
 * lock and fail at once, naming it, while another process holds it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- create ---- */

/* "none", "int8", "pq:M" or "binary", as --quant takes it. */
static void quant_spec(const rv_options *o, char *buf, size_t size)
{
	switch (o->quant) {
	case RV_QUANT_INT8: snprintf(buf, size, "int8"); break;
	case RV_QUANT_PQ: snprintf(buf, size, "pq:%u", o->quant_pq_m); break;
	case RV_QUANT_BINARY: snprintf(buf, size, "binary"); break;
	case RV_QUANT_BINARY_ITQ: snprintf(buf, size, "binary-itq"); break;
	default: snprintf(buf, size, "none"); break;
	}
}

/* --quant: "none", "int8", "pq:M" or "binary" into an rv_options. */
static bool parse_quant(const char *v, void *out, char *why, size_t why_size)
{
	rv_options *o = out;
	if (rv_quant_parse(v, &o->quant, &o->quant_pq_m) == RV_OK)
		return true;
	snprintf(why, why_size, "must be none, int8, pq:M, binary or binary-itq");
	return false;
}

static const char create_usage[] =
	"usage: ruvector create DB COLL --dim D [--metric l2|ip|cosine|l1] [--m 16]\n"
	"                       [--ef-construction 200] [--ef-search 64] [--alpha 1.1]\n"
	"                       [--threads T] [--seed S] [--durability full|normal|off]\n"
	"                       [--quant none|int8|pq:M|binary|binary-itq] [--quant-train N]\n"
	"\n"
	"Creates the collection COLL in the database directory DB, and the database\n"
	"itself when DB does not exist. The metric defaults to l2. Collection names are\n"
	"1..64 letters, digits, '_', '-' and '.', not starting with '.'.\n"
	"--threads is stored with the collection: the threads later imports use\n"
	"(default 0: one per CPU).\n"
	"--quant walks compact codes instead of float32 vectors, re-ranking the best\n"
	"candidates with the vectors (which stay in the mapped segment file): int8\n"
	"(4x smaller), pq:M (M bytes per vector; M must divide the dimension) or\n"
	"binary (32x smaller). The quantizer trains once the collection holds\n"
	"--quant-train vectors (default 1000; 10000 for pq); not with l1.\n";

int cmd_create(int argc, char **argv)
{
	const char *cmd = "create", *pos[2];
	int npos = 0;
	rv_durability dur = RV_SYNC_FULL;
	rv_options o;
	rv_options_init(&o);
	uint64_t dim = 0, m = o.m, efc = o.ef_construction, efs = o.ef_search, threads = o.threads, seed = o.seed;
	uint64_t quant_train = 0;
	double alpha = o.prune_alpha;
	const cli_opt opts[] = {
		CLI_U64("--dim", dim, 1, RV_DIM_MAX),
		CLI_FN("--metric", o.metric, cli_parse_metric),
		CLI_U64("--m", m, RV_M_MIN, RV_M_MAX),
		CLI_U64("--ef-construction", efc, 1, RV_EF_MAX),
		CLI_U64("--ef-search", efs, 1, RV_EF_MAX),
		CLI_DBL("--alpha", alpha, 1.0, 2.0),
		CLI_U64("--threads", threads, 0, 1024),
		CLI_U64("--seed", seed, 0, UINT64_MAX),
		CLI_FN("--quant", o, parse_quant),
		CLI_U64("--quant-train", quant_train, 1, 1000000),
		CLI_DURABILITY(dur),
		CLI_END,
	};
	const cli_spec spec = {cmd, create_usage, opts, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	if (!dim)
		return cli_usage_error(cmd, create_usage, "--dim is required");
	o.dim = (uint32_t)dim;
	o.m = (uint32_t)m;
	o.ef_construction = (uint32_t)efc;
	o.ef_search = (uint32_t)efs;
	o.prune_alpha = (float)alpha;
	o.threads = (uint32_t)threads;
	o.seed = seed;
	o.quant_train = (uint32_t)quant_train;
	/* refuse bad options before the database directory is made */
	if (rv_options_check(&o) != RV_OK)
		return cli_fail(cmd, "%s", rv_errmsg(NULL));

	rv_db *db;
	if (db_open(cmd, pos[0], RV_DB_CREATE, dur, &db) != EXIT_OK)
		return EXIT_FAIL;
	rv_collection *c;
	int status = EXIT_OK;
	if (rv_db_create_collection(db, pos[1], &o, &c) != RV_OK)
		status = cli_fail(cmd, "%s", rv_db_errmsg(db));
	status = db_close(cmd, db, status);
	if (status == EXIT_OK) {
		char q[32];
		quant_spec(&o, q, sizeof q);
		printf("created collection %s in %s (dim %u, metric %s, m %u, ef_construction %u, quant %s)\n", pos[1],
		       pos[0], o.dim, rv_metric_name(o.metric), o.m, o.ef_construction, q);
	}
	return status;
}

/* ---- compact ---- */

static const char compact_usage[] =
	"usage: ruvector compact DB COLL [--durability full|normal|off]\n"
	"\n"
	"Reclaims the space of deleted vectors: repairs the graph, renumbers the live\n"
	"vectors densely and writes a new segment (a checkpoint), which also empties\n"
	"the log. Prints the segment and log sizes before and after.\n";

int cmd_compact(int argc, char **argv)
{
	const char *cmd = "compact", *pos[2];
	int npos = 0;
	rv_durability dur = RV_SYNC_FULL;
	const cli_opt opts[] = {CLI_DURABILITY(dur), CLI_END};
	const cli_spec spec = {cmd, compact_usage, opts, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], 0, dur, &db) != EXIT_OK)
		return EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		return db_close(cmd, db, EXIT_FAIL);
	rv_storage_stats before, after;
	rv_collection_storage(c, &before);
	size_t count = rv_count(c);
	double t0 = now_s();
	if (rv_compact(c) != RV_OK) {
		cli_fail(cmd, "%s", rv_errmsg(c));
		return db_close(cmd, db, EXIT_FAIL);
	}
	double secs = now_s() - t0;
	rv_collection_storage(c, &after);
	printf("before: segment %llu bytes, log %llu bytes, generation %llu\n", (unsigned long long)before.segment_bytes,
	       (unsigned long long)before.wal_bytes, (unsigned long long)before.generation);
	printf("after:  segment %llu bytes, log %llu bytes, generation %llu\n", (unsigned long long)after.segment_bytes,
	       (unsigned long long)after.wal_bytes, (unsigned long long)after.generation);
	fprintf(stderr, "compacted %s: %zu vectors in %.2f s\n", pos[1], count, secs);
	return db_close(cmd, db, EXIT_OK);
}

/* ---- check ---- */

static const char check_usage[] =
	"usage: ruvector check DB\n"
	"\n"
	"Verifies the database without changing it: every file header, every checksum\n"
	"of every segment block and log frame, and every collection's graph. Prints\n"
	"'ok' and exits 0 when clean; otherwise prints the first problem found (the\n"
	"file and byte offset) on stderr and exits 1. Works while another process\n"
	"writes.\n";

int cmd_check(int argc, char **argv)
{
	const char *cmd = "check", *pos[1];
	int npos = 0;
	const cli_spec spec = {cmd, check_usage, NULL, 1, 1, "give a database"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	char problem[1024];
	rc = rv_db_check(pos[0], problem, sizeof problem);
	if (rc == RV_OK) {
		printf("ok\n");
		return EXIT_OK;
	}
	if (rc == RV_ENOTFOUND)
		return cli_fail(cmd, "%s: no database here", pos[0]);
	return cli_fail(cmd, "%s", problem[0] ? problem : rv_strerror(rc));
}

/* ---- backup ---- */

static const char backup_usage[] =
	"usage: ruvector backup DB DEST\n"
	"\n"
	"Copies the database into the new directory DEST (which must not exist),\n"
	"consistently: each collection's copy holds every write acknowledged before\n"
	"the copy began, and no partial batch. Opens DB read-only, so it works while\n"
	"another process writes. Check the copy with 'ruvector check DEST'.\n";

int cmd_backup(int argc, char **argv)
{
	const char *cmd = "backup", *pos[2];
	int npos = 0;
	const cli_spec spec = {cmd, backup_usage, NULL, 2, 2, "give a database and a destination directory"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_db *db;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	double t0 = now_s();
	if (rv_db_backup(db, pos[1]) != RV_OK) {
		cli_fail(cmd, "%s", rv_db_errmsg(db));
		return db_close(cmd, db, EXIT_FAIL);
	}
	printf("backed up %s to %s in %.2f s\n", pos[0], pos[1], now_s() - t0);
	return db_close(cmd, db, EXIT_OK);
}

/* ---- info ---- */

static const char repair_usage[] =
	"usage: ruvector repair DB COLL [--yes]\n"
	"\n"
	"Repairs a collection whose log is damaged (an open or `check` fails naming\n"
	"the log and a byte offset). Nothing ever cuts a damaged log by itself,\n"
	"because acknowledged writes may follow the damage. Without --yes this only\n"
	"reports what cutting the log at the damage would drop: the frames (one per\n"
	"write call), the vectors they insert and the ids they delete. With --yes it\n"
	"cuts the log there; the collection then opens and passes `check`, holding\n"
	"every write before the damage. Exits 0 when there is nothing to repair or\n"
	"the repair was made, 1 when a repair is needed (without --yes) or failed.\n"
	"A torn tail left by a crash is not damage and needs no repair.\n";

int cmd_repair(int argc, char **argv)
{
	const char *cmd = "repair", *pos[2];
	int npos = 0;
	bool yes = false;
	const cli_opt opts[] = {CLI_FLAG("--yes", yes), CLI_END};
	const cli_spec spec = {cmd, repair_usage, opts, 2, 2, "give a database and a collection"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_db *db;
	if (db_open(cmd, pos[0], 0, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	rv_repair_report r;
	if (rv_db_repair(db, pos[1], yes ? RV_REPAIR_APPLY : 0, &r) != RV_OK) {
		cli_fail(cmd, "%s", rv_db_errmsg(db));
		return db_close(cmd, db, EXIT_FAIL);
	}
	if (!r.damaged) {
		printf("%s: the log is not damaged; nothing to repair\n", pos[1]);
		return db_close(cmd, db, EXIT_OK);
	}
	printf("%s\n", r.what);
	printf("%s %llu bytes from byte %llu: %llu frame%s (%llu intact) holding %llu vector%s inserted, "
	       "%llu id%s deleted, %llu payload/index change%s",
	       r.repaired ? "dropped" : "a repair drops", (unsigned long long)r.bytes, (unsigned long long)r.offset,
	       (unsigned long long)r.frames, r.frames == 1 ? "" : "s", (unsigned long long)r.intact_frames,
	       (unsigned long long)r.vectors, r.vectors == 1 ? "" : "s", (unsigned long long)r.deletes,
	       r.deletes == 1 ? "" : "s", (unsigned long long)r.others, r.others == 1 ? "" : "s");
	if (r.unknown_frames)
		printf(", and %llu damaged frame%s whose records cannot be counted", (unsigned long long)r.unknown_frames,
		       r.unknown_frames == 1 ? "" : "s");
	if (r.undelimited_bytes)
		printf(", and %llu bytes that cannot be read as frames", (unsigned long long)r.undelimited_bytes);
	printf("\n");
	if (!r.repaired) {
		printf("these were acknowledged writes unless a crash interrupted them; run again with --yes to drop "
		       "them (or restore a backup)\n");
		return db_close(cmd, db, EXIT_FAIL);
	}
	return db_close(cmd, db, EXIT_OK);
}

static const char info_usage[] =
	"usage: ruvector info DB [--json]\n"
	"\n"
	"Lists the database's collections: name, vector count, dimension, metric,\n"
	"quantization (marked * until trained), checkpoint generation, segment bytes,\n"
	"log bytes and on-disk format version. With --json, one JSON object:\n"
	"{\"database\":..,\"collections\":[{\"name\":..,\"count\":..,\"dim\":..,\n"
	"\"metric\":..,\"generation\":..,\"segment_bytes\":..,\"log_bytes\":..,\n"
	"\"format_version\":..,\"quant\":..,\"quant_trained\":..,\"memory_bytes\":..,\n"
	"\"code_bytes\":..,\"mapped_bytes\":..}]} (memory_bytes: heap held when open;\n"
	"mapped_bytes: float32 vectors mapped from the segment). Opens DB read-only.\n";

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

int cmd_info(int argc, char **argv)
{
	const char *cmd = "info", *pos[1];
	int npos = 0;
	bool json = false;
	const cli_opt opts[] = {CLI_FLAG("--json", json), CLI_END};
	const cli_spec spec = {cmd, info_usage, opts, 1, 1, "give a database"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_db *db;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	size_t need = 0;
	int n = rv_db_list_collections(db, NULL, 0, &need);
	char *names = NULL;
	if (n == RV_ERANGE) {
		if (!(names = malloc(need)))
			return db_close(cmd, db, cli_fail(cmd, "out of memory"));
		n = rv_db_list_collections(db, names, need, &need);
	}
	if (n < 0) {
		free(names);
		cli_fail(cmd, "%s", rv_db_errmsg(db));
		return db_close(cmd, db, EXIT_FAIL);
	}
	int status = EXIT_OK;
	if (json) {
		printf("{\"database\":");
		json_string(stdout, pos[0]);
		printf(",\"collections\":[");
	} else {
		printf("database %s: %d collection%s\n", pos[0], n, n == 1 ? "" : "s");
		if (n)
			printf("%-20s %12s %6s %-7s %-8s %10s %14s %12s %6s\n", "name", "count", "dim", "metric", "quant",
			       "generation", "segment_bytes", "log_bytes", "format");
	}
	const char *name = names;
	int shown = 0;
	for (int i = 0; i < n; i++, name += strlen(name) + 1) {
		rv_collection *c;
		if (rv_db_open_collection(db, name, &c) != RV_OK) {
			status = cli_fail(cmd, "%s", rv_db_errmsg(db));
			continue;
		}
		rv_options o;
		rv_storage_stats s;
		rv_collection_options(c, &o);
		rv_collection_storage(c, &s);
		rv_stats st;
		rv_collection_stats(c, &st);
		char q[32];
		quant_spec(&o, q, sizeof q);
		unsigned long long count = (unsigned long long)rv_count(c);
		if (json) {
			printf("%s{\"name\":", shown ? "," : "");
			json_string(stdout, name);
			printf(",\"count\":%llu,\"dim\":%u,\"metric\":\"%s\",\"generation\":%llu,\"segment_bytes\":%llu,"
			       "\"log_bytes\":%llu,\"format_version\":%u,\"quant\":\"%s\",\"quant_trained\":%s,"
			       "\"memory_bytes\":%llu,\"code_bytes\":%llu,\"mapped_bytes\":%llu",
			       count, o.dim, rv_metric_name(o.metric), (unsigned long long)s.generation,
			       (unsigned long long)s.segment_bytes, (unsigned long long)s.wal_bytes, s.format_version, q,
			       st.quant_trained ? "true" : "false", (unsigned long long)st.memory_bytes,
			       (unsigned long long)st.code_bytes, (unsigned long long)st.mapped_bytes);
			rv_calibration cal;
			rv_calibration_get(c, &cal);
			printf(",\"calibration\":");
			print_calibration_json(&cal);
			printf("}");
		} else {
			if (o.quant != RV_QUANT_NONE && !st.quant_trained)
				snprintf(q + strlen(q), sizeof q - strlen(q), "*");
			printf("%-20s %12llu %6u %-7s %-8s %10llu %14llu %12llu %6u\n", name, count, o.dim,
			       rv_metric_name(o.metric), q, (unsigned long long)s.generation,
			       (unsigned long long)s.segment_bytes, (unsigned long long)s.wal_bytes, s.format_version);
			rv_calibration cal;
			rv_calibration_get(c, &cal);
			if (cal.conformal)
				printf("  conformal: alpha %g, threshold %.9g (%s), cap %u, ef %u, %u calibration queries\n",
				       (double)cal.alpha, cal.threshold, conformal_score_name(cal.score), cal.cap,
				       cal.ef, cal.n);
			if (cal.recall)
				printf("  target recall %g: ef %u (k %u, %u calibration queries)\n", (double)cal.target_recall,
				       cal.recall_ef, cal.recall_k, cal.recall_n);
		}
		shown++;
		rv_collection_free(c); /* keep one open at a time */
	}
	if (json)
		printf("]}\n");
	free(names);
	return db_close(cmd, db, status);
}
