/* Layers that change the per-sample shape and not the data: flatten,
 * reshape, unflatten. Forward and backward are copies. */
#include <string.h>

#include "engine/alloc.h"
#include "engine/layers.h"

typedef struct ct_reshape {
    ct_shape shape; /* reshape: the target; unflatten: what dim 0 becomes; may hold one -1 */
} ct_reshape;

/* out = shape with its -1 (if any) inferred so that numel(out) == numel;
 * fails naming the layer when that cannot be. */
static int resolve_shape(const ct_layer *l, const ct_shape *shape, int64_t numel, ct_shape *out, ct_error *err)
{
    char buf[96], inbuf[96];
    int unknown = -1;
    int64_t known = 1;
    if (shape->ndim < 1 || shape->ndim > CT_MAX_DIMS)
        return ct_layer_fail(l, err, "shape must have 1 to %d dimensions, found %d", CT_MAX_DIMS, shape->ndim);
    for (int d = 0; d < shape->ndim; d++) {
        if (shape->dim[d] == -1 && unknown < 0) {
            unknown = d;
        } else if (shape->dim[d] < 1) {
            return ct_layer_fail(l, err, "shape %s: every dimension must be >= 1, or one of them -1",
                                 ct_shape_str(shape, buf, sizeof buf));
        } else {
            known *= shape->dim[d];
        }
    }
    *out = *shape;
    if (unknown >= 0) {
        if (numel % known)
            return ct_layer_fail(l, err, "shape %s does not fit %lld elements (input shape %s)",
                                 ct_shape_str(shape, buf, sizeof buf), (long long)numel,
                                 ct_shape_str(&l->in, inbuf, sizeof inbuf));
        out->dim[unknown] = numel / known;
    } else if (known != numel) {
        return ct_layer_fail(l, err, "shape %s has %lld elements, the input has %lld (input shape %s)",
                             ct_shape_str(shape, buf, sizeof buf), (long long)known, (long long)numel,
                             ct_shape_str(&l->in, inbuf, sizeof inbuf));
    }
    return CT_OK;
}

static int flatten_build(ct_layer *l, ct_error *err)
{
    (void)err;
    l->out = ct_shape1(ct_shape_numel(&l->in));
    return CT_OK;
}

static int reshape_build(ct_layer *l, ct_error *err)
{
    const ct_reshape *r = l->impl;
    return resolve_shape(l, &r->shape, ct_shape_numel(&l->in), &l->out, err);
}

static int unflatten_build(ct_layer *l, ct_error *err)
{
    const ct_reshape *r = l->impl;
    char buf[96];
    if (l->in.ndim < 1)
        return ct_layer_fail(l, err, "expects an input with at least one dimension, found shape %s",
                             ct_shape_str(&l->in, buf, sizeof buf));
    ct_shape first;
    if (resolve_shape(l, &r->shape, l->in.dim[0], &first, err) != CT_OK)
        return CT_ERR;
    if (first.ndim + l->in.ndim - 1 > CT_MAX_DIMS)
        return ct_layer_fail(l, err, "the output would have %d dimensions; at most %d are supported",
                             first.ndim + l->in.ndim - 1, CT_MAX_DIMS);
    l->out = first;
    for (int d = 1; d < l->in.ndim; d++)
        l->out.dim[l->out.ndim++] = l->in.dim[d];
    return CT_OK;
}

static void copy_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    memcpy(y, x, (size_t)(n * ct_shape_numel(&l->in)) * sizeof *y);
}

static void copy_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)x;
    (void)y;
    if (dx)
        memcpy(dx, dy, (size_t)(n * ct_shape_numel(&l->in)) * sizeof *dx);
}

#define CT_RESHAPE_OPS(name_, type_, build_)                                                       \
    static const ct_layer_ops name_ = {                                                            \
        .type = type_, .build = build_, .init = NULL, .forward = copy_forward,                     \
        .backward = copy_backward, .destroy = NULL,                                                \
    }
CT_RESHAPE_OPS(flatten_ops, "flatten", flatten_build);
CT_RESHAPE_OPS(reshape_ops, "reshape", reshape_build);
CT_RESHAPE_OPS(unflatten_ops, "unflatten", unflatten_build);

static ct_layer *reshape_create(const ct_layer_ops *ops, ct_shape shape)
{
    ct_layer *l = ct_layer_new(ops, sizeof(ct_reshape));
    ct_reshape *r = l->impl;
    r->shape = shape;
    return l;
}

ct_layer *ct_flatten_create(void)
{
    return reshape_create(&flatten_ops, ct_shape1(0));
}

ct_layer *ct_reshape_create(ct_shape shape)
{
    return reshape_create(&reshape_ops, shape);
}

ct_layer *ct_unflatten_create(ct_shape shape)
{
    return reshape_create(&unflatten_ops, shape);
}
