/*
 * points.c: Qdrant's point endpoints.
 *
 *   PUT  /collections/{c}/points                 upsert (points list or batch form)
 *   POST /collections/{c}/points                 get by ids
 *   GET  /collections/{c}/points/{id}            get one
 *   POST /collections/{c}/points/delete          delete by ids or filter
 *   POST /collections/{c}/points/payload         set payload (top-level keys replaced)
 *   PUT  /collections/{c}/points/payload         overwrite payload
 *   POST /collections/{c}/points/payload/delete  delete payload keys (dotted paths)
 *   POST /collections/{c}/points/payload/clear   clear payload
 *   POST /collections/{c}/points/scroll          scroll (filter, limit, offset)
 *   POST /collections/{c}/points/count           count (filter)
 *
 * An upsert is one rv_insert_batch_payload() with RV_UPSERT: validated
 * whole (one bad point and nothing is written), logged as one frame, and
 * durable when it returns under the database's durability (full by
 * default), which is what ?wait=true promises. Payload edits are a read,
 * a change and an rv_set_payload() per point, serialised per collection
 * (srv_coll.edit) so that two edits of one point cannot lose either.
 *
 * Scroll orders points as Qdrant does (integer ids ascending, then UUIDs)
 * by listing the matching ids and sorting them on every page: O(n log n)
 * per page, fine for collections of some hundred thousand points.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int with_body(const srv_req *q, srv_resp *r, rv_json **body)
{
	return srv_body(q, r, false, body) ? r->status : 0;
}

/* A vector value into dim floats. */
static int read_vector(const rv_json *v, float *out, uint32_t dim, char *why, size_t ws)
{
	if (v && v->type == RV_JSON_OBJECT && v->len == 1 && v->keys[0][0] == '\0')
		v = &v->items[0]; /* {"": [...]}: the unnamed vector, named */
	if (!v || v->type != RV_JSON_ARRAY) {
		snprintf(why, ws, "vector must be an array of numbers (named vectors are not supported)");
		return -1;
	}
	if (v->len != dim) {
		snprintf(why, ws, "Vector dimension error: expected dim: %u, got %zu", dim, v->len);
		return -1;
	}
	for (size_t i = 0; i < dim; i++) {
		if (v->items[i].type != RV_JSON_NUMBER) {
			snprintf(why, ws, "vector[%zu] must be a number", i);
			return -1;
		}
		out[i] = (float)v->items[i].num;
	}
	return 0;
}

