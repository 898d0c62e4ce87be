/*
 * http.c: the HTTP shell of `ruvector serve`, on libmicrohttpd.
 *
 * libmicrohttpd runs a pool of threads, each with its own epoll set over
 * its share of the connections; a request is handled to the end on the
 * thread that read it. This file turns each request into an srv_req for
 * router.c, and enforces what must hold before any handler runs:
 *
 *   - keys: with --api-key (and/or --read-only-key) every request but the
 *     health probes carries `api-key: KEY` or `Authorization: Bearer KEY`;
 *     keys are compared in constant time (every byte of the longer string
 *     is looked at whatever matches); no key is 401, the read-only key on
 *     a write is 403 (router.c). Without a key the server binds only to a
 *     loopback address unless --insecure says otherwise.
 *   - limits: a body above --max-body is 413, decided from Content-Length
 *     before reading it and counted while reading (a chunked body has no
 *     length); headers above 64 KiB are refused by libmicrohttpd (431);
 *     idle connections close after --conn-timeout seconds; every request
 *     gets a deadline (--timeout) that long loops check.
 *   - overload: searches past --max-searches are 503 with Retry-After at
 *     once (search.c); the pool is four times that (at least 8), so that
 *     a full set of searches leaves threads to answer those 503s and the
 *     probes.
 *   - the access log: one line per request on stderr.
 *   - shutdown: SIGTERM or SIGINT stops accepting, waits for the requests
 *     in flight, checkpoints every collection, closes the database and
 *     returns 0.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* One request's state across libmicrohttpd's calls. */
typedef struct conn_req {
	char *body;
	size_t len, cap;
	bool too_big;     /* refused on the first call, or grown past the limit */
	bool read_only;   /* authenticated by the read-only key */
	bool answered;    /* an answer was queued on the first call */
	double start;
} conn_req;

static atomic_int inflight; /* requests between their first call and completion */

/* Constant-time equality of a presented key and a configured one. */
static bool key_equal(const char *given, const char *want)
{
	if (!given || !want)
		return false;
	size_t a = strlen(given), b = strlen(want), n = a > b ? a : b;
	unsigned char diff = (unsigned char)(a != b);
	for (size_t i = 0; i < n; i++) {
		unsigned char x = i < a ? (unsigned char)given[i] : 0, y = i < b ? (unsigned char)want[i] : 0;
		diff |= x ^ y;
	}
	return diff == 0;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	srv_req *q = cls;
	if (q->nq < SRV_MAX_QUERY) {
		q->qkeys[q->nq] = key;
		q->qvals[q->nq++] = value;
	}
	return MHD_YES;
}

/* The body of an answer: JSON answers wrapped as Qdrant wraps them. */
static void wrap(srv_resp *r, double secs, rv_strbuf *out)
{
	if (r->content_type && r->status < 400) {
		rv_strbuf_append(out, r->out.buf ? r->out.buf : "", r->out.len);
		return;
	}
	if (r->status >= 400) {
		rv_strbuf_append(out, "{\"status\":{\"error\":", 19);
		rv_strbuf_json_string(out, r->err, strlen(r->err));
		rv_strbuf_printf(out, "},\"time\":%.6f}", secs);
		return;
	}
	rv_strbuf_append(out, "{\"result\":", 10);
	if (r->out.len)
		rv_strbuf_append(out, r->out.buf, r->out.len);
	else
		rv_strbuf_append(out, "null", 4);
	rv_strbuf_printf(out, ",\"status\":\"ok\",\"time\":%.6f}", secs);
}

static void client_addr(struct MHD_Connection *con, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, size, "-");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf, (socklen_t)size);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf, (socklen_t)size);
}

