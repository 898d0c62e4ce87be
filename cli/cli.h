/*
 * cli.h: what the ruvector CLI's commands share: argument helpers and the
 * command table. Each command lives in its own cmd_*.c file and is a thin
 * shell over ruvector.h.
 */
#ifndef RV_CLI_H
#define RV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruvector.h"

/* Exit statuses, shared by every command. */
#define EXIT_OK 0
#define EXIT_FAIL 1   /* the operation failed (message on stderr) */
#define EXIT_USAGE 2  /* bad command line */

int cmd_version(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* database commands: cmd_db.c */
int cmd_create(int argc, char **argv);
int cmd_compact(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_repair(int argc, char **argv);
/* file commands: cmd_io.c */
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* vector commands: cmd_vectors.c */
int cmd_count(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_payload(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_text_search(int argc, char **argv);
/* hypergraph commands: cmd_hyper.c */
int cmd_hyperedge(int argc, char **argv);
int cmd_hyper_search(int argc, char **argv);
int cmd_khop(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_hyper_buckets(int argc, char **argv);
/* the embedding-quality report: cmd_inspect.c */
int cmd_inspect(int argc, char **argv);
/* calibration: cmd_calib.c */
int cmd_calibrate(int argc, char **argv);
/* "distance", "rank" or "ratio". */
const char *conformal_score_name(rv_conformal_score s);
/* A calibration as JSON on stdout ("null" when none). */
void print_calibration_json(const rv_calibration *k);
/* the REST server: cmd_serve.c over server/ */
int cmd_serve(int argc, char **argv);

/* ---- the command line (args.c) ----
 * Each command describes its options and positionals in a cli_spec and
 * calls cli_parse() once; see args.c for what it handles. */
typedef enum {
	OPT_FLAG,   /* no value: *(bool *)out = true */
	OPT_STRING, /* *(const char **)out = the value */
	OPT_U64,    /* *(uint64_t *)out, an integer in [min, max] */
	OPT_DOUBLE, /* *(double *)out, a number in [dmin, dmax] */
	OPT_CUSTOM, /* parse(value, out, why, why_size) */
} cli_opt_kind;

typedef struct cli_opt {
	const char *name;  /* "--dim"; NULL ends a table */
	const char *alias; /* "-k", or NULL */
	cli_opt_kind kind;
	void *out;
	uint64_t min, max;  /* OPT_U64 */
	double dmin, dmax;  /* OPT_DOUBLE */
	bool (*parse)(const char *value, void *out, char *why, size_t why_size); /* OPT_CUSTOM */
	bool *given;        /* set to true when the option appears (optional) */
} cli_opt;

typedef struct cli_spec {
	const char *cmd;     /* "create" */
	const char *usage;   /* synopsis, blank line, description */
	const cli_opt *opts; /* ends with {NULL} */
	int min_pos, max_pos; /* max_pos -1: no limit (pos must hold argc) */
	const char *missing;  /* the error when fewer than min_pos were given */
} cli_spec;

#define CLI_GO_ON (-1)
/* Parse argv[1..argc) into the options' outputs and pos[0..*npos). Returns
 * CLI_GO_ON when the command should run; otherwise the exit status to
 * return at once: EXIT_OK after printing --help, EXIT_USAGE after
 * reporting a usage error (once, with the synopsis). */
int cli_parse(const cli_spec *s, int argc, char **argv, const char **pos, int *npos);
/* OPT_CUSTOM parsers: "full|normal|off" into rv_durability; a metric name
 * into rv_metric. */
bool cli_parse_durability(const char *value, void *out, char *why, size_t why_size);
bool cli_parse_metric(const char *value, void *out, char *why, size_t why_size);

/* Table entries. */
#define CLI_FLAG(n, var) {.name = (n), .kind = OPT_FLAG, .out = &(var)}
#define CLI_STR(n, var) {.name = (n), .kind = OPT_STRING, .out = &(var)}
#define CLI_U64(n, var, lo, hi) {.name = (n), .kind = OPT_U64, .out = &(var), .min = (lo), .max = (hi)}
#define CLI_DBL(n, var, lo, hi) {.name = (n), .kind = OPT_DOUBLE, .out = &(var), .dmin = (lo), .dmax = (hi)}
#define CLI_FN(n, var, fn) {.name = (n), .kind = OPT_CUSTOM, .out = &(var), .parse = (fn)}
#define CLI_DURABILITY(var) CLI_FN("--durability", var, cli_parse_durability)
#define CLI_END {.name = NULL}

/* Print "ruvector CMD: message" on stderr; return EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the synopsis of a usage text (up to its first blank line) and a
 * pointer to --help on stderr; return EXIT_USAGE. */
int cli_synopsis(const char *cmd, const char *usage);
/* Print "ruvector CMD: message" and the synopsis on stderr; return
 * EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- shared by the commands (common.c) ----
 * Each prints "ruvector CMD: ..." on stderr and returns an exit status. */

/* Open the database at path with flags (RV_DB_CREATE, RV_DB_READONLY) and
 * durability. EXIT_OK, or EXIT_FAIL with the library's message printed
 * (plus a hint for a missing database and for another writer's lock). */
int db_open(const char *cmd, const char *path, uint32_t flags, rv_durability dur, rv_db **out);
/* Open collection name in db; EXIT_OK or EXIT_FAIL with the message. */
int db_open_coll(const char *cmd, rv_db *db, const char *name, rv_collection **out);
/* Close db (and its collections); return status, or EXIT_FAIL (message
 * printed) when closing failed to flush. */
int db_close(const char *cmd, rv_db *db, int status);

/* The payload of record id as JSON text ("{}" when it has none; free()
 * it), or NULL with the reason in rv_errmsg(c) ("" there: out of memory). */
char *coll_payload_json(rv_collection *c, const char *id);

/* ---- bench --conformal / --target-recall (bench_calib.c) ---- */
typedef struct bench_calib_in {
	const float *queries;  /* nq x dim */
	const int32_t *gt;     /* nq rows of gt_k base row numbers (the ids) */
	size_t nq, dim, gt_k, k;
	size_t calibration;    /* calibration queries; 0: half */
	size_t splits;         /* --conformal: random splits */
	size_t cap;            /* --conformal: the cap; 0: the library's default */
	size_t ef;             /* --conformal: ef of the conformal search; 0: the library's default */
	uint64_t seed;
	bool json;
} bench_calib_in;
int bench_conformal(rv_collection *c, const bench_calib_in *in, double alpha);
int bench_target_recall(rv_collection *c, const bench_calib_in *in, double target);

/* Seconds since an arbitrary start, monotonic. */
double now_s(void);
/* Peak resident set size of this process in bytes. */
size_t peak_rss_bytes(void);

#endif