int h_points_upsert(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	rv_json *body;
	if (with_body(q, r, &body))
		return r->status;
	const rv_json *points = rv_json_get(body, "points"), *batch = rv_json_get(body, "batch");
	const rv_json *bids = NULL, *bvecs = NULL, *bpay = NULL;
	size_t n = 0;
	char why[300] = "";
	if (points && points->type == RV_JSON_ARRAY)
		n = points->len;
	else if (batch && batch->type == RV_JSON_OBJECT) {
		bids = rv_json_get(batch, "ids");
		bvecs = rv_json_get(batch, "vectors");
		bpay = rv_json_get(batch, "payloads");
		if (!bids || bids->type != RV_JSON_ARRAY || !bvecs || bvecs->type != RV_JSON_ARRAY ||
		    bids->len != bvecs->len || (bpay && bpay->type != RV_JSON_NULL &&
		                                (bpay->type != RV_JSON_ARRAY || bpay->len != bids->len)))
			snprintf(why, sizeof why, "batch needs ids and vectors (and payloads) arrays of one length");
		n = bids ? bids->len : 0;
		if (bpay && bpay->type == RV_JSON_NULL)
			bpay = NULL;
	} else
		snprintf(why, sizeof why, "the body needs \"points\" (an array) or \"batch\"");
	if (!*why && n > s->cfg.max_batch) {
		rv_json_free(body);
		return srv_error(r, 413, "Wrong input: %zu points in one request; the limit is %zu", n, s->cfg.max_batch);
	}
	uint32_t dim = sc->opts.dim;
	char (*ids)[SRV_ID_MAX] = n ? malloc(n * sizeof *ids) : NULL;
	const char **idp = n ? malloc(n * sizeof *idp) : NULL;
	const char **pay = n ? calloc(n, sizeof *pay) : NULL;
	size_t *pay_off = n ? calloc(n, sizeof *pay_off) : NULL;
	float *vecs = n ? malloc(n * (size_t)dim * sizeof(float)) : NULL;
	rv_strbuf texts = {0};
	if (n && (!ids || !idp || !pay || !vecs || !pay_off))
		snprintf(why, sizeof why, "out of memory");
	for (size_t i = 0; !*why && i < n; i++) {
		const rv_json *id, *vec, *p;
		if (points) {
			const rv_json *pt = &points->items[i];
			id = rv_json_get(pt, "id");
			vec = rv_json_get(pt, "vector");
			p = rv_json_get(pt, "payload");
		} else {
			id = &bids->items[i];
			vec = &bvecs->items[i];
			p = bpay ? &bpay->items[i] : NULL;
		}
		char w[240];
		if (srv_id_parse(q, id, ids[i], w, sizeof w) || read_vector(vec, vecs + i * dim, dim, w, sizeof w)) {
			snprintf(why, sizeof why, "point %zu: %s", i, w);
			break;
		}
		idp[i] = ids[i];
		if (p && p->type == RV_JSON_OBJECT) {
			pay_off[i] = texts.len + 1;
			srv_json_write(&texts, p);
			rv_strbuf_append(&texts, "", 1); /* keeps the NUL as a separator */
		} else if (p && p->type != RV_JSON_NULL)
			snprintf(why, sizeof why, "point %zu: payload must be an object", i);
	}
	int status = 200;
	if (texts.failed)
		snprintf(why, sizeof why, "out of memory");
	if (*why)
		status = srv_error(r, !strcmp(why, "out of memory") ? 503 : 400, "Wrong input: %s", why);
	else if (n) {
		for (size_t i = 0; i < n; i++)
			pay[i] = pay_off[i] ? texts.buf + pay_off[i] - 1 : NULL;
		int rc = rv_insert_batch_payload(sc->c, n, idp, vecs, dim, pay, RV_UPSERT);
		if (rc != RV_OK)
			status = srv_rv_error(r, rc, rv_errmsg(sc->c));
	}
	if (status == 200)
		srv_write_update(s, q, r);
	rv_strbuf_free(&texts);
	free(ids), free(idp), free(pay), free(pay_off), free(vecs);
	rv_json_free(body);
	return status;
}

/* Write one point record {"id":..,"payload":..,"vector":..}; 0, or a core
 * code (RV_ENOTFOUND when the point vanished meanwhile). */
static int write_point(rv_strbuf *b, srv_coll *sc, const char *id, const srv_with *w)
{
	size_t mark = b->len;
	rv_strbuf_append(b, "{\"id\":", 6);
	srv_id_write(b, id);
	int rc = srv_point_members(b, sc, id, w);
	if (rc != RV_OK) {
		b->len = mark; /* take the partial record back */
		if (b->buf)
			b->buf[mark] = '\0';
		return rc;
	}
	rv_strbuf_append(b, "}", 1);
	return 0;
}

