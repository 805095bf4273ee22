/* Training-step throughput of the engine on the workload of
 * torch_mlp_step.py: a 784-256-128-10 ReLU MLP, batch 128, cross-entropy,
 * SGD momentum 0.9, random data (the same batch every step), one thread.
 *
 *     OPENBLAS_NUM_THREADS=1 build/tests/bench/bench_mlp_step [steps]
 *
 * Each step is what a 1-rank trainer does: zero the gradients, forward,
 * loss, backward, optimizer step. */
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#include "bench_step.h"
#include "engine/alloc.h"
#include "engine/layers.h"
#include "engine/loss.h"
#include "engine/net.h"
#include "engine/optim.h"

enum { BATCH = 128, IN = 784, CLASSES = 10 };

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 300;
    if (steps < 1)
        steps = 1;
    const int warmup = 20, reps = 3;
    openblas_set_num_threads(1); /* as torch.set_num_threads(1) in the twin */
    ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(IN, 256, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0.0f), NULL);
    ct_net_add(&net, ct_linear_create(256, 128, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0.0f), NULL);
    ct_net_add(&net, ct_linear_create(128, CLASSES, true), NULL);
    if (ct_net_build(&net, ct_shape1(IN), BATCH, &err) != CT_OK) {
        fprintf(stderr, "bench_mlp_step: %s\n", err.msg);
        return 1;
    }
    ct_rng rng;
    ct_rng_seed(&rng, 0, 0);
    ct_net_init_params(&net, &rng);

    ct_optim opt;
    ct_optim_config cfg = {.type = CT_OPTIM_SGD, .lr = 0.01f, .momentum = 0.9f};
    if (ct_optim_init(&opt, &cfg, net.nparams, &err) != CT_OK) {
        fprintf(stderr, "bench_mlp_step: %s\n", err.msg);
        return 1;
    }
    float *x = CT_ALLOC_ARRAY(float, BATCH * IN);
    int32_t *labels = CT_ALLOC_ARRAY(int32_t, BATCH);
    for (int i = 0; i < BATCH * IN; i++)
        x[i] = ct_rng_uniform(&rng);
    for (int i = 0; i < BATCH; i++)
        labels[i] = (int32_t)ct_rng_below(&rng, CLASSES);
    ct_target target = {.labels = labels, .values = NULL};

    ct_bench_step bench = {&net, &opt, CT_LOSS_CROSS_ENTROPY, x, &target, BATCH, CLASSES, 1};
    ct_bench_train_steps("mlp 784-256-128-10", &bench, steps, warmup, reps);

    ct_free(x);
    ct_free(labels);
    ct_optim_free(&opt);
    ct_net_free(&net);
    return 0;
}
