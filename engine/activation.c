/* Elementwise activations, softmax and log-softmax. Backward uses the
 * output y where that is cheaper than recomputing from x (relu, sigmoid,
 * tanh, softmax, log_softmax). */
#include <math.h>

#include "engine/alloc.h"
#include "engine/layers.h"
#include "engine/logsumexp.h"

typedef struct ct_act {
    ct_activation kind;
    float param; /* leaky_relu's negative_slope, elu's alpha */
    int64_t dim; /* softmax: size of the last dimension, set by build() */
} ct_act;

static void relu_forward(float *y, const float *x, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        y[i] = x[i] < 0.0f ? 0.0f : x[i]; /* NaN stays NaN, as in PyTorch */
}

static void relu_backward(float *dx, const float *y, const float *dy, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        float d = dy[i]; /* loaded unconditionally, so the loop vectorizes */
        dx[i] = y[i] > 0.0f ? d : 0.0f;
    }
}

static void leaky_relu_forward(float *y, const float *x, float slope, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

/* Uses x, as PyTorch does: the sign of y says nothing when slope <= 0. */
static void leaky_relu_backward(float *dx, const float *x, const float *dy, float slope, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        float d = dy[i];
        dx[i] = x[i] > 0.0f ? d : d * slope;
    }
}

static void sigmoid_forward(float *y, const float *x, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        /* exp of a non-positive number only: no overflow. */
        if (x[i] >= 0.0f) {
            y[i] = 1.0f / (1.0f + expf(-x[i]));
        } else {
            float e = expf(x[i]);
            y[i] = e / (1.0f + e);
        }
    }
}

static void sigmoid_backward(float *dx, const float *y, const float *dy, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

static void tanh_forward(float *y, const float *x, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        y[i] = tanhf(x[i]);
}

static void tanh_backward(float *dx, const float *y, const float *dy, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

/* y = x for x > 0, alpha (exp(x) - 1) otherwise. */
static void elu_forward(float *y, const float *x, float alpha, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]);
}

/* From x, as PyTorch does (y says nothing of x when alpha <= 0). */
static void elu_backward(float *dx, const float *x, const float *dy, float alpha, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * alpha * expf(x[i]);
}

/* y[rows, dim] = x - log(sum(exp(x))) per row, shifted by the row's max
 * m as PyTorch does: (x - m) - log(sum(exp(x - m))). */
static void log_softmax_forward(float *y, const float *x, int64_t rows, int64_t dim)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        float m;
        double sum = ct_sum_exp_shifted(xr, dim, &m);
        /* (x - m) is exact where it matters; x - (m + log sum) would round
         * m + log sum to float first, losing log sum's digits. */
        float log_sum = (float)log(sum);
        for (int64_t j = 0; j < dim; j++)
            yr[j] = (xr[j] - m) - log_sum;
    }
}

/* dx = dy - exp(y) * sum(dy) per row. */
static void log_softmax_backward(float *dx, const float *y, const float *dy, int64_t rows, int64_t dim)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * dim, *dyr = dy + r * dim;
        float *dxr = dx + r * dim;
        double sum = 0.0;
        for (int64_t j = 0; j < dim; j++)
            sum += dyr[j];
        for (int64_t j = 0; j < dim; j++)
            dxr[j] = dyr[j] - expf(yr[j]) * (float)sum;
    }
}

/* y[rows, dim] = softmax of each row of x, shifted by the row's max. */
static void softmax_forward(float *y, const float *x, int64_t rows, int64_t dim)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        float m = ct_row_max(xr, dim);
        double sum = 0.0;
        for (int64_t j = 0; j < dim; j++) {
            yr[j] = expf(xr[j] - m);
            sum += yr[j];
        }
        float inv = (float)(1.0 / sum);
        for (int64_t j = 0; j < dim; j++)
            yr[j] *= inv;
    }
}

/* dx = y * (dy - sum(dy * y)) per row. */
static void softmax_backward(float *dx, const float *y, const float *dy, int64_t rows, int64_t dim)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * dim, *dyr = dy + r * dim;
        float *dxr = dx + r * dim;
        double dot = 0.0;
        for (int64_t j = 0; j < dim; j++)
            dot += (double)dyr[j] * yr[j];
        for (int64_t j = 0; j < dim; j++)
            dxr[j] = yr[j] * (dyr[j] - (float)dot);
    }
}

