/*
 * calib.c: a collection's stored calibrations (ruvector.h, Calibrated
 * retrieval): their 64-byte stored form, and setting and reading them.
 *
 * conformal.c computes calibrations; this file only keeps them, so that
 * the persistence files below the query layer (replay.c, checkpoint.c,
 * load.c) can restore and write them without calling upwards. The stored
 * form is the same in a log frame and in a segment section (persist.h,
 * CALIBRATION). Both calibrations are kept as one struct, replaced whole
 * under calib_mu, which readers hold only to copy it: a search never waits
 * for a writer longer than that copy.
 */
#include <math.h>
#include <string.h>

#include "../storage/storage.h"
#include "collection.h"

static void put_f32(unsigned char *b, float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	rv_put32(b, u);
}

static float get_f32(const unsigned char *b)
{
	uint32_t u = rv_get32(b);
	float f;
	memcpy(&f, &u, 4);
	return f;
}

void rv_calib_encode(const rv_calibration *k, unsigned char out[RV_CALIB_BYTES])
{
	memset(out, 0, RV_CALIB_BYTES);
	rv_put32(out, (k->conformal ? 1u : 0u) | (k->recall ? 2u : 0u));
	if (k->conformal) {
		uint64_t t;
		memcpy(&t, &k->threshold, 8);
		rv_put32(out + 4, (uint32_t)k->score);
		put_f32(out + 8, k->alpha);
		rv_put32(out + 12, k->n);
		rv_put64(out + 16, t);
		rv_put32(out + 24, k->infinite);
		rv_put32(out + 28, k->k);
		rv_put32(out + 32, k->cap);
		rv_put32(out + 36, k->ef);
	}
	if (k->recall) {
		put_f32(out + 40, k->target_recall);
		rv_put32(out + 44, k->recall_k);
		rv_put32(out + 48, k->recall_ef);
		rv_put32(out + 52, k->recall_n);
		put_f32(out + 56, k->recall_bound);
	}
}

int rv_calib_decode(const unsigned char *b, size_t len, rv_calibration *k, const char **why)
{
	memset(k, 0, sizeof *k);
	*why = NULL;
	if (len != RV_CALIB_BYTES)
		*why = "calibration record of the wrong size";
	uint32_t flags = *why ? 0 : rv_get32(b);
	if (!*why && (flags > 3 || rv_get32(b + 60)))
		*why = "calibration flags out of range";
	if (!*why && (flags & 1)) {
		uint64_t t = rv_get64(b + 16);
		k->conformal = 1;
		k->score = (rv_conformal_score)rv_get32(b + 4);
		k->alpha = get_f32(b + 8);
		k->n = rv_get32(b + 12);
		memcpy(&k->threshold, &t, 8);
		k->infinite = rv_get32(b + 24);
		k->k = rv_get32(b + 28);
		k->cap = rv_get32(b + 32);
		k->ef = rv_get32(b + 36);
		if (rv_get32(b + 4) > RV_CONFORMAL_RATIO || !(k->alpha > 0 && k->alpha < 1) || isnan(k->threshold) ||
		    k->n == 0 || k->infinite > k->n || k->k < 1 || k->k > RV_K_MAX || k->cap < k->k ||
		    k->cap > RV_K_MAX || k->ef < k->cap || k->ef > RV_EF_MAX)
			*why = "conformal calibration field out of range";
	}
	if (!*why && (flags & 2)) {
		k->recall = 1;
		k->target_recall = get_f32(b + 40);
		k->recall_k = rv_get32(b + 44);
		k->recall_ef = rv_get32(b + 48);
		k->recall_n = rv_get32(b + 52);
		k->recall_bound = get_f32(b + 56);
		if (!(k->target_recall > 0 && k->target_recall < 1) || k->recall_k < 1 || k->recall_k > RV_K_MAX ||
		    k->recall_ef < 1 || k->recall_ef > RV_EF_MAX || k->recall_n == 0 ||
		    !(k->recall_bound >= 0 && k->recall_bound <= 1))
			*why = "target-recall calibration field out of range";
	}
	if (*why) {
		memset(k, 0, sizeof *k);
		return RV_ECORRUPT;
	}
	return RV_OK;
}

void rv_coll_apply_calib(rv_collection *c, const rv_calibration *k)
{
	rv_mutex_lock(&c->calib_mu);
	c->calib = *k;
	rv_mutex_unlock(&c->calib_mu);
}

void rv_calibration_get(rv_collection *c, rv_calibration *out)
{
	rv_mutex_lock(&c->calib_mu);
	*out = c->calib;
	rv_mutex_unlock(&c->calib_mu);
}
