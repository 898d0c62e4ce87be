/*
 * base.c: errors, per-environment state and the live-collection count: the
 * parts every other file of the binding needs, and which need none of them.
 *
 * Errors carry the core's code name as `code` ("RV_EDIM") and the number as
 * `errno`, so that JS callers can branch on either. The per-environment
 * state is napi instance data, so the module keeps no per-process JS state
 * and loads in worker threads; the only process-wide datum is an atomic
 * count of live native collections, which the leak tests read.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "base.h"

/* Native collections alive in this process, over all environments. */
static atomic_long live_collections;

void rvn_count_collection(void) { atomic_fetch_add(&live_collections, 1); }
void rvn_count_collection_freed(void) { atomic_fetch_sub(&live_collections, 1); }
long rvn_live_collections(void) { return atomic_load(&live_collections); }

/* ---- errors ---- */

const char *rvn_code_name(int rc)
{
	switch (rc) {
	case RV_EINVAL: return "RV_EINVAL";
	case RV_ENOMEM: return "RV_ENOMEM";
	case RV_EDIM: return "RV_EDIM";
	case RV_ENONFINITE: return "RV_ENONFINITE";
	case RV_ENOTFOUND: return "RV_ENOTFOUND";
	case RV_EEXIST: return "RV_EEXIST";
	case RV_EID: return "RV_EID";
	case RV_EZERO: return "RV_EZERO";
	case RV_ERANGE: return "RV_ERANGE";
	case RV_EIO: return "RV_EIO";
	case RV_EFORMAT: return "RV_EFORMAT";
	case RV_ECORRUPT: return "RV_ECORRUPT";
	case RV_EVERSION: return "RV_EVERSION";
	case RV_ETHREAD: return "RV_ETHREAD";
	case RV_EUNSUPPORTED: return "RV_EUNSUPPORTED";
	case RV_EBUSY: return "RV_EBUSY";
	case RV_EREADONLY: return "RV_EREADONLY";
	case RV_ENOSPC: return "RV_ENOSPC";
	default: return "RV_EUNKNOWN";
	}
}

napi_value rvn_make_error(napi_env env, int rc, const char *msg)
{
	napi_value code, text, err, num;
	if (!msg || !*msg)
		msg = rv_strerror(rc);
	if (napi_create_string_utf8(env, rvn_code_name(rc), NAPI_AUTO_LENGTH, &code) != napi_ok ||
	    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
	    napi_create_error(env, code, text, &err) != napi_ok)
		return NULL;
	if (napi_create_int32(env, rc, &num) == napi_ok)
		napi_set_named_property(env, err, "errno", num);
	return err;
}

void rvn_throw_rv(napi_env env, int rc, const char *msg)
{
	napi_value err = rvn_make_error(env, rc, msg);
	if (err)
		napi_throw(env, err);
}

void rvn_throw_type(napi_env env, const char *code, const char *msg) { napi_throw_type_error(env, code, msg); }
void rvn_throw_range(napi_env env, const char *code, const char *msg) { napi_throw_range_error(env, code, msg); }
void rvn_throw_closed(napi_env env) { napi_throw_error(env, RVN_ECLOSED_NAME, "the collection is closed"); }

/* ---- per-environment state ---- */

static void env_state_free(napi_env env, void *data, void *hint)
{
	(void)hint;
	rvn_env_state *st = data;
	if (st->coll_class)
		napi_delete_reference(env, st->coll_class);
	if (st->set_immediate)
		napi_delete_reference(env, st->set_immediate);
	if (st->poll_fn)
		napi_delete_reference(env, st->poll_fn);
	free(st); /* the lane itself is stopped by its env cleanup hook */
}

rvn_env_state *rvn_env(napi_env env)
{
	rvn_env_state *st = NULL;
	if (napi_get_instance_data(env, (void **)&st) != napi_ok)
		return NULL;
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st || napi_set_instance_data(env, st, env_state_free, NULL) != napi_ok) {
			free(st);
			return NULL;
		}
	}
	return st;
}
