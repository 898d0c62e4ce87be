/*
 * cmd_serve.c: `ruvector serve DB`, the Qdrant-compatible REST server.
 *
 * A thin shell: the options go into an rv_server_config and
 * rv_server_run() (server/) does the rest; see server/README.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../server/server.h"
#include "cli.h"

static const char serve_usage[] =
	"usage: ruvector serve DB [--host 127.0.0.1] [--port 6333] [--threads N]\n"
	"                      [--api-key KEY] [--read-only-key KEY] [--insecure]\n"
	"                      [--max-body BYTES] [--max-batch N] [--max-k N]\n"
	"                      [--max-filter-depth N] [--timeout MS] [--conn-timeout S]\n"
	"                      [--max-searches N] [--durability full|normal|off]\n"
	"                      [--quiet] [--port-file FILE]\n"
	"\n"
	"Serves the database directory DB (created when missing) over HTTP with\n"
	"Qdrant's REST API, so Qdrant's clients work against it unchanged.\n"
	"--api-key / --read-only-key: requests must carry `api-key: KEY` or\n"
	"`Authorization: Bearer KEY`; the read-only key cannot write (403).\n"
	"Without a key the server listens only on a loopback address, unless\n"
	"--insecure is given. The keys may also come from the environment\n"
	"(RUVECTOR_API_KEY, RUVECTOR_READ_ONLY_KEY), which keeps them out of ps.\n"
	"Limits: --max-body (default 32 MiB; 413 beyond), --max-batch points or\n"
	"searches per request (10000), --max-k limit+offset (10000),\n"
	"--max-filter-depth (8), --timeout per request in ms (30000),\n"
	"--conn-timeout idle seconds (10), --max-searches running at once before\n"
	"503 + Retry-After (default: one per CPU); --threads defaults to four times\n"
	"that (at least 8).\n"
	"--quiet turns the access log (one line per request on stderr) off;\n"
	"--port-file writes the port once ready (use --port 0 for a free one).\n"
	"SIGTERM or SIGINT: finish the requests in flight, checkpoint, exit 0.\n";

int cmd_serve(int argc, char **argv)
{
	const char *cmd = "serve", *pos[1];
	int npos = 0;
	rv_server_config c;
	rv_server_config_init(&c);
	uint64_t port = c.port, threads = 0, max_body = c.max_body, max_batch = c.max_batch, max_k = c.max_k;
	uint64_t depth = c.max_filter_depth, timeout = c.timeout_ms, conn_timeout = c.conn_timeout_s, searches = 0;
	bool insecure = false, quiet = false;
	const cli_opt opts[] = {
		CLI_STR("--host", c.host),
		CLI_U64("--port", port, 0, 65535),
		CLI_U64("--threads", threads, 1, 1024),
		CLI_STR("--api-key", c.api_key),
		CLI_STR("--read-only-key", c.read_only_key),
		CLI_FLAG("--insecure", insecure),
		CLI_U64("--max-body", max_body, 1024, (uint64_t)1 << 34),
		CLI_U64("--max-batch", max_batch, 1, 1000000),
		CLI_U64("--max-k", max_k, 1, RV_K_MAX),
		CLI_U64("--max-filter-depth", depth, 1, 16),
		CLI_U64("--timeout", timeout, 1, 3600000),
		CLI_U64("--conn-timeout", conn_timeout, 1, 3600),
		CLI_U64("--max-searches", searches, 1, 65536),
		CLI_DURABILITY(c.durability),
		CLI_FLAG("--quiet", quiet),
		CLI_STR("--port-file", c.port_file),
		CLI_END,
	};
	const cli_spec spec = {cmd, serve_usage, opts, 1, 1, "missing the database directory DB"};
	int st = cli_parse(&spec, argc, argv, pos, &npos);
	if (st != CLI_GO_ON)
		return st;
	if (!c.api_key && getenv("RUVECTOR_API_KEY") && *getenv("RUVECTOR_API_KEY"))
		c.api_key = getenv("RUVECTOR_API_KEY");
	if (!c.read_only_key && getenv("RUVECTOR_READ_ONLY_KEY") && *getenv("RUVECTOR_READ_ONLY_KEY"))
		c.read_only_key = getenv("RUVECTOR_READ_ONLY_KEY");
	if ((c.api_key && !*c.api_key) || (c.read_only_key && !*c.read_only_key))
		return cli_usage_error(cmd, serve_usage, "an API key may not be empty");
	c.db_path = pos[0];
	c.port = (unsigned)port;
	c.threads = (unsigned)threads;
	c.max_body = (size_t)max_body;
	c.max_batch = (size_t)max_batch;
	c.max_k = (size_t)max_k;
	c.max_filter_depth = (unsigned)depth;
	c.timeout_ms = (unsigned)timeout;
	c.conn_timeout_s = (unsigned)conn_timeout;
	c.max_searches = (unsigned)searches;
	c.insecure = insecure;
	c.access_log = !quiet;
	return rv_server_run(&c);
}
