/*
 * common.c: what the ruvector commands share besides their arguments
 * (args.c): opening and closing a database with the messages every command
 * prints, a record's payload as JSON text, a monotonic clock and the peak
 * resident memory.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"

int db_open(const char *cmd, const char *path, uint32_t flags, rv_durability dur, rv_db **out)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	o.durability = dur;
	int rc = rv_db_open(path, &o, out);
	if (rc == RV_OK)
		return EXIT_OK;
	if (rc == RV_ENOTFOUND)
		return cli_fail(cmd, "%s: no database here (create one with 'ruvector create %s COLL --dim D')", path,
		                path);
	cli_fail(cmd, "%s", rv_errmsg(NULL));
	if (rc == RV_EBUSY)
		fprintf(stderr,
		        "ruvector %s: the database is locked by another writer; retry when it has finished "
		        "(count, search, info, check and backup work meanwhile)\n",
		        cmd);
	return EXIT_FAIL;
}

int db_open_coll(const char *cmd, rv_db *db, const char *name, rv_collection **out)
{
	if (rv_db_open_collection(db, name, out) == RV_OK)
		return EXIT_OK;
	return cli_fail(cmd, "%s", rv_db_errmsg(db));
}

int db_close(const char *cmd, rv_db *db, int status)
{
	int rc = rv_db_close(db);
	/* The message of a failed close is attached to the handle that close
	 * has just freed, so only the code can be reported. */
	if (rc != RV_OK)
		return cli_fail(cmd, "closing the database failed: %s", rv_strerror(rc));
	return status;
}

char *coll_payload_json(rv_collection *c, const char *id)
{
	size_t need = 512;
	for (int tries = 0; tries < 3; tries++) {
		char *buf = malloc(need);
		if (!buf)
			return NULL;
		int rc = rv_get_payload(c, id, buf, need, &need);
		if (rc == RV_OK)
			return buf;
		free(buf);
		if (rc != RV_ERANGE)
			return NULL;
	}
	return NULL;
}

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t peak_rss_bytes(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (size_t)ru.ru_maxrss * 1024;
}
