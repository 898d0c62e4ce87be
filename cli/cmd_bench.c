/*
 * cmd_bench.c: `ruvector bench`, the benchmark contract.
 *
 *   ruvector bench --base B.fvecs --query Q.fvecs --gt G.ivecs
 *                  --metric l2|ip|cosine --m 16 --ef-construction 200
 *                  --ef 10,20,40,80,160,320 --threads T --k 10 [--json]
 *
 * Builds the index with T threads, then for each ef runs every query one at
 * a time on one thread and prints one line per ef:
 *   {"ef":..,"recall":..,"qps":..,"p50_us":..,"p99_us":..,"build_s":..,
 *    "threads":..,"bytes_per_vector":..}
 * recall is recall@k against the first k ground-truth ids; bytes_per_vector
 * is the collection's heap memory (rv_collection_stats) divided by n.
 *
 * Extras, off by default: --generate NxD makes a seeded clustered data set
 * instead of reading files (ground truth by exact search); --limit N uses the
 * first N base vectors (ground truth recomputed); --exact adds a line for the
 * exact index; --delete-fraction F deletes that share of the vectors after
 * the sweep, checks that none comes back, sweeps again against the exact
 * neighbours among the survivors, then re-adds them.
 *
 * --quant int8|pq:M|binary walks quantized codes (trained on --quant-train
 * vectors, default the library's) and re-ranks the best --rerank candidates
 * (default all ef) with float32. The lines then also carry "quant",
 * "code_bytes_per_vector" (codes and codebooks) and
 * "bytes_per_vector_mapped": the heap a persistent collection holds, whose
 * float32 vectors stay in its mapped segment file.
 *
 * --db DIR measures a persistent collection as a server holds it: unless
 * DIR already holds one (collection "bench"), the collection is built there
 * (log durability off, then a checkpoint) and closed; then it is opened and
 * swept, and the lines carry "rss_anon_bytes_per_vector" (this process's
 * private memory: heap, graph, codes) and "rss_file_bytes_per_vector"
 * (segment pages it touched: page cache, shared and evictable), both after
 * the sweep. Run it twice for a process that never built anything: the
 * second run only opens and searches ("build_s" is then 0).
 *
 * --filter-labels N gives each base vector a seeded random label out of N
 * (payload {"label":"L<j>"}, with a keyword index on it unless
 * --filter-index none) and, after the unfiltered sweep, filters every query
 * to one label (also seeded): N = 100 is 1% selectivity. The ground truth is
 * the exact nearest neighbours among the vectors with that label, computed
 * by the tool with the exact filtered scan on all threads; every hit is
 * checked to carry the query's label. One line with
 * "mode":"filtered_exact" gives the brute-force filtered scan (every vector
 * checked against the filter, the matches' distances computed: run before
 * the index exists); then lines with "mode":"filtered" give recall and QPS
 * per ef of the filtered search as the planner runs it; "short" counts
 * searches that returned fewer than min(k, matches) results (must be 0).
 *
 * --conformal ALPHA and --target-recall R replace the ef sweep with
 * calibrated retrieval over --calibration N queries (default half) and the
 * rest (bench_calib.c describes the lines they print). --holdout N moves
 * the last N base vectors to the end of the queries (the index is built
 * without them; ground truth by exact search): more queries than a data
 * set ships, e.g. 1,000 + 1,000 for 1,000/1,000 splits.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_EFS 256

typedef struct bench_args {
	const char *base, *query, *gt;
	rv_metric metric;
	uint64_t m, efc, threads, k, limit, nq_limit, gen_n, gen_d, seed;
	double alpha;
	uint32_t efs[MAX_EFS];
	size_t n_efs;
	bool json, exact;
	double delete_fraction;
	rv_quant_kind quant;
	uint32_t pq_m;
	uint64_t rerank, quant_train;
	const char *quant_spec;
	const char *db;
	uint64_t filter_labels;
	bool filter_index;
	double conformal, target_recall;
	uint64_t calibration, splits, cap, conformal_ef, holdout;
} bench_args;

typedef struct dataset {
	float *base, *query;
	int32_t *gt;       /* nq rows of gt_k ids */
	size_t n, nq, dim, gt_k;
	bool generated;    /* base/query from malloc, not from rv_read_vecs */
	bool query_malloced; /* --holdout: query from malloc */
} dataset;

static const char bench_usage[] =
	"usage: ruvector bench (--base B.fvecs --query Q.fvecs [--gt G.ivecs] | --generate NxD)\n"
	"                      [--metric l2|ip|cosine|l1] [--m 16] [--ef-construction 200]\n"
	"                      [--ef 10,20,40,80,160,320] [--threads T] [--k 10] [--json]\n"
	"                      [--alpha 1.1] [--limit N] [--queries N] [--exact] [--delete-fraction F]\n"
	"                      [--seed S] [--quant none|int8|pq:M|binary|binary-itq] [--rerank N]\n"
	"                      [--quant-train N] [--db DIR] [--filter-labels N [--filter-index keyword|none]]\n"
	"                      [--conformal ALPHA [--cap N] [--conformal-ef N] | --target-recall R]\n"
	"                      [--calibration N] [--splits 100] [--holdout N]\n"
	"\n"
	"Builds an index over the base vectors (or N generated ones of dimension D)\n"
	"and, for each --ef, prints recall@k against the ground truth (--gt, or an\n"
	"exact scan), queries per second and latency; --json prints one JSON object\n"
	"per line. The header of cli/cmd_bench.c describes every option.\n";

