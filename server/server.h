/*
 * server.h: what the CLI needs from the server: its options and its entry
 * point. `ruvector serve DB` (cli/cmd_serve.c) fills an rv_server_config and
 * calls rv_server_run(); nothing in server/ calls back into cli/.
 *
 * The server speaks the subset of Qdrant's REST API that README.md lists,
 * over include/ruvector.h only, on libmicrohttpd.
 */
#ifndef RV_SERVER_H
#define RV_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "ruvector.h"

typedef struct rv_server_config {
	const char *db_path;        /* the database directory (created when missing) */
	const char *host;           /* address to bind; default "127.0.0.1" */
	unsigned port;              /* default 6333; 0 picks a free port (printed) */
	unsigned threads;           /* libmicrohttpd's thread pool; 0: 4 x max_searches, at least 8 */
	const char *api_key;        /* read-write key, or NULL for none */
	const char *read_only_key;  /* key that may only read, or NULL */
	int insecure;               /* allow a non-loopback bind without a key */
	size_t max_body;            /* largest request body in bytes; default 32 MiB */
	size_t max_batch;           /* most points (or searches) per request; default 10000 */
	size_t max_k;               /* largest limit + offset of a search; default 10000 */
	unsigned max_filter_depth;  /* deepest Qdrant filter nesting; default 8 */
	unsigned timeout_ms;        /* per-request deadline; default 30000 */
	unsigned conn_timeout_s;    /* idle connections closed after this; default 10 */
	unsigned max_searches;      /* searches running at once before 503; 0: one per CPU */
	rv_durability durability;   /* of the database; default RV_SYNC_FULL */
	int access_log;             /* one line per request on stderr; default 1 */
	const char *port_file;      /* write the bound port here once listening (tests) */
} rv_server_config;

/* Fill @p c with the defaults above. */
void rv_server_config_init(rv_server_config *c);

/* Open the database, serve until SIGTERM or SIGINT, then finish the
 * requests in flight, checkpoint every collection and close. Returns a
 * process exit status: 0 after a clean shutdown, 1 when the server could
 * not start (the reason printed on stderr), 2 for a refused configuration
 * (a non-loopback bind without a key and without insecure). */
int rv_server_run(const rv_server_config *c);

#endif
