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
/* vector commands: cmd_vectors.c */
int cmd_import(int argc, char **argv);
int cmd_count(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_payload(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_text_search(int argc, char **argv);

/* "--name value" helpers: *i is advanced past the value. Print a usage
 * error and return false on a missing or malformed value. */
bool arg_str(int argc, char **argv, int *i, const char **out);
bool arg_u64(int argc, char **argv, int *i, uint64_t min, uint64_t max, uint64_t *out);
bool arg_double(int argc, char **argv, int *i, double min, double max, double *out);

/* ---- shared by the database commands (cmd_db.c) ----
 * Each prints "ruvector CMD: ..." on stderr and returns an exit status. */

/* Print "ruvector CMD: message" on stderr; return EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the synopsis of a usage text (up to its first blank line) and a
 * pointer to --help on stderr; return EXIT_USAGE. */
int cli_synopsis(const char *cmd, const char *usage);
/* Print "ruvector CMD: message" and the synopsis on stderr; return
 * EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Store a positional argument in pos[*n]; a usage error when there are
 * already max of them. */
bool arg_positional(const char *cmd, const char *usage, const char *arg, const char **pos, int *n, int max);
/* "--durability full|normal|off". */
bool arg_durability(int argc, char **argv, int *i, rv_durability *out);
/* Open the database at path with flags (RV_DB_CREATE, RV_DB_READONLY) and
 * durability. EXIT_OK, or EXIT_FAIL with the library's message printed
 * (plus a hint for a missing database and for another writer's lock). */
int db_open(const char *cmd, const char *path, uint32_t flags, rv_durability dur, rv_db **out);
/* Open collection name in db; EXIT_OK or EXIT_FAIL with the message. */
int db_open_coll(const char *cmd, rv_db *db, const char *name, rv_collection **out);
/* Close db (and its collections); return status, or EXIT_FAIL (message
 * printed) when closing failed to flush. */
int db_close(const char *cmd, rv_db *db, int status);

/* Seconds since an arbitrary start, monotonic. */
double now_s(void);
/* Peak resident set size of this process in bytes. */
size_t peak_rss_bytes(void);

#endif
