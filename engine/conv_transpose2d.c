/* nn.ConvTranspose2d: one cblas_sgemm per chunk of samples + col2im; the
 * adjoint of conv2d, so backward is im2col + two sgemms.
 *
 * For a chunk of m samples, with K = out_c*k*k and P = h*w (input pixels):
 *   xt[in_c, m*P]  the inputs' channels side by side
 *   cols[K, m*P]   = w[in_c, K]^T xt
 *   y              = b + col2im(cols)   (the window runs over the output)
 * and backward:
 *   cols = im2col(dy);   dw += xt cols^T;   xt = w cols;   dx = xt. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/alloc.h"
#include "engine/im2col.h"
#include "engine/layers.h"

typedef struct ct_conv_transpose2d {
    int64_t in_c, out_c; /* in_c = 0 until build() infers it */
    int64_t k, stride, pad, out_pad;
    bool has_bias;
    int64_t h, w;        /* input size, set by build() */
    ct_window g;         /* the window over the output [out_c, oh, ow]; its grid is [h, w] */
    int64_t chunk;       /* samples per sgemm, from the scratch cap */
    int64_t last_n;      /* batch of the last forward */
    /* params[0] weight [in_c, out_c, k, k], params[1] bias [out_c];
     * workspace: xt [in_c, chunk*P], then cols [K, chunk*P]. */
} ct_conv_transpose2d;

/* xt[c, m*P] = x[m, c, P]. */
static void channels_to_rows(float *xt, const float *x, int64_t m, int64_t c, int64_t P)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t ch = 0; ch < c; ch++)
            memcpy(xt + ch * m * P + i * P, x + (i * c + ch) * P, (size_t)P * sizeof *xt);
}

/* x[m, c, P] = xt[c, m*P]. */
static void rows_to_channels(float *x, const float *xt, int64_t m, int64_t c, int64_t P)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t ch = 0; ch < c; ch++)
            memcpy(x + (i * c + ch) * P, xt + ch * m * P + i * P, (size_t)P * sizeof *x);
}

/* y[m, out_c, oh, ow] = convT(x[m, in_c, h, w]) for one chunk. */
static void convt_forward_chunk(float *y, float *xt, float *cols, const float *x, const float *w, const float *b,
                                const ct_window *g, int64_t in_c, int64_t m)
{
    int64_t K = g->c * g->kh * g->kw, P = g->oh * g->ow, plane = g->h * g->w, out_size = g->c * plane;
    channels_to_rows(xt, x, m, in_c, P);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)K, (blasint)(m * P), (blasint)in_c, 1.0f, w,
                (blasint)K, xt, (blasint)(m * P), 0.0f, cols, (blasint)(m * P));
    for (int64_t i = 0; i < m; i++) {
        float *yi = y + i * out_size;
        for (int64_t o = 0; o < g->c; o++) {
            float bias = b ? b[o] : 0.0f;
            for (int64_t p = 0; p < plane; p++)
                yi[o * plane + p] = bias;
        }
        ct_col2im(yi, cols + i * P, g, m * P);
    }
}

/* dw[in_c, K] += xt cols^T, db += sums of dy, dx = conv(dy) (dx, db may be
 * NULL). xt must hold the chunk's inputs; xt and cols are overwritten. */
static void convt_backward_chunk(float *dx, float *dw, float *db, float *xt, float *cols, const float *dy,
                                 const float *w, const ct_window *g, int64_t in_c, int64_t m)
{
    int64_t K = g->c * g->kh * g->kw, P = g->oh * g->ow, plane = g->h * g->w, out_size = g->c * plane;
    for (int64_t i = 0; i < m; i++) {
        const float *dyi = dy + i * out_size;
        ct_im2col(cols + i * P, dyi, g, m * P);
        if (db)
            for (int64_t o = 0; o < g->c; o++) {
                float s = 0.0f;
                for (int64_t p = 0; p < plane; p++)
                    s += dyi[o * plane + p];
                db[o] += s;
            }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)in_c, (blasint)K, (blasint)(m * P), 1.0f, xt,
                (blasint)(m * P), cols, (blasint)(m * P), 1.0f, dw, (blasint)K);
    if (!dx)
        return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)in_c, (blasint)(m * P), (blasint)K, 1.0f, w,
                (blasint)K, cols, (blasint)(m * P), 0.0f, xt, (blasint)(m * P));
    rows_to_channels(dx, xt, m, in_c, P);
}

