/* nn.MaxPool2d and nn.AvgPool2d over [C, H, W] (or [H, W]) samples, one
 * channel plane at a time. Max pooling keeps the index of each window's
 * maximum (in its plane) in the workspace for backward, as PyTorch's
 * return_indices does. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/im2col.h"
#include "engine/layers.h"

typedef struct ct_pool {
    int64_t k, stride, pad; /* stride 0: kernel_size */
    ct_window g;            /* set by build() */
    /* max_pool2d workspace: argmax [max_batch, C, oh, ow], int32 indices
     * into each plane (the region is only ever accessed as int32). */
} ct_pool;

_Static_assert(sizeof(int32_t) == sizeof(float), "max_pool2d keeps int32 indices in float workspace");

/* The rows [*y0, *y1) and columns [*x0, *x1) of window (oy, ox) inside the
 * image (padding excluded). */
static void window_span(const ct_window *g, int64_t oy, int64_t ox, int64_t *y0, int64_t *y1, int64_t *x0,
                        int64_t *x1)
{
    int64_t ys = oy * g->sh - g->ph, xs = ox * g->sw - g->pw;
    *y0 = ys < 0 ? 0 : ys;
    *x0 = xs < 0 ? 0 : xs;
    *y1 = ys + g->kh < g->h ? ys + g->kh : g->h;
    *x1 = xs + g->kw < g->w ? xs + g->kw : g->w;
}

/* Index in the plane of the first maximum of window (oy, ox), as PyTorch
 * scans it; a NaN wins (the first one). Branch-free selects in the scan:
 * with comparisons of random data a branch is a coin toss. */
static int64_t window_argmax(const float *plane, const ct_window *g, int64_t oy, int64_t ox)
{
    int64_t y0, y1, x0, x1;
    window_span(g, oy, ox, &y0, &y1, &x0, &x1);
    int64_t best = y0 * g->w + x0;
    float m = plane[best];
    bool nan = false;
    for (int64_t iy = y0; iy < y1; iy++)
        for (int64_t ix = x0; ix < x1; ix++) {
            int64_t at = iy * g->w + ix;
            float v = plane[at];
            bool greater = v > m;
            m = greater ? v : m;
            best = greater ? at : best;
            nan |= v != v;
        }
    if (nan)
        for (int64_t iy = y0; iy < y1; iy++)
            for (int64_t ix = x0; ix < x1; ix++)
                if (isnan(plane[iy * g->w + ix]))
                    return iy * g->w + ix;
    return best;
}

/* max_pool_forward for the common 2x2 window of stride 2 without padding,
 * whose windows lie inside the image: four loads and the same choice as
 * window_argmax (the first maximum in scan order, the first NaN). */
static void max_pool_2x2_forward(float *y, int32_t *arg, const float *x, const ct_window *g, int64_t planes)
{
    for (int64_t c = 0; c < planes; c++) {
        const float *xp = x + c * g->h * g->w;
        float *yp = y + c * g->oh * g->ow;
        int32_t *ap = arg + c * g->oh * g->ow;
        for (int64_t oy = 0; oy < g->oh; oy++) {
            int64_t top = 2 * oy * g->w;
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t at[4] = {top + 2 * ox, top + 2 * ox + 1, top + g->w + 2 * ox, top + g->w + 2 * ox + 1};
                int64_t best = at[0];
                float m = xp[at[0]];
                bool nan = m != m;
                for (int k = 1; k < 4; k++) {
                    float v = xp[at[k]];
                    bool take = !nan && (v > m || v != v);
                    nan |= v != v;
                    m = take ? v : m;
                    best = take ? at[k] : best;
                }
                yp[oy * g->ow + ox] = m;
                ap[oy * g->ow + ox] = (int32_t)best;
            }
        }
    }
}

/* y[planes, oh, ow] = max over each window of x[planes, h, w]; arg gets
 * the index of that maximum in its plane. */
static void max_pool_forward(float *y, int32_t *arg, const float *x, const ct_window *g, int64_t planes)
{
    if (g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0) {
        max_pool_2x2_forward(y, arg, x, g, planes);
        return;
    }
    for (int64_t c = 0; c < planes; c++) {
        const float *xp = x + c * g->h * g->w;
        float *yp = y + c * g->oh * g->ow;
        int32_t *ap = arg + c * g->oh * g->ow;
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t at = window_argmax(xp, g, oy, ox);
                yp[oy * g->ow + ox] = xp[at];
                ap[oy * g->ow + ox] = (int32_t)at;
            }
    }
}

/* dx = 0, then dx[the maximum of each window] += dy. */
static void max_pool_backward(float *dx, const int32_t *arg, const float *dy, const ct_window *g, int64_t planes)
{
    memset(dx, 0, (size_t)(planes * g->h * g->w) * sizeof *dx);
    for (int64_t c = 0; c < planes; c++) {
        float *dxp = dx + c * g->h * g->w;
        const float *dyp = dy + c * g->oh * g->ow;
        const int32_t *ap = arg + c * g->oh * g->ow;
        for (int64_t i = 0; i < g->oh * g->ow; i++)
            dxp[ap[i]] += dyp[i];
    }
}

/* PyTorch's divisor with count_include_pad=True: the window clipped to the
 * padded image (k*k whenever ceil_mode is off). */
