/* nn.BatchNorm1d and nn.BatchNorm2d over samples viewed as [C, L] (L = 1
 * for [F] inputs, H*W for images): per channel c, over the n*L values of
 * the batch,
 *   train: y = (x - mean) / sqrt(var + eps) * weight + bias, with the
 *          batch mean and biased var; running_* move towards the batch's
 *          mean and unbiased var by momentum; num_batches_tracked += 1;
 *   eval:  the same with running_mean and running_var.
 * Sums run in float lanes along each row and add up in double. Forward
 * keeps the mean and 1/std it used in the workspace for backward. */
#include <math.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/layers.h"

enum { BN_WEIGHT, BN_BIAS, BN_RUNNING_MEAN, BN_RUNNING_VAR, BN_NUM_BATCHES };

typedef struct ct_batch_norm {
    int64_t c;        /* num_features; 0 until build() infers it */
    int64_t len;      /* values per channel per sample (L), set by build() */
    float eps, momentum;
    bool image;       /* BatchNorm2d: [C, H, W]; BatchNorm1d: [F] or [C, L] */
    bool last_train;  /* the mode of the last forward, for backward */
    /* workspace: sums [2c] doubles (len 1), then mean [c], invstd [c] of the
     * last forward and the batch var [c] */
} ct_batch_norm;

/* Row sums in 8 float lanes, so that the loops vectorize (a single running
 * sum is one long dependency chain), added up in double: sum(x),
 * sum((x - m)^2) and sum(dy (x - m)) over n values. */
#define CT_LANES 8

static double sum_row(const float *x, int64_t n)
{
    float acc[CT_LANES] = {0};
    int64_t i = 0;
    for (; i + CT_LANES <= n; i += CT_LANES)
        for (int k = 0; k < CT_LANES; k++)
            acc[k] += x[i + k];
    double s = 0.0;
    for (; i < n; i++)
        s += x[i];
    for (int k = 0; k < CT_LANES; k++)
        s += acc[k];
    return s;
}

static double sum_sq_dev_row(const float *x, float m, int64_t n)
{
    float acc[CT_LANES] = {0};
    int64_t i = 0;
    for (; i + CT_LANES <= n; i += CT_LANES)
        for (int k = 0; k < CT_LANES; k++)
            acc[k] += (x[i + k] - m) * (x[i + k] - m);
    double s = 0.0;
    for (; i < n; i++)
        s += (double)(x[i] - m) * (x[i] - m);
    for (int k = 0; k < CT_LANES; k++)
        s += acc[k];
    return s;
}

static double sum_prod_dev_row(const float *dy, const float *x, float m, int64_t n)
{
    float acc[CT_LANES] = {0};
    int64_t i = 0;
    for (; i + CT_LANES <= n; i += CT_LANES)
        for (int k = 0; k < CT_LANES; k++)
            acc[k] += dy[i + k] * (x[i + k] - m);
    double s = 0.0;
    for (; i < n; i++)
        s += (double)dy[i] * (x[i] - m);
    for (int k = 0; k < CT_LANES; k++)
        s += acc[k];
    return s;
}

/* The statistics of one channel from its count, sum of deviations squared
 * and mean. */
static void channel_stats(float *invstd, float *var_unbiased, double ss, double count, float eps)
{
    double var = ss / count;
    *invstd = (float)(1.0 / sqrt(var + (double)eps));
    *var_unbiased = (float)(count > 1.0 ? ss / (count - 1.0) : var);
}

/* batch_stats for one value per channel (x[n, c], BatchNorm1d over
 * features): the sums run down the columns in double, a row at a time, so
 * the loop over channels is contiguous and vectorizes. sums[c] is scratch. */
static void feature_stats(float *mean, float *invstd, float *var_unbiased, double *sums, const float *x, int64_t n,
                          int64_t c, float eps)
{
    memset(sums, 0, (size_t)c * sizeof *sums);
    for (int64_t i = 0; i < n; i++)
        for (int64_t ch = 0; ch < c; ch++)
            sums[ch] += x[i * c + ch];
    for (int64_t ch = 0; ch < c; ch++) {
        mean[ch] = (float)(sums[ch] / (double)n);
        sums[ch] = 0.0;
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t ch = 0; ch < c; ch++) {
            double d = (double)x[i * c + ch] - mean[ch];
            sums[ch] += d * d;
        }
    for (int64_t ch = 0; ch < c; ch++)
        channel_stats(&invstd[ch], &var_unbiased[ch], sums[ch], (double)n, eps);
}

/* mean[c] and invstd[c] of x[n, c, len] (biased variance); var_unbiased[c]
 * as PyTorch puts in running_var (the biased one when n*len == 1). */
static void batch_stats(float *mean, float *invstd, float *var_unbiased, const float *x, int64_t n, int64_t c,
                        int64_t len, float eps)
{
    double count = (double)(n * len);
    for (int64_t ch = 0; ch < c; ch++) {
        double s = 0.0, ss = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += sum_row(x + (i * c + ch) * len, len);
        float m = (float)(s / count);
        for (int64_t i = 0; i < n; i++)
            ss += sum_sq_dev_row(x + (i * c + ch) * len, m, len);
        mean[ch] = m;
        channel_stats(&invstd[ch], &var_unbiased[ch], ss, count, eps);
    }
}

