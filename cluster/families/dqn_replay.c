#include "cluster/families/dqn_replay.h"

#include <math.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/rng.h"

void ct_replay_init(ct_replay *r, int64_t capacity, int64_t obs_size, const Ctrain__Prioritized *prioritized)
{
    memset(r, 0, sizeof *r);
    r->capacity = capacity;
    r->obs_size = obs_size;
    size_t rows = (size_t)capacity, values = rows * (size_t)obs_size;
    r->obs = CT_ALLOC_ARRAY(float, values);
    r->next_obs = CT_ALLOC_ARRAY(float, values);
    r->actions = CT_ALLOC_ARRAY(int32_t, rows);
    r->rewards = CT_ALLOC_ARRAY(float, rows);
    r->discounts = CT_ALLOC_ARRAY(float, rows);
    r->prioritized = prioritized;
    if (prioritized) {
        ct_priority_init(&r->priorities, capacity);
        r->max_priority = 1.0;
    }
}

void ct_replay_add(ct_replay *r, const float *obs, int32_t action, float ret, const float *next_obs, float discount)
{
    int64_t i = r->counters[1];
    size_t row = (size_t)r->obs_size * sizeof *obs;
    memcpy(r->obs + i * r->obs_size, obs, row);
    memcpy(r->next_obs + i * r->obs_size, next_obs, row);
    r->actions[i] = action;
    r->rewards[i] = ret;
    r->discounts[i] = discount;
    if (r->prioritized)
        ct_priority_set(&r->priorities, i, pow(r->max_priority, r->prioritized->alpha));
    r->counters[1] = (i + 1) % r->capacity;
    if (r->counters[0] < r->capacity)
        r->counters[0]++;
}

/* Copies slot i of the shard to sample j of b. */
static void take(const ct_replay *r, ct_dqn_batch *b, int64_t j, int64_t i)
{
    size_t row = (size_t)r->obs_size * sizeof *b->obs;
    memcpy(b->obs + j * r->obs_size, r->obs + i * r->obs_size, row);
    memcpy(b->next_obs + j * r->obs_size, r->next_obs + i * r->obs_size, row);
    b->actions[j] = r->actions[i];
    b->rewards[j] = r->rewards[i];
    b->discounts[j] = r->discounts[i];
    b->slots[j] = i;
}

void ct_replay_sample(const ct_replay *r, ct_dqn_batch *b, uint64_t seed, int64_t update, int64_t first,
                      uint64_t salt)
{
    b->weighted = false;
    for (int64_t j = 0; j < b->n; j++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, seed, update, first + j, salt);
        take(r, b, j, (int64_t)ct_rng_below(&rng, (uint64_t)ct_replay_size(r)));
    }
}

void ct_replay_sample_prioritized(const ct_replay *r, ct_dqn_batch *b, int64_t global_n, const double *totals,
                                  int rank, int world, double min_priority, double beta, uint64_t seed,
                                  int64_t update, uint64_t salt)
{
    double all = 0, before = 0;
    for (int k = 0; k < world; k++) {
        before += k < rank ? totals[k] : 0;
        all += totals[k];
    }
    /* The last rank with a priority takes what rounding puts past the end. */
    int last = world - 1;
    while (last > 0 && totals[last] <= 0)
        last--;
    double end = rank == last ? INFINITY : before + totals[rank];
    b->weighted = true;
    b->n = 0;
    for (int64_t j = 0; j < global_n && totals[rank] > 0; j++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, seed, update, j, salt);
        double mass = ((double)j + (double)ct_rng_uniform(&rng)) * all / (double)global_n;
        if (mass < before || mass >= end)
            continue;
        int64_t slot = ct_priority_find(&r->priorities, mass - before);
        take(r, b, b->n, slot);
        b->weights[b->n] = (float)pow(min_priority / ct_priority_of(&r->priorities, slot), beta);
        b->n++;
    }
}

void ct_replay_update_priorities(ct_replay *r, const ct_dqn_batch *b, const float *td_errors)
{
    for (int64_t j = 0; j < b->n; j++) {
        double p = fabs((double)td_errors[j]) + (double)r->prioritized->eps;
        if (p > r->max_priority)
            r->max_priority = p;
        ct_priority_set(&r->priorities, b->slots[j], pow(p, r->prioritized->alpha));
    }
}

int ct_replay_declare(ct_replay *r, ct_state_table *t, ct_error *err)
{
    const ct_state_kind rank = CT_STATE_PER_RANK;
    int64_t values = r->capacity * r->obs_size, rows = r->capacity, nodes = 2 * r->priorities.leaves;
    if (ct_state_declare_array(t, "replay_obs", rank, CT_STATE_F32, r->obs, values, err) != CT_OK ||
        ct_state_declare_array(t, "replay_next_obs", rank, CT_STATE_F32, r->next_obs, values, err) != CT_OK ||
        ct_state_declare_array(t, "replay_actions", rank, CT_STATE_I32, r->actions, rows, err) != CT_OK ||
        ct_state_declare_array(t, "replay_rewards", rank, CT_STATE_F32, r->rewards, rows, err) != CT_OK ||
        ct_state_declare_array(t, "replay_discounts", rank, CT_STATE_F32, r->discounts, rows, err) != CT_OK ||
        ct_state_declare_array(t, "replay_counters", rank, CT_STATE_I64, r->counters, 2, err) != CT_OK)
        return CT_ERR;
    if (!r->prioritized)
        return CT_OK;
    return ct_state_declare_array(t, "replay_priority_sum", rank, CT_STATE_F64, r->priorities.sum, nodes, err) ||
                   ct_state_declare_array(t, "replay_priority_min", rank, CT_STATE_F64, r->priorities.min, nodes,
                                          err) ||
                   ct_state_declare_array(t, "replay_max_priority", rank, CT_STATE_F64, &r->max_priority, 1, err)
               ? CT_ERR
               : CT_OK;
}

void ct_dqn_batch_alloc(ct_dqn_batch *b, int64_t n, int64_t obs_size)
{
    size_t rows = (size_t)(n > 0 ? n : 1);
    b->n = n;
    b->obs = CT_ALLOC_ARRAY(float, rows * (size_t)obs_size);
    b->next_obs = CT_ALLOC_ARRAY(float, rows * (size_t)obs_size);
    b->actions = CT_ALLOC_ARRAY(int32_t, rows);
    b->rewards = CT_ALLOC_ARRAY(float, rows);
    b->discounts = CT_ALLOC_ARRAY(float, rows);
    b->weights = CT_ALLOC_ARRAY(float, rows);
    b->slots = CT_ALLOC_ARRAY(int64_t, rows);
}

void ct_dqn_batch_free(ct_dqn_batch *b)
{
    ct_free(b->obs);
    ct_free(b->next_obs);
    ct_free(b->actions);
    ct_free(b->rewards);
    ct_free(b->discounts);
    ct_free(b->weights);
    ct_free(b->slots);
    memset(b, 0, sizeof *b);
}

void ct_replay_free(ct_replay *r)
{
    ct_free(r->obs);
    ct_free(r->next_obs);
    ct_free(r->actions);
    ct_free(r->rewards);
    ct_free(r->discounts);
    if (r->prioritized)
        ct_priority_free(&r->priorities);
    memset(r, 0, sizeof *r);
}
