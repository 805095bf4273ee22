/* The numerically stable parts of log-sum-exp over one row, shared by
 * softmax, log-softmax and cross-entropy. */
#ifndef CT_ENGINE_LOGSUMEXP_H
#define CT_ENGINE_LOGSUMEXP_H

#include <math.h>
#include <stdint.h>

/* The largest of x[0..n), n >= 1. */
static inline float ct_row_max(const float *x, int64_t n)
{
    float m = x[0];
    for (int64_t j = 1; j < n; j++)
        m = x[j] > m ? x[j] : m;
    return m;
}

/* sum(exp(x - m)) in double, with m = ct_row_max(x, n) stored in *max. */
static inline double ct_sum_exp_shifted(const float *x, int64_t n, float *max)
{
    float m = ct_row_max(x, n);
    double sum = 0.0;
    for (int64_t j = 0; j < n; j++)
        sum += exp((double)x[j] - m);
    *max = m;
    return sum;
}

#endif
