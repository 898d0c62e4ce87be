/*
 * config.c: the server's defaults (server.h), apart from http.c so that
 * the fuzz target, which has no sockets, builds its server the same way.
 */
#include <string.h>

#include "server.h"

void rv_server_config_init(rv_server_config *c)
{
	memset(c, 0, sizeof *c);
	c->host = "127.0.0.1";
	c->port = 6333;
	c->threads = 0;       /* 4 x max_searches, at least 8 */
	c->max_body = 32u << 20;
	c->max_batch = 10000;
	c->max_k = 10000;
	c->max_filter_depth = 8;
	c->timeout_ms = 30000;
	c->conn_timeout_s = 10;
	c->max_searches = 0;  /* online CPUs */
	c->durability = RV_SYNC_FULL;
	c->access_log = 1;
}
