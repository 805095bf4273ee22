/* The DQN model: building q and its target copy, the TD loss of one batch,
 * the target's synchronisation, greedy actions and exploration rates. No
 * MPI: the family and the tests share it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cluster/families/dqn.h"
#include "cluster/run/model.h"
#include "engine/alloc.h"

const Ctrain__Dqn *ct_dqn_settings(const ct_job *job)
{
    static const Ctrain__Dqn defaults = CTRAIN__DQN__INIT;
    const Ctrain__Model *m = job->model;
    return m->settings_case == CTRAIN__MODEL__SETTINGS_DQN ? m->dqn : &defaults;
}

const Ctrain__Prioritized *ct_dqn_prioritized(const Ctrain__Dqn *s)
{
    static const Ctrain__Prioritized defaults = CTRAIN__PRIORITIZED__INIT;
    if (!s->prioritized_replay)
        return NULL;
    return s->prioritized ? s->prioritized : &defaults;
}

int ct_dqn_build(ct_dqn *d, const ct_job *job, int64_t max_batch, ct_error *err)
{
    const Ctrain__Dqn *s = ct_dqn_settings(job);
    char a[64];
    memset(d, 0, sizeof *d);
    ct_net_init(&d->q, "q");
    ct_net_init(&d->target, "target");
    d->env = ct_env_find(s->env);
    if (!d->env)
        return ct_fail(err, "model.dqn.env: expected one of %s, found '%s'", ct_env_names(), s->env);
    d->obs_size = d->env->obs_size;
    d->actions = d->env->num_actions;
    d->loss = s->loss == CTRAIN__LOSS__MSE ? CT_LOSS_MSE : CT_LOSS_HUBER;
    d->double_dqn = s->double_dqn;
    ct_shape in = ct_shape1(d->obs_size);
    if (ct_model_build_net(&d->q, job, 0, "q", in, max_batch, err) != CT_OK) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return ct_fail(err, "%s (the q network's input is an observation of %s: %lld values)", why, s->env,
                       (long long)d->obs_size);
    }
    const ct_layer *last = d->q.layers[d->q.nlayers - 1];
    if (ct_shape_numel(&last->out) != d->actions)
        return ct_layer_fail(last, err, "the q network's output %s has %lld values; %s has %lld actions, one value "
                             "each", ct_shape_str(&last->out, a, sizeof a), (long long)ct_shape_numel(&last->out),
                             s->env, (long long)d->actions);
    if (ct_model_build_net(&d->target, job, 0, "target", in, max_batch, err) != CT_OK)
        return CT_ERR;
    ct_dqn_sync_target(d, 0.0f);
    size_t rows = (size_t)max_batch;
    d->y = CT_ALLOC_ARRAY(float, rows);
    d->q_taken = CT_ALLOC_ARRAY(float, rows);
    d->d_taken = CT_ALLOC_ARRAY(float, rows);
    d->td = CT_ALLOC_ARRAY(float, rows);
    d->next_actions = CT_ALLOC_ARRAY(int32_t, rows);
    d->dout = CT_ALLOC_ARRAY(float, rows * (size_t)d->actions);
    return CT_OK;
}

/* The targets y of batch b, with no gradient: both networks in evaluation
 * mode on the next observations. */
static void td_targets(ct_dqn *d, const ct_dqn_batch *b)
{
    ct_pass eval = {.mode = CT_MODE_EVAL};
    int64_t n = b->n, k = d->actions;
    const float *chooser = d->double_dqn ? ct_net_forward(&d->q, b->next_obs, n, &eval) : NULL;
    for (int64_t i = 0; chooser && i < n; i++)
        d->next_actions[i] = (int32_t)ct_argmax(chooser + i * k, k);
    const float *value = ct_net_forward(&d->target, b->next_obs, n, &eval);
    for (int64_t i = 0; i < n; i++) {
        const float *v = value + i * k;
        float next = chooser ? v[d->next_actions[i]] : v[ct_argmax(v, k)];
        d->y[i] = b->rewards[i] + b->discounts[i] * next;
    }
}

