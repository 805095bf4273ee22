#include "cluster/families/dqn_nstep.h"

#include <string.h>

#include "engine/alloc.h"

void ct_nstep_init(ct_nstep *s, int64_t n, int64_t obs_size, float gamma)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->obs_size = obs_size;
    s->gamma = gamma;
    s->obs = CT_ALLOC_ARRAY(float, (size_t)(n * obs_size));
}

/* Stores the oldest waiting step as a transition to next_obs and drops it. */
static void emit_oldest(ct_nstep *s, ct_replay *r, const float *next_obs, bool terminated)
{
    int64_t waiting = s->counters[0], oldest = s->counters[1];
    double ret = 0, discount = 1;
    for (int64_t k = 0; k < waiting; k++) {
        ret += discount * (double)s->rewards[(oldest + k) % s->n];
        discount *= (double)s->gamma;
    }
    ct_replay_add(r, s->obs + oldest * s->obs_size, s->actions[oldest], (float)ret, next_obs,
                  terminated ? 0.0f : (float)discount);
    s->counters[0] = waiting - 1;
    s->counters[1] = (oldest + 1) % s->n;
}

void ct_nstep_push(ct_nstep *s, ct_replay *r, const float *obs, int32_t action, float reward, const float *next_obs,
                   bool terminated, bool ended)
{
    int64_t slot = (s->counters[1] + s->counters[0]) % s->n;
    memcpy(s->obs + slot * s->obs_size, obs, (size_t)s->obs_size * sizeof *obs);
    s->actions[slot] = action;
    s->rewards[slot] = reward;
    s->counters[0]++;
    if (ended) {
        while (s->counters[0] > 0)
            emit_oldest(s, r, next_obs, terminated);
        s->counters[1] = 0;
    } else if (s->counters[0] == s->n) {
        emit_oldest(s, r, next_obs, false);
    }
}

int ct_nstep_declare(ct_nstep *s, ct_state_table *t, ct_error *err)
{
    const ct_state_kind rank = CT_STATE_PER_RANK;
    return ct_state_declare_array(t, "nstep_obs", rank, CT_STATE_F32, s->obs, s->n * s->obs_size, err) != CT_OK ||
                   ct_state_declare_array(t, "nstep_actions", rank, CT_STATE_I32, s->actions, s->n, err) != CT_OK ||
                   ct_state_declare_array(t, "nstep_rewards", rank, CT_STATE_F32, s->rewards, s->n, err) != CT_OK ||
                   ct_state_declare_array(t, "nstep_counters", rank, CT_STATE_I64, s->counters, 2, err) != CT_OK
               ? CT_ERR
               : CT_OK;
}

void ct_nstep_free(ct_nstep *s)
{
    ct_free(s->obs);
    memset(s, 0, sizeof *s);
}
