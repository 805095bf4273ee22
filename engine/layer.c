/* The common part of every layer: parameter declaration, errors, cleanup. */
#include "engine/layer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"

ct_layer *ct_layer_new(const ct_layer_ops *ops, size_t impl_size)
{
    ct_layer *l = ct_calloc(1, sizeof *l);
    l->ops = ops;
    l->impl = ct_calloc(1, impl_size);
    return l;
}

int ct_layer_add_param(ct_layer *l, const char *suffix, ct_shape shape, ct_param_kind kind)
{
    if (l->nparams == l->params_cap) {
        l->params_cap = l->params_cap ? 2 * l->params_cap : 4;
        l->params = ct_realloc(l->params, (size_t)l->params_cap * sizeof *l->params);
    }
    int i = l->nparams++;
    ct_param *p = &l->params[i];
    memset(p, 0, sizeof *p);
    snprintf(p->suffix, sizeof p->suffix, "%s", suffix);
    p->shape = shape;
    p->kind = kind;
    return i;
}

int ct_layer_fail(const ct_layer *l, ct_error *err, const char *fmt, ...)
{
    if (!err)
        return CT_ERR;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ct_fail(err, "layer %s (%s): %s", l->name, l->ops ? l->ops->type : "?", msg);
}

void ct_layer_destroy(ct_layer *l)
{
    if (!l)
        return;
    if (l->ops && l->ops->destroy)
        l->ops->destroy(l);
    else
        ct_free(l->impl);
    ct_free(l->params);
    ct_free(l);
}
