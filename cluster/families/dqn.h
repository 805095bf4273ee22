/* Deep Q-learning: the network q maps an environment's observation to one
 * value per action; a frozen copy of it, the target network, gives the
 * bootstrapped targets. dqn_model.c builds and runs the model (no MPI);
 * dqn_replay.c is a rank's replay shard, dqn_priority.c its priorities,
 * dqn_nstep.c the n-step returns that feed it, dqn_draw.c the prioritised
 * draw over all shards; dqn.c is the training family. */
#ifndef CT_CLUSTER_DQN_H
#define CT_CLUSTER_DQN_H

#include <stdbool.h>

#include "cluster/families/dqn_replay.h"
#include "cluster/run/run.h"
#include "datasets/env.h"
#include "engine/loss.h"
#include "engine/net.h"
#include "jobs/job.h"

typedef struct ct_dqn {
    ct_net q;                 /* tensors "q.<i>.<param>" */
    ct_net target;            /* tensors "target.<i>.<param>": frozen, synchronised from q */
    const ct_env_kind *env;
    int64_t obs_size, actions;
    ct_loss_type loss;        /* CT_LOSS_HUBER or CT_LOSS_MSE */
    bool double_dqn;
    float *y;                 /* [max_batch]: the targets r + discount V(next) */
    float *q_taken;           /* [max_batch]: Q(obs, action) */
    float *d_taken;           /* [max_batch]: dL/dQ(obs, action) */
    float *td;                /* [max_batch]: the TD errors y - Q(obs, action) of the last update */
    int32_t *next_actions;    /* [max_batch]: argmax over q (double DQN) or the target */
    float *dout;              /* [max_batch, actions]: dL/d(q's output), 0 but at the actions taken */
} ct_dqn;

/* The job's model.dqn, or its defaults when the job has none. */
const Ctrain__Dqn *ct_dqn_settings(const ct_job *job);

/* The settings of prioritised replay; NULL when the replay is uniform. */
const Ctrain__Prioritized *ct_dqn_prioritized(const Ctrain__Dqn *s);

/* Builds q (network 0 of the job) and the target network (the same layers,
 * parameters copied from q) for batches of up to max_batch observations of
 * the job's environment. Errors name the field: an unknown environment, a
 * q whose input is not an observation or whose output is not one value
 * per action. On error the model can only be freed. */
int ct_dqn_build(ct_dqn *d, const ct_job *job, int64_t max_batch, ct_error *err);

/* Accumulates into q's gradients those of this rank's share of one
 * update's loss over a global batch of global_n transitions: the targets
 * first, with no gradient (double DQN: the next action is q's argmax on the
 * next observation, its value the target network's; else the target's
 * max), then q on the observations, the loss on the taken actions only
 * (mean over the global batch, each sample's term times its weight when b
 * is weighted) and backward with a gradient at the taken action alone;
 * d->td gets the TD errors. Returns this rank's share of the loss; *q_sum gets the sum
 * of Q(obs, action) over b. b->n <= max_batch; n = 0 returns 0. */
double ct_dqn_td_backward(ct_dqn *d, const ct_dqn_batch *b, int64_t global_n, double *q_sum);

/* The target network from q: a hard copy (tau 0 or 1), else Polyak
 * averaging target = tau q + (1 - tau) target. */
void ct_dqn_sync_target(ct_dqn *d, float tau);

/* q's greedy action for one observation (the first on a tie). */
int32_t ct_dqn_greedy(ct_dqn *d, const float *obs);

/* One greedy episode's return and length. */
typedef struct ct_dqn_episode {
    double ret;
    int64_t steps;
} ct_dqn_episode;

/* Plays one episode of env (its observations and actions q's) with q's
 * greedy actions, its reset drawn from (seed, episode): the same episodes
 * at every evaluation, world size and in `ctrain play`. states, when not
 * NULL, receives [env->max_steps + 1, env->state_size]: the state after
 * the reset and after every step. */
ct_dqn_episode ct_dqn_play(ct_dqn *d, const ct_env_kind *env, uint64_t seed, int64_t episode, double *states);

/* The schedule's epsilon after env_steps environment steps: linear from
 * epsilon_start to epsilon_end over epsilon_decay_steps, then constant. */
double ct_dqn_schedule_epsilon(const Ctrain__Dqn *s, int64_t env_steps);

/* The exploration rate of rank `rank` of `world` after env_steps steps:
 * with exploration apex and world > 1, Ape-X's constant 0.4^(1 + 7 rank /
 * (world - 1)); else the schedule's. */
double ct_dqn_epsilon(const Ctrain__Dqn *s, int rank, int world, int64_t env_steps);

/* Draws this rank's share of a prioritised global batch of global_n over
 * the world's replay shards, as from one memory (ct_replay_sample_prioritized),
 * after one allreduce of every shard's total and smallest priority
 * (mass: the caller's [2 world] doubles for it); b's arrays hold global_n.
 * Collective. */
int ct_dqn_draw_prioritized(const ct_world *world, ct_replay *r, ct_dqn_batch *b, int64_t global_n, double beta,
                            uint64_t seed, int64_t update, uint64_t salt, double *mass, ct_error *err);

void ct_dqn_free(ct_dqn *d);

/* The model of a run of the DQN family (after its setup); NULL when the
 * run's family is another. */
ct_dqn *ct_dqn_of(ct_run *run);

#endif
