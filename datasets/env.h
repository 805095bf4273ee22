/* Reinforcement-learning environments in plain C: the dynamics of
 * Gymnasium's classic-control tasks, bit for bit in float64 (their state),
 * with float32 observations as Gymnasium returns them. An environment is a
 * ct_env_kind (one file each) and its state, a few doubles the caller
 * owns, so that a checkpoint can store it and a replay can restart it.
 * Nothing here allocates. */
#ifndef CT_DATASETS_ENV_H
#define CT_DATASETS_ENV_H

#include <stdbool.h>

#include "engine/rng.h"

#define CT_ENV_STATE_MAX 8

/* Python's math.pi (C11 has no M_PI). */
#define CT_ENV_PI 3.141592653589793

typedef struct ct_env_step {
    double reward;
    bool terminated; /* the task ended (the pole fell): no bootstrapping */
} ct_env_step;

typedef struct ct_env_kind {
    const char *name;   /* Gymnasium's id: "CartPole-v1" */
    int state_size;     /* doubles of state, <= CT_ENV_STATE_MAX */
    int obs_size;       /* floats of an observation */
    int num_actions;    /* discrete actions 0 .. num_actions - 1 */
    int max_steps;      /* the TimeLimit: an episode is truncated after it */
    void (*reset)(double *state, ct_rng *rng);
    ct_env_step (*step)(double *state, int action);
    void (*observe)(const double *state, float *obs);
} ct_env_kind;

extern const ct_env_kind ct_env_cartpole;
extern const ct_env_kind ct_env_acrobot;

/* The environment of that Gymnasium id, or NULL. */
const ct_env_kind *ct_env_find(const char *name);

/* "CartPole-v1, Acrobot-v1": the known ids, for errors. */
const char *ct_env_names(void);

/* Uniform in [lo, hi) with 53 random bits. */
double ct_env_uniform(ct_rng *rng, double lo, double hi);

#endif