/* Output size of one axis, or a build error showing the formula. */
static int convt_out(const ct_layer *l, const char *axis, int64_t size, const ct_conv_transpose2d *ct, int64_t *out,
                     ct_error *err)
{
    *out = (size - 1) * ct->stride - 2 * ct->pad + ct->k + ct->out_pad;
    if (*out < 1)
        return ct_layer_fail(l, err, "output %s (%lld - 1)*%lld - 2*%lld + %lld + %lld = %lld is not positive", axis,
                             (long long)size, (long long)ct->stride, (long long)ct->pad, (long long)ct->k,
                             (long long)ct->out_pad, (long long)*out);
    return CT_OK;
}

static int convt_build(ct_layer *l, ct_error *err)
{
    ct_conv_transpose2d *ct = l->impl;
    char buf[96];
    int64_t c;
    if (ct->k < 1)
        return ct_layer_fail(l, err, "kernel_size must be >= 1, found %lld", (long long)ct->k);
    if (ct->stride < 1)
        return ct_layer_fail(l, err, "stride must be >= 1, found %lld", (long long)ct->stride);
    if (ct->pad < 0)
        return ct_layer_fail(l, err, "padding must be >= 0, found %lld", (long long)ct->pad);
    if (ct->k > INT32_MAX || ct->stride > INT32_MAX || ct->pad > INT32_MAX)
        return ct_layer_fail(l, err, "kernel_size, stride and padding must be below 2^31");
    if (ct->out_pad < 0 || ct->out_pad >= ct->stride)
        return ct_layer_fail(l, err, "output_padding must be >= 0 and smaller than stride %lld, found %lld",
                             (long long)ct->stride, (long long)ct->out_pad);
    if (ct_image_dims(l, &c, &ct->h, &ct->w, err) != CT_OK)
        return CT_ERR;
    if (ct->in_c < 0)
        return ct_layer_fail(l, err, "in_channels must be >= 0 (0 infers it), found %lld", (long long)ct->in_c);
    if (ct->in_c == 0)
        ct->in_c = c;
    else if (ct->in_c != c)
        return ct_layer_fail(l, err, "expects %lld input channels, found %lld (input shape %s)", (long long)ct->in_c,
                             (long long)c, ct_shape_str(&l->in, buf, sizeof buf));
    if (ct->out_c < 1)
        return ct_layer_fail(l, err, "out_channels must be >= 1, found %lld", (long long)ct->out_c);
    ct_window *g = &ct->g;
    g->c = ct->out_c;
    g->kh = g->kw = ct->k;
    g->sh = g->sw = ct->stride;
    g->ph = g->pw = ct->pad;
    g->oh = ct->h;
    g->ow = ct->w;
    /* In double first: the int64 products could overflow for absurd sizes. */
    double k = (double)ct->k, s = (double)ct->stride;
    if ((double)ct->out_c * k * k > INT32_MAX || ct->in_c > INT32_MAX || (double)ct->h * (double)ct->w > INT32_MAX ||
        ((double)ct->h + 1) * s + k > INT32_MAX || ((double)ct->w + 1) * s + k > INT32_MAX)
        return ct_layer_fail(l, err, "%lld x %lld x %lldx%lld transposed convolution is too large for BLAS",
                             (long long)ct->in_c, (long long)ct->out_c, (long long)ct->k, (long long)ct->k);
    if (convt_out(l, "height", ct->h, ct, &g->h, err) != CT_OK || convt_out(l, "width", ct->w, ct, &g->w, err) != CT_OK)
        return CT_ERR;
    int64_t K = ct->out_c * ct->k * ct->k, P = ct->h * ct->w;
    l->out = ct_shape3(ct->out_c, g->h, g->w);
    ct_layer_add_param(l, "weight", ct_shape4(ct->in_c, ct->out_c, ct->k, ct->k), CT_PARAM_WEIGHT);
    if (ct->has_bias)
        ct_layer_add_param(l, "bias", ct_shape1(ct->out_c), CT_PARAM_WEIGHT);
    int64_t per_sample = (ct->in_c + K) * P;
    ct->chunk = ct_conv_chunk(per_sample);
    if (ct->chunk * P > INT32_MAX)
        ct->chunk = INT32_MAX / P;
    l->workspace_fixed = (size_t)(ct->chunk * per_sample);
    return CT_OK;
}