/* --ef: a comma-separated list of ef values. */
static bool parse_efs(const char *s, void *out, char *why, size_t why_size)
{
	bench_args *a = out;
	a->n_efs = 0;
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v < 1 || v > RV_EF_MAX || a->n_efs == MAX_EFS || (*end && *end != ','))
			break;
		a->efs[a->n_efs++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	if (!*s && a->n_efs > 0)
		return true;
	snprintf(why, why_size, "must be a comma-separated list of up to %d values in 1..%u", MAX_EFS, RV_EF_MAX);
	return false;
}

/* --generate NxD. */
static bool parse_generate(const char *v, void *out, char *why, size_t why_size)
{
	bench_args *a = out;
	unsigned long long n, d;
	char tail;
	if (sscanf(v, "%llux%llu%c", &n, &d, &tail) != 2 || n < 1 || n > 100000000ull || d < 1 || d > RV_DIM_MAX) {
		snprintf(why, why_size, "must be NxD (N up to 100000000, D up to %u), e.g. 20000x128", RV_DIM_MAX);
		return false;
	}
	a->gen_n = n, a->gen_d = d;
	return true;
}

/* --quant none|int8|pq:M|binary. */
static bool parse_quant(const char *v, void *out, char *why, size_t why_size)
{
	bench_args *a = out;
	if (rv_quant_parse(v, &a->quant, &a->pq_m) == RV_OK) {
		a->quant_spec = v;
		return true;
	}
	snprintf(why, why_size, "must be none, int8, pq:M, binary or binary-itq");
	return false;
}

/* --filter-index keyword|none. */
static bool parse_filter_index(const char *v, void *out, char *why, size_t why_size)
{
	bool *on = out;
	if (strcmp(v, "keyword") && strcmp(v, "none")) {
		snprintf(why, why_size, "must be keyword or none");
		return false;
	}
	*on = !strcmp(v, "keyword");
	return true;
}

/* CLI_GO_ON, or the exit status to return. */
static int parse_args(int argc, char **argv, bench_args *a)
{
	memset(a, 0, sizeof *a);
	a->metric = RV_METRIC_L2;
	a->m = 16;
	a->efc = 200;
	a->threads = 0;
	a->k = 10;
	a->seed = 42;
	a->alpha = 1.1; /* the library default */
	a->filter_index = true;
	a->splits = 100;
	char unused[8];
	parse_efs("10,20,40,80,160,320", a, unused, sizeof unused);
	const cli_opt opts[] = {
		CLI_STR("--base", a->base),
		CLI_STR("--query", a->query),
		CLI_STR("--gt", a->gt),
		CLI_FN("--metric", a->metric, cli_parse_metric),
		CLI_U64("--m", a->m, RV_M_MIN, RV_M_MAX),
		CLI_U64("--ef-construction", a->efc, 1, RV_EF_MAX),
		CLI_FN("--ef", *a, parse_efs),
		CLI_DBL("--alpha", a->alpha, 1.0, 2.0),
		CLI_U64("--threads", a->threads, 1, 1024),
		CLI_U64("--k", a->k, 1, 1000),
		CLI_U64("--limit", a->limit, 1, RV_MAX_VECTORS),
		CLI_U64("--queries", a->nq_limit, 1, 10000000),
		CLI_U64("--seed", a->seed, 0, UINT64_MAX),
		CLI_FN("--generate", *a, parse_generate),
		CLI_FLAG("--json", a->json),
		CLI_FLAG("--exact", a->exact),
		CLI_DBL("--delete-fraction", a->delete_fraction, 0.0, 0.9),
		CLI_FN("--quant", *a, parse_quant),
		CLI_U64("--rerank", a->rerank, 0, RV_EF_MAX),
		CLI_U64("--quant-train", a->quant_train, 0, 1000000),
		CLI_U64("--filter-labels", a->filter_labels, 1, 1000000),
		CLI_FN("--filter-index", a->filter_index, parse_filter_index),
		CLI_STR("--db", a->db),
		CLI_DBL("--conformal", a->conformal, 1e-6, 0.999999),
		CLI_DBL("--target-recall", a->target_recall, 1e-6, 0.999999),
		CLI_U64("--calibration", a->calibration, 1, 10000000),
		CLI_U64("--splits", a->splits, 1, 100000),
		CLI_U64("--cap", a->cap, 1, RV_K_MAX),
		CLI_U64("--conformal-ef", a->conformal_ef, 1, RV_EF_MAX),
		CLI_U64("--holdout", a->holdout, 1, RV_MAX_VECTORS),
		CLI_END,
	};
	const char *pos[1];
	int npos;
	const cli_spec spec = {"bench", bench_usage, opts, 0, 0, ""};
	int rc = cli_parse(&spec, argc, argv, pos, &npos);
	if (rc != CLI_GO_ON)
		return rc;
	if (a->db && a->delete_fraction > 0)
		return cli_usage_error("bench", bench_usage, "--db and --delete-fraction do not go together");
	if (!a->gen_n && (!a->base || !a->query))
		return cli_usage_error("bench", bench_usage, "give --base and --query, or --generate NxD");
	if (a->conformal > 0 && a->target_recall > 0)
		return cli_usage_error("bench", bench_usage, "--conformal and --target-recall go in separate runs");
	return CLI_GO_ON;
}

