/*
 * lane.h: the low-latency search lane (see lane.c for why and how).
 */
#ifndef RVN_LANE_H
#define RVN_LANE_H

#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>

/* A job as the lane sees it: job.c embeds this at the start of its job. */
typedef struct rvn_lane_job {
	struct rvn_lane_job *next; /* the finished-job stack */
} rvn_lane_job;

typedef struct rvn_lane rvn_lane;

/* Start a lane for `env`, or return NULL where it is off (RUVECTOR_LANE=0,
 * one CPU, or no thread could be started). Stopped and freed by an env
 * cleanup hook. `execute` runs each job on the lane's thread. */
rvn_lane *rvn_lane_new(napi_env env, void (*execute)(rvn_lane_job *));
/* Hand `j` to the lane if it is idle (JS thread). False: use the pool. */
bool rvn_lane_submit(rvn_lane *l, rvn_lane_job *j);
/* The finished job, if any (JS thread). */
rvn_lane_job *rvn_lane_collect(rvn_lane *l);
/* Whether a job is out (JS thread). */
bool rvn_lane_busy(const rvn_lane *l);

#endif