static enum MHD_Result send_answer(srv *s, struct MHD_Connection *con, const char *method, const char *url,
                                   srv_resp *r, double start)
{
	double secs = srv_now() - start;
	rv_strbuf body = {0};
	wrap(r, secs, &body);
	if (body.failed) {
		rv_strbuf_free(&body);
		r->status = 503;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(body.len, body.buf ? body.buf : (char *)"", MHD_RESPMEM_MUST_COPY);
	rv_strbuf_free(&body);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type",
	                        r->content_type && r->status < 400 ? r->content_type : "application/json");
	if (r->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	if (r->disposition_name) {
		char cd[300];
		snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", r->disposition_name);
		MHD_add_response_header(resp, "Content-Disposition", cd);
	}
	enum MHD_Result ok = MHD_queue_response(con, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	srv_metrics_record(s, r->route, r->status, secs);
	if (s->cfg.access_log) {
		char addr[64], ts[32];
		client_addr(con, addr, sizeof addr);
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		struct tm tm;
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s \"%s %.200s\" %d %.3fms\n", ts, now.tv_nsec / 1000000, addr, method, url,
		        r->status, secs * 1e3);
	}
	return ok;
}

/* An answer decided by the shell itself (auth, body size). */
static enum MHD_Result refuse(srv *s, struct MHD_Connection *con, const char *method, const char *url, double start,
                              int status, const char *msg)
{
	srv_resp r = {.route = -1};
	srv_error(&r, status, "%s", msg);
	enum MHD_Result ok = send_answer(s, con, method, url, &r, start);
	rv_strbuf_free(&r.out);
	return ok;
}

static bool is_probe(const char *url)
{
	return !strcmp(url, "/livez") || !strcmp(url, "/readyz") || !strcmp(url, "/healthz");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
	(void)version;
	srv *s = cls;
	conn_req *cr = *state;
	if (!cr) {
		if (!(cr = calloc(1, sizeof *cr)))
			return MHD_NO;
		cr->start = srv_now();
		*state = cr;
		atomic_fetch_add(&inflight, 1);
		/* Keys first: an unknown client gets 401 before sending its body. */
		if ((s->cfg.api_key || s->cfg.read_only_key) && !is_probe(url)) {
			const char *key = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "api-key");
			const char *auth = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
			if (!key && auth && !strncasecmp(auth, "Bearer ", 7))
				key = auth + 7;
			if (s->cfg.api_key && key_equal(key, s->cfg.api_key))
				cr->read_only = false;
			else if (s->cfg.read_only_key && key_equal(key, s->cfg.read_only_key))
				cr->read_only = true;
			else {
				cr->answered = true;
				return refuse(s, con, method, url, cr->start, 401,
				              key ? "Unauthorized: invalid API key"
				                  : "Unauthorized: must provide an API key or an Authorization bearer token");
			}
		}
		/* Refuse what is too big before reading it. */
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body) {
			cr->answered = true;
			char msg[128];
			snprintf(msg, sizeof msg, "Payload error: the body is larger than the limit of %zu bytes", s->cfg.max_body);
			return refuse(s, con, method, url, cr->start, 413, msg);
		}
		return MHD_YES;
	}
	if (cr->answered) { /* libmicrohttpd discards the rest; nothing more to say */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cr->too_big) {
			if (cr->len + *upload_size > s->cfg.max_body) {
				cr->too_big = true;
				free(cr->body);
				cr->body = NULL;
				cr->len = cr->cap = 0;
			} else {
				if (cr->len + *upload_size + 1 > cr->cap) {
					size_t nc = (cr->len + *upload_size + 1) * 2;
					if (nc > s->cfg.max_body + 1)
						nc = s->cfg.max_body + 1;
					char *g = realloc(cr->body, nc);
					if (!g)
						return MHD_NO;
					cr->body = g, cr->cap = nc;
				}
				memcpy(cr->body + cr->len, upload, *upload_size);
				cr->len += *upload_size;
				cr->body[cr->len] = '\0';
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cr->too_big) {
		char msg[128];
		snprintf(msg, sizeof msg, "Payload error: the body is larger than the limit of %zu bytes", s->cfg.max_body);
		return refuse(s, con, method, url, cr->start, 413, msg);
	}
	srv_req q = {.method = method, .path = url, .body = cr->body, .body_len = cr->len};
	q.content_type = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (s->cfg.timeout_ms)
		q.deadline = cr->start + s->cfg.timeout_ms / 1000.0;
	q.read_only = cr->read_only;
	MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	srv_resp r = {.route = -1};
	srv_route(s, &q, &r);
	if (r.out.failed && r.status < 400)
		srv_error(&r, 503, "out of memory writing the answer");
	enum MHD_Result ok = send_answer(s, con, method, url, &r, cr->start);
	rv_strbuf_free(&r.out);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **state, enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)con, (void)why;
	conn_req *cr = *state;
	if (cr) {
		free(cr->body);
		free(cr);
		*state = NULL;
		atomic_fetch_sub(&inflight, 1);
	}
}

static bool loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1");
}

