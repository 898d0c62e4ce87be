/*
 * cmd_calib.c: `ruvector calibrate`, which stores a conformal or a
 * target-recall calibration with a collection (ruvector.h, Calibrated
 * retrieval), and the JSON form of a calibration that `calibrate` and
 * `info` print. `search --conformal` and `search --calibrated` use what it
 * stores.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char calibrate_usage[] =
	"usage: ruvector calibrate DB COLL --queries Q.fvecs [--gt G.ivecs] [--k 10]\n"
	"                          (--alpha A [--cap N] [--ef N] [--score distance|rank|ratio]\n"
	"                           | --target-recall R [--max-ef 4096])\n"
	"                          [--durability full|normal|off] [--json]\n"
	"\n"
	"Calibrates the collection on the query vectors and stores the result with it.\n"
	"Each query's relevant items are its first k ids in G.ivecs (row numbers, as\n"
	"decimal ids, the layout of the ANN benchmarks), or without --gt its exact k\n"
	"nearest neighbours. --alpha A: conformal result sets that hold all k relevant\n"
	"items of a new query with probability at least 1 - A (search --conformal\n"
	"returns them, up to the cap). --target-recall R: the ef at which mean\n"
	"recall@k reaches R (search --calibrated uses it). Prints the stored\n"
	"calibration.\n";

const char *conformal_score_name(rv_conformal_score s)
{
	return s == RV_CONFORMAL_RANK ? "rank" : s == RV_CONFORMAL_RATIO ? "ratio" : "distance";
}

void print_calibration_json(const rv_calibration *k)
{
	if (!k->conformal && !k->recall) {
		printf("null");
		return;
	}
	printf("{");
	if (k->conformal) {
		printf("\"conformal\":{\"alpha\":%g,\"score\":\"%s\",\"threshold\":", (double)k->alpha,
		       conformal_score_name(k->score));
		if (isinf(k->threshold))
			printf("null");
		else
			printf("%.9g", k->threshold);
		printf(",\"n\":%u,\"infinite\":%u,\"k\":%u,\"cap\":%u,\"ef\":%u}", k->n, k->infinite, k->k, k->cap, k->ef);
	}
	if (k->recall)
		printf("%s\"target_recall\":{\"target\":%g,\"ef\":%u,\"k\":%u,\"n\":%u,\"bound\":%.6g}",
		       k->conformal ? "," : "", (double)k->target_recall, k->recall_ef, k->recall_k, k->recall_n,
		       (double)k->recall_bound);
	printf("}");
}

static bool parse_score(const char *v, void *out, char *why, size_t why_size)
{
	rv_conformal_score *s = out;
	if (!strcmp(v, "distance"))
		*s = RV_CONFORMAL_DISTANCE;
	else if (!strcmp(v, "rank"))
		*s = RV_CONFORMAL_RANK;
	else if (!strcmp(v, "ratio"))
		*s = RV_CONFORMAL_RATIO;
	else {
		snprintf(why, why_size, "must be distance, rank or ratio");
		return false;
	}
	return true;
}

int cmd_calibrate(int argc, char **argv)
{
	const char *cmd = "calibrate", *pos[2], *queries = NULL, *gt_path = NULL;
	int npos = 0;
	bool json = false;
	uint64_t k = 10, cap = 0, ef = 0, max_ef = 4096;
	double alpha = 0, target = 0;
	rv_conformal_score score = RV_CONFORMAL_DISTANCE;
	rv_durability dur = RV_SYNC_FULL;
	const cli_opt opts[] = {
		CLI_STR("--queries", queries),
		CLI_STR("--gt", gt_path),
		{.name = "--k", .alias = "-k", .kind = OPT_U64, .out = &k, .min = 1, .max = RV_K_MAX},
		CLI_DBL("--alpha", alpha, 1e-6, 0.999999),
		CLI_DBL("--target-recall", target, 1e-6, 0.999999),
		CLI_U64("--cap", cap, 1, RV_K_MAX),
		CLI_U64("--ef", ef, 1, RV_EF_MAX),
		CLI_U64("--max-ef", max_ef, 1, RV_EF_MAX),
		CLI_FN("--score", score, parse_score),
		CLI_DURABILITY(dur),
		CLI_FLAG("--json", json),
		CLI_END,
	};
	const cli_spec spec = {cmd, calibrate_usage, opts, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	if (!queries)
		return cli_usage_error(cmd, calibrate_usage, "--queries is required");
	if ((alpha > 0) == (target > 0))
		return cli_usage_error(cmd, calibrate_usage, "give one of --alpha and --target-recall");
	void *qdata = NULL, *gdata = NULL;
	size_t nq, dim, grows = 0, gk = 0;
	if (rv_read_vecs(queries, 0, 0, &qdata, &nq, &dim) != RV_OK)
		return cli_fail(cmd, "%s", rv_errmsg(NULL));
	char *store = NULL;
	const char **rel = NULL;
	if (gt_path) {
		if (rv_read_vecs(gt_path, 1, 0, &gdata, &grows, &gk) != RV_OK) {
			rv_free_buffer(qdata);
			return cli_fail(cmd, "%s", rv_errmsg(NULL));
		}
		if (grows < nq || gk < k) {
			rv_free_buffer(qdata);
			rv_free_buffer(gdata);
			return cli_fail(cmd, "%s has %zu rows of %zu ids; need %zu rows of at least %llu", gt_path, grows, gk,
			                nq, (unsigned long long)k);
		}
		store = malloc(nq * k * 12);
		rel = malloc(nq * k * sizeof *rel);
		if (!store || !rel) {
			free(store);
			free(rel);
			rv_free_buffer(qdata);
			rv_free_buffer(gdata);
			return cli_fail(cmd, "out of memory");
		}
		const int32_t *g = gdata;
		for (size_t i = 0; i < nq; i++)
			for (size_t j = 0; j < k; j++) {
				snprintf(store + (i * k + j) * 12, 12, "%d", g[i * gk + j]);
				rel[i * k + j] = store + (i * k + j) * 12;
			}
	}
	rv_db *db;
	rv_collection *c;
	int status = EXIT_FAIL;
	if (db_open(cmd, pos[0], 0, dur, &db) != EXIT_OK) {
		db = NULL;
		goto done;
	}
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		goto done;
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	p.k = (uint32_t)k;
	p.relevant = rel;
	p.cap = (uint32_t)cap;
	p.ef = (uint32_t)ef;
	p.score = score;
	p.max_ef = (uint32_t)max_ef;
	if (alpha > 0)
		p.alpha = (float)alpha;
	else
		p.target_recall = (float)target;
	rv_calibration out;
	rc = alpha > 0 ? rv_calibrate(c, nq, qdata, dim, &p, &out) : rv_calibrate_recall(c, nq, qdata, dim, &p, &out);
	if (rc != RV_OK) {
		cli_fail(cmd, "%s", rv_errmsg(c));
		goto done;
	}
	if (json) {
		print_calibration_json(&out);
		putchar('\n');
	} else if (alpha > 0) {
		printf("conformal: alpha %g, threshold %.9g (%s, the %u-query calibration had %u with a relevant item "
		       "beyond the cap), cap %u, ef %u\n",
		       (double)out.alpha, out.threshold, conformal_score_name(out.score), out.n,
		       out.infinite, out.cap, out.ef);
	} else {
		printf("target recall %g: ef %u (bound on 1 - recall %.4f over %u queries)\n", (double)out.target_recall,
		       out.recall_ef, (double)out.recall_bound, out.recall_n);
	}
	status = EXIT_OK;
done:
	free(store);
	free(rel);
	rv_free_buffer(qdata);
	rv_free_buffer(gdata);
	return db ? db_close(cmd, db, status) : status;
}
