#include "cluster/families/dqn_replay.h"

#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/rng.h"

void ct_replay_init(ct_replay *r, int64_t capacity, int64_t obs_size)
{
    memset(r, 0, sizeof *r);
    r->capacity = capacity;
    r->obs_size = obs_size;
    size_t rows = (size_t)capacity, values = rows * (size_t)obs_size;
    r->obs = CT_ALLOC_ARRAY(float, values);
    r->next_obs = CT_ALLOC_ARRAY(float, values);
    r->actions = CT_ALLOC_ARRAY(int32_t, rows);
    r->rewards = CT_ALLOC_ARRAY(float, rows);
    r->terminated = CT_ALLOC_ARRAY(uint8_t, rows);
}

void ct_replay_add(ct_replay *r, const float *obs, int32_t action, float reward, const float *next_obs,
                   bool terminated)
{
    int64_t i = r->counters[1];
    size_t row = (size_t)r->obs_size * sizeof *obs;
    memcpy(r->obs + i * r->obs_size, obs, row);
    memcpy(r->next_obs + i * r->obs_size, next_obs, row);
    r->actions[i] = action;
    r->rewards[i] = reward;
    r->terminated[i] = terminated;
    r->counters[1] = (i + 1) % r->capacity;
    if (r->counters[0] < r->capacity)
        r->counters[0]++;
}

void ct_replay_sample(const ct_replay *r, ct_dqn_batch *b, uint64_t seed, int64_t update, int64_t first,
                      uint64_t salt)
{
    size_t row = (size_t)r->obs_size * sizeof *b->obs;
    for (int64_t j = 0; j < b->n; j++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, seed, update, first + j, salt);
        int64_t i = (int64_t)ct_rng_below(&rng, (uint64_t)ct_replay_size(r));
        memcpy(b->obs + j * r->obs_size, r->obs + i * r->obs_size, row);
        memcpy(b->next_obs + j * r->obs_size, r->next_obs + i * r->obs_size, row);
        b->actions[j] = r->actions[i];
        b->rewards[j] = r->rewards[i];
        b->terminated[j] = r->terminated[i] ? 1.0f : 0.0f;
    }
}

int ct_replay_declare(ct_replay *r, ct_state_table *t, ct_error *err)
{
    const struct {
        const char *name;
        ct_state_type type;
        void *data;
        int64_t count;
    } entries[] = {
        {"replay_obs", CT_STATE_F32, r->obs, r->capacity * r->obs_size},
        {"replay_next_obs", CT_STATE_F32, r->next_obs, r->capacity * r->obs_size},
        {"replay_actions", CT_STATE_I32, r->actions, r->capacity},
        {"replay_rewards", CT_STATE_F32, r->rewards, r->capacity},
        {"replay_terminated", CT_STATE_U8, r->terminated, r->capacity},
        {"replay_counters", CT_STATE_I64, r->counters, 2},
    };
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        ct_state_entry e = {.kind = CT_STATE_PER_RANK, .type = entries[i].type, .data = entries[i].data,
                            .count = entries[i].count};
        snprintf(e.name, sizeof e.name, "%s", entries[i].name);
        if (ct_state_declare(t, &e, err) != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

void ct_dqn_batch_alloc(ct_dqn_batch *b, int64_t n, int64_t obs_size)
{
    size_t rows = (size_t)(n > 0 ? n : 1);
    b->n = n;
    b->obs = CT_ALLOC_ARRAY(float, rows * (size_t)obs_size);
    b->next_obs = CT_ALLOC_ARRAY(float, rows * (size_t)obs_size);
    b->actions = CT_ALLOC_ARRAY(int32_t, rows);
    b->rewards = CT_ALLOC_ARRAY(float, rows);
    b->terminated = CT_ALLOC_ARRAY(float, rows);
}

void ct_dqn_batch_free(ct_dqn_batch *b)
{
    ct_free(b->obs);
    ct_free(b->next_obs);
    ct_free(b->actions);
    ct_free(b->rewards);
    ct_free(b->terminated);
    memset(b, 0, sizeof *b);
}

void ct_replay_free(ct_replay *r)
{
    ct_free(r->obs);
    ct_free(r->next_obs);
    ct_free(r->actions);
    ct_free(r->rewards);
    ct_free(r->terminated);
    memset(r, 0, sizeof *r);
}
