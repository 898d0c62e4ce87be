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

/* "--name value" helpers: *i is advanced past the value. Print a usage
 * error and return false on a missing or malformed value. */
bool arg_str(int argc, char **argv, int *i, const char **out);
bool arg_u64(int argc, char **argv, int *i, uint64_t min, uint64_t max, uint64_t *out);
bool arg_double(int argc, char **argv, int *i, double min, double max, double *out);

/* Seconds since an arbitrary start, monotonic. */
double now_s(void);
/* Peak resident set size of this process in bytes. */
size_t peak_rss_bytes(void);

#endif
