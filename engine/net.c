/* A network: nn.Sequential over flat parameter, gradient and buffer arrays.
 *
 * Memory after ct_net_build (all from ct_calloc, none during a step):
 *   params, grads  [nparams]   carved by layer in order, each layer's
 *                              trainable tensors in declaration order
 *   buffers        [nbuffers]  the float buffers (CT_PARAM_BUFFER), same order
 *   counters       [ncounters] the int64 counters (CT_PARAM_COUNTER), same order
 *   acts           one block, acts[i] = [max_batch, numel(out_i)]
 *   dact[0..1]     [max_batch, largest numel(out_i)], ping-pong
 *   workspace      one block, carved per layer */
#include "engine/net.h"

#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"

/* Activation and workspace slices start on 64-byte boundaries. */
#define CT_ALIGN_FLOATS 16

static size_t round_up(size_t n)
{
    return (n + CT_ALIGN_FLOATS - 1) / CT_ALIGN_FLOATS * CT_ALIGN_FLOATS;
}

/* a * b, or 0 with *overflow set when it does not fit in size_t. */
static size_t mul_size(size_t a, size_t b, bool *overflow)
{
    if (a && b > SIZE_MAX / a) {
        *overflow = true;
        return 0;
    }
    return a * b;
}

void ct_net_init(ct_net *net, const char *prefix)
{
    memset(net, 0, sizeof *net);
    snprintf(net->prefix, sizeof net->prefix, "%s", prefix ? prefix : "");
}

void ct_net_add(ct_net *net, ct_layer *layer, const char *name_override)
{
    net->layers = ct_realloc(net->layers, (size_t)(net->nlayers + 1) * sizeof *net->layers);
    layer->index = net->nlayers;
    char part[CT_NAME_MAX];
    if (name_override && name_override[0])
        snprintf(part, sizeof part, "%s", name_override);
    else
        snprintf(part, sizeof part, "%d", layer->index);
    if (net->prefix[0]) {
        /* Truncation is harmless here: names longer than CT_NAME_MAX are cut. */
        size_t np = strlen(net->prefix);
        if (np > sizeof layer->name - 2)
            np = sizeof layer->name - 2;
        memcpy(layer->name, net->prefix, np);
        layer->name[np] = '.';
        size_t room = sizeof layer->name - np - 1;
        size_t nq = strlen(part);
        if (nq > room - 1)
            nq = room - 1;
        memcpy(layer->name + np + 1, part, nq);
        layer->name[np + 1 + nq] = '\0';
    } else {
        memcpy(layer->name, part, sizeof layer->name);
    }
    net->layers[net->nlayers++] = layer;
}

