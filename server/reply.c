/*
 * reply.c: JSON in and out for the endpoints: request bodies, Qdrant ids,
 * points as Qdrant writes them, and error answers.
 *
 * Ids. Qdrant's point ids are unsigned 64-bit integers or UUIDs; the core's
 * are strings. An integer is stored as its decimal digits (read from the
 * body's text, not from the parser's double, so every 64-bit value is
 * exact), a UUID as its lowercase hyphenated form (Qdrant accepts the
 * simple and braced forms too, and answers with the hyphenated one). A
 * stored id of digits goes back out as a number, any other as a string, so
 * the mapping is one to one: no UUID is all digits.
 */
#define _GNU_SOURCE 1
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

double srv_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

bool srv_past_deadline(const srv_req *q)
{
	return q->deadline > 0 && srv_now() > q->deadline;
}

int srv_error(srv_resp *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->status = status;
	return status;
}

int srv_rv_error(srv_resp *r, int rc, const char *msg)
{
	int status;
	switch (rc) {
	case RV_EINVAL:
	case RV_EDIM:
	case RV_ENONFINITE:
	case RV_EZERO:
	case RV_EID:
	case RV_ERANGE:
	case RV_EFORMAT: status = 400; break;
	case RV_ENOTFOUND: status = 404; break;
	case RV_EEXIST:
	case RV_EBUSY: status = 409; break;
	case RV_ENOSPC: status = 507; break;
	case RV_ENOMEM: status = 503; break;
	default: status = 500; break;
	}
	return srv_error(r, status, "%s%s", status == 400 ? "Wrong input: " : "", msg && *msg ? msg : rv_strerror(rc));
}

const char *srv_query(const srv_req *q, const char *key)
{
	for (size_t i = 0; i < q->nq; i++)
		if (q->qkeys[i] && !strcmp(q->qkeys[i], key))
			return q->qvals[i] ? q->qvals[i] : "";
	return NULL;
}

int srv_body(const srv_req *q, srv_resp *r, bool empty_ok, rv_json **out)
{
	*out = NULL;
	size_t i = 0;
	while (q->body && i < q->body_len && strchr(" \t\r\n", q->body[i]))
		i++;
	if (!q->body || i == q->body_len) {
		if (!empty_ok)
			return srv_error(r, 400, "Format error in JSON body: a JSON object is required");
		static const char empty[] = "{}";
		return rv_json_parse(empty, 2, NULL, out, NULL, 0) == RV_OK ? 0 : srv_error(r, 503, "out of memory");
	}
	/* Depth 48: a payload may nest 16 deep inside a point inside a batch,
	 * a filter 16 deep; the filter's own bound is checked in qfilter.c. */
	rv_json_limits lim = {.max_depth = 48, .max_items = 1u << 20, .max_bytes = q->body_len};
	char why[256];
	int rc = rv_json_parse(q->body, q->body_len, &lim, out, why, sizeof why);
	if (rc == RV_ENOMEM)
		return srv_error(r, 503, "out of memory parsing the body");
	if (rc != RV_OK)
		return srv_error(r, 400, "Format error in JSON body: %s", why);
	if ((*out)->type != RV_JSON_OBJECT) {
		rv_json_free(*out);
		*out = NULL;
		return srv_error(r, 400, "Format error in JSON body: expected an object");
	}
	return 0;
}