int h_points_get(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	rv_json *body;
	if (with_body(q, r, &body))
		return r->status;
	const rv_json *ids = rv_json_get(body, "ids");
	srv_with w;
	char why[300] = "";
	int status = 200;
	if (!ids || ids->type != RV_JSON_ARRAY)
		status = srv_error(r, 400, "Wrong input: \"ids\" must be an array of point ids");
	else if (ids->len > s->cfg.max_batch)
		status = srv_error(r, 413, "Wrong input: %zu ids in one request; the limit is %zu", ids->len, s->cfg.max_batch);
	else if (srv_with_parse(body, true, &w, why, sizeof why))
		status = srv_error(r, 400, "Wrong input: %s", why);
	rv_strbuf_append(&r->out, "[", 1);
	bool first = true;
	for (size_t i = 0; status == 200 && i < ids->len; i++) {
		char id[SRV_ID_MAX];
		if (srv_id_parse(q, &ids->items[i], id, why, sizeof why)) {
			status = srv_error(r, 400, "Wrong input: ids[%zu]: %s", i, why);
			break;
		}
		size_t mark = r->out.len;
		if (!first)
			rv_strbuf_append(&r->out, ",", 1);
		int rc = write_point(&r->out, sc, id, &w);
		if (rc == RV_ENOTFOUND) {
			r->out.len = mark;
			r->out.buf[mark] = '\0';
			continue;
		}
		if (rc != RV_OK)
			status = srv_rv_error(r, rc, rv_errmsg(sc->c));
		first = false;
	}
	rv_strbuf_append(&r->out, "]", 1);
	rv_json_free(body);
	return status;
}

int h_point_get(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *idtext)
{
	(void)s;
	/* The id from the path: digits, or a UUID. */
	rv_json v = {.type = RV_JSON_STRING, .str = (char *)idtext, .len = strlen(idtext)};
	size_t n = strspn(idtext, "0123456789");
	char id[SRV_ID_MAX], why[200];
	srv_req digits = {.body = idtext, .body_len = strlen(idtext)};
	if (n && n == v.len) {
		v.type = RV_JSON_NUMBER;
		v.offset = 0;
		q = &digits;
	}
	if (srv_id_parse(q, &v, id, why, sizeof why))
		return srv_error(r, 400, "Wrong input: %s", why);
	srv_with w = {.payload = true, .vector = true};
	int rc = write_point(&r->out, sc, id, &w);
	if (rc == RV_ENOTFOUND)
		return srv_error(r, 404, "Not found: Point with id %s does not exists!", idtext);
	if (rc != RV_OK)
		return srv_rv_error(r, rc, rv_errmsg(sc->c));
	return 200;
}

static bool exists(rv_collection *c, const char *id)
{
	char one[2];
	size_t need;
	int rc = rv_get_payload(c, id, one, sizeof one, &need);
	return rc == RV_OK || rc == RV_ERANGE;
}

/* The points a write applies to: "points" (ids; those that do not exist
 * are skipped, as Qdrant skips them) or "filter". Returns the count, or -1
 * with the answer set. */
static long select_points(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const rv_json *body, char ***out)
{
	*out = NULL;
	const rv_json *pts = rv_json_get(body, "points"), *flt = rv_json_get(body, "filter");
	char why[300];
	if (pts && pts->type == RV_JSON_ARRAY) {
		if (pts->len > s->cfg.max_batch) {
			srv_error(r, 413, "Wrong input: %zu ids in one request; the limit is %zu", pts->len, s->cfg.max_batch);
			return -1;
		}
		char **ids = calloc(pts->len ? pts->len : 1, sizeof *ids);
		size_t n = 0;
		if (!ids) {
			srv_error(r, 503, "out of memory");
			return -1;
		}
		for (size_t i = 0; i < pts->len; i++) {
			char id[SRV_ID_MAX];
			if (srv_id_parse(q, &pts->items[i], id, why, sizeof why)) {
				srv_free_ids(ids, n);
				srv_error(r, 400, "Wrong input: points[%zu]: %s", i, why);
				return -1;
			}
			if (!exists(sc->c, id))
				continue;
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = !strcmp(ids[j], id);
			if (dup)
				continue;
			if (!(ids[n] = strdup(id))) {
				srv_free_ids(ids, n);
				srv_error(r, 503, "out of memory");
				return -1;
			}
			n++;
		}
		*out = ids;
		return (long)n;
	}
	if (!flt || flt->type != RV_JSON_OBJECT) {
		srv_error(r, 400, "Wrong input: the body needs \"points\" (an array of ids) or \"filter\"");
		return -1;
	}
	qf *f;
	if (qf_parse(q, flt, s->cfg.max_filter_depth, &f, why, sizeof why)) {
		srv_error(r, 400, "Wrong input: filter: %s", why);
		return -1;
	}
	long n = srv_collect_ids(q, f, sc->c, out);
	qf_free(f);
	if (n == RV_EBUSY)
		srv_error(r, 503, "the request's deadline of %u ms passed", s->cfg.timeout_ms);
	else if (n < 0)
		srv_rv_error(r, (int)n, rv_errmsg(sc->c));
	return n < 0 ? -1 : n;
}