/* PyTorch's reset_parameters, with _calculate_fan_in_and_fan_out of the
 * [in_c, out_c, k, k] weight: fan_in = weight.size(1)*k*k = out_c*k*k;
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. */
static void convt_init(ct_layer *l, ct_rng *rng)
{
    ct_conv_transpose2d *ct = l->impl;
    float bound = 1.0f / sqrtf((float)(ct->out_c * ct->k * ct->k));
    for (int p = 0; p < l->nparams; p++) {
        ct_param *pa = &l->params[p];
        int64_t count = ct_shape_numel(&pa->shape);
        for (int64_t i = 0; i < count; i++)
            pa->data[i] = ct_rng_uniform_range(rng, -bound, bound);
    }
}

static void convt_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    ct_conv_transpose2d *ct = l->impl;
    int64_t P = ct->h * ct->w;
    int64_t in_size = ct_shape_numel(&l->in), out_size = ct_shape_numel(&l->out);
    float *xt = l->workspace, *cols = l->workspace + ct->chunk * ct->in_c * P;
    const float *b = ct->has_bias ? l->params[1].data : NULL;
    for (int64_t i = 0; i < n; i += ct->chunk) {
        int64_t m = n - i < ct->chunk ? n - i : ct->chunk;
        convt_forward_chunk(y + i * out_size, xt, cols, x + i * in_size, l->params[0].data, b, &ct->g, ct->in_c, m);
    }
    ct->last_n = n;
}

static void convt_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)y;
    ct_conv_transpose2d *ct = l->impl;
    int64_t P = ct->h * ct->w;
    int64_t in_size = ct_shape_numel(&l->in), out_size = ct_shape_numel(&l->out);
    float *xt = l->workspace, *cols = l->workspace + ct->chunk * ct->in_c * P;
    float *db = ct->has_bias ? l->params[1].grad : NULL;
    /* One chunk: forward's xt is still there. */
    bool have_xt = n <= ct->chunk && ct->last_n == n;
    for (int64_t i = 0; i < n; i += ct->chunk) {
        int64_t m = n - i < ct->chunk ? n - i : ct->chunk;
        if (!have_xt)
            channels_to_rows(xt, x + i * in_size, m, ct->in_c, P);
        convt_backward_chunk(dx ? dx + i * in_size : NULL, l->params[0].grad, db, xt, cols, dy + i * out_size,
                             l->params[0].data, &ct->g, ct->in_c, m);
    }
    ct->last_n = 0; /* xt now holds gradients */
}

static const ct_layer_ops convt_ops = {
    .type = "conv_transpose2d",
    .build = convt_build,
    .init = convt_init,
    .forward = convt_forward,
    .backward = convt_backward,
    .destroy = NULL,
};

ct_layer *ct_conv_transpose2d_create(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                     int64_t stride, int64_t padding, int64_t output_padding, bool bias)
{
    ct_layer *l = ct_layer_new(&convt_ops, sizeof(ct_conv_transpose2d));
    ct_conv_transpose2d *ct = l->impl;
    ct->in_c = in_channels;
    ct->out_c = out_channels;
    ct->k = kernel_size;
    ct->stride = stride;
    ct->pad = padding;
    ct->out_pad = output_padding;
    ct->has_bias = bias;
    return l;
}