/* y[n, c, len] = (x - mean) invstd weight + bias. */
static void normalize(float *y, const float *x, const float *mean, const float *invstd, const float *weight,
                      const float *bias, int64_t n, int64_t c, int64_t len)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t ch = 0; ch < c; ch++) {
            float a = invstd[ch] * weight[ch], b = bias[ch] - mean[ch] * a;
            const float *xr = x + (i * c + ch) * len;
            float *yr = y + (i * c + ch) * len;
            for (int64_t j = 0; j < len; j++)
                yr[j] = xr[j] * a + b;
        }
}

/* batch_norm_backward_kernel for one value per channel (x[n, c]): the
 * channel sums run down the columns, a row at a time. sums[2c] is
 * scratch. */
static void feature_backward(float *dx, float *dweight, float *dbias, double *sums, const float *dy,
                             const float *x, const float *mean, const float *invstd, const float *weight, int64_t n,
                             int64_t c, bool train)
{
    double *sdy = sums, *sdyx = sums + c; /* sum dy, sum dy (x - mean) */
    memset(sums, 0, 2 * (size_t)c * sizeof *sums);
    for (int64_t i = 0; i < n; i++)
        for (int64_t ch = 0; ch < c; ch++) {
            double g = dy[i * c + ch];
            sdy[ch] += g;
            sdyx[ch] += g * ((double)x[i * c + ch] - mean[ch]);
        }
    for (int64_t ch = 0; ch < c; ch++) {
        sdyx[ch] *= invstd[ch];
        dweight[ch] += (float)sdyx[ch];
        dbias[ch] += (float)sdy[ch];
    }
    if (!dx)
        return;
    for (int64_t i = 0; i < n; i++)
        for (int64_t ch = 0; ch < c; ch++) {
            float is = invstd[ch];
            float k0 = train ? (float)(sdy[ch] / (double)n) : 0.0f, k1 = train ? (float)(sdyx[ch] / (double)n) : 0.0f;
            dx[i * c + ch] = weight[ch] * is * (dy[i * c + ch] - k0 - (x[i * c + ch] - mean[ch]) * is * k1);
        }
}

/* dweight += sum dy xhat, dbias += sum dy; dx (may be NULL) =
 * weight invstd (dy - sum dy / count - xhat sum(dy xhat) / count) for
 * batch statistics (train), weight invstd dy for fixed ones (eval). */
static void batch_norm_backward_kernel(float *dx, float *dweight, float *dbias, const float *dy, const float *x,
                                       const float *mean, const float *invstd, const float *weight, int64_t n,
                                       int64_t c, int64_t len, bool train)
{
    double count = (double)(n * len);
    for (int64_t ch = 0; ch < c; ch++) {
        double sdy = 0.0, sdyx = 0.0; /* sum dy, sum dy xhat */
        float m = mean[ch], is = invstd[ch];
        for (int64_t i = 0; i < n; i++) {
            sdy += sum_row(dy + (i * c + ch) * len, len);
            sdyx += sum_prod_dev_row(dy + (i * c + ch) * len, x + (i * c + ch) * len, m, len);
        }
        sdyx *= is;
        dweight[ch] += (float)sdyx;
        dbias[ch] += (float)sdy;
        if (!dx)
            continue;
        float scale = weight[ch] * is;
        float k0 = train ? (float)(sdy / count) : 0.0f, k1 = train ? (float)(sdyx / count) : 0.0f;
        for (int64_t i = 0; i < n; i++) {
            const float *xr = x + (i * c + ch) * len, *dyr = dy + (i * c + ch) * len;
            float *dxr = dx + (i * c + ch) * len;
            for (int64_t j = 0; j < len; j++)
                dxr[j] = scale * (dyr[j] - k0 - (xr[j] - m) * is * k1);
        }
    }
}

static int batch_norm_build(ct_layer *l, ct_error *err)
{
    ct_batch_norm *bn = l->impl;
    char buf[96];
    int64_t c;
    if (bn->image ? l->in.ndim != 3 : (l->in.ndim != 1 && l->in.ndim != 2))
        return ct_layer_fail(l, err, "expects an input %s, found shape %s", bn->image ? "[C, H, W]" : "[F] or [C, L]",
                             ct_shape_str(&l->in, buf, sizeof buf));
    c = l->in.dim[0];
    if (bn->c < 0)
        return ct_layer_fail(l, err, "num_features must be >= 0 (0 infers it), found %lld", (long long)bn->c);
    if (bn->c == 0)
        bn->c = c;
    else if (bn->c != c)
        return ct_layer_fail(l, err, "expects %lld features (channels), found %lld (input shape %s)", (long long)bn->c,
                             (long long)c, ct_shape_str(&l->in, buf, sizeof buf));
    if (!(bn->eps > 0.0f) || !isfinite(bn->eps))
        return ct_layer_fail(l, err, "eps must be > 0, found %g", (double)bn->eps);
    if (!(bn->momentum >= 0.0f && bn->momentum <= 1.0f))
        return ct_layer_fail(l, err, "momentum must be in [0, 1], found %g", (double)bn->momentum);
    bn->len = ct_shape_numel(&l->in) / c;
    l->min_train_batch = bn->len == 1 ? 2 : 1;
    l->out = l->in;
    ct_layer_add_param(l, "weight", ct_shape1(c), CT_PARAM_WEIGHT);
    ct_layer_add_param(l, "bias", ct_shape1(c), CT_PARAM_WEIGHT);
    ct_layer_add_param(l, "running_mean", ct_shape1(c), CT_PARAM_BUFFER);
    ct_layer_add_param(l, "running_var", ct_shape1(c), CT_PARAM_BUFFER);
    ct_layer_add_param(l, "num_batches_tracked", (ct_shape){0, {0, 0, 0, 0}}, CT_PARAM_COUNTER);
    /* Two doubles a channel first (the workspace starts 64-byte aligned). */
    l->workspace_fixed = (size_t)(4 * c + 3 * c);
    return CT_OK;
}

