/* Prints a trajectory of an environment for test_envs.py: random actions
 * from a seed, a reset at every termination or truncation, every float64
 * state and float32 observation in hex.
 * usage: env_trajectory ENV SEED STEPS */
#include <stdio.h>
#include <stdlib.h>

#include "datasets/env.h"

static void print_values(const char *what, const double *s, int n)
{
    printf("%s", what);
    for (int i = 0; i < n; i++)
        printf(" %a", s[i]);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ENV SEED STEPS\n", argv[0]);
        return 2;
    }
    const ct_env_kind *env = ct_env_find(argv[1]);
    if (!env) {
        fprintf(stderr, "unknown environment %s; known: %s\n", argv[1], ct_env_names());
        return 2;
    }
    ct_rng rng, actions;
    ct_rng_seed(&rng, strtoull(argv[2], NULL, 10), 0);
    ct_rng_seed(&actions, strtoull(argv[2], NULL, 10), 1);
    long steps = strtol(argv[3], NULL, 10);
    double s[CT_ENV_STATE_MAX], obs_d[CT_ENV_STATE_MAX];
    float obs[CT_ENV_STATE_MAX];
    int t = 0;
    env->reset(s, &rng);
    print_values("reset", s, env->state_size);
    printf("\n");
    for (long i = 0; i < steps; i++) {
        int a = (int)ct_rng_below(&actions, (uint64_t)env->num_actions);
        ct_env_step r = env->step(s, a);
        bool truncated = ++t >= env->max_steps && !r.terminated;
        env->observe(s, obs);
        for (int k = 0; k < env->obs_size; k++)
            obs_d[k] = obs[k];
        printf("step %d %a %d %d", a, r.reward, r.terminated, truncated);
        print_values(" state", s, env->state_size);
        print_values(" obs", obs_d, env->obs_size);
        printf("\n");
        if (r.terminated || truncated) {
            env->reset(s, &rng);
            t = 0;
            print_values("reset", s, env->state_size);
            printf("\n");
        }
    }
    return 0;
}
