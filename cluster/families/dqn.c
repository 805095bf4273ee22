/* The DQN family (DESIGN.md, "DQN"): every rank is an actor with its own
 * environment, seeded by (seed, rank), and its own exploration rate
 * (Ape-X's by default), and keeps its own shard of the replay memory. A
 * runtime step is one environment step on every rank; every train_every
 * steps after learning_starts, gradient_steps updates each draw the global
 * batch over all shards (each rank its share from its own), sum the
 * gradients of q over the ranks and step every replica alike; the target
 * network is synchronised at the same update on every rank. Checkpoints
 * carry the replay shards, the environments and the counters, so --resume
 * continues bitwise at the same world size. With prioritised replay, an
 * update first gathers every shard's total priority (one small allreduce)
 * so that the global batch is drawn as from one memory. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cluster/families/dqn.h"
#include "cluster/families/dqn_nstep.h"
#include "cluster/families/families.h"
#include "cluster/run/family.h"
#include "comm/agree.h"
#include "comm/datastore.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

/* Returns kept per rank for mean_return_100. */
#define RECENT 100

typedef struct dqn_family {
    ct_dqn model;
    ct_run *run;
    const Ctrain__Dqn *settings;
    ct_replay replay;
    ct_nstep nstep;          /* the actor's steps waiting for their n-step return */
    ct_dqn_batch batch;      /* this rank's share of an update */
    int64_t first;           /* uniform replay: its first index in the global batch */
    int64_t beta_steps;      /* prioritised replay: steps over which beta goes to 1 */
    double *shard_mass;      /* prioritised replay: [2 world] for the draw's allreduce */
    double env_state[CT_ENV_STATE_MAX];
    float *obs, *next_obs;   /* [obs_size] */
    /* Checkpointed counters. This rank's: the episode's steps, the episodes
     * it finished; its episode's return and its last RECENT returns (a ring
     * at episodes % RECENT). Shared: the updates made. */
    int64_t actor[2];
    double returns[1 + RECENT];
    int64_t updates;
    int episodes, mean_return, best_return, epsilon, loss, q_mean, updates_metric; /* metrics */
    uint64_t salt_act, salt_reset, salt_sample;
} dqn_family;

