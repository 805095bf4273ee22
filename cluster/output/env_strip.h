/* An episode of an environment as a picture: frames of its states (the
 * environment's scene, datasets/env.h) in rows of up to 10, one every
 * `every` steps and the last, each with its step number below, under a
 * title. `ctrain play --png` draws it. */
#ifndef CT_CLUSTER_OUTPUT_ENV_STRIP_H
#define CT_CLUSTER_OUTPUT_ENV_STRIP_H

#include <stdint.h>

#include "datasets/env.h"
#include "engine/error.h"

typedef struct ct_env_strip_size {
    int64_t frames;
    int width, height; /* pixels */
} ct_env_strip_size;

/* The frames and pixels of the strip of an episode of `steps` steps. */
ct_env_strip_size ct_env_strip_layout(const ct_env_kind *env, int64_t steps, int64_t every);

/* Draws the episode whose states are states[steps + 1, env->state_size]
 * (the first after the reset, the last after the last step) and writes it
 * to path as PNG, atomically. every >= 1. Errors name the file. */
int ct_env_strip_write_png(const char *path, const ct_env_kind *env, const double *states, int64_t steps,
                           int64_t every, const char *title, ct_error *err);

#endif
