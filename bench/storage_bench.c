/*
 * storage_bench.c: the storage figures of issue #3, measured, not asserted.
 *
 *   storage_bench sync DIR [--n N] [--dim D]
 *       single-vector inserts per second at each durability setting
 *       (full, normal, off) with 1, 2 and 4 writer threads (group commit
 *       shows as full-sync throughput rising with threads), and batch
 *       inserts of 1000 per call.
 *   storage_bench open DIR [--n N] [--dim D]
 *       builds (once) an N x D collection, checkpoints it, then times
 *       opening it, cold-ish (after dropping it from the page cache with
 *       posix_fadvise) and warm, and reports resident memory (anonymous
 *       and file-backed) after opening and after 1000 searches, against
 *       the data size.
 *   storage_bench recovery DIR [--mib M] [--dim D] [--single 1]
 *       writes M MiB of log without a checkpoint (batches of 1000 a frame,
 *       or with --single 1 one vector a frame, as an agent's memory writes
 *       them), abandons the process state as a crash would (the log is all
 *       there is), and times the open that replays it; then builds the same
 *       vectors in memory with one rv_insert_batch on the same threads, the
 *       yardstick recovery is held to (issue #16: at least 80% of its
 *       throughput).
 * Prints JSON lines; bench/storage.sh runs all three.
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ruvector.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "storage_bench: %s: %s\n", what, msg);
	exit(1);
}

static void rm_rf(const char *p)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
	if (system(cmd) != 0)
		die("rm", p);
}

static uint64_t seed_state = 88172645463325252ull;
static float frand(void)
{
	seed_state ^= seed_state << 13;
	seed_state ^= seed_state >> 7;
	seed_state ^= seed_state << 17;
	return (float)((double)(seed_state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static rv_db *open_db(const char *dir, rv_durability d, uint32_t flags, uint64_t checkpoint_bytes)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.durability = d;
	o.flags = flags;
	o.checkpoint_bytes = checkpoint_bytes;
	rv_db *db;
	if (rv_db_open(dir, &o, &db) != RV_OK)
		die(dir, rv_errmsg(NULL));
	return db;
}

static rv_options coll_opts(uint32_t dim, uint32_t efc)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = dim;
	o.ef_construction = efc;
	o.threads = 2;
	return o;
}

/* ---- sync ---- */

typedef struct writer {
	rv_collection *c;
	int id, n;
	uint32_t dim;
} writer;

static void *write_loop(void *arg)
{
	writer *w = arg;
	float *v = malloc(w->dim * sizeof *v);
	char id[48];
	for (int i = 0; i < w->n; i++) {
		for (uint32_t j = 0; j < w->dim; j++)
			v[j] = (float)((i * 31 + (int)j * 7 + w->id) % 97) / 97.0f;
		snprintf(id, sizeof id, "w%d-%d", w->id, i);
		if (rv_insert(w->c, id, v, w->dim, 0) != RV_OK)
			die("insert", rv_errmsg(w->c));
	}
	free(v);
	return NULL;
}

static void bench_sync(const char *root, int n, uint32_t dim)
{
	const char *names[] = {"full", "normal", "off"};
	for (int d = 0; d < 3; d++) {
		for (int threads = 1; threads <= 4; threads *= 2) {
			char dir[512];
			snprintf(dir, sizeof dir, "%s/sync-%s-%d", root, names[d], threads);
			rm_rf(dir);
			rv_db *db = open_db(dir, (rv_durability)d, RV_DB_CREATE, 0);
			rv_collection *c;
			rv_options o = coll_opts(dim, 100);
			if (rv_db_create_collection(db, "c", &o, &c) != RV_OK)
				die("create", rv_db_errmsg(db));
			pthread_t th[4];
			writer w[4];
			double t0 = now();
			for (int t = 0; t < threads; t++) {
				w[t] = (writer){c, t, n / threads, dim};
				pthread_create(&th[t], NULL, write_loop, &w[t]);
			}
			for (int t = 0; t < threads; t++)
				pthread_join(th[t], NULL);
			double secs = now() - t0;
			printf("{\"bench\":\"insert\",\"durability\":\"%s\",\"threads\":%d,\"vectors\":%d,\"dim\":%u,"
			       "\"per_call\":1,\"inserts_per_s\":%.0f}\n",
			       names[d], threads, (n / threads) * threads, dim, (double)((n / threads) * threads) / secs);
			fflush(stdout);
			/* batches of 1000 on one thread */
			float *v = malloc((size_t)1000 * dim * sizeof *v);
			char(*ids)[48] = malloc(1000 * sizeof *ids);
			const char **ip = malloc(1000 * sizeof *ip);
			int batches = 5;
			t0 = now();
			for (int b = 0; b < batches && threads == 1; b++) {
				for (int i = 0; i < 1000; i++) {
					snprintf(ids[i], 48, "b%d-%d", b, i);
					ip[i] = ids[i];
					for (uint32_t j = 0; j < dim; j++)
						v[(size_t)i * dim + j] = frand();
				}
				if (rv_insert_batch(c, 1000, ip, v, dim, 0) != RV_OK)
					die("batch", rv_errmsg(c));
			}
			if (threads == 1)
				printf("{\"bench\":\"insert\",\"durability\":\"%s\",\"threads\":1,\"vectors\":%d,\"dim\":%u,"
				       "\"per_call\":1000,\"inserts_per_s\":%.0f}\n",
				       names[d], batches * 1000, dim, (double)batches * 1000 / (now() - t0));
			free(v);
			free(ids);
			free(ip);
			rv_db_close(db);
			rm_rf(dir);
		}
	}
}