int rv_server_run(const rv_server_config *cfg)
{
	static srv S; /* one server per process: signals are process-wide */
	srv *s = &S;
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (!s->cfg.max_searches)
		s->cfg.max_searches = cpus > 0 ? (unsigned)cpus : 4;
	if (!s->cfg.threads) /* measured: 16 threads for 2 search slots answer the 503s of an overload sooner than 4 */
		s->cfg.threads = 4 * s->cfg.max_searches < 8 ? 8 : 4 * s->cfg.max_searches;
	if (!s->cfg.api_key && !s->cfg.read_only_key && !loopback(s->cfg.host) && !s->cfg.insecure) {
		fprintf(stderr,
		        "ruvector serve: refusing to listen on %s without an API key: anyone who can reach it could read "
		        "and change the database. Give --api-key KEY, or --insecure to do it anyway.\n",
		        s->cfg.host);
		return 2;
	}
	struct sockaddr_storage addr;
	memset(&addr, 0, sizeof addr);
	const char *host = !strcmp(s->cfg.host, "localhost") ? "127.0.0.1" : s->cfg.host;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)s->cfg.port);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)s->cfg.port);
		flags |= MHD_USE_IPv6;
	} else {
		fprintf(stderr, "ruvector serve: --host %s is not an IPv4 or IPv6 address\n", s->cfg.host);
		return 2;
	}
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_CREATE;
	o.durability = s->cfg.durability;
	int rc = rv_db_open(s->cfg.db_path, &o, &s->db);
	if (rc != RV_OK) {
		fprintf(stderr, "ruvector serve: %s\n", rv_errmsg(NULL));
		return 1;
	}
	snprintf(s->snap_dir, sizeof s->snap_dir, "%s.snapshots", s->cfg.db_path);
	pthread_rwlock_init(&s->lock, NULL);
	if (srv_metrics_new(s) != RV_OK) {
		rv_db_close(s->db);
		return 1;
	}
	/* Signals go to this thread's sigwait only: block them before any
	 * thread starts, so every thread inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)s->cfg.port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)s->cfg.conn_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ruvector serve: cannot listen on %s port %u: %s\n", s->cfg.host, s->cfg.port, strerror(errno));
		srv_metrics_free(s);
		rv_db_close(s->db);
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : s->cfg.port;
	fprintf(stderr, "ruvector serve: listening on http://%s:%u (database %s, %u threads, %u searches at once)\n",
	        s->cfg.host, port, s->cfg.db_path, s->cfg.threads, s->cfg.max_searches);
	/* Open the collections while already answering the probes: /readyz
	 * says 503 until every log has been replayed. */
	pthread_rwlock_wrlock(&s->lock);
	rc = srv_registry_open(s);
	pthread_rwlock_unlock(&s->lock);
	int status = 0;
	if (rc != RV_OK)
		status = 1;
	else {
		atomic_store(&s->ready, 1);
		if (s->cfg.port_file) {
			/* written after readiness, so a test that waits for it can go */
			char tmp[4096];
			snprintf(tmp, sizeof tmp, "%s.tmp", s->cfg.port_file);
			FILE *f = fopen(tmp, "w");
			if (f) {
				fprintf(f, "%u\n", port);
				fclose(f);
				rename(tmp, s->cfg.port_file);
			}
		}
		int sig = 0;
		sigwait(&sigs, &sig);
		fprintf(stderr, "ruvector serve: %s: finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	}
	/* Stop accepting, let the requests in flight finish (bounded by their
	 * deadline), then stop the threads. */
	MHD_socket ls = MHD_quiesce_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	double until = srv_now() + s->cfg.timeout_ms / 1000.0 + 5;
	while (atomic_load(&inflight) > 0 && srv_now() < until) {
		struct timespec ms = {0, 10 * 1000 * 1000};
		nanosleep(&ms, NULL);
	}
	MHD_stop_daemon(d);
	pthread_rwlock_wrlock(&s->lock);
	srv_registry_close(s);
	pthread_rwlock_unlock(&s->lock);
	rc = rv_db_close(s->db);
	if (rc != RV_OK) {
		fprintf(stderr, "ruvector serve: closing the database failed: %s\n", rv_strerror(rc));
		status = 1;
	}
	srv_metrics_free(s);
	pthread_rwlock_destroy(&s->lock);
	if (status == 0)
		fprintf(stderr, "ruvector serve: stopped cleanly\n");
	return status;
}