int h_points_delete(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	rv_json *body;
	if (with_body(q, r, &body))
		return r->status;
	char **ids;
	long n = select_points(s, q, r, sc, body, &ids);
	rv_json_free(body);
	if (n < 0)
		return r->status;
	int rc = n ? rv_delete_batch(sc->c, (size_t)n, (const char *const *)ids) : RV_OK;
	/* A point deleted by someone else meanwhile fails the batch as a whole:
	 * delete the rest one by one. */
	for (long i = 0; rc == RV_ENOTFOUND && i < n; i++) {
		int e = rv_delete(sc->c, ids[i]);
		if (e != RV_OK && e != RV_ENOTFOUND) {
			rc = e;
			break;
		}
		if (i == n - 1)
			rc = RV_OK;
	}
	srv_free_ids(ids, (size_t)n);
	if (rc != RV_OK)
		return srv_rv_error(r, rc, rv_errmsg(sc->c));
	srv_write_update(s, q, r);
	return 200;
}

/* ---- payload edits ---- */

typedef enum { EDIT_SET, EDIT_OVERWRITE, EDIT_DELETE, EDIT_CLEAR } edit_kind;

static bool listed(const rv_json *keys, const char *path)
{
	for (size_t i = 0; keys && i < keys->len; i++)
		if (!strcmp(keys->items[i].str, path))
			return true;
	return false;
}

static bool under(const rv_json *keys, const char *path, size_t n)
{
	for (size_t i = 0; keys && i < keys->len; i++)
		if (keys->items[i].len > n && !strncmp(keys->items[i].str, path, n) && keys->items[i].str[n] == '.')
			return true;
	return false;
}

/* obj without the dotted paths in keys; prefix is obj's own path. */
static void write_without(rv_strbuf *b, const rv_json *obj, const rv_json *keys, rv_strbuf *prefix)
{
	rv_strbuf_append(b, "{", 1);
	bool first = true;
	size_t plen = prefix->len;
	for (size_t i = 0; i < obj->len; i++) {
		prefix->len = plen;
		if (plen)
			rv_strbuf_append(prefix, ".", 1);
		rv_strbuf_append(prefix, obj->keys[i], obj->key_lens[i]);
		if (prefix->failed || listed(keys, prefix->buf))
			continue;
		if (!first)
			rv_strbuf_append(b, ",", 1);
		first = false;
		rv_strbuf_json_string(b, obj->keys[i], obj->key_lens[i]);
		rv_strbuf_append(b, ":", 1);
		if (obj->items[i].type == RV_JSON_OBJECT && under(keys, prefix->buf, prefix->len))
			write_without(b, &obj->items[i], keys, prefix);
		else
			srv_json_write(b, &obj->items[i]);
	}
	prefix->len = plen;
	if (prefix->buf)
		prefix->buf[plen] = '\0';
	rv_strbuf_append(b, "}", 1);
}