double ct_dqn_td_backward(ct_dqn *d, const ct_dqn_batch *b, int64_t global_n, double *q_sum)
{
    *q_sum = 0;
    int64_t n = b->n, k = d->actions;
    if (n <= 0)
        return 0;
    td_targets(d, b); /* before q's training forward: backward uses what that forward caches */
    ct_pass train = {.mode = CT_MODE_TRAIN};
    const float *out = ct_net_forward(&d->q, b->obs, n, &train);
    for (int64_t i = 0; i < n; i++) {
        d->q_taken[i] = out[i * k + b->actions[i]];
        *q_sum += d->q_taken[i];
    }
    double loss = 0;
    if (b->weighted) {
        /* Each sample's term of the mean, scaled by its importance weight. */
        for (int64_t i = 0; i < n; i++) {
            ct_target target = {.values = d->y + i};
            loss += b->weights[i] * ct_loss_compute(d->loss, d->q_taken + i, &target, 1, 1, global_n, d->d_taken + i);
            d->d_taken[i] *= b->weights[i];
        }
    } else {
        ct_target target = {.values = d->y};
        loss = ct_loss_compute(d->loss, d->q_taken, &target, n, 1, global_n, d->d_taken);
    }
    for (int64_t i = 0; i < n; i++)
        d->td[i] = d->y[i] - d->q_taken[i];
    memset(d->dout, 0, (size_t)(n * k) * sizeof *d->dout);
    for (int64_t i = 0; i < n; i++)
        d->dout[i * k + b->actions[i]] = d->d_taken[i];
    ct_net_backward(&d->q, b->obs, d->dout, n, NULL);
    return loss;
}

void ct_dqn_sync_target(ct_dqn *d, float tau)
{
    if (tau <= 0.0f || tau >= 1.0f) {
        memcpy(d->target.params, d->q.params, d->q.nparams * sizeof *d->q.params);
        if (d->q.nbuffers)
            memcpy(d->target.buffers, d->q.buffers, d->q.nbuffers * sizeof *d->q.buffers);
        return;
    }
    for (size_t i = 0; i < d->q.nparams; i++)
        d->target.params[i] = tau * d->q.params[i] + (1.0f - tau) * d->target.params[i];
}

int32_t ct_dqn_greedy(ct_dqn *d, const float *obs)
{
    ct_pass eval = {.mode = CT_MODE_EVAL};
    return (int32_t)ct_argmax(ct_net_forward(&d->q, obs, 1, &eval), d->actions);
}

ct_dqn_episode ct_dqn_play(ct_dqn *d, const ct_env_kind *env, uint64_t seed, int64_t episode, double *states)
{
    double state[CT_ENV_STATE_MAX];
    float obs[CT_ENV_OBS_MAX];
    ct_dqn_episode result = {0};
    ct_rng rng;
    ct_rng_seed_sample(&rng, seed, episode, 0, ct_salt("dqn.eval"));
    env->reset(state, &rng);
    int64_t size = env->state_size;
    if (states)
        memcpy(states, state, (size_t)size * sizeof *state);
    while (result.steps < env->max_steps) {
        env->observe(state, obs);
        ct_env_step r = env->step(state, ct_dqn_greedy(d, obs));
        result.ret += r.reward;
        result.steps++;
        if (states)
            memcpy(states + result.steps * size, state, (size_t)size * sizeof *state);
        if (r.terminated)
            break;
    }
    return result;
}

double ct_dqn_schedule_epsilon(const Ctrain__Dqn *s, int64_t env_steps)
{
    double start = s->epsilon_start, end = s->epsilon_end;
    if (s->epsilon_decay_steps == 0 || (uint64_t)env_steps >= s->epsilon_decay_steps)
        return end;
    return start + (end - start) * (double)env_steps / (double)s->epsilon_decay_steps;
}

double ct_dqn_epsilon(const Ctrain__Dqn *s, int rank, int world, int64_t env_steps)
{
    if (s->exploration == CTRAIN__EXPLORATION__APEX && world > 1)
        return pow(0.4, 1.0 + 7.0 * (double)rank / (double)(world - 1));
    return ct_dqn_schedule_epsilon(s, env_steps);
}

void ct_dqn_free(ct_dqn *d)
{
    ct_net_free(&d->q);
    ct_net_free(&d->target);
    ct_free(d->y);
    ct_free(d->q_taken);
    ct_free(d->d_taken);
    ct_free(d->td);
    ct_free(d->next_actions);
    ct_free(d->dout);
    memset(d, 0, sizeof *d);
}