/* ---- data ---- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static float gauss(uint64_t *s)
{
	double u1 = ((double)(splitmix(s) >> 11) + 1.0) / 9007199254740993.0;
	double u2 = (double)(splitmix(s) >> 11) / 9007199254740992.0;
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Gaussian clusters around random centres: closer to real embeddings than
 * uniform noise, whose neighbours are all nearly equidistant. */
static bool generate(dataset *d, size_t n, size_t nq, size_t dim, uint64_t seed)
{
	size_t clusters = n / 100 + 1;
	float *centres = malloc(clusters * dim * sizeof(float));
	d->base = malloc(n * dim * sizeof(float));
	d->query = malloc(nq * dim * sizeof(float));
	if (!centres || !d->base || !d->query) {
		free(centres);
		return false;
	}
	uint64_t s = seed;
	for (size_t i = 0; i < clusters * dim; i++)
		centres[i] = gauss(&s) * 2.0f;
	for (size_t i = 0; i < n + nq; i++) {
		float *row = i < n ? d->base + i * dim : d->query + (i - n) * dim;
		size_t c = splitmix(&s) % clusters;
		for (size_t j = 0; j < dim; j++)
			row[j] = centres[c * dim + j] + gauss(&s);
	}
	free(centres);
	d->n = n, d->nq = nq, d->dim = dim;
	d->generated = true;
	return true;
}

/* --holdout: the last h base vectors become extra queries. */
static int hold_out(const bench_args *a, dataset *d)
{
	size_t h = (size_t)a->holdout;
	if (h >= d->n) {
		fprintf(stderr, "ruvector bench: --holdout %zu leaves no base vectors (of %zu)\n", h, d->n);
		return EXIT_FAIL;
	}
	float *q = malloc((d->nq + h) * d->dim * sizeof *q);
	if (!q) {
		fprintf(stderr, "ruvector bench: out of memory\n");
		return EXIT_FAIL;
	}
	memcpy(q, d->query, d->nq * d->dim * sizeof *q);
	memcpy(q + d->nq * d->dim, d->base + (d->n - h) * d->dim, h * d->dim * sizeof *q);
	if (d->generated)
		free(d->query);
	else
		rv_free_buffer(d->query);
	d->query = q;
	d->query_malloced = true;
	d->nq += h;
	d->n -= h;
	rv_free_buffer(d->gt); /* for the full base: recomputed */
	d->gt = NULL;
	d->gt_k = 0;
	return EXIT_OK;
}

