/*
 * fuzz_server.c: libFuzzer target for the REST server's router and request
 * bodies (server/, issue #14): routing, ids, Qdrant filters and their
 * translation, upserts, payload edits, scroll, count, searches, collection
 * settings and snapshot archives (untar and restore).
 *
 * Input: a request line, then the body:
 *   METHOD PATH[?QUERY] [CONTENT-TYPE]\n
 *   BODY...
 * A line starting "RO " is sent as by the read-only key. Requests go to
 * router.c directly (no sockets: http.c is the libmicrohttpd shell) on a
 * server over a database in a scratch directory that holds "c" (dimension
 * 4, cosine, 50 points with payloads) and "e" (dimension 2, Euclid); "c"
 * is made again whenever an input drops it or has grown it past 2,000
 * points. Creating snapshots is skipped (each would copy the database).
 * Oracles beyond the sanitizers: every answer has a status in 200..599;
 * an error has a message; a JSON answer parses as JSON.
 * Seeds: corpus/server/.
 *
 * Build and run: sh tests/fuzz/run.sh [seconds] fuzz_server
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../server/internal.h"

static srv S;

static void make_c(void)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 4;
	o.metric = RV_METRIC_COSINE;
	o.m = 4;
	o.ef_construction = 16;
	o.threads = 1;
	rv_collection *c;
	if (rv_db_create_collection(S.db, "c", &o, &c) != RV_OK)
		abort();
	static const char *const pays[] = {
		"{\"city\":\"oslo\",\"n\":1,\"tags\":[\"a\",\"b\"],\"meta\":{\"x\":{\"y\":\"z\"}},\"items\":[{\"s\":1},{\"s\":2}]}",
		"{\"city\":\"rome\",\"n\":2.5,\"note\":null,\"tags\":[]}",
		"{\"text\":\"hello world\",\"b\":true}",
		"{}",
	};
	for (int i = 0; i < 50; i++) {
		char id[32];
		snprintf(id, sizeof id, i % 5 ? "%d" : "0000000%d-0000-4000-8000-000000000000", i);
		float v[4] = {(float)(i % 7) + 1, (float)(i % 3), (float)i / 10, 1};
		if (rv_insert_payload(c, id, v, 4, pays[i % 4], 0) != RV_OK)
			abort();
	}
	rv_create_index(c, "city", RV_INDEX_KEYWORD);
	if (srv_registry_add(&S, "c", c) != RV_OK)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	static char dir[512];
	snprintf(dir, sizeof dir, "%s/rv-fuzz-server-XXXXXX", tmp);
	if (!mkdtemp(dir))
		abort();
	static char db[600];
	snprintf(db, sizeof db, "%s/db", dir);
	rv_server_config_init(&S.cfg);
	S.cfg.db_path = db;
	S.cfg.max_batch = 64;
	S.cfg.max_k = 100;
	S.cfg.timeout_ms = 2000;
	S.cfg.max_searches = 4;
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_CREATE;
	o.durability = RV_SYNC_OFF;
	o.checkpoint_bytes = 0;
	if (rv_db_open(db, &o, &S.db) != RV_OK)
		abort();
	snprintf(S.snap_dir, sizeof S.snap_dir, "%s.snapshots", db);
	pthread_rwlock_init(&S.lock, NULL);
	if (srv_metrics_new(&S) != RV_OK)
		abort();
	make_c();
	rv_collection *e;
	rv_options eo;
	rv_options_init(&eo);
	eo.dim = 2;
	eo.threads = 1;
	if (rv_db_create_collection(S.db, "e", &eo, &e) != RV_OK || srv_registry_add(&S, "e", e) != RV_OK)
		abort();
	atomic_store(&S.ready, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line_len = nl ? (size_t)(nl - data) : size;
	if (line_len > 1000)
		return 0;
	char line[1001];
	memcpy(line, data, line_len);
	line[line_len] = '\0';
	if (memchr(line, '\0', line_len))
		return 0;
	srv_req q = {0};
	char *p = line;
	if (!strncmp(p, "RO ", 3))
		q.read_only = true, p += 3;
	char *method = strtok(p, " "), *target = strtok(NULL, " "), *ctype = strtok(NULL, "");
	if (!method || !target || target[0] != '/')
		return 0;
	/* POST .../snapshots copies the whole database: not per input */
	size_t tl = strlen(target);
	if (!strcmp(method, "POST") && tl >= 10 && !strcmp(target + tl - 10, "/snapshots"))
		return 0;
	char *query = strchr(target, '?');
	if (query) {
		*query++ = '\0';
		for (char *kv = strtok(query, "&"); kv && q.nq < SRV_MAX_QUERY; kv = strtok(NULL, "&")) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = '\0';
			q.qkeys[q.nq] = kv;
			q.qvals[q.nq++] = eq;
		}
	}
	/* the body, NUL-terminated as http.c hands it over */
	size_t blen = nl ? size - line_len - 1 : 0;
	char *body = malloc(blen + 1);
	if (!body)
		return 0;
	if (blen)
		memcpy(body, nl + 1, blen);
	body[blen] = '\0';
	q.method = method;
	q.path = target;
	q.body = blen ? body : NULL;
	q.body_len = blen;
	q.content_type = ctype;
	q.deadline = srv_now() + 2.0;
	srv_resp r = {.route = -1};
	srv_route(&S, &q, &r);
	if (r.status < 200 || r.status > 599)
		abort();
	if (r.status >= 400 && !r.err[0])
		abort();
	if (r.status < 400 && !r.content_type && r.out.len && !r.out.failed) {
		rv_json *j = NULL;
		if (rv_json_parse(r.out.buf, r.out.len, NULL, &j, NULL, 0) != RV_OK) {
			fprintf(stderr, "not JSON: %.300s\n", r.out.buf);
			abort();
		}
		rv_json_free(j);
	}
	rv_strbuf_free(&r.out);
	free(body);
	/* keep the fixture: "c" there and small */
	srv_coll *c = srv_registry_find(&S, "c");
	if (c && rv_count(c->c) > 2000) {
		srv_registry_drop(&S, "c");
		c = NULL;
	}
	if (!c) {
		rv_db_drop_collection(S.db, "c");
		make_c();
	}
	return 0;
}
