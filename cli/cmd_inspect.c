/*
 * cmd_inspect.c: `ruvector inspect DB COLL`, the embedding-quality report
 * (rv_inspect): a summary, or with --json one object:
 *   {"sample":..,"dim":..,"k":..,"norms":{"min","max","mean","std","hist":[..]},
 *    "duplicates":{"exact_pairs","near_pairs","vectors","near_threshold"},
 *    "hubness":{"skew","max","antihubs","k"},
 *    "intrinsic_dimension":TwoNN,"intrinsic_dimension_mle":..,
 *    "spectrum":{"effective_rank","top_variance":[..],"collapsed_dims"},
 *    "h0":[the sorted death times],"sample_ids":[..] (with --ids)}
 * (NaN, where a figure could not be computed, prints as null.) --png FILE
 * draws the norm histogram and the H0 persistence diagram with matplotlib
 * (python3-matplotlib): the command runs python3 (or $RUVECTOR_PYTHON) on
 * a script it carries, handing it the JSON in a temporary file.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char inspect_usage[] =
	"usage: ruvector inspect DB COLL [--sample 2000] [--k 10] [--near 0.01] [--seed 1]\n"
	"                        [--json [--ids]] [--png FILE]\n"
	"\n"
	"Measures a random sample of the collection's vectors: norms, exact and near\n"
	"duplicates, hubness (skew of the k-occurrence), intrinsic dimension (TwoNN,\n"
	"MLE), the variance in the top principal directions and the effective rank,\n"
	"and H0 persistence (the minimum spanning tree's edge lengths). --json prints\n"
	"one object (--ids adds the sampled ids); --png draws the histogram and the\n"
	"persistence diagram (needs python3-matplotlib). Opens DB read-only.\n";

static void num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, "%.9g", x);
	else
		fprintf(f, "null");
}

static void json_id(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void print_json(FILE *f, const rv_inspect_report *r, bool ids)
{
	fprintf(f, "{\"sample\":%u,\"dim\":%u,\"k\":%u,\"norms\":{\"min\":", r->sample, r->dim, r->k);
	num(f, r->norm_min);
	fprintf(f, ",\"max\":");
	num(f, r->norm_max);
	fprintf(f, ",\"mean\":");
	num(f, r->norm_mean);
	fprintf(f, ",\"std\":");
	num(f, r->norm_std);
	fprintf(f, ",\"hist\":[");
	for (unsigned i = 0; i < RV_INSPECT_BINS; i++)
		fprintf(f, "%s%u", i ? "," : "", r->norm_hist[i]);
	fprintf(f, "]},\"duplicates\":{\"exact_pairs\":%llu,\"near_pairs\":%llu,\"vectors\":%u,\"near_threshold\":",
	        (unsigned long long)r->exact_duplicate_pairs, (unsigned long long)r->near_duplicate_pairs,
	        r->duplicated_vectors);
	num(f, r->near_threshold);
	fprintf(f, "},\"hubness\":{\"skew\":");
	num(f, r->hubness_skew);
	fprintf(f, ",\"max\":%u,\"antihubs\":%u,\"k\":%u},\"intrinsic_dimension\":", r->hub_max, r->antihubs, r->k);
	num(f, r->twonn_dimension);
	fprintf(f, ",\"intrinsic_dimension_mle\":");
	num(f, r->mle_dimension);
	fprintf(f, ",\"spectrum\":{\"effective_rank\":");
	num(f, r->effective_rank);
	fprintf(f, ",\"top_variance\":[");
	for (unsigned i = 0; i < RV_INSPECT_TOP; i++) {
		fprintf(f, "%s", i ? "," : "");
		num(f, r->top_variance[i]);
	}
	fprintf(f, "],\"collapsed_dims\":%u},\"h0\":[", r->collapsed_dims);
	for (uint32_t i = 0; i + 1 < r->sample; i++) {
		fprintf(f, "%s", i ? "," : "");
		num(f, r->h0[i]);
	}
	fprintf(f, "]");
	if (ids) {
		fprintf(f, ",\"sample_ids\":[");
		const char *id = r->sample_ids;
		for (uint32_t i = 0; i < r->sample; i++, id += strlen(id) + 1) {
			fprintf(f, "%s", i ? "," : "");
			json_id(f, id);
		}
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
}

/* The plot: the norm histogram and the H0 persistence diagram (every
 * component born at 0, dying at its death time). */
static const char plot_script[] =
	"import json, sys\n"
	"import matplotlib\n"
	"matplotlib.use('Agg')\n"
	"import matplotlib.pyplot as plt\n"
	"out, src = sys.argv[1], sys.argv[2]\n"
	"r = json.load(open(src))\n"
	"fig, ax = plt.subplots(1, 2, figsize=(11, 4))\n"
	"n = r['norms']; h = n['hist']; w = ((n['max'] or 0) - (n['min'] or 0)) / len(h) or 1\n"
	"ax[0].bar([n['min'] + (i + 0.5) * w for i in range(len(h))], h, width=w)\n"
	"ax[0].set_title('norms (%d vectors)' % r['sample']); ax[0].set_xlabel('norm')\n"
	"d = [x for x in r['h0'] if x is not None]\n"
	"ax[1].scatter([0] * len(d), d, s=6); m = max(d) if d else 1\n"
	"ax[1].plot([0, m], [0, m], 'k--', lw=0.5)\n"
	"ax[1].set_title('H0 persistence (birth 0, death = MST edge)'); ax[1].set_xlabel('birth'); ax[1].set_ylabel('death')\n"
	"fig.suptitle('intrinsic dimension %s, hubness skew %s' % (r['intrinsic_dimension'], r['hubness']['skew']))\n"
	"fig.tight_layout(); fig.savefig(out, dpi=100)\n";

