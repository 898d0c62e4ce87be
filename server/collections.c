/*
 * collections.c: Qdrant's collection endpoints and payload indexes.
 *
 *   GET    /collections                       list
 *   PUT    /collections/{name}                create: vectors {size, distance},
 *                                             hnsw_config, quantization_config
 *   GET    /collections/{name}                info
 *   DELETE /collections/{name}                delete
 *   GET    /collections/{name}/exists         exists
 *   PUT    /collections/{name}/index          create a payload index
 *   DELETE /collections/{name}/index/{field}  delete one (see below)
 *
 * Qdrant's settings map onto rv_options: distance Cosine/Dot/Euclid/
 * Manhattan onto the metrics cosine/ip/l2/l1, hnsw_config.m and
 * ef_construct onto m and ef_construction, full_scan_threshold (in
 * kilobytes of vectors, as Qdrant counts it) onto exact_threshold,
 * scalar int8 / product xN / binary quantization onto int8, pq (N-fold
 * compression of float32: 4*dim/N bytes per vector, the nearest divisor of
 * dim) and binary. Settings with no counterpart (shards, replication,
 * optimizers, WAL) are accepted and ignored, as a single-node Qdrant
 * ignores most of them.
 *
 * Deleting a payload index drops every index the core has on that field
 * (rv_drop_index: keyword, numeric, text); payload_schema lists the
 * collection's indexes (rv_list_indexes at open, with the Qdrant type each
 * was created with since).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *distance_name(rv_metric m)
{
	switch (m) {
	case RV_METRIC_COSINE: return "Cosine";
	case RV_METRIC_IP: return "Dot";
	case RV_METRIC_L1: return "Manhattan";
	default: return "Euclid";
	}
}

int h_coll_list(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)q, (void)sc, (void)arg;
	rv_strbuf_append(&r->out, "{\"collections\":[", 16);
	for (size_t i = 0; i < s->ncolls; i++) {
		rv_strbuf_append(&r->out, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
		rv_strbuf_json_string(&r->out, s->colls[i]->name, strlen(s->colls[i]->name));
		rv_strbuf_append(&r->out, "}", 1);
	}
	rv_strbuf_append(&r->out, "]}", 2);
	return 200;
}

int h_coll_exists(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)q, (void)sc;
	rv_strbuf_printf(&r->out, "{\"exists\":%s}", srv_registry_find(s, arg) ? "true" : "false");
	return 200;
}

static void quant_json(rv_strbuf *b, const rv_options *o)
{
	switch (o->quant) {
	case RV_QUANT_INT8: rv_strbuf_printf(b, "{\"scalar\":{\"type\":\"int8\",\"always_ram\":true}}"); break;
	case RV_QUANT_PQ: {
		/* the compression this many subspaces gives, rounded to Qdrant's ratios */
		double ratio = 4.0 * o->dim / (o->quant_pq_m ? o->quant_pq_m : 1);
		static const int ratios[] = {4, 8, 16, 32, 64};
		int best = 4;
		for (int i = 0; i < 5; i++)
			if (fabs(ratios[i] - ratio) < fabs(best - ratio))
				best = ratios[i];
		rv_strbuf_printf(b, "{\"product\":{\"compression\":\"x%d\",\"always_ram\":true}}", best);
		break;
	}
	case RV_QUANT_BINARY: rv_strbuf_printf(b, "{\"binary\":{\"always_ram\":true}}"); break;
	default: rv_strbuf_append(b, "null", 4); break;
	}
}

int h_coll_get(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)s, (void)q, (void)arg;
	rv_stats st;
	rv_collection_stats(sc->c, &st);
	rv_storage_stats ss;
	rv_collection_storage(sc->c, &ss);
	const rv_options *o = &sc->opts;
	rv_strbuf *b = &r->out;
	rv_strbuf_printf(b,
	                 "{\"status\":\"green\",\"optimizer_status\":\"ok\",\"indexed_vectors_count\":%llu,"
	                 "\"points_count\":%llu,\"segments_count\":1,\"config\":{\"params\":{\"vectors\":"
	                 "{\"size\":%u,\"distance\":\"%s\"},\"shard_number\":1,\"replication_factor\":1,"
	                 "\"write_consistency_factor\":1,\"on_disk_payload\":true},"
	                 "\"hnsw_config\":{\"m\":%u,\"ef_construct\":%u,\"full_scan_threshold\":%llu,"
	                 "\"max_indexing_threads\":%u,\"on_disk\":false},"
	                 "\"optimizer_config\":{\"deleted_threshold\":0.2,\"vacuum_min_vector_number\":1000,"
	                 "\"default_segment_number\":1,\"indexing_threshold\":%u,\"flush_interval_sec\":5},"
	                 "\"wal_config\":{\"wal_capacity_mb\":%llu,\"wal_segments_ahead\":0},\"quantization_config\":",
	                 (unsigned long long)st.count, (unsigned long long)st.count, o->dim, distance_name(o->metric),
	                 o->m, o->ef_construction,
	                 (unsigned long long)o->exact_threshold * o->dim * 4 / 1024, o->threads, o->exact_threshold,
	                 (unsigned long long)(ss.wal_bytes >> 20));
	quant_json(b, o);
	rv_strbuf_append(b, "},\"payload_schema\":{", 20);
	pthread_mutex_lock(&sc->edit);
	for (srv_index *x = sc->schema; x; x = x->next) {
		rv_strbuf_json_string(b, x->field, strlen(x->field));
		rv_strbuf_printf(b, ":{\"data_type\":\"%s\",\"params\":null}%s", x->type, x->next ? "," : "");
	}
	pthread_mutex_unlock(&sc->edit);
	rv_strbuf_append(b, "}}", 2);
	return 200;
}

