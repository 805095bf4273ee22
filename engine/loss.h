/* Losses with PyTorch's reduction='mean', written for data parallelism:
 * each rank passes its n local samples and the global batch size, so that
 * the per-rank gradients add up (allreduce sum) to the 1-rank gradient. */
#ifndef CT_ENGINE_LOSS_H
#define CT_ENGINE_LOSS_H

#include <stdint.h>

typedef enum ct_loss_type {
    CT_LOSS_CROSS_ENTROPY,   /* logits [n, classes], integer labels */
    CT_LOSS_MSE,             /* outputs and targets [n, dim] */
    CT_LOSS_BCE_WITH_LOGITS, /* logits and targets in [0, 1], [n, dim] */
    CT_LOSS_BCE,             /* probabilities and targets in [0, 1], [n, dim];
                                each log clamped to >= -100 as in PyTorch */
    CT_LOSS_NLL,             /* log-probabilities [n, classes], integer labels */
    CT_LOSS_HUBER,           /* outputs and targets [n, dim]: smooth L1 with beta 1,
                                0.5 d^2 where |d| < 1, else |d| - 0.5 (SmoothL1Loss) */
    CT_LOSS_L1,              /* outputs and targets [n, dim]: |d| (L1Loss); its
                                gradient sign(d), 0 where d = 0 as in PyTorch */
} ct_loss_type;

/* The targets of a batch: labels for classification, values otherwise. */
typedef struct ct_target {
    const int32_t *labels; /* [n] class indices */
    const float *values;   /* [n, dim] */
} ct_target;

/* Returns this rank's share of the mean loss, i.e. the sum of its samples'
 * loss terms divided by (global_n * dim) for elementwise losses and by
 * global_n for cross-entropy, and writes dout = d(that share)/d(out), [n, dim].
 * Summing the return value and dout over ranks gives the global batch's
 * mean loss and gradient. dout may be NULL (evaluation).
 * n = 0 (a rank with no sample in a short batch) returns 0 and touches
 * nothing. global_n is normally the global batch size; 1 gives the sum of
 * the per-sample losses (evaluation over chunks); < 1 returns NaN. A label
 * outside [0, dim) makes the result NaN (caught by the per-step NaN
 * agreement) and its row of dout 0. */
double ct_loss_compute(ct_loss_type type, const float *out, const ct_target *target,
                       int64_t n, int64_t dim, int64_t global_n, float *dout);

/* The index of the largest of x[n], the first on a tie (torch.argmax). */
int64_t ct_argmax(const float *x, int64_t n);

/* Number of samples whose arg-max logit equals the label. */
int64_t ct_count_correct(const float *logits, const int32_t *labels, int64_t n, int64_t classes);

/* "cross_entropy" for CT_LOSS_CROSS_ENTROPY, ... */
const char *ct_loss_name(ct_loss_type type);

#endif
