/*
 * internal.h: what the files of server/ share.
 *
 * The server is layered like the rest of the project, each file calling
 * only downward:
 *
 *   http.c        the libmicrohttpd shell: sockets, limits, keys, deadlines,
 *                 the access log, signals; turns a request into an srv_req
 *   router.c      method + path -> handler, registry locking, health probes
 *   collections.c points.c search.c snapshots.c   Qdrant's endpoints
 *   metrics.c     counters and histograms, /metrics text
 *   qfilter.c     Qdrant filter JSON -> the core's filters (rv_filter)
 *   registry.c    the open collections, by name
 *   reply.c       JSON in and out: ids, points, errors
 *
 * Nothing below http.c knows about libmicrohttpd, so the fuzz target
 * (tests/fuzz/fuzz_server.c) drives router.c with requests built in memory.
 */
#ifndef RV_SERVER_INTERNAL_H
#define RV_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "../src/util/json.h"
#include "server.h"

#define SRV_MAX_COLLECTIONS 1024 /* open collections one server holds */
#define SRV_MAX_QUERY 16         /* query-string parameters kept per request */
#define SRV_ID_MAX 64            /* a Qdrant id as a core id: 20 digits or a 36-byte UUID */
#define SRV_ROUTES_MAX 64        /* routes metrics.c has room for */

/* A payload index declared through the API, for payload_schema. */
typedef struct srv_index {
	char *field;            /* dotted path */
	const char *type;       /* "keyword", "integer", "float", "text", "bool" */
	struct srv_index *next;
} srv_index;

/* One open collection. */
typedef struct srv_coll {
	char name[RV_NAME_MAX + 1];
	rv_collection *c;        /* owned by the database handle */
	rv_options opts;         /* as created (defaults resolved) */
	pthread_mutex_t edit;    /* serialises payload read-modify-writes */
	srv_index *schema;       /* indexes declared since the server started */
} srv_coll;

typedef struct srv_metrics srv_metrics;

/* The server. The registry (colls) is guarded by lock: every request on a
 * collection holds it shared for its whole run, so a collection cannot be
 * closed under it; creating and deleting collections hold it exclusive. */
typedef struct srv {
	rv_server_config cfg;
	rv_db *db;
	pthread_rwlock_t lock;
	srv_coll *colls[SRV_MAX_COLLECTIONS];
	size_t ncolls;
	atomic_int searches;       /* searches running now (the cap's counter) */
	atomic_int ready;          /* 1 once every collection has been opened */
	atomic_ullong op_id;       /* operation_id of the next write */
	srv_metrics *metrics;
	char snap_dir[4096];       /* where snapshots live: DB/../DB.snapshots */
} srv;

/* A request, as the router sees it. */
typedef struct srv_req {
	const char *method;       /* "GET", "POST", ... */
	const char *path;         /* without the query string */
	const char *body;         /* the whole body (NUL-terminated), or NULL */
	size_t body_len;
	const char *qkeys[SRV_MAX_QUERY], *qvals[SRV_MAX_QUERY]; /* query string */
	size_t nq;
	const char *content_type; /* the Content-Type header, or NULL */
	bool read_only;           /* authenticated by the read-only key */
	double deadline;          /* srv_now() after which work stops */
} srv_req;

/* A response. For JSON answers `out` holds the "result" value, and the
 * shell wraps it as {"result":...,"status":"ok","time":...}; an error
 * (status >= 400) has its message in err, wrapped as Qdrant does:
 * {"status":{"error":"..."},"time":...}. With content_type set, `out` is
 * the whole body as is (metrics text, a snapshot archive). */
typedef struct srv_resp {
	int status;
	rv_strbuf out;
	char err[768];
	const char *content_type;
	const char *disposition_name; /* Content-Disposition filename, or NULL */
	int retry_after;          /* seconds, sent as Retry-After when > 0 */
	int route;                /* index into the route table, -1 for none */
	const char *op_status;    /* "completed" / "acknowledged": write answers */
} srv_resp;

