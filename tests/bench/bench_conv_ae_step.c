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
#include <time.h>

#include <cblas.h>

#include "engine/alloc.h"
#include "engine/layers.h"
#include "engine/loss.h"
#include "engine/net.h"
#include "engine/optim.h"

enum { BATCH = 128, SIDE = 28, IN = SIDE * SIDE };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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
    float *dout = CT_ALLOC_ARRAY(float, BATCH * IN);
    for (int i = 0; i < BATCH * IN; i++)
        x[i] = ct_rng_uniform(&rng);
    ct_target target = {.labels = NULL, .values = x};

    double loss = 0.0, best = 1e30, total = 0.0;
    for (int r = -1; r < reps; r++) {
        int count = r < 0 ? warmup : steps;
        double t0 = now();
        for (int s = 0; s < count; s++) {
            ct_net_zero_grads(&net);
            const float *out = ct_net_forward(&net, x, BATCH, NULL);
            loss = ct_loss_compute(CT_LOSS_MSE, out, &target, BATCH, IN, BATCH, dout);
            ct_net_backward(&net, x, dout, BATCH, NULL);
            ct_optim_step(&opt, net.params, net.grads);
        }
        double dt = now() - t0;
        if (r >= 0) {
            best = dt < best ? dt : best;
            total += dt;
        }
    }
    printf("ctrain  conv autoencoder 1x28x28 batch %d: %d steps, best %.3f ms/step, %.0f samples/s "
           "(mean %.0f samples/s), final loss %.4f\n",
           BATCH, steps, 1e3 * best / steps, BATCH * steps / best, BATCH * steps * reps / total, loss);

    ct_free(x);
    ct_free(dout);
    ct_optim_free(&opt);
    ct_net_free(&net);
    return 0;
}
