/* One DQN update, for test_dqn_parity.py to repeat in PyTorch:
 * dqn_update_dump JOB.yaml N [weighted] prints
 *   before <tensor name> v...   q's and the target's tensors (state_dict names)
 *   batch j action reward discount weight obs... next_obs...
 *   loss L
 *   after <tensor name> v...    q's tensors after the optimizer's step
 * The target network is q nudged by N(0, 0.05) noise, so that double DQN's
 * argmax (from q) and value (from the target) come from different networks;
 * the N transitions are drawn from (job seed) and contain terminated ones
 * (discount 0) and 3-step ones (gamma^3); with "weighted", each has an
 * importance weight in [0.2, 1) as prioritised replay gives them.
 * The update is the family's own: ct_dqn_td_backward over a global batch of
 * N, then the job's optimizer. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cluster/families/dqn.h"
#include "cluster/run/model.h"
#include "engine/alloc.h"
#include "engine/optim.h"
#include "engine/rng.h"

static int print_param(void *ctx, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)err;
    char name[128];
    ct_param_full_name(layer, param, name, sizeof name);
    printf("%s %s", (const char *)ctx, name);
    for (int64_t i = 0; param->data && i < ct_shape_numel(&param->shape); i++)
        printf(" %.9g", (double)param->data[i]);
    printf("\n");
    return CT_OK;
}

static void fill_batch(ct_dqn_batch *b, const ct_dqn *d, uint64_t seed, float gamma, bool weighted)
{
    ct_rng rng;
    ct_rng_seed(&rng, seed, 77);
    for (int64_t j = 0; j < b->n; j++) {
        for (int64_t i = 0; i < d->obs_size; i++) {
            b->obs[j * d->obs_size + i] = ct_rng_normal(&rng);
            b->next_obs[j * d->obs_size + i] = ct_rng_normal(&rng);
        }
        b->actions[j] = (int32_t)ct_rng_below(&rng, (uint64_t)d->actions);
        b->rewards[j] = ct_rng_uniform_range(&rng, -1.0f, 2.0f);
        b->discounts[j] = j % 5 == 0 ? 0.0f : j % 7 == 0 ? gamma * gamma * gamma : gamma;
        b->weights[j] = weighted ? ct_rng_uniform_range(&rng, 0.2f, 1.0f) : 1.0f;
    }
    b->weighted = weighted;
}

static void print_batch(const ct_dqn_batch *b, const ct_dqn *d)
{
    for (int64_t j = 0; j < b->n; j++) {
        printf("batch %lld %d %.9g %.9g %.9g", (long long)j, b->actions[j], (double)b->rewards[j],
               (double)b->discounts[j], (double)b->weights[j]);
        for (int64_t i = 0; i < d->obs_size; i++)
            printf(" %.9g", (double)b->obs[j * d->obs_size + i]);
        for (int64_t i = 0; i < d->obs_size; i++)
            printf(" %.9g", (double)b->next_obs[j * d->obs_size + i]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: dqn_update_dump JOB.yaml N [weighted]\n");
        return 2;
    }
    ct_error err;
    ct_job *job = NULL;
    if (ct_job_load(argv[1], NULL, 0, &job, &err) != CT_OK) {
        fprintf(stderr, "dqn_update_dump: %s\n", err.msg);
        return 1;
    }
    int64_t n = atoll(argv[2]);
    ct_dqn d;
    ct_optim opt = {0};
    ct_optim_config cfg;
    ct_model_optim_config(job->optimizer, &cfg);
    int rc = ct_dqn_build(&d, job, n, &err);
    if (rc == CT_OK)
        rc = ct_optim_init(&opt, &cfg, d.q.nparams, &err);
    if (rc == CT_OK) {
        ct_rng rng;
        ct_rng_seed(&rng, job->seed, 78);
        for (size_t i = 0; i < d.target.nparams; i++)
            d.target.params[i] += 0.05f * ct_rng_normal(&rng);
        ct_dqn_batch b;
        ct_dqn_batch_alloc(&b, n, d.obs_size);
        fill_batch(&b, &d, job->seed, ct_dqn_settings(job)->gamma, argc == 4);
        ct_net_each_param(&d.q, print_param, "before", &err);
        ct_net_each_param(&d.target, print_param, "before", &err);
        print_batch(&b, &d);
        ct_net_zero_grads(&d.q);
        double q_sum, loss = ct_dqn_td_backward(&d, &b, n, &q_sum);
        ct_optim_step(&opt, d.q.params, d.q.grads);
        printf("loss %.9g\n", loss);
        ct_net_each_param(&d.q, print_param, "after", &err);
        ct_dqn_batch_free(&b);
    } else {
        fprintf(stderr, "dqn_update_dump: %s\n", err.msg);
    }
    ct_optim_free(&opt);
    ct_dqn_free(&d);
    ct_job_free(job);
    return rc == CT_OK ? 0 : 1;
}
