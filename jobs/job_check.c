/* What job.proto's types cannot say: required fields, ranges, and the shape
 * of the model. Errors point where the field was written (the marks table),
 * or at the nearest enclosing field written, or name the file alone for a
 * value that came from the defaults. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jobs/job_internal.h"

typedef struct checker {
    const ct_marks *marks;
    const char *origin;
    ct_error *err;
} checker;

static int bad(const checker *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(const checker *c, const char *path, const char *fmt, ...)
{
    char where[512], msg[sizeof c->err->msg];
    const ct_loc *loc = c->marks ? ct_marks_find_near(c->marks, path) : NULL;
    if (loc)
        ct_loc_format(loc, where, sizeof where);
    else
        snprintf(where, sizeof where, "%s", c->origin);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ct_fail(c->err, "%s: %s: %s", where, path, msg);
}

/* " (the default)" for a value nobody wrote. */
static const char *dflt(const checker *c, const char *path)
{
    return c->marks && ct_marks_find(c->marks, path) ? "" : " (the default)";
}

static int at_least(const checker *c, const char *path, long long v, long long min)
{
    if (v >= min)
        return CT_OK;
    return bad(c, path, "expected an integer >= %lld, found %lld%s", min, v, dflt(c, path));
}

static int positive(const checker *c, const char *path, double v)
{
    if (isfinite(v) && v > 0)
        return CT_OK;
    return bad(c, path, "expected a number > 0, found %g%s", v, dflt(c, path));
}

static int non_negative(const checker *c, const char *path, double v)
{
    if (isfinite(v) && v >= 0)
        return CT_OK;
    return bad(c, path, "expected a number >= 0, found %g%s", v, dflt(c, path));
}

static int below_one(const checker *c, const char *path, double v)
{
    if (v >= 0 && v < 1)
        return CT_OK;
    return bad(c, path, "expected a number >= 0 and < 1, found %g%s", v, dflt(c, path));
}

static int finite(const checker *c, const char *path, double v)
{
    if (isfinite(v))
        return CT_OK;
    return bad(c, path, "expected a finite number, found %g", v);
}

static int check_train(const checker *c, const Ctrain__Train *t)
{
    if (!t)
        return CT_OK;
    if (at_least(c, "train.epochs", t->epochs, 1) || at_least(c, "train.batch_size", t->batch_size, 1) ||
        at_least(c, "train.eval_batch_size", t->eval_batch_size, 1) ||
        at_least(c, "train.max_steps", t->max_steps, 0) || positive(c, "train.bucket_mb", t->bucket_mb))
        return CT_ERR;
    return CT_OK;
}

static int check_optimizer(const checker *c, const Ctrain__Optimizer *o)
{
    if (!o)
        return CT_OK;
    if (positive(c, "optimizer.lr", o->lr) || non_negative(c, "optimizer.momentum", o->momentum) ||
        finite(c, "optimizer.dampening", o->dampening) ||
        non_negative(c, "optimizer.weight_decay", o->weight_decay) ||
        below_one(c, "optimizer.beta1", o->beta1) || below_one(c, "optimizer.beta2", o->beta2) ||
        positive(c, "optimizer.eps", o->eps))
        return CT_ERR;
    return CT_OK;
}

/* A name used as a tensor-name prefix ("<name>.weight"). */
static int check_name(const checker *c, const char *path, const char *name)
{
    if (!name)
        return CT_OK;
    if (!*name || strchr(name, '.'))
        return bad(c, path, "expected a name that is not empty and has no '.', found '%s'", name);
    return CT_OK;
}

static const char *layer_name(const Ctrain__Layer *l, size_t index, char *buf, size_t size)
{
    if (l->name)
        return l->name;
    snprintf(buf, size, "%zu", index);
    return buf;
}

static int check_layer(const checker *c, const char *path, const Ctrain__Layer *l)
{
    char sub[sizeof ((ct_path *)0)->s + 64];
    snprintf(sub, sizeof sub, "%s.name", path);
    if (check_name(c, sub, l->name))
        return CT_ERR;
    switch (l->type_case) {
    case CTRAIN__LAYER__TYPE__NOT_SET: {
        ct_strbuf types = {0};
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(&ctrain__layer__descriptor, CTRAIN__LAYER__TYPE_LINEAR);
        ct_pb_list_oneof(&ctrain__layer__descriptor, f, &types);
        bad(c, path, "expected a layer type (one of %s), found none", types.s);
        ct_strbuf_free(&types);
        return CT_ERR;
    }
    case CTRAIN__LAYER__TYPE_LINEAR:
        snprintf(sub, sizeof sub, "%s.linear.out_features", path);
        return at_least(c, sub, (long long)l->linear->out_features, 1);
    case CTRAIN__LAYER__TYPE_LEAKY_RELU:
        snprintf(sub, sizeof sub, "%s.leaky_relu.negative_slope", path);
        return finite(c, sub, l->leaky_relu->negative_slope);
    default:
        return CT_OK;
    }
}

static int check_network(const checker *c, size_t i, const Ctrain__Network *net)
{
    char path[256], lpath[320], a[32], b[32];
    snprintf(path, sizeof path, "model.networks[%zu].name", i);
    if (check_name(c, path, net->name))
        return CT_ERR;
    snprintf(path, sizeof path, "model.networks[%zu].layers", i);
    if (net->n_layers == 0)
        return bad(c, path, "expected at least one layer, found none");
    for (size_t j = 0; j < net->n_layers; j++) {
        snprintf(lpath, sizeof lpath, "%s[%zu]", path, j);
        if (check_layer(c, lpath, net->layers[j]))
            return CT_ERR;
        const char *name = layer_name(net->layers[j], j, a, sizeof a);
        for (size_t k = 0; k < j; k++)
            if (strcmp(name, layer_name(net->layers[k], k, b, sizeof b)) == 0)
                return bad(c, lpath, "layer name '%s' is already used by layer %zu: tensor names must be unique",
                           name, k);
    }
    return CT_OK;
}

static int check_model(const checker *c, const Ctrain__Model *m)
{
    size_t n = m ? m->n_networks : 0;
    if (n == 0)
        return bad(c, "model.networks", "expected at least one network, found none");
    if (m->family == CTRAIN__FAMILY__CLASSIFIER && n != 1)
        return bad(c, "model.networks", "a classifier has exactly one network, found %zu", n);
    for (size_t i = 0; i < n; i++) {
        if (check_network(c, i, m->networks[i]))
            return CT_ERR;
        for (size_t k = 0; k < i; k++)
            if (m->networks[i]->name && m->networks[k]->name &&
                strcmp(m->networks[i]->name, m->networks[k]->name) == 0) {
                char path[64];
                snprintf(path, sizeof path, "model.networks[%zu].name", i);
                return bad(c, path, "network name '%s' is already used by network %zu", m->networks[i]->name, k);
            }
    }
    return CT_OK;
}

int ct_job_check(const ct_job *job, const ct_marks *marks, const char *origin, ct_error *err)
{
    checker c = {marks, origin, err};
    const char *path = job->data ? job->data->path : NULL;
    if (!path || !*path)
        return bad(&c, "data.path", "expected the path of an HDF5 dataset file, found %s",
                   path ? "an empty string" : "nothing (it is required)");
    if (check_model(&c, job->model) || check_optimizer(&c, job->optimizer) || check_train(&c, job->train))
        return CT_ERR;
    return CT_OK;
}
