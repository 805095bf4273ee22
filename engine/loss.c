/* Losses with reduction='mean' over the global batch. Sums are kept in
 * double; gradients are written in float. */
#include "engine/loss.h"

#include <math.h>
#include <stddef.h>

#include "engine/logsumexp.h"

/* Cross-entropy over logits [n, classes]: log-sum-exp shifted by the row's
 * max; dout = (softmax - onehot) / global_n. Each exp is computed once, in
 * double: e_j = exp(x_j - max) goes into dout (as float) while z = sum e_j
 * adds up, then dout = e_j / z; the label's entry, where p - 1 may cancel,
 * takes its e in double. */
static double cross_entropy(const float *logits, const int32_t *labels, int64_t n, int64_t classes,
                            double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const float *x = logits + i * classes;
        int32_t label = labels[i];
        float *d = dout ? dout + i * classes : NULL;
        if (label < 0 || label >= classes) {
            sum += NAN; /* caught by the NaN check that every step makes */
            if (d)
                for (int64_t j = 0; j < classes; j++)
                    d[j] = 0.0f;
            continue;
        }
        float m;
        double z;
        if (d) {
            m = ct_row_max(x, classes);
            z = 0.0;
            for (int64_t j = 0; j < classes; j++) {
                double e = exp((double)x[j] - m);
                z += e;
                d[j] = (float)e;
            }
        } else {
            z = ct_sum_exp_shifted(x, classes, &m);
        }
        double lse = m + log(z);
        sum += lse - x[label];
        if (d) {
            double p_label = exp((double)x[label] - lse);
            for (int64_t j = 0; j < classes; j++)
                d[j] = (float)((double)d[j] / z * scale);
            d[label] = (float)((p_label - 1.0) * scale);
        }
    }
    return sum * scale;
}

/* Mean squared error: dout = 2 (out - t) / (global_n * dim). */
static double mse(const float *out, const float *t, int64_t count, double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double d = (double)out[i] - t[i];
        sum += d * d;
        if (dout)
            dout[i] = (float)(2.0 * d * scale);
    }
    return sum * scale;
}

/* Binary cross-entropy on logits, in the stable form
 * max(x, 0) - x t + log1p(exp(-|x|)); dout = (sigmoid(x) - t) / (global_n * dim). */
static double bce_with_logits(const float *x, const float *t, int64_t count, double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double xi = x[i], ti = t[i];
        double e = exp(-fabs(xi)); /* in (0, 1]: no overflow */
        sum += (xi > 0.0 ? xi : 0.0) - xi * ti + log1p(e);
        if (dout) {
            double sig = xi >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            dout[i] = (float)((sig - ti) * scale);
        }
    }
    return sum * scale;
}

/* Binary cross-entropy on probabilities, PyTorch's formula:
 * -(t max(log p, -100) + (1 - t) max(log(1 - p), -100)), and its gradient
 * (p - t) / max(p (1 - p), 1e-12) / (global_n * dim). */
static double bce(const float *p, const float *t, int64_t count, double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double pi = p[i], ti = t[i];
        double lp = log(pi), lq = log1p(-pi);
        lp = lp < -100.0 ? -100.0 : lp; /* NaN (p outside [0, 1]) stays NaN */
        lq = lq < -100.0 ? -100.0 : lq;
        sum -= ti * lp + (1.0 - ti) * lq;
        if (dout) {
            double den = pi * (1.0 - pi);
            dout[i] = (float)((pi - ti) / (den > 1e-12 ? den : 1e-12) * scale);
        }
    }
    return sum * scale;
}

/* Smooth L1 (Huber with delta 1, SmoothL1Loss with beta 1): 0.5 d^2 where
 * |d| < 1, else |d| - 0.5; dout = clamp(d, -1, 1) / (global_n * dim). */
static double huber(const float *out, const float *t, int64_t count, double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double d = (double)out[i] - t[i], a = fabs(d);
        sum += a < 1.0 ? 0.5 * d * d : a - 0.5;
        if (dout)
            dout[i] = (float)((a < 1.0 ? d : d > 0.0 ? 1.0 : -1.0) * scale);
    }
    return sum * scale;
}

/* Mean absolute error (L1Loss): |d|; dout = sign(d) / (global_n * dim),
 * 0 where d = 0 (torch.sign's subgradient). */
static double l1(const float *out, const float *t, int64_t count, double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double d = (double)out[i] - t[i];
        sum += fabs(d);
        if (dout)
            dout[i] = (float)((d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : 0.0) * scale);
    }
    return sum * scale;
}

/* Negative log-likelihood of log-probabilities [n, classes]:
 * -x[label] / global_n; dout is -1/global_n at the label, 0 elsewhere. */
static double nll(const float *x, const int32_t *labels, int64_t n, int64_t classes, double scale, float *dout)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        int32_t label = labels[i];
        float *d = dout ? dout + i * classes : NULL;
        if (d)
            for (int64_t j = 0; j < classes; j++)
                d[j] = 0.0f;
        if (label < 0 || label >= classes) {
            sum += NAN; /* caught by the NaN check that every step makes */
            continue;
        }
        sum -= x[i * classes + label];
        if (d)
            d[label] = (float)-scale;
    }
    return sum * scale;
}

double ct_loss_compute(ct_loss_type type, const float *out, const ct_target *target, int64_t n, int64_t dim,
                       int64_t global_n, float *dout)
{
    if (n <= 0 || dim <= 0)
        return 0.0; /* a rank with no samples in this batch contributes nothing */
    if (global_n < 1)
        return NAN;
    switch (type) {
    case CT_LOSS_CROSS_ENTROPY:
        return cross_entropy(out, target->labels, n, dim, 1.0 / (double)global_n, dout);
    case CT_LOSS_MSE:
        return mse(out, target->values, n * dim, 1.0 / ((double)global_n * (double)dim), dout);
    case CT_LOSS_BCE_WITH_LOGITS:
        return bce_with_logits(out, target->values, n * dim, 1.0 / ((double)global_n * (double)dim), dout);
    case CT_LOSS_BCE:
        return bce(out, target->values, n * dim, 1.0 / ((double)global_n * (double)dim), dout);
    case CT_LOSS_NLL:
        return nll(out, target->labels, n, dim, 1.0 / (double)global_n, dout);
    case CT_LOSS_HUBER:
        return huber(out, target->values, n * dim, 1.0 / ((double)global_n * (double)dim), dout);
    case CT_LOSS_L1:
        return l1(out, target->values, n * dim, 1.0 / ((double)global_n * (double)dim), dout);
    }
    return NAN;
}

int64_t ct_argmax(const float *x, int64_t n)
{
    int64_t best = 0;
    for (int64_t j = 1; j < n; j++)
        if (x[j] > x[best])
            best = j; /* the first maximum, as torch.argmax */
    return best;
}

int64_t ct_count_correct(const float *logits, const int32_t *labels, int64_t n, int64_t classes)
{
    int64_t correct = 0;
    for (int64_t i = 0; i < n; i++)
        correct += ct_argmax(logits + i * classes, classes) == labels[i];
    return correct;
}

const char *ct_loss_name(ct_loss_type type)
{
    switch (type) {
    case CT_LOSS_CROSS_ENTROPY: return "cross_entropy";
    case CT_LOSS_MSE: return "mse";
    case CT_LOSS_BCE_WITH_LOGITS: return "bce_with_logits";
    case CT_LOSS_BCE: return "bce";
    case CT_LOSS_NLL: return "nll";
    case CT_LOSS_HUBER: return "huber";
    case CT_LOSS_L1: return "l1";
    }
    return "unknown";
}
