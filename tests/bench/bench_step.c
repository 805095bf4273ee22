#include "bench_step.h"

#include <stdio.h>
#include <time.h>

#include "engine/alloc.h"

double ct_bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void ct_bench_time(const char *label, ct_bench_fn step, void *ctx, int64_t batch, int64_t rows, int steps,
                   int warmup, int reps)
{
    const char *unit = rows > batch ? "tokens" : "samples";
    double loss = 0.0, best = 1e30, total = 0.0;
    for (int r = -1; r < reps; r++) {
        int count = r < 0 ? warmup : steps;
        double t0 = ct_bench_now();
        for (int s = 0; s < count; s++)
            loss = step(ctx);
        double dt = ct_bench_now() - t0;
        if (r >= 0) {
            best = dt < best ? dt : best;
            total += dt;
        }
    }
    printf("ctrain  %s batch %lld: %d steps, best %.3f ms/step, %.0f %s/s (mean %.0f %s/s), final loss %.4f\n",
           label, (long long)batch, steps, 1e3 * best / steps, (double)rows * steps / best, unit,
           (double)rows * steps * reps / total, unit, loss);
}

typedef struct train_ctx {
    const ct_bench_step *b;
    float *dout; /* [batch * rows, out_dim] */
} train_ctx;

static double train_step(void *ctx)
{
    const train_ctx *c = ctx;
    const ct_bench_step *b = c->b;
    int64_t rows = b->batch * b->rows;
    ct_net_zero_grads(b->net);
    const float *out = ct_net_forward(b->net, b->inputs, b->batch, NULL);
    double loss = ct_loss_compute(b->loss, out, b->target, rows, b->out_dim, rows, c->dout);
    ct_net_backward(b->net, b->inputs, c->dout, b->batch, NULL);
    ct_optim_step(b->optim, b->net->params, b->net->grads);
    return loss;
}

void ct_bench_train_steps(const char *label, const ct_bench_step *b, int steps, int warmup, int reps)
{
    int64_t rows = b->batch * b->rows;
    train_ctx c = {b, CT_ALLOC_ARRAY(float, (size_t)(rows * b->out_dim))};
    ct_bench_time(label, train_step, &c, b->batch, rows, steps, warmup, reps);
    ct_free(c.dout);
}