/* ---- ids ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A UUID in any of Qdrant's accepted forms into the hyphenated one. */
static int uuid_parse(const char *s, size_t n, char out[SRV_ID_MAX])
{
	if (n == 38 && s[0] == '{' && s[37] == '}')
		s++, n -= 2;
	if (n == 45 && !strncmp(s, "urn:uuid:", 9))
		s += 9, n -= 9;
	char hex[32];
	size_t h = 0;
	if (n == 36) {
		for (size_t i = 0; i < 36; i++) {
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;
			if (dash != (s[i] == '-'))
				return -1;
			if (!dash) {
				if (hexval((unsigned char)s[i]) < 0)
					return -1;
				hex[h++] = (char)tolower((unsigned char)s[i]);
			}
		}
	} else if (n == 32) {
		for (size_t i = 0; i < 32; i++) {
			if (hexval((unsigned char)s[i]) < 0)
				return -1;
			hex[h++] = (char)tolower((unsigned char)s[i]);
		}
	} else
		return -1;
	snprintf(out, SRV_ID_MAX, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

int srv_id_parse(const srv_req *q, const rv_json *v, char out[SRV_ID_MAX], char *why, size_t ws)
{
	if (v && v->type == RV_JSON_STRING) {
		if (uuid_parse(v->str, v->len, out) == 0)
			return 0;
		snprintf(why, ws, "point id \"%.80s\" is not a valid UUID", v->str);
		return -1;
	}
	if (!v || v->type != RV_JSON_NUMBER) {
		snprintf(why, ws, "a point id must be an unsigned integer or a UUID string, not %s",
		         v ? rv_json_type_name(v->type) : "nothing");
		return -1;
	}
	/* The digits as written: the parser's double is exact only to 2^53. */
	const char *t = q && q->body && v->offset < q->body_len ? q->body + v->offset : NULL;
	if (t) {
		size_t n = 0;
		while (t + n < q->body + q->body_len && isdigit((unsigned char)t[n]))
			n++;
		char next = t + n < q->body + q->body_len ? t[n] : ' ';
		if (n > 0 && n <= 20 && next != '.' && next != 'e' && next != 'E') {
			char digits[24];
			memcpy(digits, t, n);
			digits[n] = '\0';
			errno = 0;
			unsigned long long u = strtoull(digits, NULL, 10);
			if (!errno) {
				snprintf(out, SRV_ID_MAX, "%llu", u);
				return 0;
			}
		}
	} else if (v->num >= 0 && v->num <= 9007199254740992.0 && v->num == (double)(unsigned long long)v->num) {
		snprintf(out, SRV_ID_MAX, "%llu", (unsigned long long)v->num);
		return 0;
	}
	snprintf(why, ws, "point id %.40s is not an unsigned 64-bit integer", t ? t : "(number)");
	return -1;
}

void srv_id_write(rv_strbuf *b, const char *id)
{
	size_t n = strlen(id);
	bool digits = n > 0 && n <= 20;
	for (size_t i = 0; digits && i < n; i++)
		digits = isdigit((unsigned char)id[i]) != 0;
	if (digits)
		rv_strbuf_append(b, id, n);
	else
		rv_strbuf_json_string(b, id, n);
}

/* ---- JSON ---- */

void srv_json_write(rv_strbuf *b, const rv_json *v)
{
	switch (v->type) {
	case RV_JSON_NULL: rv_strbuf_append(b, "null", 4); break;
	case RV_JSON_TRUE: rv_strbuf_append(b, "true", 4); break;
	case RV_JSON_FALSE: rv_strbuf_append(b, "false", 5); break;
	case RV_JSON_NUMBER: rv_strbuf_json_number(b, v->num); break;
	case RV_JSON_STRING: rv_strbuf_json_string(b, v->str, v->len); break;
	case RV_JSON_ARRAY:
		rv_strbuf_append(b, "[", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				rv_strbuf_append(b, ",", 1);
			srv_json_write(b, &v->items[i]);
		}
		rv_strbuf_append(b, "]", 1);
		break;
	case RV_JSON_OBJECT:
		rv_strbuf_append(b, "{", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				rv_strbuf_append(b, ",", 1);
			rv_strbuf_json_string(b, v->keys[i], v->key_lens[i]);
			rv_strbuf_append(b, ":", 1);
			srv_json_write(b, &v->items[i]);
		}
		rv_strbuf_append(b, "}", 1);
		break;
	}
}

int srv_json_u64(const rv_json *o, const char *key, uint64_t def, uint64_t max, uint64_t *out, char *why,
                 size_t ws)
{
	const rv_json *v = rv_json_get(o, key);
	if (!v || v->type == RV_JSON_NULL) {
		*out = def;
		return 0;
	}
	if (v->type != RV_JSON_NUMBER || v->num < 0 || v->num > (double)max || v->num != (double)(uint64_t)v->num) {
		snprintf(why, ws, "\"%s\" must be an integer in 0..%llu", key, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)v->num;
	return 0;
}

int srv_json_bool(const rv_json *o, const char *key, int def)
{
	const rv_json *v = rv_json_get(o, key);
	if (!v || v->type == RV_JSON_NULL)
		return def;
	if (v->type == RV_JSON_TRUE)
		return 1;
	if (v->type == RV_JSON_FALSE)
		return 0;
	return -1;
}

/* ---- points ---- */

static int keys_array(const rv_json *v, const char *what, char *why, size_t ws)
{
	if (v->type != RV_JSON_ARRAY) {
		snprintf(why, ws, "%s must be an array of keys", what);
		return -1;
	}
	for (size_t i = 0; i < v->len; i++)
		if (v->items[i].type != RV_JSON_STRING) {
			snprintf(why, ws, "%s[%zu] must be a string", what, i);
			return -1;
		}
	return 0;
}

int srv_with_parse(const rv_json *body, bool payload_def, srv_with *w, char *why, size_t ws)
{
	memset(w, 0, sizeof *w);
	w->payload = payload_def;
	const rv_json *p = rv_json_get(body, "with_payload");
	if (p && p->type != RV_JSON_NULL) {
		if (p->type == RV_JSON_TRUE || p->type == RV_JSON_FALSE)
			w->payload = p->type == RV_JSON_TRUE;
		else if (p->type == RV_JSON_ARRAY) {
			if (keys_array(p, "with_payload", why, ws))
				return -1;
			w->payload = true;
			w->include = p;
		} else if (p->type == RV_JSON_OBJECT && (rv_json_get(p, "include") || rv_json_get(p, "exclude"))) {
			w->payload = true;
			w->include = rv_json_get(p, "include");
			w->exclude = rv_json_get(p, "exclude");
			if ((w->include && keys_array(w->include, "with_payload.include", why, ws)) ||
			    (w->exclude && keys_array(w->exclude, "with_payload.exclude", why, ws)))
				return -1;
		} else {
			snprintf(why, ws, "with_payload must be a boolean, a list of keys, or {\"include\"|\"exclude\": [...]}");
			return -1;
		}
	}
	int v = srv_json_bool(body, "with_vector", 0);
	if (v < 0 && rv_json_get(body, "with_vector")->type == RV_JSON_ARRAY)
		v = 1; /* named vectors requested: the one unnamed vector */
	if (v < 0) {
		snprintf(why, ws, "with_vector must be a boolean");
		return -1;
	}
	w->vector = v;
	return 0;
}

char *srv_payload_text(rv_collection *c, const char *id, int *rc)
{
	size_t need = 1024;
	for (int tries = 0; tries < 3; tries++) {
		char *buf = malloc(need);
		if (!buf) {
			*rc = RV_ENOMEM;
			return NULL;
		}
		*rc = rv_get_payload(c, id, buf, need, &need);
		if (*rc == RV_OK)
			return buf;
		free(buf);
		if (*rc != RV_ERANGE)
			return NULL;
	}
	*rc = RV_ENOMEM;
	return NULL;
}

static bool key_in(const rv_json *list, const char *key)
{
	for (size_t i = 0; list && i < list->len; i++) {
		const char *k = list->items[i].str;
		size_t n = list->items[i].len;
		/* "a.b" selects within "a": keep all of "a" (top-level granularity) */
		if (!strncmp(k, key, strlen(key)) && (n == strlen(key) || k[strlen(key)] == '.'))
			return true;
	}
	return false;
}

int srv_point_members(rv_strbuf *b, srv_coll *sc, const char *id, const srv_with *w)
{
	int rc = RV_OK;
	if (w->payload) {
		char *text = srv_payload_text(sc->c, id, &rc);
		if (!text)
			return rc;
		rv_strbuf_append(b, ",\"payload\":", 11);
		if (!w->include && !w->exclude)
			rv_strbuf_append(b, text, strlen(text));
		else {
			rv_json *doc = NULL;
			if (rv_json_parse(text, strlen(text), NULL, &doc, NULL, 0) != RV_OK) {
				free(text);
				return RV_ENOMEM;
			}
			rv_strbuf_append(b, "{", 1);
			bool first = true;
			for (size_t i = 0; i < doc->len; i++) {
				if ((w->include && !key_in(w->include, doc->keys[i])) ||
				    (w->exclude && key_in(w->exclude, doc->keys[i])))
					continue;
				if (!first)
					rv_strbuf_append(b, ",", 1);
				first = false;
				rv_strbuf_json_string(b, doc->keys[i], doc->key_lens[i]);
				rv_strbuf_append(b, ":", 1);
				srv_json_write(b, &doc->items[i]);
			}
			rv_strbuf_append(b, "}", 1);
			rv_json_free(doc);
		}
		free(text);
	}
	if (w->vector) {
		float *vec = malloc(sizeof(float) * sc->opts.dim);
		if (!vec)
			return RV_ENOMEM;
		rc = rv_get(sc->c, id, vec, sc->opts.dim);
		if (rc == RV_OK) {
			rv_strbuf_append(b, ",\"vector\":[", 11);
			for (uint32_t i = 0; i < sc->opts.dim; i++) {
				if (i)
					rv_strbuf_append(b, ",", 1);
				rv_strbuf_printf(b, "%.9g", vec[i]);
			}
			rv_strbuf_append(b, "]", 1);
		}
		free(vec);
	}
	return rc;
}

void srv_write_update(srv *s, const srv_req *q, srv_resp *r)
{
	/* Every write is durable when its call returns (the database's
	 * durability setting, full by default), so ?wait=true costs nothing
	 * extra; without it the answer says "acknowledged", as Qdrant's does. */
	const char *wait = srv_query(q, "wait");
	bool done = wait && (!strcmp(wait, "true") || !*wait);
	r->op_status = done ? "completed" : "acknowledged";
	rv_strbuf_printf(&r->out, "{\"operation_id\":%llu,\"status\":\"%s\"}",
	                 (unsigned long long)atomic_fetch_add(&s->op_id, 1), r->op_status);
}
