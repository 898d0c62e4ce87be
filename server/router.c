/*
 * router.c: from method and path to a handler, and the endpoints that are
 * not Qdrant's collections: GET / (name and version), the health probes
 * and /metrics.
 *
 * Routes are a table of patterns whose "{}" segments capture the
 * collection name and one argument (a point id, a field, a snapshot
 * name). The table is also what metrics.c labels its series with, so a
 * route's name is its pattern, never the request's path (which would make
 * a series per collection and per id).
 *
 * Locking: a route on an existing collection looks it up and holds the
 * registry lock shared until its handler returns; creating and deleting
 * collections take it exclusive. A read-only key may use the routes not
 * marked W (and the searches, which are POSTs that change nothing).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define R_COLL 0x1u  /* first capture names an existing collection */
#define R_WRITE 0x2u /* changes data: refused to the read-only key */
#define R_EXCL 0x4u  /* holds the registry exclusive */

static int h_root(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
static int h_probe(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
static int h_metrics(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);

static const struct route {
	const char *method;
	const char *pattern;
	srv_handler fn;
	unsigned flags;
	const char *name;  /* METHOD pattern, for metrics and logs */
} routes[] = {
	{"GET", "/", h_root, 0, "GET /"},
	{"GET", "/healthz", h_probe, 0, "GET /healthz"},
	{"GET", "/livez", h_probe, 0, "GET /livez"},
	{"GET", "/readyz", h_probe, 0, "GET /readyz"},
	{"GET", "/metrics", h_metrics, 0, "GET /metrics"},
	{"GET", "/collections", h_coll_list, 0, "GET /collections"},
	{"GET", "/collections/{}", h_coll_get, R_COLL, "GET /collections/{name}"},
	{"PUT", "/collections/{}", h_coll_create, R_WRITE | R_EXCL, "PUT /collections/{name}"},
	{"DELETE", "/collections/{}", h_coll_delete, R_WRITE | R_EXCL, "DELETE /collections/{name}"},
	{"GET", "/collections/{}/exists", h_coll_exists, 0, "GET /collections/{name}/exists"},
	{"PUT", "/collections/{}/index", h_index_create, R_COLL | R_WRITE, "PUT /collections/{name}/index"},
	{"DELETE", "/collections/{}/index/{}", h_index_delete, R_COLL | R_WRITE, "DELETE /collections/{name}/index/{field}"},
	{"PUT", "/collections/{}/points", h_points_upsert, R_COLL | R_WRITE, "PUT /collections/{name}/points"},
	{"POST", "/collections/{}/points", h_points_get, R_COLL, "POST /collections/{name}/points"},
	{"GET", "/collections/{}/points/{}", h_point_get, R_COLL, "GET /collections/{name}/points/{id}"},
	{"POST", "/collections/{}/points/delete", h_points_delete, R_COLL | R_WRITE, "POST /collections/{name}/points/delete"},
	{"POST", "/collections/{}/points/payload", h_payload_set, R_COLL | R_WRITE, "POST /collections/{name}/points/payload"},
	{"PUT", "/collections/{}/points/payload", h_payload_overwrite, R_COLL | R_WRITE, "PUT /collections/{name}/points/payload"},
	{"POST", "/collections/{}/points/payload/delete", h_payload_delete, R_COLL | R_WRITE,
	 "POST /collections/{name}/points/payload/delete"},
	{"POST", "/collections/{}/points/payload/clear", h_payload_clear, R_COLL | R_WRITE,
	 "POST /collections/{name}/points/payload/clear"},
	{"POST", "/collections/{}/points/scroll", h_points_scroll, R_COLL, "POST /collections/{name}/points/scroll"},
	{"POST", "/collections/{}/points/count", h_points_count, R_COLL, "POST /collections/{name}/points/count"},
	{"POST", "/collections/{}/points/search", h_search, R_COLL, "POST /collections/{name}/points/search"},
	{"POST", "/collections/{}/points/search/batch", h_search_batch, R_COLL, "POST /collections/{name}/points/search/batch"},
	{"POST", "/collections/{}/points/query", h_query, R_COLL, "POST /collections/{name}/points/query"},
	{"POST", "/collections/{}/points/query/batch", h_query_batch, R_COLL, "POST /collections/{name}/points/query/batch"},
	{"POST", "/collections/{}/snapshots", h_snap_create, R_COLL | R_WRITE, "POST /collections/{name}/snapshots"},
	{"GET", "/collections/{}/snapshots", h_snap_list, R_COLL, "GET /collections/{name}/snapshots"},
	{"PUT", "/collections/{}/snapshots/recover", h_snap_recover, R_WRITE | R_EXCL,
	 "PUT /collections/{name}/snapshots/recover"},
	{"POST", "/collections/{}/snapshots/upload", h_snap_upload, R_WRITE | R_EXCL,
	 "POST /collections/{name}/snapshots/upload"},
	{"GET", "/collections/{}/snapshots/{}", h_snap_get, R_COLL, "GET /collections/{name}/snapshots/{snapshot}"},
	{"DELETE", "/collections/{}/snapshots/{}", h_snap_delete, R_COLL | R_WRITE,
	 "DELETE /collections/{name}/snapshots/{snapshot}"},
};
#define NROUTES ((int)(sizeof routes / sizeof routes[0]))

_Static_assert(sizeof routes / sizeof routes[0] <= SRV_ROUTES_MAX, "metrics.c has room for every route");

const char *srv_route_name(int route)
{
	return route >= 0 && route < NROUTES ? routes[route].name : "other";
}

int srv_route_count(void)
{
	return NROUTES;
}

/* Whether path matches pattern; captures point into path's copy. */
static bool match(const char *pattern, char *path, char **caps, int *ncaps)
{
	*ncaps = 0;
	const char *p = pattern;
	char *s = path;
	while (*p && *s) {
		if (p[0] == '{' && p[1] == '}') {
			char *end = strchr(s, '/');
			size_t n = end ? (size_t)(end - s) : strlen(s);
			if (n == 0 || *ncaps == 2)
				return false;
			caps[(*ncaps)++] = s;
			s += n;
			p += 2;
			continue;
		}
		if (*p != *s)
			return false;
		p++, s++;
	}
	return !*p && !*s;
}

static int h_root(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)s, (void)q, (void)sc, (void)arg;
	r->content_type = "application/json";
	rv_strbuf_printf(&r->out, "{\"title\":\"ruvector - vector search engine\",\"version\":\"%s\",\"commit\":null}",
	                 rv_version(NULL, NULL, NULL));
	return 200;
}

static int h_probe(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)sc, (void)arg;
	r->content_type = "text/plain; charset=utf-8";
	if (!strcmp(q->path, "/readyz") && !atomic_load(&s->ready)) {
		rv_strbuf_printf(&r->out, "collections are still being opened\n");
		return 503;
	}
	rv_strbuf_printf(&r->out, "%s check passed\n", q->path + 1);
	return 200;
}