/* ---- reply.c ---- */
double srv_now(void);
bool srv_past_deadline(const srv_req *q);
/* Set an error answer; returns status. */
int srv_error(srv_resp *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error answer for a core code: 400 for bad input, 404, 409, 507 ...,
 * with the core's message. */
int srv_rv_error(srv_resp *r, int rc, const char *msg);
/* The value of query parameter key, or NULL. */
const char *srv_query(const srv_req *q, const char *key);
/* Parse the body as a JSON object into *out (free with rv_json_free);
 * on failure the 400 answer is set and an error status returned. An empty
 * body is {} when empty_ok. */
int srv_body(const srv_req *q, srv_resp *r, bool empty_ok, rv_json **out);
/* A Qdrant id (unsigned integer or UUID string) as the core id it is
 * stored under: decimal digits, or the lowercase hyphenated UUID.
 * Returns 0, or -1 with the reason in why. */
int srv_id_parse(const srv_req *q, const rv_json *v, char out[SRV_ID_MAX], char *why, size_t ws);
/* Write a stored id back as Qdrant's: a number for decimal ids. */
void srv_id_write(rv_strbuf *b, const char *id);
/* Write a parsed JSON value back as text. */
void srv_json_write(rv_strbuf *b, const rv_json *v);
/* An unsigned integer member: def when absent; -1 (why set) when not an
 * integer in [0, max]. */
int srv_json_u64(const rv_json *o, const char *key, uint64_t def, uint64_t max, uint64_t *out, char *why,
                 size_t ws);
/* Whether a member is true (def when absent); -1 when not a boolean. */
int srv_json_bool(const rv_json *o, const char *key, int def);

/* What to return of each point: with_payload (true, false, a list of
 * keys, {"include": [...]} or {"exclude": [...]}) and with_vector. */
typedef struct srv_with {
	bool payload;
	const rv_json *include;   /* array of top-level keys to keep, or NULL */
	const rv_json *exclude;   /* array of top-level keys to drop, or NULL */
	bool vector;
} srv_with;
int srv_with_parse(const rv_json *body, bool payload_def, srv_with *w, char *why, size_t ws);
/* Append "payload":{...} and/or "vector":[...] members (each preceded by a
 * comma) for id. Returns RV_OK or a core code (the record vanished). */
int srv_point_members(rv_strbuf *b, srv_coll *sc, const char *id, const srv_with *w);
/* The payload of id as JSON text (malloc'd), or NULL with *rc set. */
char *srv_payload_text(rv_collection *c, const char *id, int *rc);

/* The answer of a write: {"operation_id": n, "status": "completed"} when
 * the request asked ?wait=true, "acknowledged" otherwise. */
void srv_write_update(srv *s, const srv_req *q, srv_resp *r);

/* ---- registry.c ---- */
int srv_registry_open(srv *s);         /* open every collection; 0 or a core code */
void srv_registry_close(srv *s);       /* checkpoint and forget every collection */
srv_coll *srv_registry_find(srv *s, const char *name);
int srv_registry_add(srv *s, const char *name, rv_collection *c);
int srv_registry_drop(srv *s, const char *name);
void srv_registry_note_index(srv_coll *sc, const char *field, const char *type);
int srv_registry_forget_index(srv_coll *sc, const char *field); /* 1 when it was there */

/* ---- qfilter.c ---- */
typedef struct qf qf;
/* Translate a Qdrant filter (NULL or JSON null: none). *out is NULL when it
 * matches everything. Returns 0, or -1 with the reason in why. */
int qf_parse(const srv_req *q, const rv_json *filter, unsigned max_depth, qf **out, char *why, size_t ws);
void qf_free(qf *f);
/* The whole filter as one core filter, or NULL when it needs the server's
 * own evaluation (has_id); *all is 1 when the filter is absent. */
const rv_filter *qf_core(const qf *f);
/* Whether record id matches: 1, 0, or a negative core code. */
int qf_match(const qf *f, rv_collection *c, const char *id);
/* The live ids that match f (all when f is NULL), malloc'd strings in a
 * malloc'd array. Returns the count or a negative core code; RV_EBUSY
 * (with nothing returned) when the request's deadline passes. */
long srv_collect_ids(const srv_req *q, const qf *f, rv_collection *c, char ***ids);
void srv_free_ids(char **ids, size_t n);
/* Order ids as Qdrant does: integers ascending, then UUIDs. */
void srv_sort_ids(char **ids, size_t n);
int srv_id_cmp(const char *a, const char *b);

/* ---- handlers (collections.c, points.c, search.c, snapshots.c) ---- */
typedef int (*srv_handler)(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg);
int h_coll_list(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_coll_get(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_coll_create(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_coll_delete(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_coll_exists(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_index_create(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_index_delete(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_points_upsert(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_points_get(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_point_get(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_points_delete(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_payload_set(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_payload_overwrite(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_payload_delete(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_payload_clear(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_points_scroll(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_points_count(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_search(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_search_batch(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_query(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_query_batch(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_snap_create(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_snap_list(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_snap_get(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_snap_delete(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_snap_recover(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);
int h_snap_upload(srv *, const srv_req *, srv_resp *, srv_coll *, const char *);

/* ---- router.c ---- */
/* Answer one request: fills r (status, body, route). Never fails. */
void srv_route(srv *s, const srv_req *q, srv_resp *r);
/* The route's name for metrics and logs ("POST /collections/{name}/points/search"). */
const char *srv_route_name(int route);
int srv_route_count(void);

/* ---- metrics.c ---- */
int srv_metrics_new(srv *s);
void srv_metrics_free(srv *s);
void srv_metrics_record(srv *s, int route, int status, double seconds);
/* The Prometheus text; names[i] names route i. */
void srv_metrics_render(srv *s, rv_strbuf *b, const char *const *names, int nroutes);

#endif