/* ---- open ---- */

static void rss(long *anon_kb, long *file_kb)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	*anon_kb = *file_kb = -1;
	while (f && fgets(line, sizeof line, f)) {
		if (!strncmp(line, "RssAnon:", 8))
			*anon_kb = atol(line + 8);
		else if (!strncmp(line, "RssFile:", 8))
			*file_kb = atol(line + 8);
	}
	if (f)
		fclose(f);
}

static void drop_cache(const char *dir)
{
	char cmd[1024];
	/* posix_fadvise DONTNEED on every file: asks the kernel to drop their
	 * clean pages, without root or a global cache flush */
	snprintf(cmd, sizeof cmd, "find '%s' -type f", dir);
	FILE *p = popen(cmd, "r");
	char path[1024];
	while (p && fgets(path, sizeof path, p)) {
		path[strcspn(path, "\n")] = '\0';
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
		}
	}
	if (p)
		pclose(p);
}

static void bench_open(const char *root, int n, uint32_t dim)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/open-%dx%u", root, n, dim);
	char marker[600];
	snprintf(marker, sizeof marker, "%s/c/MANIFEST", dir);
	if (access(marker, F_OK) != 0) {
		rm_rf(dir);
		fprintf(stderr, "storage_bench: building %d x %u once (ef_construction 64; open time does not depend on it)\n",
		        n, dim);
		rv_db *db = open_db(dir, RV_SYNC_NORMAL, RV_DB_CREATE, 0);
		rv_collection *c;
		rv_options o = coll_opts(dim, 64);
		if (rv_db_create_collection(db, "c", &o, &c) != RV_OK)
			die("create", rv_db_errmsg(db));
		rv_reserve(c, (size_t)n);
		const int batch = 50000;
		float *v = malloc((size_t)batch * dim * sizeof *v);
		char(*ids)[16] = malloc((size_t)batch * sizeof *ids);
		const char **ip = malloc((size_t)batch * sizeof *ip);
		double t0 = now();
		for (int b = 0; b < n; b += batch) {
			int m = n - b < batch ? n - b : batch;
			for (int i = 0; i < m; i++) {
				snprintf(ids[i], 16, "%d", b + i);
				ip[i] = ids[i];
				for (uint32_t j = 0; j < dim; j++)
					v[(size_t)i * dim + j] = frand();
			}
			if (rv_insert_batch(c, (size_t)m, ip, v, dim, 0) != RV_OK)
				die("insert", rv_errmsg(c));
			fprintf(stderr, "  %d / %d (%.0f s)\n", b + m, n, now() - t0);
		}
		if (rv_checkpoint(c) != RV_OK)
			die("checkpoint", rv_errmsg(c));
		rv_db_close(db);
		free(v);
		free(ids);
		free(ip);
	}
	for (int warm = 0; warm < 2; warm++) {
		if (!warm)
			drop_cache(dir);
		/* a fresh process for each measurement, so nothing is cached in it */
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			long a0, f0, a1, f1, a2, f2;
			rss(&a0, &f0);
			double t0 = now();
			rv_db *db = open_db(dir, RV_SYNC_FULL, RV_DB_READONLY, 0);
			rv_collection *c;
			if (rv_db_open_collection(db, "c", &c) != RV_OK)
				die("open", rv_db_errmsg(db));
			double open_ms = (now() - t0) * 1e3;
			rss(&a1, &f1);
			rv_storage_stats st;
			rv_collection_storage(c, &st);
			float *q = malloc(dim * sizeof *q);
			rv_hit h[10];
			t0 = now();
			for (int i = 0; i < 1000; i++) {
				for (uint32_t j = 0; j < dim; j++)
					q[j] = frand();
				if (rv_search(c, q, dim, 10, NULL, h, NULL, 0) < 0)
					die("search", rv_errmsg(c));
			}
			double search_s = now() - t0;
			rss(&a2, &f2);
			printf("{\"bench\":\"open\",\"vectors\":%d,\"dim\":%u,\"cache\":\"%s\",\"open_ms\":%.1f,"
			       "\"segment_mib\":%.1f,\"anon_rss_mib_after_open\":%.1f,\"file_rss_mib_after_open\":%.1f,"
			       "\"anon_rss_mib_after_1000_searches\":%.1f,\"file_rss_mib_after_1000_searches\":%.1f,"
			       "\"first_1000_searches_s\":%.2f}\n",
			       n, dim, warm ? "warm" : "dropped", open_ms, (double)st.segment_bytes / 1048576.0,
			       (double)(a1 - a0) / 1024.0, (double)(f1 - f0) / 1024.0, (double)(a2 - a0) / 1024.0,
			       (double)(f2 - f0) / 1024.0, search_s);
			fflush(stdout);
			_exit(0);
		}
		int status;
		waitpid(pid, &status, 0);
	}
}