static int load(const bench_args *a, dataset *d)
{
	if (a->gen_n) {
		size_t nq = a->nq_limit ? a->nq_limit : 1000;
		if (!generate(d, a->gen_n, nq, a->gen_d, a->seed)) {
			fprintf(stderr, "ruvector bench: out of memory generating data\n");
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	size_t rows, dim, qrows, qdim;
	void *p;
	if (rv_read_vecs(a->base, 0, a->limit, &p, &rows, &dim) != RV_OK) {
		fprintf(stderr, "ruvector bench: %s\n", rv_errmsg(NULL));
		return EXIT_FAIL;
	}
	d->base = p, d->n = rows, d->dim = dim;
	if (rv_read_vecs(a->query, 0, a->nq_limit, &p, &qrows, &qdim) != RV_OK) {
		fprintf(stderr, "ruvector bench: %s\n", rv_errmsg(NULL));
		return EXIT_FAIL;
	}
	d->query = p, d->nq = qrows;
	if (qdim != dim) {
		fprintf(stderr, "ruvector bench: %s has dimension %zu but %s has %zu\n", a->query, qdim, a->base, dim);
		return EXIT_FAIL;
	}
	if (a->gt && !a->limit) {
		size_t grows, gk;
		if (rv_read_vecs(a->gt, 1, a->nq_limit, &p, &grows, &gk) != RV_OK) {
			fprintf(stderr, "ruvector bench: %s\n", rv_errmsg(NULL));
			return EXIT_FAIL;
		}
		d->gt = p, d->gt_k = gk;
		if (grows < d->nq || gk < a->k) {
			fprintf(stderr, "ruvector bench: %s has %zu rows of %zu ids; need %zu rows of at least %llu\n", a->gt,
			        grows, gk, d->nq, (unsigned long long)a->k);
			return EXIT_FAIL;
		}
		for (size_t i = 0; i < d->nq * gk; i++) {
			if (d->gt[i] < 0 || (size_t)d->gt[i] >= d->n) {
				fprintf(stderr, "ruvector bench: %s: id %d at position %zu is not a base vector\n", a->gt,
				        d->gt[i], i);
				return EXIT_FAIL;
			}
		}
	}
	return EXIT_OK;
}

/* ---- measurement ---- */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

typedef struct sweep_result {
	double recall, qps, p50_us, p99_us;
	size_t deleted_returned; /* results naming an id in `gone` */
	size_t short_results;    /* --filter-labels: searches with fewer than min(k, matches) */
	size_t wrong_label;      /* --filter-labels: hits without the query's label */
	int error;
} sweep_result;

/* --filter-labels: per-query filters, labels and match counts. */
typedef struct label_filter {
	rv_filter **filters;      /* nq */
	const uint32_t *label;    /* per base id */
	uint32_t *qlabel;         /* per query */
	size_t *matches;          /* per query: base ids with its label */
} label_filter;

/* Run every query once, one at a time, and score against gt (nq rows of
 * gt_k, first k used). `gone`, if not NULL, flags deleted base ids. */
static sweep_result sweep_f(rv_collection *c, const dataset *d, const int32_t *gt, size_t gt_k, size_t k,
                            uint32_t ef, uint32_t flags, uint32_t rerank, const unsigned char *gone, double *lat,
                            const label_filter *lf)
{
	sweep_result r = {0};
	rv_hit *hits = malloc(k * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(k));
	if (!hits || !idbuf) {
		free(hits);
		free(idbuf);
		r.error = RV_ENOMEM;
		return r;
	}
	rv_search_params p = {.ef = ef, .flags = flags, .rerank = rerank};
	size_t found = 0, want = 0;
	double total = 0;
	for (size_t q = 0; q < d->nq; q++) {
		size_t kq = k;
		if (lf) {
			p.filter = lf->filters[q];
			kq = lf->matches[q] < k ? lf->matches[q] : k;
		}
		double t0 = now_s();
		int n = rv_search(c, d->query + q * d->dim, d->dim, k, &p, hits, idbuf, RV_IDBUF_SIZE(k));
		double t1 = now_s();
		if (n < 0) {
			fprintf(stderr, "ruvector bench: search failed: %s\n", rv_errmsg(c));
			r.error = n;
			break;
		}
		lat[q] = (t1 - t0) * 1e6;
		total += t1 - t0;
		const int32_t *g = gt + q * gt_k;
		if (lf && (size_t)n != kq)
			r.short_results++;
		for (int i = 0; i < n; i++) {
			long id = strtol(hits[i].id, NULL, 10);
			if (gone && gone[id])
				r.deleted_returned++;
			if (lf && lf->label[id] != lf->qlabel[q])
				r.wrong_label++;
			for (size_t j = 0; j < kq; j++)
				if (g[j] == id) {
					found++;
					break;
				}
		}
		want += kq;
	}
	free(hits);
	free(idbuf);
	if (r.error)
		return r;
	qsort(lat, d->nq, sizeof *lat, cmp_double);
	r.recall = want ? (double)found / (double)want : 0;
	r.qps = total > 0 ? (double)d->nq / total : 0;
	r.p50_us = lat[d->nq / 2];
	r.p99_us = lat[(size_t)((double)(d->nq - 1) * 0.99)];
	return r;
}

static sweep_result sweep(rv_collection *c, const dataset *d, const int32_t *gt, size_t gt_k, size_t k,
                          uint32_t ef, uint32_t flags, uint32_t rerank, const unsigned char *gone, double *lat)
{
	return sweep_f(c, d, gt, gt_k, k, ef, flags, rerank, gone, lat, NULL);
}

/* Exact neighbours of every query, by the exact index on all threads
 * (with lf: among the base vectors with the query's label, one query at a
 * time, each batch call spread over the threads). */
static int32_t *exact_truth_f(rv_collection *c, const dataset *d, size_t k, const label_filter *lf)
{
	rv_hit *hits = malloc(d->nq * k * sizeof *hits);
	int *counts = malloc(d->nq * sizeof *counts);
	char *idbuf = malloc(d->nq * RV_IDBUF_SIZE(k));
	int32_t *gt = calloc(d->nq * k, sizeof *gt);
	rv_search_params p = {.flags = RV_SEARCH_EXACT};
	int rc = hits && counts && idbuf && gt ? RV_OK : RV_ENOMEM;
	if (rc == RV_OK && !lf)
		rc = rv_search_batch(c, d->nq, d->query, d->dim, k, &p, hits, counts, idbuf, d->nq * RV_IDBUF_SIZE(k));
	for (size_t q = 0; rc == RV_OK && lf && q < d->nq; q++) {
		p.filter = lf->filters[q];
		rc = rv_search_batch(c, 1, d->query + q * d->dim, d->dim, k, &p, hits + q * k, counts + q,
		                     idbuf + q * RV_IDBUF_SIZE(k), RV_IDBUF_SIZE(k));
	}
	if (rc != RV_OK) {
		fprintf(stderr, "ruvector bench: exact ground truth failed: %s\n", rv_errmsg(c));
		free(gt);
		gt = NULL;
	} else {
		for (size_t q = 0; q < d->nq; q++)
			for (size_t i = 0; i < k; i++)
				gt[q * k + i] = (int)i < counts[q] ? (int32_t)strtol(hits[q * k + i].id, NULL, 10) : -1;
	}
	free(hits);
	free(counts);
	free(idbuf);
	return gt;
}

static int32_t *exact_truth(rv_collection *c, const dataset *d, size_t k) { return exact_truth_f(c, d, k, NULL); }

/* Memory per vector from the collection's statistics; with --db also the
 * process's resident memory, private and file-backed (/proc/self/status). */
typedef struct bytes_per {
	double heap, codes, mapped;
	double rss_anon, rss_file; /* < 0: not measured */
} bytes_per;

static double status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	double v = -1;
	size_t len = strlen(field);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = strtod(line + len + 1, NULL);
			break;
		}
	fclose(f);
	return v;
}