static int act_build(ct_layer *l, ct_error *err)
{
    ct_act *a = l->impl;
    if ((unsigned)a->kind > (unsigned)CT_ACT_LOG_SOFTMAX)
        return ct_layer_fail(l, err, "unknown activation kind %d", (int)a->kind);
    l->out = l->in;
    a->dim = l->in.ndim > 0 ? l->in.dim[l->in.ndim - 1] : 1;
    return CT_OK;
}

static void act_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    const ct_act *a = l->impl;
    int64_t count = n * ct_shape_numel(&l->in);
    switch (a->kind) {
    case CT_ACT_RELU: relu_forward(y, x, count); break;
    case CT_ACT_LEAKY_RELU: leaky_relu_forward(y, x, a->param, count); break;
    case CT_ACT_SIGMOID: sigmoid_forward(y, x, count); break;
    case CT_ACT_TANH: tanh_forward(y, x, count); break;
    case CT_ACT_SOFTMAX: softmax_forward(y, x, count / a->dim, a->dim); break;
    case CT_ACT_ELU: elu_forward(y, x, a->param, count); break;
    case CT_ACT_LOG_SOFTMAX: log_softmax_forward(y, x, count / a->dim, a->dim); break;
    }
}

static void act_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    const ct_act *a = l->impl;
    if (!dx)
        return; /* no parameters: only dx to compute */
    int64_t count = n * ct_shape_numel(&l->in);
    switch (a->kind) {
    case CT_ACT_RELU: relu_backward(dx, y, dy, count); break;
    case CT_ACT_LEAKY_RELU: leaky_relu_backward(dx, x, dy, a->param, count); break;
    case CT_ACT_SIGMOID: sigmoid_backward(dx, y, dy, count); break;
    case CT_ACT_TANH: tanh_backward(dx, y, dy, count); break;
    case CT_ACT_SOFTMAX: softmax_backward(dx, y, dy, count / a->dim, a->dim); break;
    case CT_ACT_ELU: elu_backward(dx, x, dy, a->param, count); break;
    case CT_ACT_LOG_SOFTMAX: log_softmax_backward(dx, y, dy, count / a->dim, a->dim); break;
    }
}

#define CT_ACT_OPS(name_, type_)                                                                   \
    static const ct_layer_ops name_ = {                                                            \
        .type = type_, .build = act_build, .init = NULL, .forward = act_forward,                   \
        .backward = act_backward, .destroy = NULL,                                                 \
    }
CT_ACT_OPS(relu_ops, "relu");
CT_ACT_OPS(leaky_relu_ops, "leaky_relu");
CT_ACT_OPS(sigmoid_ops, "sigmoid");
CT_ACT_OPS(tanh_ops, "tanh");
CT_ACT_OPS(softmax_ops, "softmax");
CT_ACT_OPS(elu_ops, "elu");
CT_ACT_OPS(log_softmax_ops, "log_softmax");
CT_ACT_OPS(unknown_ops, "activation"); /* build() fails naming the kind */

ct_layer *ct_activation_create(ct_activation kind, float param)
{
    ct_layer *l = ct_layer_new(NULL, sizeof(ct_act));
    ct_act *a = l->impl;
    a->kind = kind;
    a->param = param;
    switch (kind) {
    case CT_ACT_RELU: l->ops = &relu_ops; break;
    case CT_ACT_LEAKY_RELU: l->ops = &leaky_relu_ops; break;
    case CT_ACT_SIGMOID: l->ops = &sigmoid_ops; break;
    case CT_ACT_TANH: l->ops = &tanh_ops; break;
    case CT_ACT_SOFTMAX: l->ops = &softmax_ops; break;
    case CT_ACT_ELU: l->ops = &elu_ops; break;
    case CT_ACT_LOG_SOFTMAX: l->ops = &log_softmax_ops; break;
    default: l->ops = &unknown_ops; break;
    }
    return l;
}
