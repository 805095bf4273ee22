/* nn.Dropout: inverted dropout. In train mode the mask (0 or 1/(1 - p)) of
 * each sample is drawn from its own stream, seeded by the global sample
 * index (ct_rng_seed_sample), and kept in the workspace for backward. */
#include <string.h>

#include "engine/alloc.h"
#include "engine/layers.h"

typedef struct ct_dropout {
    float p;
    uint64_t salt;   /* ct_salt of the layer's name, set by build() */
    bool last_train; /* the mode of the last forward, for backward */
    /* workspace: mask [max_batch, numel(in)] */
} ct_dropout;

/* mask[count] = 0 with probability p, else scale; y = x mask. */
static void dropout_forward_kernel(float *y, float *mask, const float *x, ct_rng *rng, float p, float scale,
                                   int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        mask[i] = ct_rng_uniform(rng) < p ? 0.0f : scale;
    for (int64_t i = 0; i < count; i++)
        y[i] = x[i] * mask[i];
}

static int dropout_build(ct_layer *l, ct_error *err)
{
    ct_dropout *d = l->impl;
    if (!(d->p >= 0.0f && d->p < 1.0f))
        return ct_layer_fail(l, err, "p must be >= 0 and < 1, found %g", (double)d->p);
    d->salt = ct_salt(l->name);
    l->out = l->in;
    l->workspace_per_sample = (size_t)ct_shape_numel(&l->in);
    return CT_OK;
}

static void dropout_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    ct_dropout *d = l->impl;
    int64_t size = ct_shape_numel(&l->in);
    d->last_train = pass->mode == CT_MODE_TRAIN && d->p > 0.0f;
    if (!d->last_train) {
        memcpy(y, x, (size_t)(n * size) * sizeof *y);
        return;
    }
    float scale = 1.0f / (1.0f - d->p);
    for (int64_t j = 0; j < n; j++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, pass->seed, pass->step, pass->first_sample + j, d->salt ^ pass->salt);
        dropout_forward_kernel(y + j * size, l->workspace + j * size, x + j * size, &rng, d->p, scale, size);
    }
}

static void dropout_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)x;
    (void)y;
    const ct_dropout *d = l->impl;
    if (!dx)
        return;
    int64_t count = n * ct_shape_numel(&l->in);
    if (!d->last_train) {
        memcpy(dx, dy, (size_t)count * sizeof *dx);
        return;
    }
    for (int64_t i = 0; i < count; i++)
        dx[i] = dy[i] * l->workspace[i];
}

static const ct_layer_ops dropout_ops = {
    .type = "dropout",
    .build = dropout_build,
    .init = NULL,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .destroy = NULL,
};

ct_layer *ct_dropout_create(float p)
{
    ct_layer *l = ct_layer_new(&dropout_ops, sizeof(ct_dropout));
    ct_dropout *d = l->impl;
    d->p = p;
    return l;
}