/* One point's edit, under sc->edit. */
static int edit_one(srv_coll *sc, const char *id, edit_kind kind, const rv_json *arg, const char *argtext)
{
	if (kind == EDIT_CLEAR)
		return rv_set_payload(sc->c, id, NULL);
	if (kind == EDIT_OVERWRITE)
		return rv_set_payload(sc->c, id, argtext);
	int rc;
	char *text = srv_payload_text(sc->c, id, &rc);
	if (!text)
		return rc;
	rv_json *doc = NULL;
	rc = rv_json_parse(text, strlen(text), NULL, &doc, NULL, 0);
	free(text);
	if (rc != RV_OK)
		return rc;
	rv_strbuf b = {0}, prefix = {0};
	if (kind == EDIT_DELETE)
		write_without(&b, doc, arg, &prefix);
	else {
		/* set: the old members the patch does not name, then the patch's */
		rv_strbuf_append(&b, "{", 1);
		bool first = true;
		for (size_t i = 0; i < doc->len; i++) {
			if (rv_json_getn(arg, doc->keys[i], doc->key_lens[i]))
				continue;
			if (!first)
				rv_strbuf_append(&b, ",", 1);
			first = false;
			rv_strbuf_json_string(&b, doc->keys[i], doc->key_lens[i]);
			rv_strbuf_append(&b, ":", 1);
			srv_json_write(&b, &doc->items[i]);
		}
		for (size_t i = 0; i < arg->len; i++) {
			if (!first)
				rv_strbuf_append(&b, ",", 1);
			first = false;
			rv_strbuf_json_string(&b, arg->keys[i], arg->key_lens[i]);
			rv_strbuf_append(&b, ":", 1);
			srv_json_write(&b, &arg->items[i]);
		}
		rv_strbuf_append(&b, "}", 1);
	}
	rv_json_free(doc);
	rc = b.failed ? RV_ENOMEM : rv_set_payload(sc->c, id, b.buf);
	rv_strbuf_free(&b);
	rv_strbuf_free(&prefix);
	return rc;
}

static int payload_edit(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, edit_kind kind)
{
	rv_json *body;
	if (with_body(q, r, &body))
		return r->status;
	const rv_json *arg = NULL;
	rv_strbuf text = {0};
	int status = 0;
	if (kind == EDIT_SET || kind == EDIT_OVERWRITE) {
		arg = rv_json_get(body, "payload");
		if (!arg || arg->type != RV_JSON_OBJECT)
			status = srv_error(r, 400, "Wrong input: \"payload\" must be an object");
		else if (rv_json_get(body, "key") && rv_json_get(body, "key")->type != RV_JSON_NULL)
			status = srv_error(r, 400, "Wrong input: \"key\" (setting a nested part) is not supported");
		srv_json_write(&text, arg ? arg : body);
	} else if (kind == EDIT_DELETE) {
		arg = rv_json_get(body, "keys");
		bool ok = arg && arg->type == RV_JSON_ARRAY;
		for (size_t i = 0; ok && i < arg->len; i++)
			ok = arg->items[i].type == RV_JSON_STRING;
		if (!ok)
			status = srv_error(r, 400, "Wrong input: \"keys\" must be an array of strings");
	}
	char **ids = NULL;
	long n = status ? -1 : select_points(s, q, r, sc, body, &ids);
	if (n >= 0) {
		int rc = RV_OK;
		pthread_mutex_lock(&sc->edit);
		for (long i = 0; i < n && rc == RV_OK; i++) {
			rc = edit_one(sc, ids[i], kind, arg, text.buf);
			if (rc == RV_ENOTFOUND)
				rc = RV_OK; /* deleted meanwhile */
		}
		pthread_mutex_unlock(&sc->edit);
		if (rc != RV_OK)
			status = srv_rv_error(r, rc, rv_errmsg(sc->c));
		else {
			srv_write_update(s, q, r);
			status = 200;
		}
		srv_free_ids(ids, (size_t)n);
	} else
		status = r->status;
	rv_strbuf_free(&text);
	rv_json_free(body);
	return status;
}

int h_payload_set(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return payload_edit(s, q, r, sc, EDIT_SET);
}

int h_payload_overwrite(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return payload_edit(s, q, r, sc, EDIT_OVERWRITE);
}

int h_payload_delete(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return payload_edit(s, q, r, sc, EDIT_DELETE);
}

int h_payload_clear(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return payload_edit(s, q, r, sc, EDIT_CLEAR);
}

/* ---- scroll and count ---- */

