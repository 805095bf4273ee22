/* nn.Conv2d: im2col + one cblas_sgemm per chunk of samples.
 *
 * For a chunk of m samples, with K = in_c*k*k and P = oh*ow:
 *   cols[K, m*P]   the patches of the m samples side by side (ct_im2col)
 *   yt[out_c, m*P] = w[out_c, K] cols
 *   y[i, o, :]     = yt[o, i*P .. (i+1)*P) + b[o]
 * and backward, with yt holding dy in the same layout:
 *   dw += yt cols^T;   cols = w^T yt;   dx = col2im(cols).
 * When the whole batch is one chunk, backward reuses forward's cols. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/alloc.h"
#include "engine/im2col.h"
#include "engine/layers.h"

typedef struct ct_conv2d {
    int64_t in_c, out_c; /* in_c = 0 until build() infers it */
    int64_t k, stride, pad;
    bool has_bias;
    ct_window g;         /* set by build() */
    int64_t chunk;       /* samples per sgemm, from the scratch cap */
    int64_t last_n;      /* batch of the last forward */
    /* params[0] weight [out_c, in_c, k, k], params[1] bias [out_c];
     * workspace: cols [K, chunk*P], then yt [out_c, chunk*P]. */
} ct_conv2d;

/* y[m, oc, P] = yt[oc, m*P] + b[oc] (b may be NULL). */
static void scatter_rows(float *y, const float *yt, const float *b, int64_t m, int64_t oc, int64_t P)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t o = 0; o < oc; o++) {
            float *dst = y + (i * oc + o) * P;
            const float *src = yt + o * m * P + i * P;
            float bias = b ? b[o] : 0.0f;
            for (int64_t p = 0; p < P; p++)
                dst[p] = src[p] + bias;
        }
}

/* yt[oc, m*P] = dy[m, oc, P]; db[oc] += the sums (db may be NULL). */
static void gather_rows(float *yt, float *db, const float *dy, int64_t m, int64_t oc, int64_t P)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t o = 0; o < oc; o++) {
            const float *src = dy + (i * oc + o) * P;
            memcpy(yt + o * m * P + i * P, src, (size_t)P * sizeof *yt);
            if (db) {
                float s = 0.0f;
                for (int64_t p = 0; p < P; p++)
                    s += src[p];
                db[o] += s;
            }
        }
}

/* y[m, out_c, oh, ow] = conv(x[m, in_c, h, w]) for one chunk. */
static void conv2d_forward_chunk(float *y, float *cols, float *yt, const float *x, const float *w, const float *b,
                                 const ct_window *g, int64_t out_c, int64_t m)
{
    int64_t K = g->c * g->kh * g->kw, P = g->oh * g->ow, in_size = g->c * g->h * g->w;
    for (int64_t i = 0; i < m; i++)
        ct_im2col(cols + i * P, x + i * in_size, g, m * P);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)out_c, (blasint)(m * P), (blasint)K, 1.0f, w,
                (blasint)K, cols, (blasint)(m * P), 0.0f, yt, (blasint)(m * P));
    scatter_rows(y, yt, b, m, out_c, P);
}

/* dw[out_c, K] += dy cols^T, db += sums of dy, dx = conv^T(dy) (dx, db
 * may be NULL). cols must hold the chunk's patches; it is overwritten. */
static void conv2d_backward_chunk(float *dx, float *dw, float *db, float *cols, float *yt, const float *dy,
                                  const float *w, const ct_window *g, int64_t out_c, int64_t m)
{
    int64_t K = g->c * g->kh * g->kw, P = g->oh * g->ow, in_size = g->c * g->h * g->w;
    gather_rows(yt, db, dy, m, out_c, P);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)out_c, (blasint)K, (blasint)(m * P), 1.0f, yt,
                (blasint)(m * P), cols, (blasint)(m * P), 1.0f, dw, (blasint)K);
    if (!dx)
        return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)K, (blasint)(m * P), (blasint)out_c, 1.0f, w,
                (blasint)K, yt, (blasint)(m * P), 0.0f, cols, (blasint)(m * P));
    memset(dx, 0, (size_t)(m * in_size) * sizeof *dx);
    for (int64_t i = 0; i < m; i++)
        ct_col2im(dx + i * in_size, cols + i * P, g, m * P);
}