static int declare_metrics(ct_run *run, dqn_family *f, ct_error *err)
{
    unsigned loss = CT_METRIC_FINITE | CT_METRIC_PROGRESS | CT_METRIC_SUMMARY;
    if (ct_family_metric(run, "episodes", CT_REDUCE_SUM, CT_OVER_STEPS_SUM, 0, &f->episodes, err) != CT_OK ||
        ct_family_metric(run, "mean_return_100", CT_REDUCE_MEAN, CT_OVER_STEPS_LAST,
                         CT_METRIC_PROGRESS | CT_METRIC_SUMMARY, &f->mean_return, err) != CT_OK ||
        ct_family_metric(run, "best_return", CT_REDUCE_MAX, CT_OVER_STEPS_MAX, 0, &f->best_return, err) != CT_OK ||
        ct_family_metric(run, "epsilon", CT_REDUCE_SUM, CT_OVER_STEPS_LAST, 0, &f->epsilon, err) != CT_OK ||
        ct_family_metric(run, "loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, loss, &f->loss, err) != CT_OK ||
        ct_family_metric(run, "q_mean", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, 0, &f->q_mean, err) != CT_OK)
        return CT_ERR;
    return ct_family_metric(run, "updates", CT_REDUCE_SUM, CT_OVER_STEPS_SUM, 0, &f->updates_metric, err);
}

/* Starts this rank's episode number actor[1]: its reset draws from (seed,
 * episode, rank). */
static void reset_env(dqn_family *f)
{
    ct_rng rng;
    ct_rng_seed_sample(&rng, f->run->job->seed, f->actor[1], f->run->world->rank, f->salt_reset);
    f->model.env->reset(f->env_state, &rng);
    f->actor[0] = 0;
    f->returns[0] = 0;
}

static int declare_state(ct_run *run, dqn_family *f, ct_error *err)
{
    ct_state_table *t = &run->family_state_table;
    const ct_state_kind rank = CT_STATE_PER_RANK;
    if (ct_state_declare_array(t, "env_state", rank, CT_STATE_F64, f->env_state, f->model.env->state_size, err) ||
        ct_state_declare_array(t, "actor_counters", rank, CT_STATE_I64, f->actor, 2, err) ||
        ct_state_declare_array(t, "actor_returns", rank, CT_STATE_F64, f->returns, 1 + RECENT, err) ||
        ct_state_declare_array(t, "updates", CT_STATE_SHARED, CT_STATE_I64, &f->updates, 1, err))
        return CT_ERR;
    return ct_replay_declare(&f->replay, t, err) != CT_OK ? CT_ERR : ct_nstep_declare(&f->nstep, t, err);
}

/* The exploration rate of every rank, on the log (rank 0). */
static void print_exploration(const ct_run *run, const dqn_family *f)
{
    if (run->world->rank != 0)
        return;
    int world = run->world->size;
    printf("dqn: %s, %d actor%s, epsilon per rank:", f->settings->env, world, world > 1 ? "s" : "");
    for (int r = 0; r < world && r < 16; r++)
        printf(" %d=%.9g%s", r, ct_dqn_epsilon(f->settings, r, world, 0),
               ct_dqn_epsilon(f->settings, r, world, 0) != ct_dqn_epsilon(f->settings, r, world, INT64_MAX / 2)
                   ? " (schedule)" : "");
    printf("%s\n", world > 16 ? " ..." : "");
    fflush(stdout);
}

/* What a training run needs beside the model: the replay shard, the batch
 * share, the environment and the state that checkpoints carry. */
static int setup_actor(ct_run *run, dqn_family *f, ct_error *err)
{
    const ct_dqn *d = &f->model;
    int64_t capacity = (int64_t)f->settings->replay_capacity, hi;
    run->source.kind = CT_SOURCE_NONE;
    run->source.steps_per_epoch = (int64_t)run->job->train->steps_per_epoch;
    const Ctrain__Prioritized *prioritized = ct_dqn_prioritized(f->settings);
    double bytes = (double)capacity * (8.0 * (double)d->obs_size + 12.0 + (prioritized ? 32.0 : 0.0));
    if (ct_alloc_check(bytes, "model.dqn.replay_capacity: the replay shard", err) != CT_OK)
        return ct_fail_context(err, "%s", run->job_origin);
    ct_replay_init(&f->replay, capacity, d->obs_size, prioritized);
    ct_nstep_init(&f->nstep, f->settings->n_step, d->obs_size, f->settings->gamma);
    int64_t global = run->job->train->batch_size;
    ct_batch_part(global, run->world->rank, run->world->size, &f->first, &hi);
    ct_dqn_batch_alloc(&f->batch, prioritized ? global : hi - f->first, d->obs_size); /* a prioritised share varies */
    if (prioritized) {
        f->beta_steps = prioritized->beta_steps ? (int64_t)prioritized->beta_steps
                                                : (int64_t)run->job->train->epochs * run->source.steps_per_epoch;
        f->shard_mass = CT_ALLOC_ARRAY(double, 2 * (size_t)run->world->size);
    }
    f->next_obs = CT_ALLOC_ARRAY(float, (size_t)d->obs_size);
    reset_env(f);
    print_exploration(run, f);
    return declare_state(run, f, err);
}

static int dqn_setup(ct_run *run, ct_error *err)
{
    dqn_family *f = CT_ALLOC_ARRAY(dqn_family, 1);
    run->family_state = f;
    f->run = run;
    f->settings = ct_dqn_settings(run->job);
    f->salt_act = ct_salt("dqn.act");
    f->salt_reset = ct_salt("dqn.reset");
    f->salt_sample = ct_salt("dqn.replay");
    int64_t max_batch = ct_family_max_batch(run);
    if (ct_dqn_prioritized(f->settings) && !run->eval_only) /* a rank may draw the whole global batch */
        max_batch = run->job->train->batch_size;
    int rc = ct_dqn_build(&f->model, run->job, max_batch > 1 ? max_batch : 1, err);
    if (rc != CT_OK)
        ct_fail_context(err, "%s", run->job_origin);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    if (declare_metrics(run, f, err) != CT_OK || ct_family_add_net(run, &f->model.q, 0, true, err) != CT_OK ||
        ct_family_add_net(run, &f->model.target, 0, false, err) != CT_OK)
        return CT_ERR;
    run->model.names[1] = "target";
    f->obs = CT_ALLOC_ARRAY(float, (size_t)f->model.obs_size);
    return run->eval_only ? CT_OK : setup_actor(run, f, err);
}

/* This rank's action: random with probability epsilon (drawn from (seed,
 * step, rank)), else q's greedy one. */
static int32_t act(dqn_family *f, double epsilon)
{
    ct_run *run = f->run;
    ct_rng rng;
    ct_rng_seed_sample(&rng, run->job->seed, run->state.step, run->world->rank, f->salt_act);
    if ((double)ct_rng_uniform(&rng) < epsilon)
        return (int32_t)ct_rng_below(&rng, (uint64_t)f->model.actions);
    return ct_dqn_greedy(&f->model, f->obs);
}

/* Records this rank's finished episode and starts the next. */
static void end_episode(dqn_family *f)
{
    double ret = f->returns[0];
    f->returns[1 + f->actor[1] % RECENT] = ret;
    f->actor[1]++;
    ct_metrics_add(&f->run->metrics, f->episodes, 1);
    ct_metrics_add(&f->run->metrics, f->best_return, ret);
    reset_env(f);
}

/* One environment step of this rank's actor, stored in its replay shard.
 * Truncation at the environment's step limit is not termination: the
 * transition bootstraps. */
static void env_step(dqn_family *f)
{
    const ct_env_kind *env = f->model.env;
    ct_run *run = f->run;
    /* Until learning starts q knows nothing: every actor acts at random
     * (as Stable-Baselines3's DQN), whatever its own rate. */
    double epsilon = (uint64_t)run->state.step < f->settings->learning_starts
                         ? 1.0
                         : ct_dqn_epsilon(f->settings, run->world->rank, run->world->size, run->state.step);
    env->observe(f->env_state, f->obs);
    int32_t action = act(f, epsilon);
    ct_env_step r = env->step(f->env_state, action);
    env->observe(f->env_state, f->next_obs);
    f->actor[0]++;
    f->returns[0] += r.reward;
    bool ended = r.terminated || f->actor[0] >= env->max_steps;
    ct_nstep_push(&f->nstep, &f->replay, f->obs, action, (float)r.reward, f->next_obs, r.terminated, ended);
    if (ended)
        end_episode(f);
    if (run->world->rank == 0)
        ct_metrics_add(&run->metrics, f->epsilon, epsilon);
    int64_t held = f->actor[1] < RECENT ? f->actor[1] : RECENT;
    for (int64_t i = 0; i < held; i++)
        ct_metrics_add(&run->metrics, f->mean_return, f->returns[1 + i]);
}

/* Prioritised replay's draw of this rank's share of the global batch,
 * beta from the schedule. Collective. */
static int draw_prioritized(dqn_family *f, ct_error *err)
{
    ct_run *run = f->run;
    const Ctrain__Prioritized *p = f->replay.prioritized;
    double progress = f->beta_steps > 0 ? fmin(1.0, (double)run->state.step / (double)f->beta_steps) : 1.0;
    double beta = p->beta_start + (1.0 - p->beta_start) * progress;
    return ct_dqn_draw_prioritized(run->world, &f->replay, &f->batch, run->job->train->batch_size, beta,
                                   run->job->seed, f->updates, f->salt_sample, f->shard_mass, err);
}

/* One update: this rank's share of the global batch, the TD loss's
 * gradients, their sum over the ranks and the step of q; the target's
 * synchronisation when due. Collective. */
static int update(dqn_family *f, ct_error *err)
{
    ct_run *run = f->run;
    ct_dqn *d = &f->model;
    ct_net_zero_grads(&d->q);
    if (f->replay.prioritized) {
        if (draw_prioritized(f, err) != CT_OK)
            return CT_ERR;
    } else if (f->batch.n > 0) {
        ct_replay_sample(&f->replay, &f->batch, run->job->seed, f->updates, f->first, f->salt_sample);
    }
    double q_sum, loss = ct_dqn_td_backward(d, &f->batch, run->job->train->batch_size, &q_sum);
    if (f->replay.prioritized)
        ct_replay_update_priorities(&f->replay, &f->batch, d->td);
    double share = 1.0 / (double)f->settings->gradient_steps; /* a step reports the mean of its updates */
    ct_metrics_add(&run->metrics, f->loss, loss * share);
    ct_metrics_add(&run->metrics, f->q_mean, q_sum / (double)run->job->train->batch_size * share);
    if (run->world->rank == 0)
        ct_metrics_add(&run->metrics, f->updates_metric, 1);
    int rc = ct_family_update(run, ct_net_bit(0), err);
    f->updates++;
    if (f->updates % f->settings->target_update_every == 0)
        ct_dqn_sync_target(d, f->settings->tau);
    return rc;
}

static int dqn_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    (void)in;
    dqn_family *f = run->family_state;
    const Ctrain__Dqn *s = f->settings;
    env_step(f);
    int64_t steps = run->state.step + 1; /* this rank's environment steps so far */
    if ((uint64_t)steps < s->learning_starts || steps % s->train_every != 0)
        return CT_OK;
    int rc = CT_OK;
    for (uint32_t g = 0; g < s->gradient_steps; g++) {
        ct_error later;
        if (update(f, &later) != CT_OK && rc == CT_OK) {
            *err = later;
            rc = CT_ERR;
        }
    }
    return rc;
}

