/* nn.Embedding: a table lookup. Ids arrive as floats (every activation is
 * float); one that is not an integer in [0, num_embeddings) is never used
 * as an index: its output row is NaN and it gets no gradient. */
#include <math.h>
#include <string.h>

#include "engine/layers.h"

/* Ids travel as float32, which holds every integer up to 2^24 exactly. */
#define CT_MAX_EXACT_ID 16777216

typedef struct ct_embedding {
    int64_t num, dim; /* weight [num, dim]: params[0] */
} ct_embedding;

/* The row an id selects, or -1 when it selects none. */
static int64_t embedding_row(float id, int64_t num)
{
    if (!(id >= 0.0f && id < (float)num) || id != floorf(id))
        return -1;
    return (int64_t)id;
}

/* y[count, dim] = w[ids[i]] per id; NaN rows for ids outside the table. */
static void embedding_forward_kernel(float *y, const float *ids, const float *w, int64_t count, int64_t num,
                                     int64_t dim)
{
    for (int64_t i = 0; i < count; i++) {
        int64_t row = embedding_row(ids[i], num);
        float *yr = y + i * dim;
        if (row < 0)
            for (int64_t j = 0; j < dim; j++)
                yr[j] = NAN;
        else
            memcpy(yr, w + row * dim, (size_t)dim * sizeof *yr);
    }
}

/* dw[ids[i]] += dy[i] for every id in the table. */
static void embedding_backward_kernel(float *dw, const float *dy, const float *ids, int64_t count, int64_t num,
                                      int64_t dim)
{
    for (int64_t i = 0; i < count; i++) {
        int64_t row = embedding_row(ids[i], num);
        if (row < 0)
            continue;
        float *dr = dw + row * dim;
        const float *g = dy + i * dim;
        for (int64_t j = 0; j < dim; j++)
            dr[j] += g[j];
    }
}

static int embedding_build(ct_layer *l, ct_error *err)
{
    ct_embedding *e = l->impl;
    char buf[96];
    if (e->num < 1 || e->num > CT_MAX_EXACT_ID)
        return ct_layer_fail(l, err, "num_embeddings must be >= 1 and <= %d (ids are float32, exact up to 2^24), "
                             "found %lld", CT_MAX_EXACT_ID, (long long)e->num);
    if (e->dim < 1 || e->dim > INT32_MAX)
        return ct_layer_fail(l, err, "embedding_dim must be >= 1 and <= %d, found %lld", INT32_MAX,
                             (long long)e->dim);
    if (l->in.ndim >= CT_MAX_DIMS)
        return ct_layer_fail(l, err, "expects ids of at most %d dimensions per sample, found shape %s",
                             CT_MAX_DIMS - 1, ct_shape_str(&l->in, buf, sizeof buf));
    l->out = l->in;
    l->out.dim[l->out.ndim++] = e->dim;
    ct_layer_add_param(l, "weight", ct_shape2(e->num, e->dim), CT_PARAM_WEIGHT);
    return CT_OK;
}

/* PyTorch's reset_parameters: normal_(0, 1). */
static void embedding_init(ct_layer *l, ct_rng *rng)
{
    ct_param *w = &l->params[0];
    int64_t count = ct_shape_numel(&w->shape);
    for (int64_t i = 0; i < count; i++)
        w->data[i] = ct_rng_normal(rng);
}

static void embedding_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    const ct_embedding *e = l->impl;
    embedding_forward_kernel(y, x, l->params[0].data, n * ct_shape_numel(&l->in), e->num, e->dim);
}

static void embedding_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)y;
    const ct_embedding *e = l->impl;
    int64_t count = n * ct_shape_numel(&l->in);
    embedding_backward_kernel(l->params[0].grad, dy, x, count, e->num, e->dim);
    if (dx)
        memset(dx, 0, (size_t)count * sizeof *dx);
}

static const ct_layer_ops embedding_ops = {
    .type = "embedding",
    .build = embedding_build,
    .init = embedding_init,
    .forward = embedding_forward,
    .backward = embedding_backward,
    .destroy = NULL,
};

ct_layer *ct_embedding_create(int64_t num_embeddings, int64_t embedding_dim)
{
    ct_layer *l = ct_layer_new(&embedding_ops, sizeof(ct_embedding));
    ct_embedding *e = l->impl;
    e->num = num_embeddings;
    e->dim = embedding_dim;
    return l;
}