/* Qdrant's quantization_config onto the options. */
static int quant_options(const rv_json *qc, rv_options *o, char *why, size_t ws)
{
	const rv_json *v;
	if (!qc || qc->type == RV_JSON_NULL)
		return 0;
	if ((v = rv_json_get(qc, "scalar"))) {
		const rv_json *t = rv_json_get(v, "type");
		if (t && (t->type != RV_JSON_STRING || strcmp(t->str, "int8"))) {
			snprintf(why, ws, "quantization_config.scalar.type must be \"int8\"");
			return -1;
		}
		o->quant = RV_QUANT_INT8;
		return 0;
	}
	if ((v = rv_json_get(qc, "product"))) {
		const rv_json *c = rv_json_get(v, "compression");
		int ratio = 0;
		if (!c || c->type != RV_JSON_STRING || sscanf(c->str, "x%d", &ratio) != 1 ||
		    (ratio != 4 && ratio != 8 && ratio != 16 && ratio != 32 && ratio != 64)) {
			snprintf(why, ws, "quantization_config.product.compression must be x4, x8, x16, x32 or x64");
			return -1;
		}
		/* bytes per vector = 4 dim / ratio; the core needs a divisor of dim */
		uint32_t want = (uint32_t)(4.0 * o->dim / ratio), m = want ? want : 1;
		while (m > 1 && o->dim % m)
			m--;
		o->quant = RV_QUANT_PQ;
		o->quant_pq_m = m;
		return 0;
	}
	if (rv_json_get(qc, "binary")) {
		o->quant = RV_QUANT_BINARY;
		return 0;
	}
	snprintf(why, ws, "quantization_config must hold scalar, product or binary");
	return -1;
}

int h_coll_create(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *name)
{
	(void)sc;
	rv_json *body;
	if (srv_body(q, r, false, &body))
		return r->status;
	char why[300] = "";
	rv_options o;
	rv_options_init(&o);
	const rv_json *vec = rv_json_get(body, "vectors");
	const rv_json *size = vec ? rv_json_get(vec, "size") : NULL;
	const rv_json *dist = vec ? rv_json_get(vec, "distance") : NULL;
	uint64_t u;
	if (!vec || vec->type != RV_JSON_OBJECT || !size) {
		snprintf(why, sizeof why,
		         "\"vectors\" must be {\"size\": N, \"distance\": ...} (named vectors are not supported)");
	} else if (srv_json_u64(vec, "size", 0, RV_DIM_MAX, &u, why, sizeof why) || u == 0) {
		snprintf(why, sizeof why, "vectors.size must be an integer in 1..%u", RV_DIM_MAX);
	} else if (!dist || dist->type != RV_JSON_STRING) {
		snprintf(why, sizeof why, "vectors.distance must be Cosine, Dot, Euclid or Manhattan");
	} else {
		o.dim = (uint32_t)u;
		if (!strcmp(dist->str, "Cosine"))
			o.metric = RV_METRIC_COSINE;
		else if (!strcmp(dist->str, "Dot"))
			o.metric = RV_METRIC_IP;
		else if (!strcmp(dist->str, "Euclid"))
			o.metric = RV_METRIC_L2;
		else if (!strcmp(dist->str, "Manhattan"))
			o.metric = RV_METRIC_L1;
		else
			snprintf(why, sizeof why, "unknown distance \"%.40s\" (Cosine, Dot, Euclid, Manhattan)", dist->str);
	}
	const rv_json *h = rv_json_get(body, "hnsw_config");
	if (!*why && h && h->type == RV_JSON_OBJECT) {
		uint64_t m = o.m, efc = o.ef_construction, fst;
		if (!srv_json_u64(h, "m", o.m, RV_M_MAX, &m, why, sizeof why) &&
		    !srv_json_u64(h, "ef_construct", o.ef_construction, RV_EF_MAX, &efc, why, sizeof why) &&
		    !srv_json_u64(h, "full_scan_threshold", 0, 1u << 30, &fst, why, sizeof why)) {
			/* Qdrant's m = 0 disables the graph: always an exact scan */
			o.m = m ? (uint32_t)m : 16;
			if (m == 0)
				o.exact_threshold = RV_MAX_VECTORS;
			o.ef_construction = efc ? (uint32_t)efc : o.ef_construction;
			if (fst && m) /* kilobytes of float32 vectors -> vectors */
				o.exact_threshold = (uint32_t)(fst * 1024 / (4 * (uint64_t)o.dim));
		}
	}
	if (!*why)
		quant_options(rv_json_get(body, "quantization_config"), &o, why, sizeof why);
	rv_json_free(body);
	if (*why)
		return srv_error(r, 400, "Wrong input: %s", why);
	if (srv_registry_find(s, name))
		return srv_error(r, 409, "Wrong input: Collection `%s` already exists!", name);
	if (rv_options_check(&o) != RV_OK)
		return srv_error(r, 400, "Wrong input: %s", rv_errmsg(NULL));
	rv_collection *c;
	int rc = rv_db_create_collection(s->db, name, &o, &c);
	if (rc != RV_OK)
		return srv_rv_error(r, rc, rv_db_errmsg(s->db));
	if ((rc = srv_registry_add(s, name, c)) != RV_OK) {
		rv_collection_free(c);
		return srv_error(r, 503, "too many collections open (at most %d)", SRV_MAX_COLLECTIONS);
	}
	rv_strbuf_append(&r->out, "true", 4);
	return 200;
}

