/* A DQN's replay memory: this rank's shard, a ring of the last `capacity`
 * transitions (obs, action, reward, next obs, terminated) its actor saw.
 * An update draws the global batch over all shards, each rank its share
 * from its own, positions drawn from (seed, update, global sample index),
 * with replacement. No MPI. */
#ifndef CT_CLUSTER_DQN_REPLAY_H
#define CT_CLUSTER_DQN_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/run/family_state.h"

/* Transitions for one update: [n, obs_size] observations and [n] the rest. */
typedef struct ct_dqn_batch {
    int64_t n;
    float *obs;          /* [n, obs_size] */
    int32_t *actions;    /* [n] */
    float *rewards;      /* [n] */
    float *next_obs;     /* [n, obs_size] */
    float *terminated;   /* [n]: 1 when the episode ended there (no bootstrapping), else 0 */
} ct_dqn_batch;

typedef struct ct_replay {
    int64_t capacity, obs_size;
    float *obs;          /* [capacity, obs_size] */
    float *next_obs;     /* [capacity, obs_size] */
    int32_t *actions;    /* [capacity] */
    float *rewards;      /* [capacity] */
    uint8_t *terminated; /* [capacity] */
    int64_t counters[2]; /* the transitions held (<= capacity), the next slot written */
} ct_replay;

void ct_replay_init(ct_replay *r, int64_t capacity, int64_t obs_size);

/* The transitions held. */
static inline int64_t ct_replay_size(const ct_replay *r)
{
    return r->counters[0];
}

/* Stores a transition, over the oldest when full. */
void ct_replay_add(ct_replay *r, const float *obs, int32_t action, float reward, const float *next_obs,
                   bool terminated);

/* Draws b->n transitions (b's arrays hold that many) uniformly from the
 * shard, with replacement: sample j from (seed, update, first + j, salt),
 * first being this rank's first index in the global batch. The shard must
 * not be empty. */
void ct_replay_sample(const ct_replay *r, ct_dqn_batch *b, uint64_t seed, int64_t update, int64_t first,
                      uint64_t salt);

/* Declares the shard as PER_RANK family state "<prefix>_obs", ... so that
 * checkpoints carry it. */
int ct_replay_declare(ct_replay *r, ct_state_table *t, ct_error *err);

/* Batch arrays for up to n transitions of obs_size values, and their release. */
void ct_dqn_batch_alloc(ct_dqn_batch *b, int64_t n, int64_t obs_size);
void ct_dqn_batch_free(ct_dqn_batch *b);

void ct_replay_free(ct_replay *r);

#endif
