/* A DQN's replay memory: this rank's shard, a ring of the last `capacity`
 * transitions (obs, action, return, next obs, discount) its actor saw.
 * An update draws the global batch over all shards, each rank its share
 * from its own, positions drawn from (seed, update, global sample index),
 * with replacement: uniformly, or in proportion to priorities (proportional
 * prioritised replay over the union of the shards: the caller gathers every
 * shard's total priority). No MPI. */
#ifndef CT_CLUSTER_DQN_REPLAY_H
#define CT_CLUSTER_DQN_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/families/dqn_priority.h"
#include "cluster/run/family_state.h"
#include "jobs/job.h"

/* Transitions for one update: [n, obs_size] observations and [n] the rest. */
typedef struct ct_dqn_batch {
    int64_t n;
    float *obs;          /* [n, obs_size] */
    int32_t *actions;    /* [n] */
    float *rewards;      /* [n]: the (n-step) return */
    float *next_obs;     /* [n, obs_size] */
    float *discounts;    /* [n]: V(next obs)'s factor, gamma^steps; 0 when the episode ended there */
    bool weighted;       /* prioritised: the loss of sample j is weighted by weights[j] */
    float *weights;      /* [n]: importance weights (N P(j))^-beta / their largest over the memory */
    int64_t *slots;      /* [n]: the shard's slots drawn */
} ct_dqn_batch;

typedef struct ct_replay {
    int64_t capacity, obs_size;
    float *obs;          /* [capacity, obs_size] */
    float *next_obs;     /* [capacity, obs_size] */
    int32_t *actions;    /* [capacity] */
    float *rewards;      /* [capacity] */
    float *discounts;    /* [capacity] */
    int64_t counters[2]; /* the transitions held (<= capacity), the next slot written */
    /* Prioritised replay only (prioritized NULL otherwise). */
    const Ctrain__Prioritized *prioritized;
    ct_priority_tree priorities; /* (|TD error| + eps)^alpha per slot */
    double max_priority;         /* the largest |TD error| + eps so far: new transitions get it */
} ct_replay;

/* prioritized: ct_dqn_prioritized of the job, or NULL for uniform replay. */
void ct_replay_init(ct_replay *r, int64_t capacity, int64_t obs_size, const Ctrain__Prioritized *prioritized);

/* The transitions held. */
static inline int64_t ct_replay_size(const ct_replay *r)
{
    return r->counters[0];
}

/* Stores a transition, over the oldest when full. */
void ct_replay_add(ct_replay *r, const float *obs, int32_t action, float ret, const float *next_obs, float discount);

/* Draws b->n transitions (b's arrays hold that many) uniformly from the
 * shard, with replacement: sample j from (seed, update, first + j, salt),
 * first being this rank's first index in the global batch. The shard must
 * not be empty. */
void ct_replay_sample(const ct_replay *r, ct_dqn_batch *b, uint64_t seed, int64_t update, int64_t first,
                      uint64_t salt);

/* A prioritised draw of a global batch of global_n over the world's
 * shards, as from one memory that holds them in rank order: sample j falls
 * uniformly in the j-th of global_n equal parts of the total priority
 * (drawn from (seed, update, j, salt)); this rank keeps the samples that
 * fall in its shard, totals[rank] being its total priority (every rank's in
 * totals[0 .. world)), and weights them by (min_priority / priority)^beta,
 * min_priority the smallest over all shards. Sets b->n (b's arrays hold
 * global_n). */
void ct_replay_sample_prioritized(const ct_replay *r, ct_dqn_batch *b, int64_t global_n, const double *totals,
                                  int rank, int world, double min_priority, double beta, uint64_t seed,
                                  int64_t update, uint64_t salt);

/* Prioritised replay: the new priorities of b's slots from their TD
 * errors. */
void ct_replay_update_priorities(ct_replay *r, const ct_dqn_batch *b, const float *td_errors);

/* Declares the shard as PER_RANK family state "replay_*" so that
 * checkpoints carry it. */
int ct_replay_declare(ct_replay *r, ct_state_table *t, ct_error *err);

/* Batch arrays for up to n transitions of obs_size values, and their release. */
void ct_dqn_batch_alloc(ct_dqn_batch *b, int64_t n, int64_t obs_size);
void ct_dqn_batch_free(ct_dqn_batch *b);

void ct_replay_free(ct_replay *r);

#endif