static bytes_per bytes_of(rv_collection *c, size_t n)
{
	rv_stats st;
	rv_collection_stats(c, &st);
	bytes_per b = {(double)st.memory_bytes / (double)n, (double)st.code_bytes / (double)n,
	               (double)(st.memory_bytes - st.vector_bytes) / (double)n, -1, -1};
	return b;
}

static void report(const bench_args *a, const char *phase, const char *ef_label, uint32_t ef, const sweep_result *r,
                   double build_s, unsigned threads, const bytes_per *bpv, bool with_deleted, double exact_qps)
{
	if (a->json) {
		printf("{\"ef\":%u,\"recall\":%.4f,\"qps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"build_s\":%.3f,"
		       "\"threads\":%u,\"bytes_per_vector\":%.1f",
		       ef, r->recall, r->qps, r->p50_us, r->p99_us, build_s, threads, bpv->heap);
		if (a->quant != RV_QUANT_NONE)
			printf(",\"quant\":\"%s\",\"rerank\":%u,\"code_bytes_per_vector\":%.1f,\"bytes_per_vector_mapped\":%.1f",
			       a->quant_spec, (unsigned)(a->rerank ? a->rerank : ef), bpv->codes, bpv->mapped);
		if (bpv->rss_anon >= 0)
			printf(",\"rss_anon_bytes_per_vector\":%.1f,\"rss_file_bytes_per_vector\":%.1f", bpv->rss_anon,
			       bpv->rss_file);
		if (strcmp(phase, "build"))
			printf(",\"phase\":\"%s\"", phase);
		if (ef_label)
			printf(",\"mode\":\"%s\"", ef_label);
		if (with_deleted)
			printf(",\"deleted_returned\":%zu", r->deleted_returned);
		if (a->filter_labels && ef_label && !strncmp(ef_label, "filtered", 8))
			printf(",\"filter_labels\":%llu,\"selectivity\":%.6f,\"filter_index\":\"%s\",\"short\":%zu,"
			       "\"wrong_label\":%zu",
			       (unsigned long long)a->filter_labels, 1.0 / (double)a->filter_labels,
			       a->filter_index ? "keyword" : "none", r->short_results, r->wrong_label);
		printf("}\n");
	} else {
		char efs[16];
		snprintf(efs, sizeof efs, "%u", ef);
		char speed[24] = "";
		if (exact_qps > 0)
			snprintf(speed, sizeof speed, "%9.1fx", r->qps / exact_qps);
		if (ef_label && !strncmp(ef_label, "filtered", 8)) {
			printf("%-14s %6u %8.4f %10.1f %9.1f %9.1f %10s  short %zu, wrong label %zu\n",
			       !strcmp(ef_label, "filtered") ? "filtered" : "filtered_exact", ef, r->recall, r->qps, r->p50_us,
			       r->p99_us, speed, r->short_results, r->wrong_label);
			fflush(stdout);
			return;
		}
		printf("%-14s %6s %8.4f %10.1f %9.1f %9.1f %10s%s\n", phase, ef_label ? ef_label : efs, r->recall, r->qps,
		       r->p50_us, r->p99_us, speed, with_deleted ? (r->deleted_returned ? "  DELETED IDS RETURNED" : "") : "");
	}
	fflush(stdout);
}

/* The collection in memory: built from the base vectors with their
 * threads, timed. */
static int build_collection(const rv_options *o, const dataset *d, const char *const *ids,
                            const char *const *payloads, rv_collection **c, double *build_s)
{
	if (rv_collection_new(o, c) != RV_OK) {
		fprintf(stderr, "ruvector bench: %s\n", rv_errmsg(NULL));
		return EXIT_FAIL;
	}
	if (rv_reserve(*c, d->n) != RV_OK) {
		fprintf(stderr, "ruvector bench: %s\n", rv_errmsg(*c));
		return EXIT_FAIL;
	}
	double t0 = now_s();
	if (rv_insert_batch_payload(*c, d->n, ids, d->base, d->dim, payloads, 0) != RV_OK) {
		fprintf(stderr, "ruvector bench: insert failed: %s\n", rv_errmsg(*c));
		return EXIT_FAIL;
	}
	*build_s = now_s() - t0;
	return EXIT_OK;
}

static int db_fail(rv_db *db, const char *what)
{
	fprintf(stderr, "ruvector bench: %s: %s\n", what, db ? rv_db_errmsg(db) : rv_errmsg(NULL));
	return EXIT_FAIL;
}

/* --db: build the collection "bench" in the database (log durability off,
 * then a checkpoint) unless it is there, close it, and open it again as a
 * server would: its vectors mapped from the segment. */
