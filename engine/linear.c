/* nn.Linear: y = x W^T + b on cblas_sgemm, all row-major. Each sample is one
 * row of `in` features (flattened), or with last_dim numel/in rows of its
 * last dimension, so that [n, T, in] is a GEMM over n*T rows. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/alloc.h"
#include "engine/layers.h"

typedef struct ct_linear {
    int64_t in, out;  /* features; in = 0 until build() infers it */
    bool has_bias;
    bool last_dim;    /* nn.Linear on the last dimension of each sample */
    int64_t rows;     /* rows per sample: numel(in) / in with last_dim, else 1 (build) */
    /* Set by build(): params[0] weight [out, in], params[1] bias [out]. */
} ct_linear;

/* y[n, out] = x[n, in] w[out, in]^T + b[out] (b may be NULL). */
static void linear_forward_kernel(float *y, const float *x, const float *w, const float *b, int64_t n,
                                  int64_t in, int64_t out)
{
    if (b)
        for (int64_t i = 0; i < n; i++)
            memcpy(y + i * out, b, (size_t)out * sizeof *y);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)out, (blasint)in, 1.0f, x,
                (blasint)in, w, (blasint)in, b ? 1.0f : 0.0f, y, (blasint)out);
}

/* dw[out, in] += dy[n, out]^T x[n, in]; db[out] += colsum(dy) (db may be
 * NULL); dx[n, in] = dy w (dx may be NULL). */
static void linear_backward_kernel(float *dx, float *dw, float *db, const float *dy, const float *x,
                                   const float *w, int64_t n, int64_t in, int64_t out)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)out, (blasint)in, (blasint)n, 1.0f, dy,
                (blasint)out, x, (blasint)in, 1.0f, dw, (blasint)in);
    if (db)
        for (int64_t i = 0; i < n; i++) {
            const float *row = dy + i * out;
            for (int64_t j = 0; j < out; j++)
                db[j] += row[j];
        }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)in, (blasint)out, 1.0f,
                    dy, (blasint)out, w, (blasint)in, 0.0f, dx, (blasint)in);
}

static int linear_build(ct_layer *l, ct_error *err)
{
    ct_linear *lin = l->impl;
    int64_t found = lin->last_dim && l->in.ndim > 0 ? l->in.dim[l->in.ndim - 1] : ct_shape_numel(&l->in);
    if (lin->in < 0)
        return ct_layer_fail(l, err, "in_features must be >= 0 (0 infers it), found %lld", (long long)lin->in);
    if (lin->in == 0) {
        lin->in = found;
    } else if (lin->in != found) {
        char buf[96];
        return ct_layer_fail(l, err, "expects %lld input features%s, found %lld (input shape %s)",
                             (long long)lin->in, lin->last_dim ? " in the last dimension" : "", (long long)found,
                             ct_shape_str(&l->in, buf, sizeof buf));
    }
    if (lin->out < 1)
        return ct_layer_fail(l, err, "out_features must be >= 1, found %lld", (long long)lin->out);
    if (lin->in > INT32_MAX || lin->out > INT32_MAX)
        return ct_layer_fail(l, err, "%lld x %lld weight is too large for BLAS", (long long)lin->out,
                             (long long)lin->in);
    lin->rows = ct_shape_numel(&l->in) / lin->in;
    if (lin->rows * l->max_batch > INT32_MAX)
        return ct_layer_fail(l, err, "%lld rows per sample in batches of %lld are too many for BLAS",
                             (long long)lin->rows, (long long)l->max_batch);
    l->out = ct_shape1(lin->out);
    if (lin->last_dim && l->in.ndim > 1) {
        l->out = l->in;
        l->out.dim[l->in.ndim - 1] = lin->out;
    }
    ct_layer_add_param(l, "weight", ct_shape2(lin->out, lin->in), CT_PARAM_WEIGHT);
    if (lin->has_bias)
        ct_layer_add_param(l, "bias", ct_shape1(lin->out), CT_PARAM_WEIGHT);
    return CT_OK;
}

/* PyTorch's reset_parameters: kaiming_uniform_(a=sqrt(5)) gives
 * U(-1/sqrt(in), 1/sqrt(in)) for the weight; the bias has the same bound. */
static void linear_init(ct_layer *l, ct_rng *rng)
{
    ct_linear *lin = l->impl;
    float bound = 1.0f / sqrtf((float)lin->in);
    for (int p = 0; p < l->nparams; p++) {
        ct_param *pa = &l->params[p];
        int64_t count = ct_shape_numel(&pa->shape);
        for (int64_t i = 0; i < count; i++)
            pa->data[i] = ct_rng_uniform_range(rng, -bound, bound);
    }
}

static void linear_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    ct_linear *lin = l->impl;
    linear_forward_kernel(y, x, l->params[0].data, lin->has_bias ? l->params[1].data : NULL, n * lin->rows,
                          lin->in, lin->out);
}

static void linear_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx,
                            int64_t n)
{
    (void)y;
    ct_linear *lin = l->impl;
    linear_backward_kernel(dx, l->params[0].grad, lin->has_bias ? l->params[1].grad : NULL, dy, x,
                           l->params[0].data, n * lin->rows, lin->in, lin->out);
}

static const ct_layer_ops linear_ops = {
    .type = "linear",
    .build = linear_build,
    .init = linear_init,
    .forward = linear_forward,
    .backward = linear_backward,
    .destroy = NULL,
};

ct_layer *ct_linear_create(int64_t in_features, int64_t out_features, bool bias)
{
    ct_layer *l = ct_layer_new(&linear_ops, sizeof(ct_linear));
    ct_linear *lin = l->impl;
    lin->in = in_features;
    lin->out = out_features;
    lin->has_bias = bias;
    return l;
}

ct_layer *ct_linear_last_dim_create(int64_t in_features, int64_t out_features, bool bias)
{
    ct_layer *l = ct_linear_create(in_features, out_features, bias);
    ((ct_linear *)l->impl)->last_dim = true;
    return l;
}
