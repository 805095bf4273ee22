/* nn.Upsample(scale_factor=s, mode="nearest") for an integer s: every
 * input pixel becomes an s x s block (s along L for [C, L] samples). */
#include <string.h>

#include "engine/alloc.h"
#include "engine/layers.h"

typedef struct ct_upsample {
    int64_t scale;
    int64_t planes, h, w; /* per sample: [planes, h, w], h = 1 for [C, L]; set by build() */
    int64_t sy;           /* scale along h: 1 for [C, L] */
} ct_upsample;

/* y[planes, h*sy, w*s] = x[planes, h, w] repeated. */
static void upsample_forward(float *y, const float *x, int64_t planes, int64_t h, int64_t w, int64_t sy, int64_t s)
{
    int64_t ow = w * s;
    for (int64_t c = 0; c < planes; c++)
        for (int64_t iy = 0; iy < h; iy++) {
            const float *src = x + (c * h + iy) * w;
            float *row = y + (c * h + iy) * sy * ow;
            for (int64_t ix = 0; ix < w; ix++)
                for (int64_t r = 0; r < s; r++)
                    row[ix * s + r] = src[ix];
            for (int64_t r = 1; r < sy; r++)
                memcpy(row + r * ow, row, (size_t)ow * sizeof *row);
        }
}

/* dx[planes, h, w] = the sums of dy over each block. */
static void upsample_backward(float *dx, const float *dy, int64_t planes, int64_t h, int64_t w, int64_t sy,
                              int64_t s)
{
    int64_t ow = w * s;
    for (int64_t c = 0; c < planes; c++)
        for (int64_t iy = 0; iy < h; iy++) {
            float *dst = dx + (c * h + iy) * w;
            const float *block = dy + (c * h + iy) * sy * ow;
            for (int64_t ix = 0; ix < w; ix++) {
                float sum = 0.0f;
                for (int64_t r = 0; r < sy; r++)
                    for (int64_t q = 0; q < s; q++)
                        sum += block[r * ow + ix * s + q];
                dst[ix] = sum;
            }
        }
}

static int upsample_build(ct_layer *l, ct_error *err)
{
    ct_upsample *u = l->impl;
    char buf[96];
    if (u->scale < 1)
        return ct_layer_fail(l, err, "scale_factor must be >= 1, found %lld", (long long)u->scale);
    double grow = l->in.ndim == 3 ? (double)u->scale * (double)u->scale : (double)u->scale;
    if ((double)ct_shape_numel(&l->in) * grow > INT32_MAX)
        return ct_layer_fail(l, err, "scale_factor %lld makes the output too large", (long long)u->scale);
    if (l->in.ndim == 2) {
        u->planes = l->in.dim[0];
        u->h = 1;
        u->w = l->in.dim[1];
        u->sy = 1;
        l->out = ct_shape2(u->planes, u->w * u->scale);
    } else if (l->in.ndim == 3) {
        u->planes = l->in.dim[0];
        u->h = l->in.dim[1];
        u->w = l->in.dim[2];
        u->sy = u->scale;
        l->out = ct_shape3(u->planes, u->h * u->scale, u->w * u->scale);
    } else {
        return ct_layer_fail(l, err, "expects an input [C, L] or [C, H, W], found shape %s",
                             ct_shape_str(&l->in, buf, sizeof buf));
    }
    return CT_OK;
}

static void upsample_fwd(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    const ct_upsample *u = l->impl;
    upsample_forward(y, x, n * u->planes, u->h, u->w, u->sy, u->scale);
}

static void upsample_bwd(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)x;
    (void)y;
    const ct_upsample *u = l->impl;
    if (dx)
        upsample_backward(dx, dy, n * u->planes, u->h, u->w, u->sy, u->scale);
}

static const ct_layer_ops upsample_ops = {
    .type = "upsample",
    .build = upsample_build,
    .init = NULL,
    .forward = upsample_fwd,
    .backward = upsample_bwd,
    .destroy = NULL,
};

ct_layer *ct_upsample_create(int64_t scale_factor)
{
    ct_layer *l = ct_layer_new(&upsample_ops, sizeof(ct_upsample));
    ct_upsample *u = l->impl;
    u->scale = scale_factor;
    return l;
}