static float avg_divisor(const ct_window *g, int64_t oy, int64_t ox)
{
    int64_t ys = oy * g->sh - g->ph, xs = ox * g->sw - g->pw;
    int64_t ye = ys + g->kh < g->h + g->ph ? ys + g->kh : g->h + g->ph;
    int64_t xe = xs + g->kw < g->w + g->pw ? xs + g->kw : g->w + g->pw;
    return (float)((ye - ys) * (xe - xs));
}

/* y[planes, oh, ow] = mean over each window of x[planes, h, w], zero padded. */
static void avg_pool_forward(float *y, const float *x, const ct_window *g, int64_t planes)
{
    for (int64_t c = 0; c < planes; c++) {
        const float *xp = x + c * g->h * g->w;
        float *yp = y + c * g->oh * g->ow;
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t y0, y1, x0, x1;
                window_span(g, oy, ox, &y0, &y1, &x0, &x1);
                float s = 0.0f;
                for (int64_t iy = y0; iy < y1; iy++)
                    for (int64_t ix = x0; ix < x1; ix++)
                        s += xp[iy * g->w + ix];
                yp[oy * g->ow + ox] = s / avg_divisor(g, oy, ox);
            }
    }
}

/* dx = 0, then every window's dy / divisor added to its pixels. */
static void avg_pool_backward(float *dx, const float *dy, const ct_window *g, int64_t planes)
{
    memset(dx, 0, (size_t)(planes * g->h * g->w) * sizeof *dx);
    for (int64_t c = 0; c < planes; c++) {
        float *dxp = dx + c * g->h * g->w;
        const float *dyp = dy + c * g->oh * g->ow;
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t y0, y1, x0, x1;
                window_span(g, oy, ox, &y0, &y1, &x0, &x1);
                float d = dyp[oy * g->ow + ox] / avg_divisor(g, oy, ox);
                for (int64_t iy = y0; iy < y1; iy++)
                    for (int64_t ix = x0; ix < x1; ix++)
                        dxp[iy * g->w + ix] += d;
            }
    }
}

static int pool_build(ct_layer *l, ct_error *err)
{
    ct_pool *p = l->impl;
    int64_t stride = p->stride == 0 ? p->k : p->stride;
    if (p->stride < 0)
        return ct_layer_fail(l, err, "stride must be >= 1 (0: kernel_size), found %lld", (long long)p->stride);
    if (ct_window_init(&p->g, l, p->k, stride, p->pad, err) != CT_OK)
        return CT_ERR;
    if (p->pad > p->k / 2)
        return ct_layer_fail(l, err, "padding %lld is more than half of kernel_size %lld", (long long)p->pad,
                             (long long)p->k);
    if (p->g.h * p->g.w > INT32_MAX)
        return ct_layer_fail(l, err, "%lld x %lld planes are too large", (long long)p->g.h, (long long)p->g.w);
    l->out = l->in.ndim == 3 ? ct_shape3(p->g.c, p->g.oh, p->g.ow) : ct_shape2(p->g.oh, p->g.ow);
    return CT_OK;
}

static int max_pool_build(ct_layer *l, ct_error *err)
{
    if (pool_build(l, err) != CT_OK)
        return CT_ERR;
    l->workspace_per_sample = (size_t)ct_shape_numel(&l->out); /* the argmax indices */
    return CT_OK;
}

static void max_pool_fwd(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    const ct_pool *p = l->impl;
    max_pool_forward(y, (int32_t *)l->workspace, x, &p->g, n * p->g.c);
}

static void max_pool_bwd(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)x;
    (void)y;
    const ct_pool *p = l->impl;
    if (dx)
        max_pool_backward(dx, (const int32_t *)l->workspace, dy, &p->g, n * p->g.c);
}

static void avg_pool_fwd(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    const ct_pool *p = l->impl;
    avg_pool_forward(y, x, &p->g, n * p->g.c);
}

static void avg_pool_bwd(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)x;
    (void)y;
    const ct_pool *p = l->impl;
    if (dx)
        avg_pool_backward(dx, dy, &p->g, n * p->g.c);
}

static const ct_layer_ops max_pool_ops = {
    .type = "max_pool2d",
    .build = max_pool_build,
    .init = NULL,
    .forward = max_pool_fwd,
    .backward = max_pool_bwd,
    .destroy = NULL,
};

static const ct_layer_ops avg_pool_ops = {
    .type = "avg_pool2d",
    .build = pool_build,
    .init = NULL,
    .forward = avg_pool_fwd,
    .backward = avg_pool_bwd,
    .destroy = NULL,
};

static ct_layer *pool_create(const ct_layer_ops *ops, int64_t kernel_size, int64_t stride, int64_t padding)
{
    ct_layer *l = ct_layer_new(ops, sizeof(ct_pool));
    ct_pool *p = l->impl;
    p->k = kernel_size;
    p->stride = stride;
    p->pad = padding;
    return l;
}

ct_layer *ct_max_pool2d_create(int64_t kernel_size, int64_t stride, int64_t padding)
{
    return pool_create(&max_pool_ops, kernel_size, stride, padding);
}

ct_layer *ct_avg_pool2d_create(int64_t kernel_size, int64_t stride, int64_t padding)
{
    return pool_create(&avg_pool_ops, kernel_size, stride, padding);
}
