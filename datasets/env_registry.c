#include <string.h>

#include "datasets/env.h"

static const ct_env_kind *const kinds[] = {&ct_env_cartpole, &ct_env_acrobot};

const ct_env_kind *ct_env_find(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

const char *ct_env_names(void)
{
    return "CartPole-v1, Acrobot-v1";
}

double ct_env_uniform(ct_rng *rng, double lo, double hi)
{
    double u = (double)(ct_rng_next(rng) >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * u;
}
