/* Environment steps per second, alone: random actions, an observation
 * after every step (as the DQN actor takes one), a reset at every
 * termination or truncation; one thread.
 *
 *     build/tests/bench/bench_env_steps [ENV] [steps]     (default CartPole-v1, 10,000,000)
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_step.h"
#include "datasets/env.h"

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "CartPole-v1";
    long steps = argc > 2 ? atol(argv[2]) : 10000000;
    const ct_env_kind *env = ct_env_find(name);
    if (!env || steps < 1) {
        fprintf(stderr, "usage: bench_env_steps [ENV] [steps]; environments: %s\n", ct_env_names());
        return 2;
    }
    ct_rng rng;
    ct_rng_seed(&rng, 0, 0);
    double s[CT_ENV_STATE_MAX], check = 0;
    float obs[CT_ENV_OBS_MAX];
    long episodes = 0, t = 0;
    env->reset(s, &rng);
    double t0 = ct_bench_now();
    for (long i = 0; i < steps; i++) {
        ct_env_step r = env->step(s, (int)ct_rng_below(&rng, (uint64_t)env->num_actions));
        env->observe(s, obs);
        check += obs[0];
        if (r.terminated || ++t >= env->max_steps) {
            env->reset(s, &rng);
            episodes++;
            t = 0;
        }
    }
    double dt = ct_bench_now() - t0;
    printf("ctrain  %s: %ld steps (%ld episodes) in %.3f s: %.0f steps/s (checksum %g)\n", name, steps, episodes, dt,
           (double)steps / dt, check);
    return 0;
}