static int plot(const char *cmd, const rv_inspect_report *r, const char *png)
{
	char tmpl[] = "/tmp/ruvector-inspect-XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return cli_fail(cmd, "cannot create a temporary file for the plot");
	print_json(f, r, false);
	fclose(f);
	char script[] = "/tmp/ruvector-plot-XXXXXX";
	int sfd = mkstemp(script);
	FILE *sf = sfd >= 0 ? fdopen(sfd, "w") : NULL;
	if (!sf) {
		unlink(tmpl);
		return cli_fail(cmd, "cannot create a temporary file for the plot");
	}
	fputs(plot_script, sf);
	fclose(sf);
	/* the paths are ours (mkstemp) or the user's, passed as arguments */
	char *argv_cmd = NULL;
	int status = EXIT_FAIL;
	const char *py = getenv("RUVECTOR_PYTHON");
	if (!py || !*py || strchr(py, '\''))
		py = "python3";
	if (asprintf(&argv_cmd, "'%s' '%s' '%s' '%s'", py, script, png, tmpl) > 0 && !strchr(png, '\'')) {
		int rc = system(argv_cmd);
		status = rc == 0 ? EXIT_OK
		                 : cli_fail(cmd, "the plot failed (python3 with matplotlib: apt-get install python3-matplotlib)");
	} else {
		status = cli_fail(cmd, "--png: a path without a single quote, please");
	}
	free(argv_cmd);
	unlink(tmpl);
	unlink(script);
	return status;
}

int cmd_inspect(int argc, char **argv)
{
	const char *cmd = "inspect", *pos[2], *png = NULL;
	int npos = 0;
	bool json = false, ids = false;
	uint64_t sample = 2000, k = 10, seed = 1;
	double near = 0.01;
	const cli_opt opts[] = {
		CLI_U64("--sample", sample, 3, RV_INSPECT_SAMPLE_MAX),
		CLI_U64("--k", k, 2, 100),
		CLI_DBL("--near", near, 0.0, 1.0),
		CLI_U64("--seed", seed, 0, UINT64_MAX),
		CLI_FLAG("--json", json),
		CLI_FLAG("--ids", ids),
		CLI_STR("--png", png),
		CLI_END,
	};
	const cli_spec spec = {cmd, inspect_usage, opts, 2, 2, "give a database and a collection name"};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	rv_db *db;
	rv_collection *c;
	if (db_open(cmd, pos[0], RV_DB_READONLY, RV_SYNC_FULL, &db) != EXIT_OK)
		return EXIT_FAIL;
	if (db_open_coll(cmd, db, pos[1], &c) != EXIT_OK)
		return db_close(cmd, db, EXIT_FAIL);
	rv_inspect_params p;
	rv_inspect_params_init(&p);
	p.sample = (uint32_t)sample;
	p.k = (uint32_t)k;
	p.near_duplicate = (float)near;
	p.seed = seed;
	rv_inspect_report *r = NULL;
	if (rv_inspect(c, &p, &r) != RV_OK) {
		cli_fail(cmd, "%s", rv_errmsg(c));
		return db_close(cmd, db, EXIT_FAIL);
	}
	int status = EXIT_OK;
	if (json) {
		print_json(stdout, r, ids);
	} else {
		double top10 = 0;
		for (unsigned i = 0; i < RV_INSPECT_TOP; i++)
			top10 += isfinite(r->top_variance[i]) ? r->top_variance[i] : 0;
		printf("sample %u of dimension %u\n", r->sample, r->dim);
		printf("norms: %.4g .. %.4g, mean %.4g, std %.4g\n", r->norm_min, r->norm_max, r->norm_mean, r->norm_std);
		printf("duplicates: %llu exact pairs, %llu near pairs (closer than %.4g), %u vectors involved\n",
		       (unsigned long long)r->exact_duplicate_pairs, (unsigned long long)r->near_duplicate_pairs,
		       r->near_threshold, r->duplicated_vectors);
		printf("hubness (k = %u): skew %.3f, largest k-occurrence %u, %u antihubs\n", r->k, r->hubness_skew,
		       r->hub_max, r->antihubs);
		printf("intrinsic dimension: %.2f (TwoNN), %.2f (MLE)\n", r->twonn_dimension, r->mle_dimension);
		printf("spectrum: effective rank %.2f, top direction %.1f%%, top %u %.1f%% of the variance, %u collapsed "
		       "coordinates\n",
		       r->effective_rank, 100 * r->top_variance[0], RV_INSPECT_TOP, 100 * top10, r->collapsed_dims);
		uint32_t m = r->sample - 1;
		printf("H0 death times: min %.4g, median %.4g, 90%% %.4g, max %.4g\n", r->h0[0], r->h0[m / 2],
		       r->h0[(size_t)(m * 0.9)], r->h0[m - 1]);
	}
	if (png)
		status = plot(cmd, r, png);
	rv_inspect_free(r);
	return db_close(cmd, db, status);
}
