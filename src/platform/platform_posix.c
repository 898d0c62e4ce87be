/*
 * platform_posix.c: the POSIX backend of platform.h (pthreads, clock_gettime,
 * sysconf). Also serves emscripten, whose libc implements these calls.
 */
#define _GNU_SOURCE 1
#include "platform.h"

#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../util/alloc.h"

int rv_mutex_init(rv_mutex *mu)
{
	return pthread_mutex_init(&mu->m, NULL) == 0 ? 0 : -1;
}

void rv_mutex_destroy(rv_mutex *mu) { pthread_mutex_destroy(&mu->m); }
void rv_mutex_lock(rv_mutex *mu) { pthread_mutex_lock(&mu->m); }
void rv_mutex_unlock(rv_mutex *mu) { pthread_mutex_unlock(&mu->m); }

int rv_rwlock_init(rv_rwlock *rw)
{
	pthread_rwlockattr_t attr;
	if (pthread_rwlockattr_init(&attr) != 0)
		return -1;
#if defined(__GLIBC__)
	/* glibc's default lets readers overtake a waiting writer forever. */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	int rc = pthread_rwlock_init(&rw->l, &attr);
	pthread_rwlockattr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

void rv_rwlock_destroy(rv_rwlock *rw) { pthread_rwlock_destroy(&rw->l); }
void rv_rwlock_rdlock(rv_rwlock *rw) { pthread_rwlock_rdlock(&rw->l); }
void rv_rwlock_wrlock(rv_rwlock *rw) { pthread_rwlock_wrlock(&rw->l); }
void rv_rwlock_unlock(rv_rwlock *rw) { pthread_rwlock_unlock(&rw->l); }

void rv_once_run(rv_once *once, void (*fn)(void)) { pthread_once(&once->o, fn); }

int rv_cond_init(rv_cond *cv)
{
	pthread_condattr_t a;
	if (pthread_condattr_init(&a) != 0)
		return -1;
#if !defined(__APPLE__)
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
#endif
	int rc = pthread_cond_init(&cv->c, &a);
	pthread_condattr_destroy(&a);
	return rc == 0 ? 0 : -1;
}

void rv_cond_destroy(rv_cond *cv) { pthread_cond_destroy(&cv->c); }
void rv_cond_wait(rv_cond *cv, rv_mutex *mu) { pthread_cond_wait(&cv->c, &mu->m); }
void rv_cond_broadcast(rv_cond *cv) { pthread_cond_broadcast(&cv->c); }

bool rv_cond_timedwait(rv_cond *cv, rv_mutex *mu, uint32_t ms)
{
	struct timespec ts;
#if !defined(__APPLE__)
	clock_gettime(CLOCK_MONOTONIC, &ts);
#else
	clock_gettime(CLOCK_REALTIME, &ts);
#endif
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(&cv->c, &mu->m, &ts) == 0;
}

int rv_thread_start(rv_thread *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(&t->t, NULL, fn, arg) == 0 ? 0 : -1;
}

void rv_thread_join(rv_thread *t) { pthread_join(t->t, NULL); }

void rv_mem_hint_huge(void *p, size_t len)
{
#if defined(MADV_HUGEPAGE)
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(huge - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

unsigned rv_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1u : (unsigned)n;
}

uint64_t rv_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- parallel for ---- */

typedef struct pf_shared {
	rv_parallel_fn fn;
	void *ctx;
	size_t n, chunk;
	atomic_size_t next;  /* first item not yet handed out */
	atomic_int err;      /* first error, 0 if none */
} pf_shared;

typedef struct pf_worker {
	pf_shared *sh;
	unsigned id;
	pthread_t th;
} pf_worker;

static void pf_run(pf_shared *sh, unsigned id)
{
	for (;;) {
		if (atomic_load_explicit(&sh->err, memory_order_relaxed) != 0)
			return;
		size_t start = atomic_fetch_add_explicit(&sh->next, sh->chunk, memory_order_relaxed);
		if (start >= sh->n)
			return;
		size_t end = start + sh->chunk < sh->n ? start + sh->chunk : sh->n;
		for (size_t i = start; i < end; i++) {
			int rc = sh->fn(sh->ctx, i, id);
			if (rc != 0) {
				int expected = 0;
				atomic_compare_exchange_strong(&sh->err, &expected, rc);
				return;
			}
		}
	}
}

static void *pf_thread(void *arg)
{
	pf_worker *w = arg;
	pf_run(w->sh, w->id);
	return NULL;
}

int rv_parallel_for(size_t n, unsigned threads, size_t chunk, rv_parallel_fn fn, void *ctx)
{
	if (n == 0)
		return 0;
	if (chunk == 0)
		chunk = 1;
	pf_shared sh = {.fn = fn, .ctx = ctx, .n = n, .chunk = chunk};
	atomic_init(&sh.next, 0);
	atomic_init(&sh.err, 0);
	size_t useful = (n + chunk - 1) / chunk;
	if (threads > useful)
		threads = (unsigned)useful;
	pf_worker *workers = NULL;
	unsigned started = 0;
	if (threads > 1) {
		workers = rv_calloc(threads - 1, sizeof *workers);
		/* Without memory for the worker table, run everything here. */
		for (unsigned t = 0; workers && t + 1 < threads; t++) {
			workers[t].sh = &sh;
			workers[t].id = t + 1;
			if (pthread_create(&workers[t].th, NULL, pf_thread, &workers[t]) != 0)
				break;
			started++;
		}
	}
	pf_run(&sh, 0);
	for (unsigned t = 0; t < started; t++)
		pthread_join(workers[t].th, NULL);
	rv_free(workers);
	return atomic_load(&sh.err);
}
