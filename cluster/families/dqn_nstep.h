/* n-step returns: an actor's last n steps wait here until the return of
 * the oldest is known, then go to the replay shard as one transition
 * (obs_t, a_t, r_t + gamma r_t+1 + ... + gamma^(m-1) r_t+m-1, obs_t+m,
 * discount gamma^m), m = n, or fewer at an episode's end: termination
 * flushes every waiting step with discount 0, truncation (the step limit)
 * with gamma^m, bootstrapping from the last observation. n = 1 is the
 * one-step transition. No MPI. */
#ifndef CT_CLUSTER_DQN_NSTEP_H
#define CT_CLUSTER_DQN_NSTEP_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/families/dqn_replay.h"
#include "jobs/job.h"

typedef struct ct_nstep {
    int64_t n, obs_size;
    float gamma;
    float *obs;                          /* [n, obs_size]: a ring of the waiting steps' observations */
    int32_t actions[CT_DQN_MAX_N_STEP];  /* ... their actions */
    float rewards[CT_DQN_MAX_N_STEP];    /* ... their rewards */
    int64_t counters[2];                 /* the steps waiting, the ring's oldest slot */
} ct_nstep;

void ct_nstep_init(ct_nstep *s, int64_t n, int64_t obs_size, float gamma);

/* Adds the step (obs, action, reward) -> next_obs of an actor and stores
 * in r every transition whose return is now known. ended: terminated or
 * truncated (the episode is over either way). */
void ct_nstep_push(ct_nstep *s, ct_replay *r, const float *obs, int32_t action, float reward, const float *next_obs,
                   bool terminated, bool ended);

/* Declares the waiting steps as PER_RANK family state "nstep_*". */
int ct_nstep_declare(ct_nstep *s, ct_state_table *t, ct_error *err);

void ct_nstep_free(ct_nstep *s);

#endif
