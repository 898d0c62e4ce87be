/*
 * metrics.c: request counters and latency histograms, and the /metrics
 * page in Prometheus's text format (version 0.0.4).
 *
 * Series:
 *   ruvector_http_requests_total{route,status}         counter
 *   ruvector_http_request_duration_seconds{route}      histogram
 *   ruvector_searches_in_flight                        gauge
 *   ruvector_collection_points{collection}             gauge
 *   ruvector_collection_log_bytes{collection}          gauge
 *   ruvector_collection_segment_bytes{collection}      gauge
 *   ruvector_collection_memory_bytes{collection}       gauge
 *   process_resident_memory_bytes                      gauge
 *
 * Routes are labelled by pattern (router.c), so the number of series is
 * fixed. Every cell is a relaxed atomic: recording a request is a few
 * atomic adds and never takes a lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define NSTATUS 600 /* status codes 0..599 */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NB ((int)(sizeof bounds / sizeof bounds[0]))

struct srv_metrics {
	atomic_ullong count[SRV_ROUTES_MAX + 1][NSTATUS]; /* [route + 1][status] */
	atomic_ullong bucket[SRV_ROUTES_MAX + 1][NB + 1];  /* last: +Inf */
	atomic_ullong micros[SRV_ROUTES_MAX + 1];          /* sum of latencies in microseconds */
};

int srv_metrics_new(srv *s)
{
	s->metrics = calloc(1, sizeof *s->metrics);
	return s->metrics ? RV_OK : RV_ENOMEM;
}

void srv_metrics_free(srv *s)
{
	free(s->metrics);
	s->metrics = NULL;
}

void srv_metrics_record(srv *s, int route, int status, double seconds)
{
	srv_metrics *m = s->metrics;
	if (!m)
		return;
	int ri = route >= 0 && route < SRV_ROUTES_MAX ? route + 1 : 0;
	int st = status >= 0 && status < NSTATUS ? status : 0;
	atomic_fetch_add_explicit(&m->count[ri][st], 1, memory_order_relaxed);
	int b = 0;
	while (b < NB && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->bucket[ri][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->micros[ri], (unsigned long long)(seconds * 1e6), memory_order_relaxed);
}

static unsigned long long rss_bytes(void)
{
	unsigned long long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

void srv_metrics_render(srv *s, rv_strbuf *b, const char *const *names, int nroutes)
{
	srv_metrics *m = s->metrics;
	rv_strbuf_printf(b, "# HELP ruvector_http_requests_total HTTP requests by route and status.\n"
	                    "# TYPE ruvector_http_requests_total counter\n");
	for (int ri = 0; m && ri <= nroutes; ri++)
		for (int st = 0; st < NSTATUS; st++) {
			unsigned long long n = atomic_load_explicit(&m->count[ri][st], memory_order_relaxed);
			if (n)
				rv_strbuf_printf(b, "ruvector_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				                 ri ? names[ri - 1] : "other", st, n);
		}
	rv_strbuf_printf(b, "# HELP ruvector_http_request_duration_seconds HTTP request latency by route.\n"
	                    "# TYPE ruvector_http_request_duration_seconds histogram\n");
	for (int ri = 0; m && ri <= nroutes; ri++) {
		unsigned long long cum = 0, total = 0;
		for (int k = 0; k <= NB; k++)
			total += atomic_load_explicit(&m->bucket[ri][k], memory_order_relaxed);
		if (!total)
			continue;
		const char *name = ri ? names[ri - 1] : "other";
		for (int k = 0; k <= NB; k++) {
			cum += atomic_load_explicit(&m->bucket[ri][k], memory_order_relaxed);
			if (k < NB)
				rv_strbuf_printf(b, "ruvector_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", name,
				                 bounds[k], cum);
			else
				rv_strbuf_printf(b, "ruvector_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				                 name, cum);
		}
		rv_strbuf_printf(b, "ruvector_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
		                 (double)atomic_load_explicit(&m->micros[ri], memory_order_relaxed) * 1e-6);
		rv_strbuf_printf(b, "ruvector_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name, cum);
	}
	rv_strbuf_printf(b, "# HELP ruvector_searches_in_flight Searches running now.\n"
	                    "# TYPE ruvector_searches_in_flight gauge\nruvector_searches_in_flight %d\n",
	                 atomic_load(&s->searches));
	static const char *const gauges[][2] = {
		{"ruvector_collection_points", "Points in the collection."},
		{"ruvector_collection_log_bytes", "Bytes of the collection's write-ahead log since its checkpoint."},
		{"ruvector_collection_segment_bytes", "Bytes of the collection's current segment file."},
		{"ruvector_collection_memory_bytes", "Heap bytes the collection holds."},
	};
	for (int g = 0; g < 4; g++) {
		rv_strbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g][0], gauges[g][1], gauges[g][0]);
		for (size_t i = 0; i < s->ncolls; i++) {
			rv_stats st;
			rv_storage_stats ss;
			rv_collection_stats(s->colls[i]->c, &st);
			rv_collection_storage(s->colls[i]->c, &ss);
			unsigned long long v = g == 0 ? st.count : g == 1 ? ss.wal_bytes : g == 2 ? ss.segment_bytes : st.memory_bytes;
			rv_strbuf_printf(b, "%s{collection=\"%s\"} %llu\n", gauges[g][0], s->colls[i]->name, v);
		}
	}
	rv_strbuf_printf(b, "# HELP process_resident_memory_bytes Resident memory.\n"
	                    "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n",
	                 rss_bytes());
}