int ct_net_build(ct_net *net, ct_shape in_shape, int64_t max_batch, ct_error *err)
{
    char buf[128];
    if (net->built)
        return ct_fail(err, "network '%s' is already built", net->prefix);
    if (net->nlayers == 0)
        return ct_fail(err, "network%s%s has no layers", net->prefix[0] ? " " : "", net->prefix);
    if (max_batch < 1 || max_batch > INT32_MAX) /* BLAS takes int sizes */
        return ct_fail(err, "batch size must be in [1, %d], found %lld", INT32_MAX, (long long)max_batch);
    if (in_shape.ndim < 0 || in_shape.ndim > CT_MAX_DIMS)
        return ct_fail(err, "input shape has %d dimensions; at most %d are supported", in_shape.ndim,
                       CT_MAX_DIMS);
    for (int d = 0; d < in_shape.ndim; d++)
        if (in_shape.dim[d] < 1)
            return ct_fail(err, "input shape %s has a dimension < 1",
                           ct_shape_str(&in_shape, buf, sizeof buf));

    /* Shape inference, layer by layer. */
    net->in_shape = in_shape;
    net->max_batch = max_batch;
    ct_shape shape = in_shape;
    size_t nparams = 0, nbuffers = 0, ncounters = 0, largest = 0, act_total = 0, ws_total = 0;
    bool overflow = false;
    double largest_layer_bytes = 0.0; /* the layer that needs the most memory */
    int largest_layer = 0;
    for (int i = 0; i < net->nlayers; i++) {
        ct_layer *l = net->layers[i];
        l->in = shape;
        l->max_batch = max_batch;
        l->nparams = 0;
        l->workspace_per_sample = 0;
        l->workspace_fixed = 0;
        l->min_train_batch = 1;
        if (l->ops->build(l, err) != CT_OK)
            return CT_ERR;
        int64_t numel = ct_shape_numel(&l->out);
        if (l->out.ndim < 0 || l->out.ndim > CT_MAX_DIMS || numel < 1)
            return ct_layer_fail(l, err, "output shape %s is empty",
                                 ct_shape_str(&l->out, buf, sizeof buf));
        double layer_floats = (double)max_batch * ((double)numel + (double)l->workspace_per_sample) +
                              (double)l->workspace_fixed;
        for (int p = 0; p < l->nparams; p++) {
            ct_param *pa = &l->params[p];
            int64_t pn = ct_shape_numel(&pa->shape);
            if (pn < 0)
                return ct_layer_fail(l, err, "parameter %s has a negative size", pa->suffix);
            size_t *count = pa->kind == CT_PARAM_WEIGHT ? &nparams : pa->kind == CT_PARAM_BUFFER ? &nbuffers
                                                                                                   : &ncounters;
            pa->offset = *count;
            *count += (size_t)pn;
            layer_floats += (pa->kind == CT_PARAM_WEIGHT ? 2.0 : 1.0) * (double)pn;
        }
        if (layer_floats * sizeof(float) > largest_layer_bytes) {
            largest_layer_bytes = layer_floats * sizeof(float);
            largest_layer = i;
        }
        if ((size_t)numel > largest)
            largest = (size_t)numel;
        act_total += round_up(mul_size((size_t)max_batch, (size_t)numel, &overflow));
        ws_total += round_up(mul_size((size_t)max_batch, l->workspace_per_sample, &overflow) +
                             l->workspace_fixed);
        shape = l->out;
    }
    /* Sizes come from jobs: check the total before allocating any of it. */
    double bytes = sizeof(float) * ((double)nparams * 2 + (double)nbuffers + (double)act_total +
                                    2.0 * (double)max_batch * (double)largest + (double)ws_total) +
                   sizeof(int64_t) * (double)ncounters;
    char what[256], part[32];
    const ct_layer *big = net->layers[largest_layer];
    snprintf(what, sizeof what, "the network, for batches of up to %lld samples (most of it layer %d (%s): %s),",
             (long long)max_batch, big->index, big->ops->type,
             ct_format_bytes(largest_layer_bytes, part, sizeof part));
    if (ct_alloc_check(bytes, what, err) != CT_OK)
        return CT_ERR;
    if (overflow)
        return ct_fail(err, "activations for a batch of %lld do not fit in memory",
                       (long long)max_batch);

    /* One block per kind, carved by layer. */
    net->nparams = nparams;
    net->nbuffers = nbuffers;
    net->ncounters = ncounters;
    net->params = CT_ALLOC_ARRAY(float, nparams);
    net->grads = CT_ALLOC_ARRAY(float, nparams);
    net->buffers = CT_ALLOC_ARRAY(float, nbuffers);
    net->counters = CT_ALLOC_ARRAY(int64_t, ncounters);
    net->acts = CT_ALLOC_ARRAY(float *, net->nlayers);
    float *act_block = CT_ALLOC_ARRAY(float, act_total);
    size_t dact_size = mul_size((size_t)max_batch, largest, &overflow);
    net->dact[0] = CT_ALLOC_ARRAY(float, dact_size);
    net->dact[1] = CT_ALLOC_ARRAY(float, dact_size);
    net->workspace = ws_total ? CT_ALLOC_ARRAY(float, ws_total) : NULL;
    size_t act_off = 0, ws_off = 0;
    for (int i = 0; i < net->nlayers; i++) {
        ct_layer *l = net->layers[i];
        for (int p = 0; p < l->nparams; p++) {
            ct_param *pa = &l->params[p];
            pa->data = pa->kind == CT_PARAM_WEIGHT ? net->params + pa->offset
                       : pa->kind == CT_PARAM_BUFFER ? net->buffers + pa->offset
                                                     : NULL;
            pa->grad = pa->kind == CT_PARAM_WEIGHT ? net->grads + pa->offset : NULL;
            pa->count = pa->kind == CT_PARAM_COUNTER ? net->counters + pa->offset : NULL;
        }
        net->acts[i] = act_block + act_off;
        act_off += round_up((size_t)max_batch * (size_t)ct_shape_numel(&l->out));
        size_t ws = (size_t)max_batch * l->workspace_per_sample + l->workspace_fixed;
        l->workspace = ws ? net->workspace + ws_off : NULL;
        ws_off += round_up(ws);
    }
    net->built = true;
    return CT_OK;
}