static int conv2d_build(ct_layer *l, ct_error *err)
{
    ct_conv2d *cv = l->impl;
    char buf[96];
    if (ct_window_init(&cv->g, l, cv->k, cv->stride, cv->pad, err) != CT_OK)
        return CT_ERR;
    if (cv->in_c < 0)
        return ct_layer_fail(l, err, "in_channels must be >= 0 (0 infers it), found %lld", (long long)cv->in_c);
    if (cv->in_c == 0)
        cv->in_c = cv->g.c;
    else if (cv->in_c != cv->g.c)
        return ct_layer_fail(l, err, "expects %lld input channels, found %lld (input shape %s)", (long long)cv->in_c,
                             (long long)cv->g.c, ct_shape_str(&l->in, buf, sizeof buf));
    if (cv->out_c < 1)
        return ct_layer_fail(l, err, "out_channels must be >= 1, found %lld", (long long)cv->out_c);
    /* In double first: the int64 products could overflow for absurd sizes. */
    if ((double)cv->in_c * (double)cv->k * (double)cv->k > INT32_MAX || cv->out_c > INT32_MAX ||
        (double)cv->g.oh * (double)cv->g.ow > INT32_MAX)
        return ct_layer_fail(l, err, "%lld x %lld x %lldx%lld convolution is too large for BLAS", (long long)cv->out_c,
                             (long long)cv->in_c, (long long)cv->k, (long long)cv->k);
    int64_t K = cv->in_c * cv->k * cv->k, P = cv->g.oh * cv->g.ow;
    l->out = ct_shape3(cv->out_c, cv->g.oh, cv->g.ow);
    ct_layer_add_param(l, "weight", ct_shape4(cv->out_c, cv->in_c, cv->k, cv->k), CT_PARAM_WEIGHT);
    if (cv->has_bias)
        ct_layer_add_param(l, "bias", ct_shape1(cv->out_c), CT_PARAM_WEIGHT);
    int64_t per_sample = (K + cv->out_c) * P;
    cv->chunk = ct_conv_chunk(per_sample);
    if (cv->chunk * P > INT32_MAX)
        cv->chunk = INT32_MAX / P;
    l->workspace_fixed = (size_t)(cv->chunk * per_sample);
    return CT_OK;
}

/* PyTorch's reset_parameters: kaiming_uniform_(a=sqrt(5)) gives
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_c*k*k; the bias has the
 * same bound. */
static void conv2d_init(ct_layer *l, ct_rng *rng)
{
    ct_conv2d *cv = l->impl;
    float bound = 1.0f / sqrtf((float)(cv->in_c * cv->k * cv->k));
    for (int p = 0; p < l->nparams; p++) {
        ct_param *pa = &l->params[p];
        int64_t count = ct_shape_numel(&pa->shape);
        for (int64_t i = 0; i < count; i++)
            pa->data[i] = ct_rng_uniform_range(rng, -bound, bound);
    }
}

static void conv2d_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    ct_conv2d *cv = l->impl;
    const ct_window *g = &cv->g;
    int64_t K = g->c * g->kh * g->kw, P = g->oh * g->ow;
    int64_t in_size = ct_shape_numel(&l->in), out_size = ct_shape_numel(&l->out);
    float *cols = l->workspace, *yt = l->workspace + cv->chunk * K * P;
    const float *b = cv->has_bias ? l->params[1].data : NULL;
    for (int64_t i = 0; i < n; i += cv->chunk) {
        int64_t m = n - i < cv->chunk ? n - i : cv->chunk;
        conv2d_forward_chunk(y + i * out_size, cols, yt, x + i * in_size, l->params[0].data, b, g, cv->out_c, m);
    }
    cv->last_n = n;
}

static void conv2d_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)y;
    ct_conv2d *cv = l->impl;
    const ct_window *g = &cv->g;
    int64_t K = g->c * g->kh * g->kw, P = g->oh * g->ow;
    int64_t in_size = ct_shape_numel(&l->in), out_size = ct_shape_numel(&l->out);
    float *cols = l->workspace, *yt = l->workspace + cv->chunk * K * P;
    float *db = cv->has_bias ? l->params[1].grad : NULL;
    /* One chunk: forward's patches are still in cols. */
    bool have_cols = n <= cv->chunk && cv->last_n == n;
    for (int64_t i = 0; i < n; i += cv->chunk) {
        int64_t m = n - i < cv->chunk ? n - i : cv->chunk;
        if (!have_cols)
            for (int64_t j = 0; j < m; j++)
                ct_im2col(cols + j * P, x + (i + j) * in_size, g, m * P);
        conv2d_backward_chunk(dx ? dx + i * in_size : NULL, l->params[0].grad, db, cols, yt, dy + i * out_size,
                              l->params[0].data, g, cv->out_c, m);
    }
    cv->last_n = 0; /* cols now hold gradients */
}

static const ct_layer_ops conv2d_ops = {
    .type = "conv2d",
    .build = conv2d_build,
    .init = conv2d_init,
    .forward = conv2d_forward,
    .backward = conv2d_backward,
    .destroy = NULL,
};

ct_layer *ct_conv2d_create(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                           int64_t padding, bool bias)
{
    ct_layer *l = ct_layer_new(&conv2d_ops, sizeof(ct_conv2d));
    ct_conv2d *cv = l->impl;
    cv->in_c = in_channels;
    cv->out_c = out_channels;
    cv->k = kernel_size;
    cv->stride = stride;
    cv->pad = padding;
    cv->has_bias = bias;
    return l;
}