static int h_metrics(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)q, (void)sc, (void)arg;
	const char *names[SRV_ROUTES_MAX];
	for (int i = 0; i < NROUTES; i++)
		names[i] = routes[i].name;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	pthread_rwlock_rdlock(&s->lock);
	srv_metrics_render(s, &r->out, names, NROUTES);
	pthread_rwlock_unlock(&s->lock);
	return 200;
}

void srv_route(srv *s, const srv_req *q, srv_resp *r)
{
	r->route = -1;
	char path[2048];
	size_t len = strlen(q->path);
	if (len >= sizeof path) {
		srv_error(r, 414, "the path is longer than %zu bytes", sizeof path - 1);
		return;
	}
	/* ".." as a path segment (decoded: %2e%2e%2f arrives as "../") never
	 * names anything: say so rather than 404, before any handler sees it */
	for (const char *d = strstr(q->path, ".."); d; d = strstr(d + 1, ".."))
		if ((d == q->path || d[-1] == '/') && (d[2] == '/' || d[2] == '\0')) {
			srv_error(r, 400, "Wrong input: \"..\" in the path %.200s", q->path);
			return;
		}
	/* a trailing slash is the same route */
	memcpy(path, q->path, len + 1);
	if (len > 1 && path[len - 1] == '/')
		path[len - 1] = '\0';
	bool path_known = false;
	for (int i = 0; i < NROUTES; i++) {
		char copy[sizeof path], *caps[2];
		int ncaps;
		memcpy(copy, path, strlen(path) + 1);
		if (!match(routes[i].pattern, copy, caps, &ncaps))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, q->method))
			continue;
		for (int c = 0; c < ncaps; c++) { /* cut captures at their '/' */
			char *end = strchr(caps[c], '/');
			if (end)
				*end = '\0';
		}
		const struct route *rt = &routes[i];
		r->route = i;
		if ((rt->flags & R_WRITE) && q->read_only) {
			srv_error(r, 403, "Forbidden: the read-only API key cannot %s", rt->name);
			return;
		}
		if ((rt->flags & (R_COLL | R_EXCL)) && !atomic_load(&s->ready)) {
			r->retry_after = 1;
			srv_error(r, 503, "Service Unavailable: collections are still being opened");
			return;
		}
		if (rt->flags & R_EXCL)
			pthread_rwlock_wrlock(&s->lock);
		else
			pthread_rwlock_rdlock(&s->lock);
		srv_coll *sc = NULL;
		if ((rt->flags & R_COLL) && !(sc = srv_registry_find(s, caps[0])))
			srv_error(r, 404, "Not found: Collection `%.64s` doesn't exist!", caps[0]);
		else
			r->status = rt->fn(s, q, r, sc, (rt->flags & R_COLL) ? (ncaps > 1 ? caps[1] : NULL)
			                                                      : (ncaps ? caps[0] : NULL));
		pthread_rwlock_unlock(&s->lock);
		return;
	}
	if (path_known)
		srv_error(r, 405, "Method %s is not allowed on %s", q->method, q->path);
	else
		srv_error(r, 404, "Not found: %s", q->path);
}