void ct_net_init_params(ct_net *net, ct_rng *rng)
{
    for (int i = 0; i < net->nlayers; i++) {
        ct_layer *l = net->layers[i];
        if (l->ops->init)
            l->ops->init(l, rng);
    }
}

const float *ct_net_forward(ct_net *net, const float *x, int64_t n, const ct_pass *pass)
{
    static const ct_pass default_pass = {.mode = CT_MODE_TRAIN};
    if (!pass)
        pass = &default_pass;
    const float *in = x;
    for (int i = 0; i < net->nlayers && n > 0; i++) {
        ct_layer *l = net->layers[i];
        l->ops->forward(l, in, net->acts[i], n, pass);
        in = net->acts[i];
    }
    return net->acts[net->nlayers - 1];
}

/* Index of the first layer with a trainable parameter (nlayers if none):
 * below it, backward has nothing to do unless the caller wants dL/dx. */
static int first_trainable(const ct_net *net)
{
    for (int i = 0; i < net->nlayers; i++)
        for (int p = 0; p < net->layers[i]->nparams; p++)
            if (net->layers[i]->params[p].kind == CT_PARAM_WEIGHT)
                return i;
    return net->nlayers;
}

void ct_net_backward(ct_net *net, const float *x, const float *dout, int64_t n, float *dx)
{
    if (n <= 0)
        return;
    int first = dx ? 0 : first_trainable(net);
    const float *dy = dout;
    for (int i = net->nlayers - 1; i >= first; i--) {
        ct_layer *l = net->layers[i];
        const float *in = i > 0 ? net->acts[i - 1] : x;
        /* Layer i writes dL/d(its input) only when a layer below needs it. */
        float *din = i > first ? net->dact[(net->nlayers - 1 - i) & 1] : (i == 0 ? dx : NULL);
        l->ops->backward(l, in, net->acts[i], dy, din, n);
        dy = din;
    }
}

void ct_net_zero_grads(ct_net *net)
{
    if (net->nparams)
        memset(net->grads, 0, net->nparams * sizeof *net->grads);
}

int64_t ct_net_min_train_batch(const ct_net *net)
{
    int64_t need = 1;
    for (int i = 0; i < net->nlayers; i++)
        if (net->layers[i]->min_train_batch > need)
            need = net->layers[i]->min_train_batch;
    return need;
}

const ct_shape *ct_net_out_shape(const ct_net *net)
{
    return &net->layers[net->nlayers - 1]->out;
}

int ct_net_each_param(const ct_net *net, ct_param_visitor visit, void *ctx, ct_error *err)
{
    for (int i = 0; i < net->nlayers; i++) {
        const ct_layer *l = net->layers[i];
        for (int p = 0; p < l->nparams; p++)
            if (visit(ctx, l, &l->params[p], err) != CT_OK)
                return CT_ERR;
    }
    return CT_OK;
}

void ct_param_full_name(const ct_layer *layer, const ct_param *param, char *buf, size_t size)
{
    snprintf(buf, size, "%s.%s", layer->name, param->suffix);
}

void ct_net_free(ct_net *net)
{
    for (int i = 0; i < net->nlayers; i++)
        ct_layer_destroy(net->layers[i]);
    ct_free(net->layers);
    ct_free(net->params);
    ct_free(net->grads);
    ct_free(net->buffers);
    ct_free(net->counters);
    if (net->acts)
        ct_free(net->acts[0]);
    ct_free(net->acts);
    ct_free(net->dact[0]);
    ct_free(net->dact[1]);
    ct_free(net->workspace);
    ct_net_init(net, "");
}