/* PyTorch's reset_parameters and reset_running_stats. Draws nothing. */
static void batch_norm_init(ct_layer *l, ct_rng *rng)
{
    (void)rng;
    const ct_batch_norm *bn = l->impl;
    for (int64_t i = 0; i < bn->c; i++) {
        l->params[BN_WEIGHT].data[i] = 1.0f;
        l->params[BN_BIAS].data[i] = 0.0f;
        l->params[BN_RUNNING_MEAN].data[i] = 0.0f;
        l->params[BN_RUNNING_VAR].data[i] = 1.0f;
    }
    l->params[BN_NUM_BATCHES].count[0] = 0;
}

static void batch_norm_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    ct_batch_norm *bn = l->impl;
    double *sums = (double *)l->workspace;
    float *mean = l->workspace + 4 * bn->c, *invstd = mean + bn->c, *var = mean + 2 * bn->c;
    float *running_mean = l->params[BN_RUNNING_MEAN].data, *running_var = l->params[BN_RUNNING_VAR].data;
    bn->last_train = pass->mode == CT_MODE_TRAIN;
    if (bn->last_train) {
        if (bn->len == 1)
            feature_stats(mean, invstd, var, sums, x, n, bn->c, bn->eps);
        else
            batch_stats(mean, invstd, var, x, n, bn->c, bn->len, bn->eps);
        float mo = bn->momentum;
        for (int64_t ch = 0; ch < bn->c; ch++) {
            running_mean[ch] = (1.0f - mo) * running_mean[ch] + mo * mean[ch];
            running_var[ch] = (1.0f - mo) * running_var[ch] + mo * var[ch];
        }
        l->params[BN_NUM_BATCHES].count[0] += 1;
    } else {
        for (int64_t ch = 0; ch < bn->c; ch++) {
            mean[ch] = running_mean[ch];
            invstd[ch] = 1.0f / sqrtf(running_var[ch] + bn->eps);
        }
    }
    normalize(y, x, mean, invstd, l->params[BN_WEIGHT].data, l->params[BN_BIAS].data, n, bn->c, bn->len);
}

static void batch_norm_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)y;
    const ct_batch_norm *bn = l->impl;
    const float *mean = l->workspace + 4 * bn->c, *invstd = mean + bn->c;
    if (bn->len == 1)
        feature_backward(dx, l->params[BN_WEIGHT].grad, l->params[BN_BIAS].grad, (double *)l->workspace, dy, x, mean,
                         invstd, l->params[BN_WEIGHT].data, n, bn->c, bn->last_train);
    else
        batch_norm_backward_kernel(dx, l->params[BN_WEIGHT].grad, l->params[BN_BIAS].grad, dy, x, mean, invstd,
                                   l->params[BN_WEIGHT].data, n, bn->c, bn->len, bn->last_train);
}

#define CT_BN_OPS(name_, type_)                                                                    \
    static const ct_layer_ops name_ = {                                                            \
        .type = type_, .build = batch_norm_build, .init = batch_norm_init,                         \
        .forward = batch_norm_forward, .backward = batch_norm_backward, .destroy = NULL,           \
    }
CT_BN_OPS(batch_norm1d_ops, "batch_norm1d");
CT_BN_OPS(batch_norm2d_ops, "batch_norm2d");

static ct_layer *batch_norm_create(const ct_layer_ops *ops, bool image, int64_t num_features, float eps,
                                   float momentum)
{
    ct_layer *l = ct_layer_new(ops, sizeof(ct_batch_norm));
    ct_batch_norm *bn = l->impl;
    bn->c = num_features;
    bn->eps = eps;
    bn->momentum = momentum;
    bn->image = image;
    return l;
}

ct_layer *ct_batch_norm1d_create(int64_t num_features, float eps, float momentum)
{
    return batch_norm_create(&batch_norm1d_ops, false, num_features, eps, momentum);
}

ct_layer *ct_batch_norm2d_create(int64_t num_features, float eps, float momentum)
{
    return batch_norm_create(&batch_norm2d_ops, true, num_features, eps, momentum);
}
