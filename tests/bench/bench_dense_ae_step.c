/* Training-step throughput of the engine on the workload of
 * torch_dense_ae_step.py: a dense autoencoder 784-256-64-256-784 (ReLU
 * between, sigmoid at the end), batch 128, MSE against the input, Adam,
 * random data (the same batch every step), one thread.
 *
 *     OPENBLAS_NUM_THREADS=1 build/tests/bench/bench_dense_ae_step [steps]
 */
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#include "bench_step.h"
#include "engine/alloc.h"
#include "engine/layers.h"

enum { BATCH = 128, IN = 784 };

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 300;
    if (steps < 1)
        steps = 1;
    openblas_set_num_threads(1); /* as torch.set_num_threads(1) in the twin */
    ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    const int64_t widths[] = {256, 64, 256, IN};
    for (int i = 0; i < 4; i++) {
        ct_net_add(&net, ct_linear_create(0, widths[i], true), NULL);
        ct_net_add(&net, ct_activation_create(i < 3 ? CT_ACT_RELU : CT_ACT_SIGMOID, 0.0f), NULL);
    }
    ct_optim opt;
    ct_optim_config cfg = {.type = CT_OPTIM_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    if (ct_net_build(&net, ct_shape1(IN), BATCH, &err) != CT_OK ||
        ct_optim_init(&opt, &cfg, net.nparams, &err) != CT_OK) {
        fprintf(stderr, "bench_dense_ae_step: %s\n", err.msg);
        return 1;
    }
    ct_rng rng;
    ct_rng_seed(&rng, 0, 0);
    ct_net_init_params(&net, &rng);
    float *x = CT_ALLOC_ARRAY(float, BATCH * IN);
    for (int i = 0; i < BATCH * IN; i++)
        x[i] = ct_rng_uniform(&rng);
    ct_target target = {.labels = NULL, .values = x};

    ct_bench_step bench = {&net, &opt, CT_LOSS_MSE, x, &target, BATCH, IN, 1};
    ct_bench_train_steps("dense autoencoder 784-256-64-256-784", &bench, steps, 20, 3);

    ct_free(x);
    ct_optim_free(&opt);
    ct_net_free(&net);
    return 0;
}