static int open_db_collection(const bench_args *a, const rv_options *o, const dataset *d, const char *const *ids,
                              const char *const *payloads, rv_db **db, rv_collection **c, double *build_s)
{
	rv_db_options dbo;
	rv_db_options_init(&dbo);
	dbo.flags = RV_DB_CREATE;
	dbo.durability = RV_SYNC_OFF;
	dbo.checkpoint_bytes = 0;
	if (rv_db_open(a->db, &dbo, db) != RV_OK)
		return db_fail(NULL, a->db);
	int rc = rv_db_open_collection(*db, "bench", c);
	if (rc == RV_ENOTFOUND) {
		if (rv_db_create_collection(*db, "bench", o, c) != RV_OK)
			return db_fail(*db, "creating the collection");
		double t0 = now_s();
		if (rv_reserve(*c, d->n) != RV_OK ||
		    rv_insert_batch_payload(*c, d->n, ids, d->base, d->dim, payloads, 0) != RV_OK ||
		    (payloads && a->filter_index && rv_create_index(*c, "label", RV_INDEX_KEYWORD) != RV_OK))
			return db_fail(*db, "inserting");
		*build_s = now_s() - t0;
		if (rv_checkpoint(*c) != RV_OK)
			return db_fail(*db, "checkpointing");
	} else if (rc != RV_OK) {
		return db_fail(*db, "opening the collection");
	}
	rv_options have;
	rv_collection_options(*c, &have);
	if (have.dim != d->dim || have.metric != o->metric || have.m != o->m || have.quant != o->quant ||
	    have.quant_pq_m != o->quant_pq_m || rv_count(*c) != d->n) {
		fprintf(stderr, "ruvector bench: %s holds a collection built from other data or options (remove it)\n",
		        a->db);
		return EXIT_FAIL;
	}
	if (rv_db_close(*db) != RV_OK)
		return db_fail(NULL, "closing");
	*db = NULL;
	/* calibrations are stored with the collection: those runs write */
	dbo.flags = a->conformal > 0 || a->target_recall > 0 ? 0 : RV_DB_READONLY;
	dbo.durability = RV_SYNC_OFF;
	if (rv_db_open(a->db, &dbo, db) != RV_OK)
		return db_fail(NULL, a->db);
	if (rv_db_open_collection(*db, "bench", c) != RV_OK)
		return db_fail(*db, "reopening the collection");
	return EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
	bench_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc != CLI_GO_ON)
		return rc;
	dataset d = {0};
	int status = EXIT_FAIL;
	rv_collection *c = NULL;
	rv_db *db = NULL;
	char *idstore = NULL;
	const char **ids = NULL;
	double *lat = NULL;
	int32_t *gt_owned = NULL, *gt_after = NULL;
	unsigned char *gone = NULL;
	label_filter lf = {0};
	uint32_t *label = NULL;
	char *plstore = NULL;
	const char **payloads = NULL;
	int32_t *gt_filtered = NULL;
	const double anon0 = status_kib("RssAnon"), file0 = status_kib("RssFile");
	if ((status = load(&a, &d)) != EXIT_OK || (a.holdout && (status = hold_out(&a, &d)) != EXIT_OK))
		goto out;
	status = EXIT_FAIL;

	rv_options o;
	rv_options_init(&o);
	o.dim = (uint32_t)d.dim;
	o.metric = a.metric;
	o.m = (uint32_t)a.m;
	o.ef_construction = (uint32_t)a.efc;
	o.prune_alpha = (float)a.alpha;
	o.threads = (uint32_t)a.threads;
	o.exact_threshold = 0; /* measure the graph at every size */
	o.quant = a.quant;
	o.quant_pq_m = a.pq_m;
	o.quant_train = (uint32_t)a.quant_train;
	/* ids are the base row numbers, as decimal strings */
	idstore = malloc(d.n * 12);
	ids = malloc(d.n * sizeof *ids);
	lat = malloc(d.nq * sizeof *lat);
	if (!idstore || !ids || !lat) {
		fprintf(stderr, "ruvector bench: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		snprintf(idstore + i * 12, 12, "%u", (unsigned)i); /* n <= RV_MAX_VECTORS: 10 digits */
		ids[i] = idstore + i * 12;
	}
	if (!a.json)
		fprintf(stderr, "ruvector bench: %zu base vectors, %zu queries, dim %zu, metric %s, isa %s\n", d.n, d.nq,
		        d.dim, rv_metric_name(a.metric), rv_isa());
	double build_s = 0;
	if (a.filter_labels) {
		/* seeded labels for the base vectors and the queries */
		lf.label = label = malloc(d.n * sizeof *label);
		lf.qlabel = malloc(d.nq * sizeof *lf.qlabel);
		lf.matches = calloc(d.nq, sizeof *lf.matches);
		lf.filters = calloc(d.nq, sizeof *lf.filters);
		plstore = malloc(d.n * 24);
		payloads = malloc(d.n * sizeof *payloads);
		size_t *per_label = calloc(a.filter_labels, sizeof *per_label);
		if (!label || !lf.qlabel || !lf.matches || !lf.filters || !plstore || !payloads || !per_label) {
			free(per_label);
			fprintf(stderr, "ruvector bench: out of memory\n");
			goto out;
		}
		uint64_t s = a.seed ^ 0x1abe1;
		for (size_t i = 0; i < d.n; i++) {
			label[i] = (uint32_t)(splitmix(&s) % a.filter_labels);
			per_label[label[i]]++;
			snprintf(plstore + i * 24, 24, "{\"label\":\"L%u\"}", label[i]);
			payloads[i] = plstore + i * 24;
		}
		for (size_t q = 0; q < d.nq; q++) {
			lf.qlabel[q] = (uint32_t)(splitmix(&s) % a.filter_labels);
			lf.matches[q] = per_label[lf.qlabel[q]];
			char json[48];
			int len = snprintf(json, sizeof json, "{\"label\":\"L%u\"}", lf.qlabel[q]);
			char err[200];
			if (rv_filter_parse(json, (size_t)len, &lf.filters[q], err, sizeof err) != RV_OK) {
				free(per_label);
				fprintf(stderr, "ruvector bench: %s\n", err);
				goto out;
			}
		}
		free(per_label);
	}
	if ((a.db ? open_db_collection(&a, &o, &d, ids, payloads, &db, &c, &build_s)
	          : build_collection(&o, &d, ids, payloads, &c, &build_s)) != EXIT_OK)
		goto out;

	if (a.db) {
		/* searches need only the queries: the base's memory and the id
		 * strings are not the collection's (allocations this large go back
		 * to the system) */
		if (d.generated)
			free(d.base);
		else
			rv_free_buffer(d.base);
		d.base = NULL;
		free(idstore);
		free(ids);
		idstore = NULL;
		ids = NULL;
	}
	rv_options eff;
	rv_collection_options(c, &eff);
	rv_stats st;
	rv_collection_stats(c, &st);
	if (a.quant != RV_QUANT_NONE && !st.quant_trained) {
		fprintf(stderr, "ruvector bench: the quantizer did not train on %zu vectors (see --quant-train)\n", d.n);
		goto out;
	}
	bytes_per bpv = bytes_of(c, d.n);

	const int32_t *gt = d.gt;
	size_t gt_k = d.gt_k;
	if (!gt) {
		gt = gt_owned = exact_truth(c, &d, a.k);
		gt_k = a.k;
		if (!gt)
			goto out;
	}
	if (!a.json) {
		printf("build: %.2f s with %u threads, %.1f bytes/vector, peak RSS %.1f MiB\n", build_s, eff.threads, bpv.heap,
		       (double)peak_rss_bytes() / 1048576.0);
		if (a.quant != RV_QUANT_NONE)
			printf("quant %s: %.1f code bytes/vector (float32: %zu); %.1f bytes/vector with the vectors mapped\n",
			       a.quant_spec, bpv.codes, d.dim * sizeof(float), bpv.mapped);
		printf("%-14s %6s %8s %10s %9s %9s %10s\n", "phase", "ef", "recall", "qps", "p50_us", "p99_us",
		       a.exact ? "vs exact" : "");
	}
	if (a.conformal > 0 || a.target_recall > 0) {
		bench_calib_in in = {.queries = d.query, .gt = gt, .nq = d.nq, .dim = d.dim, .gt_k = gt_k, .k = a.k,
		                     .calibration = a.calibration, .splits = a.splits, .cap = a.cap,
		                     .ef = a.conformal_ef, .seed = a.seed, .json = a.json};
		status = a.conformal > 0 ? bench_conformal(c, &in, a.conformal) : bench_target_recall(c, &in, a.target_recall);
		goto out;
	}
	/* the exact scan first: the brute-force reference for recall and speed */
	double exact_qps = 0;
	if (a.exact) {
		sweep_result r = sweep(c, &d, gt, gt_k, a.k, 0, RV_SEARCH_EXACT, 0, NULL, lat);
		if (r.error)
			goto out;
		exact_qps = r.qps;
		report(&a, "build", "exact", 0, &r, build_s, eff.threads, &bpv, false, 0);
	}
	/* one untimed pass to warm caches, as the peer drivers do */
	sweep_result warm = sweep(c, &d, gt, gt_k, a.k, a.efs[0], 0, (uint32_t)a.rerank, NULL, lat);
	if (warm.error)
		goto out;
	for (size_t e = 0; e < a.n_efs; e++) {
		sweep_result r = sweep(c, &d, gt, gt_k, a.k, a.efs[e], 0, (uint32_t)a.rerank, NULL, lat);
		if (r.error)
			goto out;
		if (a.db) {
			/* what this process holds now, beyond what it held before
			 * loading anything */
			bpv.rss_anon = (status_kib("RssAnon") - anon0) * 1024.0 / (double)d.n;
			bpv.rss_file = (status_kib("RssFile") - file0) * 1024.0 / (double)d.n;
		}
		report(&a, "build", NULL, a.efs[e], &r, build_s, eff.threads, &bpv, false, exact_qps);
	}
	if (a.db && !a.json)
		printf("resident after the sweeps: %.1f private + %.1f file-backed bytes/vector\n", bpv.rss_anon, bpv.rss_file);

	if (a.filter_labels) {
		/* the same queries, each filtered to its label: the brute-force
		 * filtered scan (also the ground truth), then the planner per ef */
		gt_filtered = exact_truth_f(c, &d, a.k, &lf);
		if (!gt_filtered)
			goto out;
		sweep_result r = sweep_f(c, &d, gt_filtered, a.k, a.k, 0, RV_SEARCH_EXACT, 0, NULL, lat, &lf);
		if (r.error)
			goto out;
		report(&a, "build", "filtered_exact", 0, &r, build_s, eff.threads, &bpv, false, 0);
		double scan_qps = r.qps;
		/* the index after the brute-force scan, which would otherwise plan
		 * with it (with --db it was built with the collection) */
		if (a.filter_index && !a.db) {
			double t0 = now_s();
			if (rv_create_index(c, "label", RV_INDEX_KEYWORD) != RV_OK) {
				fprintf(stderr, "ruvector bench: %s\n", rv_errmsg(c));
				goto out;
			}
			if (!a.json)
				printf("keyword index on \"label\": %.3f s\n", now_s() - t0);
		}
		for (size_t e = 0; e < a.n_efs; e++) {
			r = sweep_f(c, &d, gt_filtered, a.k, a.k, a.efs[e], 0, (uint32_t)a.rerank, NULL, lat, &lf);
			if (r.error)
				goto out;
			report(&a, "build", "filtered", a.efs[e], &r, build_s, eff.threads, &bpv, false, scan_qps);
			if (r.short_results || r.wrong_label) {
				fprintf(stderr, "ruvector bench: filtered search returned %zu short and %zu wrong-label results\n",
				        r.short_results, r.wrong_label);
				goto out;
			}
		}
	}

	if (a.delete_fraction > 0) {
		/* Delete a seeded random share, score against the exact neighbours
		 * among the survivors, then re-add what was deleted. */
		size_t ndel = (size_t)((double)d.n * a.delete_fraction);
		gone = calloc(d.n, 1);
		const char **del = malloc(ndel * sizeof *del);
		if (!gone || !del) {
			free(del);
			goto out;
		}
		uint64_t s = a.seed ^ 0xde1e7e;
		for (size_t got = 0; got < ndel;) {
			size_t i = splitmix(&s) % d.n;
			if (!gone[i]) {
				gone[i] = 1;
				del[got++] = ids[i];
			}
		}
		double td = now_s();
		int drc = rv_delete_batch(c, ndel, del);
		double delete_s = now_s() - td;
		free(del);
		if (drc != RV_OK) {
			fprintf(stderr, "ruvector bench: delete failed: %s\n", rv_errmsg(c));
			goto out;
		}
		rv_check_report cr;
		int crc = rv_check(c, &cr);
		if (!a.json)
			printf("deleted %zu in %.2f s; graph check: %s (%llu unreachable, %llu dangling); count %zu\n", ndel,
			       delete_s, crc == RV_OK ? "ok" : cr.first_problem, (unsigned long long)cr.unreachable,
			       (unsigned long long)cr.dangling, rv_count(c));
		else
			printf("{\"phase\":\"delete\",\"deleted\":%zu,\"delete_s\":%.3f,\"check_ok\":%s,\"count\":%zu}\n", ndel,
			       delete_s, crc == RV_OK ? "true" : "false", rv_count(c));
		gt_after = exact_truth(c, &d, a.k);
		if (!gt_after || crc != RV_OK)
			goto out;
		for (size_t e = 0; e < a.n_efs; e++) {
			sweep_result r = sweep(c, &d, gt_after, a.k, a.k, a.efs[e], 0, (uint32_t)a.rerank, gone, lat);
			if (r.error)
				goto out;
			report(&a, "after_delete", NULL, a.efs[e], &r, build_s, eff.threads, &bpv, true, 0);
			if (r.deleted_returned)
				goto out;
		}
		/* re-add the deleted ids */
		size_t nre = 0;
		const char **re = malloc(ndel * sizeof *re);
		float *rv = malloc(ndel * d.dim * sizeof *rv);
		if (!re || !rv) {
			free(re);
			free(rv);
			goto out;
		}
		for (size_t i = 0; i < d.n; i++) {
			if (gone[i]) {
				re[nre] = ids[i];
				memcpy(rv + nre * d.dim, d.base + i * d.dim, d.dim * sizeof(float));
				nre++;
			}
		}
		int rrc = rv_insert_batch(c, nre, re, rv, d.dim, 0);
		free(re);
		free(rv);
		if (rrc != RV_OK) {
			fprintf(stderr, "ruvector bench: re-adding deleted ids failed: %s\n", rv_errmsg(c));
			goto out;
		}
		rv_collection_stats(c, &st);
		bpv = bytes_of(c, d.n);
		if (!a.json)
			printf("re-added %zu ids; count %zu; slots reused: capacity %llu\n", nre, rv_count(c),
			       (unsigned long long)st.capacity);
		for (size_t e = 0; e < a.n_efs; e++) {
			sweep_result r = sweep(c, &d, gt, gt_k, a.k, a.efs[e], 0, (uint32_t)a.rerank, NULL, lat);
			if (r.error)
				goto out;
			report(&a, "readded", NULL, a.efs[e], &r, build_s, eff.threads, &bpv, false, 0);
		}
	}
	status = EXIT_OK;
out:
	if (db)
		rv_db_close(db); /* and its collection */
	else
		rv_collection_free(c);
	free(idstore);
	free(ids);
	free(lat);
	free(gt_owned);
	free(gt_after);
	free(gone);
	free(gt_filtered);
	for (size_t q = 0; lf.filters && q < d.nq; q++)
		rv_filter_free(lf.filters[q]);
	free(lf.filters);
	free(lf.qlabel);
	free(lf.matches);
	free(label);
	free(plstore);
	free(payloads);
	if (d.generated) {
		free(d.base);
		free(d.query);
	} else {
		rv_free_buffer(d.base);
		if (d.query_malloced)
			free(d.query);
		else
			rv_free_buffer(d.query);
	}
	rv_free_buffer(d.gt);
	return status;
}