int h_points_scroll(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	rv_json *body;
	if (srv_body(q, r, true, &body))
		return r->status;
	char why[300] = "", start[SRV_ID_MAX] = "";
	uint64_t limit = 10;
	srv_with w;
	qf *f = NULL;
	const rv_json *off = rv_json_get(body, "offset");
	if (srv_json_u64(body, "limit", 10, s->cfg.max_batch, &limit, why, sizeof why) ||
	    srv_with_parse(body, true, &w, why, sizeof why) ||
	    (off && off->type != RV_JSON_NULL && srv_id_parse(q, off, start, why, sizeof why)) ||
	    qf_parse(q, rv_json_get(body, "filter"), s->cfg.max_filter_depth, &f, why, sizeof why)) {
		rv_json_free(body);
		return srv_error(r, 400, "Wrong input: %s", why);
	}
	if (rv_json_get(body, "order_by") && rv_json_get(body, "order_by")->type != RV_JSON_NULL) {
		qf_free(f);
		rv_json_free(body);
		return srv_error(r, 400, "Wrong input: order_by is not supported");
	}
	char **ids;
	long n = srv_collect_ids(q, f, sc->c, &ids);
	qf_free(f);
	int status = 200;
	if (n == RV_EBUSY)
		status = srv_error(r, 503, "the request's deadline of %u ms passed", s->cfg.timeout_ms);
	else if (n < 0)
		status = srv_rv_error(r, (int)n, rv_errmsg(sc->c));
	if (status == 200) {
		srv_sort_ids(ids, (size_t)n);
		size_t i = 0, shown = 0;
		if (*start) /* binary search for the first id >= offset */
			for (size_t hi = (size_t)n; i < hi;) {
				size_t mid = (i + hi) / 2;
				if (srv_id_cmp(ids[mid], start) < 0)
					i = mid + 1;
				else
					hi = mid;
			}
		rv_strbuf_append(&r->out, "{\"points\":[", 11);
		for (; i < (size_t)n && shown < limit; i++) {
			size_t mark = r->out.len;
			if (shown)
				rv_strbuf_append(&r->out, ",", 1);
			int rc = write_point(&r->out, sc, ids[i], &w);
			if (rc == RV_ENOTFOUND) {
				r->out.len = mark;
				r->out.buf[mark] = '\0';
				continue;
			}
			if (rc != RV_OK) {
				status = srv_rv_error(r, rc, rv_errmsg(sc->c));
				break;
			}
			shown++;
		}
		rv_strbuf_append(&r->out, "],\"next_page_offset\":", 21);
		if (i < (size_t)n)
			srv_id_write(&r->out, ids[i]);
		else
			rv_strbuf_append(&r->out, "null", 4);
		rv_strbuf_append(&r->out, "}", 1);
		srv_free_ids(ids, (size_t)n);
	}
	rv_json_free(body);
	return status;
}

int h_points_count(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	rv_json *body;
	if (srv_body(q, r, true, &body))
		return r->status;
	char why[300];
	qf *f;
	int rc = qf_parse(q, rv_json_get(body, "filter"), s->cfg.max_filter_depth, &f, why, sizeof why);
	rv_json_free(body);
	if (rc)
		return srv_error(r, 400, "Wrong input: %s", why);
	long long n;
	if (!f)
		n = (long long)rv_count(sc->c);
	else if (qf_core(f))
		n = rv_count_matching(sc->c, qf_core(f));
	else {
		char **ids;
		n = srv_collect_ids(q, f, sc->c, &ids);
		if (n >= 0)
			srv_free_ids(ids, (size_t)n);
	}
	qf_free(f);
	if (n == RV_EBUSY)
		return srv_error(r, 503, "the request's deadline of %u ms passed", s->cfg.timeout_ms);
	if (n < 0)
		return srv_rv_error(r, (int)n, rv_errmsg(sc->c));
	rv_strbuf_printf(&r->out, "{\"count\":%lld}", n);
	return 200;
}
