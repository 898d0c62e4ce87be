/*
 * lane.c: a low-latency path for single searches.
 *
 * Why. A napi async work item costs two cross-thread wake-ups: the JS thread
 * signals a sleeping libuv pool thread, and that thread wakes the JS thread
 * from epoll_wait when it is done. Measured on the 2-core VM this project
 * develops on, the round trip is 25-35 us at the median with an empty job,
 * more than a whole search at recall 0.95 on SIFT (about 22 us). Searches
 * still must not run on the JS thread.
 *
 * How. One dedicated thread per environment (the lane) takes one search at
 * a time from a single slot, and spins for a short while (LANE_SPIN_NS)
 * after each job before it sleeps on a condition variable, so a stream of
 * queries never pays for waking it. Finished jobs go onto a lock-free stack;
 * the JS side polls it from a setImmediate loop that runs only while a lane
 * job is outstanding (lib/lane.js), so the event loop keeps turning (timers
 * and I/O run between polls) and never sleeps in epoll while a result is
 * due. The cost is CPU: the JS thread spins while a lane search runs, and
 * the lane spins briefly after one.
 *
 * When. The lane is used only where it helps: there must be at least two
 * CPUs, it must be idle (one job at a time; concurrent searches go to the
 * libuv pool as before, where they run in parallel), and RUVECTOR_LANE=0
 * turns it off. Everything else (errors, results, lifetime) is the same job
 * and the same complete() as in job.c.
 *
 * Ordering. The slot hand-off is a Dekker pair with sequentially consistent
 * atomics: the JS thread stores the job then reads the lane's state; the
 * lane stores SLEEPING then reads the slot. One of them sees the other, and
 * the wake-up itself happens under the mutex, so a job is never stranded.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lane.h"

#define LANE_SPIN_NS 300000ull /* 0.3 ms */

enum { LANE_RUNNING = 0, LANE_SLEEPING = 1 };

struct rvn_lane {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	_Atomic(rvn_lane_job *) slot;  /* the job handed over, or NULL */
	_Atomic(rvn_lane_job *) done;  /* stack of finished jobs (via next) */
	atomic_int state;              /* LANE_RUNNING or LANE_SLEEPING */
	atomic_bool stop;
	bool busy;                     /* JS thread: a job is out and not collected */
	bool started;
	void (*execute)(rvn_lane_job *);
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void *lane_main(void *arg)
{
	rvn_lane *l = arg;
	uint64_t idle_since = now_ns();
	unsigned spins = 0;
	while (!atomic_load(&l->stop)) {
		rvn_lane_job *j = atomic_exchange(&l->slot, NULL);
		if (j) {
			l->execute(j);
			rvn_lane_job *head = atomic_load(&l->done);
			do
				j->next = head;
			while (!atomic_compare_exchange_weak(&l->done, &head, j));
			idle_since = now_ns();
			spins = 0;
			continue;
		}
		if (++spins < 64 || now_ns() - idle_since < LANE_SPIN_NS) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&l->mu);
		atomic_store(&l->state, LANE_SLEEPING);
		while (!atomic_load(&l->slot) && !atomic_load(&l->stop))
			pthread_cond_wait(&l->cv, &l->mu);
		atomic_store(&l->state, LANE_RUNNING);
		pthread_mutex_unlock(&l->mu);
		idle_since = now_ns();
		spins = 0;
	}
	return NULL;
}

static void lane_cleanup(void *arg)
{
	rvn_lane *l = arg;
	if (l->started) {
		pthread_mutex_lock(&l->mu);
		atomic_store(&l->stop, true);
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
	}
	/* Jobs still here belong to an environment that is going away; their
	 * collections are leaked with them rather than freed under a thread. */
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

rvn_lane *rvn_lane_new(napi_env env, void (*execute)(rvn_lane_job *))
{
	const char *e = getenv("RUVECTOR_LANE");
	if (e && strcmp(e, "0") == 0)
		return NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2)
		return NULL;
	rvn_lane *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->execute = execute;
	atomic_init(&l->slot, NULL);
	atomic_init(&l->done, NULL);
	atomic_init(&l->state, LANE_RUNNING);
	atomic_init(&l->stop, false);
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		free(l);
		return NULL;
	}
	if (pthread_cond_init(&l->cv, NULL) != 0) {
		pthread_mutex_destroy(&l->mu);
		free(l);
		return NULL;
	}
	if (pthread_create(&l->thread, NULL, lane_main, l) != 0) {
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return NULL;
	}
	l->started = true;
	if (napi_add_env_cleanup_hook(env, lane_cleanup, l) != napi_ok) {
		lane_cleanup(l);
		return NULL;
	}
	return l;
}

bool rvn_lane_submit(rvn_lane *l, rvn_lane_job *j)
{
	if (!l || l->busy)
		return false;
	l->busy = true;
	j->next = NULL;
	atomic_store(&l->slot, j);
	if (atomic_load(&l->state) == LANE_SLEEPING) {
		pthread_mutex_lock(&l->mu);
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	return true;
}

rvn_lane_job *rvn_lane_collect(rvn_lane *l)
{
	if (!l)
		return NULL;
	rvn_lane_job *j = atomic_exchange(&l->done, NULL);
	if (j)
		l->busy = false; /* one job at a time: this is it */
	return j;
}

bool rvn_lane_busy(const rvn_lane *l) { return l && l->busy; }
