/*
 * platform.h: the small layer between the core and the operating system.
 *
 * Everything the core needs from outside C11 goes through here: mutexes,
 * reader/writer locks, threads, a monotonic clock and the CPU count. The
 * core itself calls no POSIX function directly, so porting it (WebAssembly,
 * a PostgreSQL backend, Windows) means writing one more backend file, not
 * touching the indexes.
 *
 * Two backends today, chosen by the compiler's target rather than by
 * #ifdefs scattered in the core:
 *   platform_posix.c  Linux, macOS, the BSDs; and emscripten, whose libc
 *                     provides pthreads. Without -pthread emscripten's
 *                     pthread_create fails; rv_parallel_for() then runs the
 *                     work on the calling thread, so a single-threaded WASM
 *                     build behaves the same, only slower.
 *
 * Locks here never fail after a successful init: a failing pthread lock call
 * means memory corruption, and the core cannot do anything useful about it.
 */
#ifndef RV_PLATFORM_H
#define RV_PLATFORM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rv_mutex {
	pthread_mutex_t m;
} rv_mutex;

/* A reader/writer lock that prefers writers, so that a steady stream of
 * searches cannot starve the rare structural change (growth, graph repair)
 * that needs it exclusively. */
typedef struct rv_rwlock {
	pthread_rwlock_t l;
} rv_rwlock;

typedef struct rv_cond {
	pthread_cond_t c;
} rv_cond;

typedef struct rv_thread {
	pthread_t t;
} rv_thread;

typedef struct rv_once {
	pthread_once_t o;
} rv_once;
#define RV_ONCE_INIT {PTHREAD_ONCE_INIT}

int rv_mutex_init(rv_mutex *mu);
void rv_mutex_destroy(rv_mutex *mu);
void rv_mutex_lock(rv_mutex *mu);
void rv_mutex_unlock(rv_mutex *mu);

int rv_rwlock_init(rv_rwlock *rw);
void rv_rwlock_destroy(rv_rwlock *rw);
void rv_rwlock_rdlock(rv_rwlock *rw);
void rv_rwlock_wrlock(rv_rwlock *rw);
void rv_rwlock_unlock(rv_rwlock *rw);

int rv_cond_init(rv_cond *cv);
void rv_cond_destroy(rv_cond *cv);
void rv_cond_wait(rv_cond *cv, rv_mutex *mu);
/* Wait at most ms milliseconds; returns false on timeout. */
bool rv_cond_timedwait(rv_cond *cv, rv_mutex *mu, uint32_t ms);
void rv_cond_broadcast(rv_cond *cv);

/* Start a thread; -1 when threads are unavailable (single-threaded wasm). */
int rv_thread_start(rv_thread *t, void *(*fn)(void *), void *arg);
void rv_thread_join(rv_thread *t);

void rv_once_run(rv_once *once, void (*fn)(void));

/* Hint that [p, p+len) is large and randomly accessed, so huge pages would
 * spare TLB misses (Linux: madvise MADV_HUGEPAGE on the 2 MiB-aligned
 * interior). A no-op where unsupported. */
void rv_mem_hint_huge(void *p, size_t len);

/* Number of online CPUs, at least 1. */
unsigned rv_cpu_count(void);

/* Monotonic time in nanoseconds, for measurements only. */
uint64_t rv_now_ns(void);

/*
 * Run fn(ctx, i, worker) for every i in [0, n) on up to `threads` threads
 * (the calling thread is one of them). Items are handed out in chunks of
 * `chunk` through an atomic counter, so uneven items balance themselves.
 * fn returns 0 to continue or an error code; the first error stops the
 * hand-out and is returned (items already running finish). When threads
 * cannot be started the remaining work runs on the caller.
 */
typedef int (*rv_parallel_fn)(void *ctx, size_t i, unsigned worker);
int rv_parallel_for(size_t n, unsigned threads, size_t chunk, rv_parallel_fn fn, void *ctx);

#endif
