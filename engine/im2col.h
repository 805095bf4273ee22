/* Sliding 2-d windows over one sample's [c, h, w] image, shared by the
 * convolutions and the pools (engine-internal): the geometry with its
 * build-time checks, and im2col / col2im for the convolutions' GEMMs. */
#ifndef CT_ENGINE_IM2COL_H
#define CT_ENGINE_IM2COL_H

#include <stdint.h>

#include "engine/layer.h"

typedef struct ct_window {
    int64_t c, h, w; /* input channels, height, width */
    int64_t kh, kw;  /* kernel */
    int64_t sh, sw;  /* stride */
    int64_t ph, pw;  /* padding on each side */
    int64_t oh, ow;  /* output grid: (h + 2 ph - kh) / sh + 1, ... */
} ct_window;

/* Reads l->in as an image: [C, H, W], or [H, W] as one channel. Fails
 * naming the layer otherwise. */
int ct_image_dims(const ct_layer *l, int64_t *c, int64_t *h, int64_t *w, ct_error *err);

/* Fills g for a square window (kernel k, stride s, padding p) over the
 * image l->in; checks k >= 1, s >= 1, p >= 0 and that the output grid is
 * not empty, failing with the formula ("output height (4 + 2*0 - 5)/1 + 1
 * = 0 is not positive"). */
int ct_window_init(ct_window *g, const ct_layer *l, int64_t k, int64_t s, int64_t p, ct_error *err);

/* cols[c*kh*kw, ld]: columns [0, oh*ow) get the patches of one image
 * x[c, h, w], zero where a patch leaves the image. ld >= oh*ow puts the
 * patches of several samples side by side (sample i at cols + i*oh*ow), so
 * that one sgemm serves them all. */
void ct_im2col(float *cols, const float *x, const ct_window *g, int64_t ld);

/* The adjoint of ct_im2col: x[c, h, w] += every patch entry of cols at its
 * pixel (entries over the padding are dropped). x must be initialised. */
void ct_col2im(float *x, const float *cols, const ct_window *g, int64_t ld);

/* Samples per chunk for a convolution that needs per_sample floats of
 * scratch per sample: as many as fit in CT_CONV_CHUNK_FLOATS, at least 1. */
int64_t ct_conv_chunk(int64_t per_sample);

/* Scratch cap of a convolution layer, in floats (16 MB). */
#define CT_CONV_CHUNK_FLOATS ((int64_t)1 << 22)

#endif
