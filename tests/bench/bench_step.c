#include "bench_step.h"

#include <stdio.h>
#include <time.h>

#include "engine/alloc.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void ct_bench_train_steps(const char *label, const ct_bench_step *b, int steps, int warmup, int reps)
{
    int64_t rows = b->batch * b->rows;
    const char *unit = b->rows > 1 ? "tokens" : "samples";
    float *dout = CT_ALLOC_ARRAY(float, (size_t)(rows * b->out_dim));
    double loss = 0.0, best = 1e30, total = 0.0;
    for (int r = -1; r < reps; r++) {
        int count = r < 0 ? warmup : steps;
        double t0 = now();
        for (int s = 0; s < count; s++) {
            ct_net_zero_grads(b->net);
            const float *out = ct_net_forward(b->net, b->inputs, b->batch, NULL);
            loss = ct_loss_compute(b->loss, out, b->target, rows, b->out_dim, rows, dout);
            ct_net_backward(b->net, b->inputs, dout, b->batch, NULL);
            ct_optim_step(b->optim, b->net->params, b->net->grads);
        }
        double dt = now() - t0;
        if (r >= 0) {
            best = dt < best ? dt : best;
            total += dt;
        }
    }
    printf("ctrain  %s batch %lld: %d steps, best %.3f ms/step, %.0f %s/s (mean %.0f %s/s), final loss %.4f\n",
           label, (long long)b->batch, steps, 1e3 * best / steps, (double)rows * steps / best, unit,
           (double)rows * steps * reps / total, unit, loss);
    ct_free(dout);
}