int h_coll_delete(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *name)
{
	(void)q, (void)sc;
	if (!srv_registry_find(s, name)) {
		rv_strbuf_append(&r->out, "false", 5);
		return 200;
	}
	int rc = srv_registry_drop(s, name);
	if (rc != RV_OK)
		return srv_rv_error(r, rc, rv_db_errmsg(s->db));
	rv_strbuf_append(&r->out, "true", 4);
	return 200;
}

int h_index_create(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	rv_json *body;
	if (srv_body(q, r, false, &body))
		return r->status;
	const rv_json *field = rv_json_get(body, "field_name");
	const rv_json *schema = rv_json_get(body, "field_schema");
	if (schema && schema->type == RV_JSON_OBJECT)
		schema = rv_json_get(schema, "type");
	int status = 200;
	if (!field || field->type != RV_JSON_STRING || !field->len)
		status = srv_error(r, 400, "Wrong input: \"field_name\" must be a non-empty string");
	else if (!schema || schema->type != RV_JSON_STRING)
		status = srv_error(r, 400, "Wrong input: \"field_schema\" must be keyword, integer, float, bool or text");
	else {
		static const struct {
			const char *name;
			rv_index_kind kind;
		} kinds[] = {{"keyword", RV_INDEX_KEYWORD}, {"uuid", RV_INDEX_KEYWORD}, {"bool", RV_INDEX_KEYWORD},
		             {"integer", RV_INDEX_NUMERIC}, {"float", RV_INDEX_NUMERIC}, {"datetime", RV_INDEX_KEYWORD},
		             {"text", RV_INDEX_TEXT}};
		size_t k = 0;
		while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].name, schema->str))
			k++;
		if (k == sizeof kinds / sizeof kinds[0])
			status = srv_error(r, 400, "Wrong input: unknown field_schema \"%.40s\" (keyword, integer, float, bool, text)",
			                   schema->str);
		else {
			int rc = rv_create_index(sc->c, field->str, kinds[k].kind);
			if (rc != RV_OK)
				status = srv_rv_error(r, rc, rv_errmsg(sc->c));
			else {
				srv_registry_note_index(sc, field->str, kinds[k].name);
				srv_write_update(s, q, r);
			}
		}
	}
	rv_json_free(body);
	return status;
}

int h_index_delete(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *field)
{
	static const rv_index_kind kinds[] = {RV_INDEX_KEYWORD, RV_INDEX_NUMERIC, RV_INDEX_TEXT};
	int dropped = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		int rc = rv_drop_index(sc->c, field, kinds[k]);
		if (rc == RV_OK)
			dropped++;
		else if (rc != RV_ENOTFOUND)
			return srv_rv_error(r, rc, rv_errmsg(sc->c));
	}
	if (!srv_registry_forget_index(sc, field) && !dropped)
		return srv_error(r, 404, "Not found: no payload index on \"%s\"", field);
	srv_write_update(s, q, r);
	return 200;
}
