/* Training-step throughput of the engine on the workload of
 * torch_conv_ae_step.py: a convolutional autoencoder on 1x28x28 inputs,
 *   conv2d 1->16 3x3 s2 p1, relu, conv2d 16->32 3x3 s2 p1, relu,
 *   conv_transpose2d 32->16 3x3 s2 p1 op1, relu,
 *   conv_transpose2d 16->1 3x3 s2 p1 op1, sigmoid,
 * batch 128, MSE against the input, Adam, random data (the same batch
 * every step), one thread.
 *
 *     OPENBLAS_NUM_THREADS=1 build/tests/bench/bench_conv_ae_step [steps]
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

enum { BATCH = 128, SIDE = 28, IN = SIDE * SIDE };

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 100;
    if (steps < 1)
        steps = 1;
    const int warmup = 10, reps = 3;
    openblas_set_num_threads(1); /* as torch.set_num_threads(1) in the twin */
    ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_conv2d_create(1, 16, 3, 2, 1, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0.0f), NULL);
    ct_net_add(&net, ct_conv2d_create(16, 32, 3, 2, 1, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0.0f), NULL);
    ct_net_add(&net, ct_conv_transpose2d_create(32, 16, 3, 2, 1, 1, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0.0f), NULL);
    ct_net_add(&net, ct_conv_transpose2d_create(16, 1, 3, 2, 1, 1, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_SIGMOID, 0.0f), NULL);
    if (ct_net_build(&net, ct_shape3(1, SIDE, SIDE), BATCH, &err) != CT_OK) {
        fprintf(stderr, "bench_conv_ae_step: %s\n", err.msg);
        return 1;
    }
    ct_rng rng;
    ct_rng_seed(&rng, 0, 0);
    ct_net_init_params(&net, &rng);

    ct_optim opt;
    ct_optim_config cfg = {.type = CT_OPTIM_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    if (ct_optim_init(&opt, &cfg, net.nparams, &err) != CT_OK) {
        fprintf(stderr, "bench_conv_ae_step: %s\n", err.msg);
        return 1;
    }
    float *x = CT_ALLOC_ARRAY(float, BATCH * IN);
    for (int i = 0; i < BATCH * IN; i++)
        x[i] = ct_rng_uniform(&rng);
    ct_target target = {.labels = NULL, .values = x};

    ct_bench_step bench = {&net, &opt, CT_LOSS_MSE, x, &target, BATCH, IN, 1};
    ct_bench_train_steps("conv autoencoder 1x28x28", &bench, steps, warmup, reps);

    ct_free(x);
    ct_optim_free(&opt);
    ct_net_free(&net);
    return 0;
}