/* ---- recovery ---- */

/* The recovery writer's vectors, regenerated for the batch build. */
static void recovery_vectors(float *v, int n, uint32_t dim)
{
	seed_state = 88172645463325252ull;
	for (size_t i = 0; i < (size_t)n * dim; i++)
		v[i] = frand();
}

static void bench_recovery(const char *root, int mib, uint32_t dim, int single)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/recovery", root);
	rm_rf(dir);
	/* the writer runs in a child that exits without closing: what is left
	 * is what a crash leaves, a segment-less log */
	size_t per = (size_t)dim * 4 + 48; /* frame bytes per vector, about */
	int n = (int)(((size_t)mib << 20) / per);
	pid_t pid = fork();
	if (pid == 0) {
		rv_db *db = open_db(dir, RV_SYNC_OFF, RV_DB_CREATE, 0);
		rv_collection *c;
		rv_options o = coll_opts(dim, 100);
		if (rv_db_create_collection(db, "c", &o, &c) != RV_OK)
			die("create", rv_db_errmsg(db));
		const int batch = single ? 1 : 1000;
		float *all = malloc((size_t)n * dim * sizeof *all);
		recovery_vectors(all, n, dim);
		char(*ids)[16] = malloc(batch * sizeof *ids);
		const char **ip = malloc(batch * sizeof *ip);
		for (int b = 0; b < n; b += batch) {
			int m = n - b < batch ? n - b : batch;
			for (int i = 0; i < m; i++) {
				snprintf(ids[i], 16, "%d", b + i);
				ip[i] = ids[i];
			}
			if (rv_insert_batch(c, (size_t)m, ip, all + (size_t)b * dim, dim, 0) != RV_OK)
				die("insert", rv_errmsg(c));
		}
		rv_storage_stats st;
		rv_collection_storage(c, &st);
		fprintf(stderr, "storage_bench: wrote %.1f MiB of log (%d vectors); exiting without closing\n",
		        (double)st.wal_bytes / 1048576.0, n);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	double t0 = now();
	rv_db *db = open_db(dir, RV_SYNC_FULL, 0, 0);
	rv_collection *c;
	if (rv_db_open_collection(db, "c", &c) != RV_OK)
		die("open", rv_db_errmsg(db));
	double secs = now() - t0;
	rv_storage_stats st;
	rv_collection_storage(c, &st);
	size_t count = rv_count(c);
	rv_db_close(db);
	rm_rf(dir);
	/* the yardstick: the same vectors, one batch, in memory */
	float *all = malloc((size_t)n * dim * sizeof *all);
	char(*ids)[16] = malloc((size_t)n * sizeof *ids);
	const char **ip = malloc((size_t)n * sizeof *ip);
	recovery_vectors(all, n, dim);
	for (int i = 0; i < n; i++) {
		snprintf(ids[i], 16, "%d", i);
		ip[i] = ids[i];
	}
	rv_options o = coll_opts(dim, 100);
	rv_collection *mem;
	if (rv_collection_new(&o, &mem) != RV_OK)
		die("new", rv_errmsg(NULL));
	double t1 = now();
	if (rv_insert_batch(mem, (size_t)n, ip, all, dim, 0) != RV_OK)
		die("build", rv_errmsg(mem));
	double build = now() - t1;
	rv_collection_free(mem);
	free(all);
	free(ids);
	free(ip);
	printf("{\"bench\":\"recovery\",\"frames\":\"%s\",\"wal_mib\":%.1f,\"vectors\":%zu,\"dim\":%u,"
	       "\"replay_s\":%.2f,\"replay_mib_per_s\":%.1f,\"vectors_per_s\":%.0f,\"batch_build_s\":%.2f,"
	       "\"replay_vs_build\":%.2f}\n",
	       single ? "single" : "batch1000", (double)st.wal_bytes / 1048576.0, count, dim, secs,
	       (double)st.wal_bytes / 1048576.0 / secs, (double)count / secs, build, build / secs);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: storage_bench sync|open|recovery DIR [--n N] [--dim D] [--mib M] [--single 1]\n");
		return 2;
	}
	int n = 0, mib = 64, single = 0;
	uint32_t dim = 128;
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--n"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--dim"))
			dim = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--mib"))
			mib = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--single"))
			single = atoi(argv[i + 1]);
	}
	char mk[600];
	snprintf(mk, sizeof mk, "mkdir -p '%s'", argv[2]);
	if (system(mk) != 0)
		die("mkdir", argv[2]);
	if (!strcmp(argv[1], "sync"))
		bench_sync(argv[2], n ? n : 2000, dim);
	else if (!strcmp(argv[1], "open"))
		bench_open(argv[2], n ? n : 1000000, dim);
	else if (!strcmp(argv[1], "recovery"))
		bench_recovery(argv[2], mib, dim, single);
	else
		die("unknown benchmark", argv[1]);
	return 0;
}
