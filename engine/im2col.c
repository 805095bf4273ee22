/* Sliding-window geometry, im2col and col2im. The inner loops run over the
 * output columns whose input pixel is inside the image, computed once per
 * kernel column, so there is no bounds test per element. */
#include "engine/im2col.h"

#include <string.h>

int ct_image_dims(const ct_layer *l, int64_t *c, int64_t *h, int64_t *w, ct_error *err)
{
    const ct_shape *in = &l->in;
    if (in->ndim == 3) {
        *c = in->dim[0];
        *h = in->dim[1];
        *w = in->dim[2];
    } else if (in->ndim == 2) {
        *c = 1;
        *h = in->dim[0];
        *w = in->dim[1];
    } else {
        char buf[96];
        return ct_layer_fail(l, err, "expects an image input [C, H, W] or [H, W], found shape %s",
                             ct_shape_str(in, buf, sizeof buf));
    }
    return CT_OK;
}

/* a / b rounded down, for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Output size of one axis, or a build error showing the formula. */
static int window_out(const ct_layer *l, const char *axis, int64_t size, int64_t k, int64_t s, int64_t p,
                      int64_t *out, ct_error *err)
{
    *out = floor_div(size + 2 * p - k, s) + 1;
    if (*out < 1)
        return ct_layer_fail(l, err, "output %s (%lld + 2*%lld - %lld)/%lld + 1 = %lld is not positive", axis,
                             (long long)size, (long long)p, (long long)k, (long long)s, (long long)*out);
    return CT_OK;
}

int ct_window_init(ct_window *g, const ct_layer *l, int64_t k, int64_t s, int64_t p, ct_error *err)
{
    if (k < 1)
        return ct_layer_fail(l, err, "kernel_size must be >= 1, found %lld", (long long)k);
    if (s < 1)
        return ct_layer_fail(l, err, "stride must be >= 1, found %lld", (long long)s);
    if (p < 0)
        return ct_layer_fail(l, err, "padding must be >= 0, found %lld", (long long)p);
    if (k > INT32_MAX || s > INT32_MAX || p > INT32_MAX)
        return ct_layer_fail(l, err, "kernel_size, stride and padding must be below 2^31");
    if (ct_image_dims(l, &g->c, &g->h, &g->w, err) != CT_OK)
        return CT_ERR;
    g->kh = g->kw = k;
    g->sh = g->sw = s;
    g->ph = g->pw = p;
    if (window_out(l, "height", g->h, k, s, p, &g->oh, err) != CT_OK ||
        window_out(l, "width", g->w, k, s, p, &g->ow, err) != CT_OK)
        return CT_ERR;
    return CT_OK;
}

/* The output positions o in [*lo, *hi) whose input o*s - p + k lies in
 * [0, size). */
static void valid_range(int64_t size, int64_t out, int64_t s, int64_t p, int64_t k, int64_t *lo, int64_t *hi)
{
    int64_t first = p - k; /* o*s >= p - k */
    *lo = first > 0 ? (first + s - 1) / s : 0;
    int64_t last = size - 1 + p - k; /* o*s <= size - 1 + p - k */
    *hi = last < 0 ? 0 : last / s + 1;
    if (*hi > out)
        *hi = out;
    if (*lo > *hi)
        *lo = *hi;
}

void ct_im2col(float *cols, const float *x, const ct_window *g, int64_t ld)
{
    for (int64_t c = 0; c < g->c; c++)
        for (int64_t ki = 0; ki < g->kh; ki++) {
            int64_t ylo, yhi;
            valid_range(g->h, g->oh, g->sh, g->ph, ki, &ylo, &yhi);
            for (int64_t kj = 0; kj < g->kw; kj++) {
                float *row = cols + ((c * g->kh + ki) * g->kw + kj) * ld;
                int64_t xlo, xhi;
                valid_range(g->w, g->ow, g->sw, g->pw, kj, &xlo, &xhi);
                memset(row, 0, (size_t)(ylo * g->ow) * sizeof *row);
                for (int64_t oy = ylo; oy < yhi; oy++) {
                    float *dst = row + oy * g->ow;
                    /* input pixel of output column ox: src[base + ox*sw] */
                    const float *src = x + (c * g->h + oy * g->sh - g->ph + ki) * g->w;
                    int64_t base = kj - g->pw;
                    for (int64_t ox = 0; ox < xlo; ox++)
                        dst[ox] = 0.0f;
                    if (g->sw == 1) {
                        memcpy(dst + xlo, src + base + xlo, (size_t)(xhi - xlo) * sizeof *dst);
                    } else {
                        for (int64_t ox = xlo; ox < xhi; ox++)
                            dst[ox] = src[base + ox * g->sw];
                    }
                    for (int64_t ox = xhi; ox < g->ow; ox++)
                        dst[ox] = 0.0f;
                }
                memset(row + yhi * g->ow, 0, (size_t)((g->oh - yhi) * g->ow) * sizeof *row);
            }
        }
}

void ct_col2im(float *x, const float *cols, const ct_window *g, int64_t ld)
{
    for (int64_t c = 0; c < g->c; c++)
        for (int64_t ki = 0; ki < g->kh; ki++) {
            int64_t ylo, yhi;
            valid_range(g->h, g->oh, g->sh, g->ph, ki, &ylo, &yhi);
            for (int64_t kj = 0; kj < g->kw; kj++) {
                const float *row = cols + ((c * g->kh + ki) * g->kw + kj) * ld;
                int64_t xlo, xhi;
                valid_range(g->w, g->ow, g->sw, g->pw, kj, &xlo, &xhi);
                for (int64_t oy = ylo; oy < yhi; oy++) {
                    const float *src = row + oy * g->ow;
                    float *dst = x + (c * g->h + oy * g->sh - g->ph + ki) * g->w;
                    int64_t base = kj - g->pw;
                    if (g->sw == 1) {
                        for (int64_t ox = xlo; ox < xhi; ox++)
                            dst[base + ox] += src[ox];
                    } else {
                        for (int64_t ox = xlo; ox < xhi; ox++)
                            dst[base + ox * g->sw] += src[ox];
                    }
                }
            }
        }
}

int64_t ct_conv_chunk(int64_t per_sample)
{
    int64_t chunk = per_sample > 0 ? CT_CONV_CHUNK_FLOATS / per_sample : 1;
    return chunk > 0 ? chunk : 1;
}
