/* The timing loop every engine benchmark shares: a 1-rank training step
 * (zero the gradients, forward, loss, backward, optimizer step), timed over
 * `reps` runs of `steps` steps after `warmup` steps, printed in the format
 * of the PyTorch twins (torch_step.py): "best X ms/step, Y samples/s", or
 * "Y tokens/s" for a loss over every step of a sequence. */
#ifndef CT_BENCH_STEP_H
#define CT_BENCH_STEP_H

#include "engine/loss.h"
#include "engine/net.h"
#include "engine/optim.h"

typedef struct ct_bench_step {
    ct_net *net;
    ct_optim *optim;
    ct_loss_type loss;
    const float *inputs;      /* [batch, in] */
    const ct_target *target;
    int64_t batch;
    int64_t out_dim;          /* numel of the net's output per loss row */
    int64_t rows;             /* loss rows per sample: 1, or T for a language
                                 model's loss over n*T (sample, step) rows, whose
                                 rate is then counted in tokens */
} ct_bench_step;

/* Seconds on the monotonic clock. */
double ct_bench_now(void);

/* One timed step of a workload: returns its loss. */
typedef double (*ct_bench_fn)(void *ctx);

/* Times step(ctx) over reps runs of steps calls after warmup calls and
 * prints the best and mean rates in the twins' format, counting `rows`
 * samples per step (tokens when rows > batch). */
void ct_bench_time(const char *label, ct_bench_fn step, void *ctx, int64_t batch, int64_t rows, int steps,
                   int warmup, int reps);

/* Runs and prints the benchmark; label names the workload. */
void ct_bench_train_steps(const char *label, const ct_bench_step *b, int steps, int warmup, int reps);

#endif
