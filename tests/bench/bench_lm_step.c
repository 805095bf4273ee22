/* Training-step throughput of the engine on the workload of
 * torch_lm_step.py: a character-level language model, token ids ->
 * embedding(96, 256) -> lstm, gru or rnn (tanh) of hidden size 256 ->
 * linear(256, 96) on every step, cross-entropy over all n*T (sample, step)
 * targets, Adam, batch 32 of T = 64 steps, random tokens (the same batch
 * every step), one thread.
 *
 *     OPENBLAS_NUM_THREADS=1 build/tests/bench/bench_lm_step lstm|gru|rnn [steps]
 *
 * Prints tokens (n*T per step) per second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bench_step.h"
#include "engine/alloc.h"
#include "engine/layers.h"

enum { BATCH = 32, STEPS = 64, VOCAB = 96, EMBED = 256, HIDDEN = 256 };

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "lstm";
    ct_recurrent_cell cell = !strcmp(kind, "lstm") ? CT_CELL_LSTM : !strcmp(kind, "gru") ? CT_CELL_GRU
                                                                                         : CT_CELL_RNN_TANH;
    if (strcmp(kind, "lstm") && strcmp(kind, "gru") && strcmp(kind, "rnn")) {
        fprintf(stderr, "usage: bench_lm_step lstm|gru|rnn [steps]\n");
        return 2;
    }
    int steps = argc > 2 ? atoi(argv[2]) : 20;
    if (steps < 1)
        steps = 1;
    const int warmup = 3, reps = 3;
    openblas_set_num_threads(1); /* as torch.set_num_threads(1) in the twin */
    ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_embedding_create(VOCAB, EMBED), NULL);
    ct_recurrent_config cfg = {.cell = cell, .hidden_size = HIDDEN, .num_layers = 1, .bias = true,
                               .output = CT_OUTPUT_SEQUENCE};
    ct_net_add(&net, ct_recurrent_create(&cfg), NULL);
    ct_net_add(&net, ct_linear_last_dim_create(HIDDEN, VOCAB, true), NULL);
    if (ct_net_build(&net, ct_shape1(STEPS), BATCH, &err) != CT_OK) {
        fprintf(stderr, "bench_lm_step: %s\n", err.msg);
        return 1;
    }
    ct_rng rng;
    ct_rng_seed(&rng, 0, 0);
    ct_net_init_params(&net, &rng);

    ct_optim opt;
    ct_optim_config ocfg = {.type = CT_OPTIM_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    if (ct_optim_init(&opt, &ocfg, net.nparams, &err) != CT_OK) {
        fprintf(stderr, "bench_lm_step: %s\n", err.msg);
        return 1;
    }
    float *ids = CT_ALLOC_ARRAY(float, BATCH * STEPS);
    int32_t *next = CT_ALLOC_ARRAY(int32_t, BATCH * STEPS);
    for (int i = 0; i < BATCH * STEPS; i++) {
        ids[i] = (float)ct_rng_below(&rng, VOCAB);
        next[i] = (int32_t)ct_rng_below(&rng, VOCAB);
    }
    ct_target target = {.labels = next, .values = NULL};

    char label[64];
    snprintf(label, sizeof label, "lm %s 96-256-256-96 T=%d", kind, STEPS);
    ct_bench_step bench = {&net, &opt, CT_LOSS_CROSS_ENTROPY, ids, &target, BATCH, VOCAB, STEPS};
    ct_bench_train_steps(label, &bench, steps, warmup, reps);

    ct_free(ids);
    ct_free(next);
    ct_optim_free(&opt);
    ct_net_free(&net);
    return 0;
}