/* model.dqn.eval_episodes greedy episodes, shared out over the ranks:
 * "mean_return" over all of them, each counted once at any world size.
 * Collective. */
static int dqn_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    dqn_family *f = run->family_state;
    int64_t episodes = f->settings->eval_episodes, lo, hi;
    result->n = 0;
    if (episodes == 0)
        return CT_OK;
    ct_batch_part(episodes, run->world->rank, run->world->size, &lo, &hi);
    double sum = 0;
    for (int64_t e = lo; e < hi; e++)
        sum += ct_dqn_play(&f->model, f->model.env, run->job->seed, e, NULL).ret;
    if (ct_allreduce_doubles(run->world, &sum, 1, err) != CT_OK)
        return CT_ERR;
    result->n = 1;
    result->names[0] = "mean_return";
    result->values[0] = sum / (double)episodes;
    result->samples = episodes;
    return CT_OK;
}

ct_dqn *ct_dqn_of(ct_run *run)
{
    if (run->family != &ct_dqn_family || !run->family_state)
        return NULL;
    dqn_family *f = run->family_state;
    return &f->model;
}

static void dqn_teardown(ct_run *run)
{
    dqn_family *f = run->family_state;
    if (!f)
        return;
    ct_dqn_free(&f->model);
    ct_replay_free(&f->replay);
    ct_nstep_free(&f->nstep);
    ct_free(f->shard_mass);
    ct_dqn_batch_free(&f->batch);
    ct_free(f->obs);
    ct_free(f->next_obs);
    ct_free(f);
    run->family_state = NULL;
}

const ct_family ct_dqn_family = {
    .name = "dqn",
    .setup = dqn_setup,
    .step = dqn_step,
    .evaluate = dqn_evaluate,
    .end_epoch = NULL,
    .teardown = dqn_teardown,
};
