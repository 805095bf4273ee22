/* Layers against naive loops (linear, activations) and network assembly:
 * names, flat-buffer layout, shape errors, which layers get dx. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "testlib.h"

/* ---- linear ------------------------------------------------------------ */

/* y = x W^T + b and its gradients, in double. */
static void naive_linear(const float *x, const float *w, const float *b, const float *dy, int64_t n,
                         int64_t in, int64_t out, float *y, float *dw, float *db, float *dx)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t o = 0; o < out; o++) {
            double s = b ? b[o] : 0.0;
            for (int64_t k = 0; k < in; k++)
                s += (double)x[i * in + k] * w[o * in + k];
            y[i * out + o] = (float)s;
        }
    for (int64_t o = 0; o < out; o++) {
        for (int64_t k = 0; k < in; k++) {
            double s = 0.0;
            for (int64_t i = 0; i < n; i++)
                s += (double)dy[i * out + o] * x[i * in + k];
            dw[o * in + k] = (float)s;
        }
        double s = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += dy[i * out + o];
        db[o] = (float)s;
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < in; k++) {
            double s = 0.0;
            for (int64_t o = 0; o < out; o++)
                s += (double)dy[i * out + o] * w[o * in + k];
            dx[i * in + k] = (float)s;
        }
}

static void check_linear(int64_t n, int64_t in, int64_t out, bool bias)
{
    ct_rng rng;
    ct_rng_seed(&rng, (uint64_t)(n * 1000 + in * 10 + out), 0);
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(in, out, bias), NULL);
    t_build(&net, in, n + 2); /* a batch smaller than max_batch */
    assert_int_equal(net.nparams, (size_t)(in * out + (bias ? out : 0)));
    t_fill_normal(net.params, net.nparams, 1.0f, &rng);

    float *x = CT_ALLOC_ARRAY(float, n * in), *dy = CT_ALLOC_ARRAY(float, n * out);
    float *y = CT_ALLOC_ARRAY(float, n * out), *dw = CT_ALLOC_ARRAY(float, in * out);
    float *db = CT_ALLOC_ARRAY(float, out), *dx = CT_ALLOC_ARRAY(float, n * in);
    float *dx_got = CT_ALLOC_ARRAY(float, n * in);
    t_fill_normal(x, (size_t)(n * in), 1.0f, &rng);
    t_fill_normal(dy, (size_t)(n * out), 1.0f, &rng);
    const float *w = net.layers[0]->params[0].data;
    const float *b = bias ? net.layers[0]->params[1].data : NULL;
    naive_linear(x, w, b, dy, n, in, out, y, dw, db, dx);

    const float *got = ct_net_forward(&net, x, n, NULL);
    t_check_array(got, y, (size_t)(n * out), 1e-5, 1e-5, "linear y");
    ct_net_zero_grads(&net);
    ct_net_backward(&net, x, dy, n, dx_got);
    t_check_array(net.layers[0]->params[0].grad, dw, (size_t)(in * out), 1e-5, 1e-5, "linear dW");
    if (bias)
        t_check_array(net.layers[0]->params[1].grad, db, (size_t)out, 1e-5, 1e-5, "linear db");
    t_check_array(dx_got, dx, (size_t)(n * in), 1e-5, 1e-5, "linear dx");

    /* A second backward accumulates (+=); dx is overwritten. */
    ct_net_backward(&net, x, dy, n, dx_got);
    for (int64_t i = 0; i < in * out; i++)
        dw[i] *= 2.0f;
    t_check_array(net.layers[0]->params[0].grad, dw, (size_t)(in * out), 1e-5, 1e-5, "linear 2 dW");
    t_check_array(dx_got, dx, (size_t)(n * in), 1e-5, 1e-5, "linear 2 dx");

    ct_free(x);
    ct_free(dy);
    ct_free(y);
    ct_free(dw);
    ct_free(db);
    ct_free(dx);
    ct_free(dx_got);
    ct_net_free(&net);
}

static void test_linear_against_naive(void **state)
{
    (void)state;
    check_linear(1, 1, 1, true);
    check_linear(1, 13, 7, true);  /* a batch of one */
    check_linear(5, 13, 7, true);  /* odd sizes */
    check_linear(3, 7, 1, true);   /* a single output */
    check_linear(4, 5, 3, false);  /* no bias */
    check_linear(33, 65, 17, true);
}

static void test_linear_flattens_and_infers_in_features(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(0, 4, true), NULL);
    ct_error err;
    assert_int_equal(ct_net_build(&net, ct_shape3(2, 3, 2), 3, &err), CT_OK);
    assert_int_equal(net.layers[0]->params[0].shape.ndim, 2);
    assert_int_equal(net.layers[0]->params[0].shape.dim[0], 4);
    assert_int_equal(net.layers[0]->params[0].shape.dim[1], 12);
    assert_int_equal(ct_net_out_shape(&net)->ndim, 1);
    assert_int_equal(ct_net_out_shape(&net)->dim[0], 4);
    ct_net_free(&net);
}

static void test_linear_init_is_pytorch_default(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(100, 50, true), NULL);
    t_build(&net, 100, 1);
    ct_rng rng;
    ct_rng_seed(&rng, 1, 0);
    ct_net_init_params(&net, &rng);
    const float bound = 0.1f; /* 1 / sqrt(100) */
    double sum = 0.0, sum2 = 0.0;
    for (size_t i = 0; i < net.nparams; i++) {
        assert_true(net.params[i] >= -bound && net.params[i] < bound);
        sum += net.params[i];
        sum2 += (double)net.params[i] * net.params[i];
    }
    double mean = sum / (double)net.nparams, var = sum2 / (double)net.nparams;
    assert_true(fabs(mean) < 0.005);
    assert_true(fabs(var - bound * bound / 3.0) < 0.0005); /* variance of U(-b, b) */
    /* The same seed gives the same parameters. */
    float *first = CT_ALLOC_ARRAY(float, net.nparams);
    memcpy(first, net.params, net.nparams * sizeof *first);
    ct_rng_seed(&rng, 1, 0);
    ct_net_init_params(&net, &rng);
    assert_memory_equal(first, net.params, net.nparams * sizeof *first);
    ct_free(first);
    ct_net_free(&net);
}

/* ---- activations ----------------------------------------------------- */

static double naive_act(ct_activation kind, float slope, double x)
{
    switch (kind) {
    case CT_ACT_RELU: return x > 0 ? x : 0;
    case CT_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;
    case CT_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case CT_ACT_TANH: return tanh(x);
    case CT_ACT_ELU: return x > 0 ? x : slope * (exp(x) - 1); /* slope: alpha */
    default: return NAN;
    }
}

static double naive_act_grad(ct_activation kind, float slope, double x)
{
    switch (kind) {
    case CT_ACT_RELU: return x > 0 ? 1 : 0;
    case CT_ACT_LEAKY_RELU: return x > 0 ? 1 : slope;
    case CT_ACT_SIGMOID: {
        double s = 1.0 / (1.0 + exp(-x));
        return s * (1 - s);
    }
    case CT_ACT_TANH: return 1 - tanh(x) * tanh(x);
    case CT_ACT_ELU: return x > 0 ? 1 : slope * exp(x);
    default: return NAN;
    }
}

/* Per-sample shape [rows, dim]; softmax over dim. */
static void check_activation(ct_activation kind, float slope, int64_t n, int64_t rows, int64_t dim, float scale)
{
    ct_rng rng;
    ct_rng_seed(&rng, (uint64_t)kind * 100 + (uint64_t)n, 1);
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create(kind, slope), NULL);
    ct_error err;
    assert_int_equal(ct_net_build(&net, ct_shape2(rows, dim), n, &err), CT_OK);
    assert_int_equal(net.nparams, 0);
    int64_t count = n * rows * dim;
    float *x = CT_ALLOC_ARRAY(float, count), *dy = CT_ALLOC_ARRAY(float, count);
    float *y = CT_ALLOC_ARRAY(float, count), *dx = CT_ALLOC_ARRAY(float, count);
    float *dx_got = CT_ALLOC_ARRAY(float, count);
    t_fill_normal(x, (size_t)count, scale, &rng);
    t_fill_normal(dy, (size_t)count, 1.0f, &rng);
    if (kind == CT_ACT_LOG_SOFTMAX) {
        for (int64_t r = 0; r < n * rows; r++) {
            const float *xr = x + r * dim, *dyr = dy + r * dim;
            double m = xr[0], z = 0.0, sum = 0.0;
            for (int64_t j = 1; j < dim; j++)
                m = xr[j] > m ? xr[j] : m;
            for (int64_t j = 0; j < dim; j++) {
                z += exp(xr[j] - m);
                sum += dyr[j];
            }
            for (int64_t j = 0; j < dim; j++) { /* dy_j - s_j sum_k dy_k */
                y[r * dim + j] = (float)(xr[j] - m - log(z));
                dx[r * dim + j] = (float)(dyr[j] - exp(xr[j] - m) / z * sum);
            }
        }
    } else if (kind == CT_ACT_SOFTMAX) {
        for (int64_t r = 0; r < n * rows; r++) {
            const float *xr = x + r * dim, *dyr = dy + r * dim;
            double m = xr[0], z = 0.0, dot = 0.0;
            for (int64_t j = 1; j < dim; j++)
                m = xr[j] > m ? xr[j] : m;
            for (int64_t j = 0; j < dim; j++)
                z += exp(xr[j] - m);
            for (int64_t j = 0; j < dim; j++) {
                y[r * dim + j] = (float)(exp(xr[j] - m) / z);
                dot += dyr[j] * (exp(xr[j] - m) / z);
            }
            for (int64_t j = 0; j < dim; j++) /* sum_k dy_k s_k (delta_jk - s_j) */
                dx[r * dim + j] = (float)(exp(xr[j] - m) / z * (dyr[j] - dot));
        }
    } else {
        for (int64_t i = 0; i < count; i++) {
            y[i] = (float)naive_act(kind, slope, x[i]);
            dx[i] = (float)(dy[i] * naive_act_grad(kind, slope, x[i]));
        }
    }
    const float *got = ct_net_forward(&net, x, n, NULL);
    t_check_array(got, y, (size_t)count, 1e-6, 1e-6, net.layers[0]->ops->type);
    ct_net_backward(&net, x, dy, n, dx_got);
    t_check_array(dx_got, dx, (size_t)count, 1e-5, 1e-6, net.layers[0]->ops->type);
    if (kind == CT_ACT_SOFTMAX)
        for (int64_t r = 0; r < n * rows; r++) {
            double s = 0.0;
            for (int64_t j = 0; j < dim; j++)
                s += got[r * dim + j];
            t_check_close(s, 1.0, 0, 1e-6, "softmax row sum", (long)r);
        }
    ct_free(x);
    ct_free(dy);
    ct_free(y);
    ct_free(dx);
    ct_free(dx_got);
    ct_net_free(&net);
}

static void test_activations_against_naive(void **state)
{
    (void)state;
    const ct_activation kinds[] = {CT_ACT_RELU,    CT_ACT_LEAKY_RELU, CT_ACT_SIGMOID,    CT_ACT_TANH,
                                   CT_ACT_SOFTMAX, CT_ACT_ELU,        CT_ACT_LOG_SOFTMAX};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        check_activation(kinds[k], 0.01f, 1, 1, 7, 2.0f); /* a batch of one */
        check_activation(kinds[k], 0.2f, 3, 5, 3, 2.0f);   /* odd sizes */
        check_activation(kinds[k], 0.01f, 2, 1, 1, 2.0f);  /* softmax over one class */
        check_activation(kinds[k], 0.01f, 4, 3, 17, 30.0f); /* large inputs */
    }
}

static void test_activation_names(void **state)
{
    (void)state;
    const char *names[] = {"relu", "leaky_relu", "sigmoid", "tanh", "softmax", "elu", "log_softmax"};
    for (int k = 0; k < 7; k++) {
        ct_layer *l = ct_activation_create((ct_activation)k, 0.01f);
        assert_string_equal(l->ops->type, names[k]);
        ct_layer_destroy(l);
    }
}

static void test_activations_are_stable(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create(CT_ACT_SOFTMAX, 0), NULL);
    t_build(&net, 3, 2);
    const float x[6] = {1000.0f, 1001.0f, 1002.0f, -1000.0f, -1001.0f, -1002.0f};
    const float *y = ct_net_forward(&net, x, 2, NULL);
    const double e1 = exp(-1.0), e2 = exp(-2.0), z = 1 + e1 + e2;
    const float want[6] = {(float)(e2 / z), (float)(e1 / z), (float)(1 / z),
                           (float)(1 / z), (float)(e1 / z), (float)(e2 / z)};
    t_check_array(y, want, 6, 1e-6, 1e-7, "softmax of large logits");
    ct_net_free(&net);

    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create(CT_ACT_LOG_SOFTMAX, 0), NULL);
    t_build(&net, 3, 2);
    y = ct_net_forward(&net, x, 2, NULL);
    const float want_log[6] = {(float)(-2 - log(z)), (float)(-1 - log(z)), (float)-log(z),
                               (float)-log(z),       (float)(-1 - log(z)), (float)(-2 - log(z))};
    t_check_array(y, want_log, 6, 1e-6, 1e-7, "log_softmax of large logits");
    ct_net_free(&net);

    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create(CT_ACT_SIGMOID, 0), NULL);
    t_build(&net, 4, 1);
    const float xs[4] = {-100.0f, 100.0f, -88.0f, 0.0f};
    y = ct_net_forward(&net, xs, 1, NULL);
    for (int i = 0; i < 4; i++)
        assert_true(isfinite(y[i]) && y[i] >= 0.0f && y[i] <= 1.0f);
    assert_float_equal(y[1], 1.0f, 0);
    assert_float_equal(y[3], 0.5f, 0);
    assert_true(y[0] < 1e-40f);
    ct_net_free(&net);
}

/* ---- network assembly -------------------------------------------------- */

static void test_names_and_layout(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    t_add_linear_act(&net, 5, 4, CT_ACT_RELU, 0);
    t_add_linear_act(&net, 4, 3, -1, 0);
    t_build(&net, 5, 2);
    assert_int_equal(net.nlayers, 3);
    assert_string_equal(net.layers[0]->name, "0");
    assert_string_equal(net.layers[1]->name, "1");
    assert_string_equal(net.layers[2]->name, "2");
    char buf[128];
    ct_param_full_name(net.layers[2], &net.layers[2]->params[1], buf, sizeof buf);
    assert_string_equal(buf, "2.bias");
    /* Carved by layer, in order: 0.weight, 0.bias, 2.weight, 2.bias. */
    assert_int_equal(net.nparams, 5 * 4 + 4 + 4 * 3 + 3);
    const size_t offsets[4] = {0, 20, 24, 36};
    const ct_param *ps[4] = {&net.layers[0]->params[0], &net.layers[0]->params[1], &net.layers[2]->params[0],
                             &net.layers[2]->params[1]};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ps[i]->offset, offsets[i]);
        assert_ptr_equal(ps[i]->data, net.params + offsets[i]);
        assert_ptr_equal(ps[i]->grad, net.grads + offsets[i]);
    }
    assert_int_equal(net.layers[1]->nparams, 0);
    ct_net_free(&net);

    ct_net_init(&net, "generator");
    ct_net_add(&net, ct_linear_create(2, 2, true), NULL);
    ct_net_add(&net, ct_activation_create(CT_ACT_TANH, 0), NULL);
    ct_net_add(&net, ct_linear_create(2, 2, true), "out");
    t_build(&net, 2, 1);
    ct_param_full_name(net.layers[0], &net.layers[0]->params[0], buf, sizeof buf);
    assert_string_equal(buf, "generator.0.weight");
    assert_string_equal(net.layers[1]->name, "generator.1");
    ct_param_full_name(net.layers[2], &net.layers[2]->params[1], buf, sizeof buf);
    assert_string_equal(buf, "generator.out.bias");
    ct_net_free(&net);
}

typedef struct {
    int count;
    char names[8][64];
} visit_log;

static int record_param(void *ctx, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    visit_log *log = ctx;
    if (log->count == 3)
        return ct_fail(err, "stop at %s", layer->name);
    ct_param_full_name(layer, param, log->names[log->count++], sizeof log->names[0]);
    return CT_OK;
}

static void test_each_param_in_state_dict_order(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "q");
    t_add_linear_act(&net, 3, 3, CT_ACT_RELU, 0);
    t_add_linear_act(&net, 3, 3, CT_ACT_RELU, 0);
    t_build(&net, 3, 1);
    visit_log log = {0};
    ct_error err;
    assert_int_equal(ct_net_each_param(&net, record_param, &log, &err), CT_ERR);
    assert_string_equal(err.msg, "stop at q.2");
    assert_int_equal(log.count, 3);
    assert_string_equal(log.names[0], "q.0.weight");
    assert_string_equal(log.names[1], "q.0.bias");
    assert_string_equal(log.names[2], "q.2.weight");
    ct_net_free(&net);
}

static void test_shape_errors_name_the_layer(void **state)
{
    (void)state;
    ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(100, 10, true), NULL);
    assert_int_equal(ct_net_build(&net, ct_shape2(28, 28), 4, &err), CT_ERR);
    assert_string_equal(err.msg, "layer 0 (linear): expects 100 input features, found 784 (input shape [28, 28])");
    ct_net_free(&net);

    ct_net_init(&net, "discriminator");
    t_add_linear_act(&net, 4, 8, CT_ACT_LEAKY_RELU, 0.2f);
    ct_net_add(&net, ct_linear_create(9, 1, true), NULL);
    assert_int_equal(ct_net_build(&net, ct_shape1(4), 4, &err), CT_ERR);
    assert_string_equal(err.msg,
                        "layer discriminator.2 (linear): expects 9 input features, found 8 (input shape [8])");
    ct_net_free(&net);

    ct_net_init(&net, "");
    assert_int_equal(ct_net_build(&net, ct_shape1(4), 4, &err), CT_ERR);
    assert_string_equal(err.msg, "network has no layers");
    ct_net_add(&net, ct_linear_create(4, 0, true), NULL);
    assert_int_equal(ct_net_build(&net, ct_shape1(4), 0, &err), CT_ERR);
    assert_string_equal(err.msg, "batch size must be in [1, 2147483647], found 0");
    assert_int_equal(ct_net_build(&net, ct_shape1(4), 1, &err), CT_ERR);
    assert_string_equal(err.msg, "layer 0 (linear): out_features must be >= 1, found 0");
    ct_net_free(&net);

    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create((ct_activation)42, 0), NULL);
    assert_int_equal(ct_net_build(&net, ct_shape1(4), 1, &err), CT_ERR);
    assert_string_equal(err.msg, "layer 0 (activation): unknown activation kind 42");
    ct_net_free(&net);
}

/* A spy layer: identity with one trainable scalar (counting its backward
 * calls in its gradient) and one non-trainable buffer; it records the dx
 * pointer it was given. */
typedef struct {
    const float *last_dx;
    int backward_calls;
} spy;

static int spy_build(ct_layer *l, ct_error *err)
{
    (void)err;
    l->out = l->in;
    ct_layer_add_param(l, "calls", ct_shape1(1), CT_PARAM_WEIGHT);
    ct_layer_add_param(l, "running", ct_shape1(2), CT_PARAM_BUFFER);
    l->workspace_per_sample = 3;
    l->workspace_fixed = 5;
    return CT_OK;
}

static void spy_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    (void)pass;
    memcpy(y, x, (size_t)(n * ct_shape_numel(&l->in)) * sizeof *y);
    /* The workspace is there and sized for max_batch: writing it all is
     * caught by AddressSanitizer if it is not. */
    memset(l->workspace, 0, 8 * sizeof *l->workspace);
}

static void spy_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)x;
    (void)y;
    spy *s = l->impl;
    s->last_dx = dx;
    s->backward_calls++;
    l->params[0].grad[0] += 1.0f;
    if (dx)
        memcpy(dx, dy, (size_t)(n * ct_shape_numel(&l->in)) * sizeof *dx);
}

static const ct_layer_ops spy_ops = {"spy", spy_build, NULL, spy_forward, spy_backward, NULL};

static ct_layer *spy_create(void)
{
    ct_layer *l = ct_calloc(1, sizeof *l);
    l->ops = &spy_ops;
    l->impl = ct_calloc(1, sizeof(spy));
    return l;
}

/* The parameter table grows (a stacked LSTM has four tensors per layer). */
static void test_layer_param_table(void **state)
{
    (void)state;
    ct_layer *l = spy_create();
    for (int i = 0; i < 40; i++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "p%d", i);
        assert_int_equal(ct_layer_add_param(l, suffix, ct_shape1(i + 1), CT_PARAM_WEIGHT), i);
    }
    assert_int_equal(l->nparams, 40);
    for (int i = 0; i < 40; i++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "p%d", i);
        assert_string_equal(l->params[i].suffix, suffix);
        assert_int_equal(l->params[i].shape.dim[0], i + 1);
    }
    snprintf(l->name, sizeof l->name, "generator.3");
    ct_error err;
    assert_int_equal(ct_layer_fail(l, &err, "kernel %d is larger than the input %s", 5, "[3, 3]"), CT_ERR);
    assert_string_equal(err.msg, "layer generator.3 (spy): kernel 5 is larger than the input [3, 3]");
    ct_layer_destroy(l);
}

static void test_backward_gives_dx_only_where_needed(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, spy_create(), NULL);                         /* 0: spy */
    ct_net_add(&net, ct_linear_create(3, 3, true), NULL);         /* 1 */
    ct_net_add(&net, spy_create(), NULL);                         /* 2: spy */
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0), NULL); /* 3 */
    t_build(&net, 3, 2);
    spy *s0 = net.layers[0]->impl, *s2 = net.layers[2]->impl;
    /* Trainable tensors in params, buffers in buffers, by layer. */
    assert_int_equal(net.nparams, 1 + 12 + 1);
    assert_int_equal(net.nbuffers, 4);
    assert_ptr_equal(net.layers[2]->params[1].data, net.buffers + 2);
    assert_null(net.layers[2]->params[1].grad);
    assert_ptr_equal(net.layers[2]->params[0].grad, net.grads + 13);
    assert_non_null(net.layers[0]->workspace);
    assert_true(net.layers[2]->workspace >= net.layers[0]->workspace + 2 * 3 + 5);

    float x[6] = {1, -2, 3, 4, 5, -6}, dout[6] = {1, 1, 1, 1, 1, 1}, dx[6];
    ct_net_forward(&net, x, 2, NULL);
    ct_net_zero_grads(&net);
    ct_net_backward(&net, x, dout, 2, NULL);
    assert_int_equal(s0->backward_calls, 1);
    assert_null(s0->last_dx); /* layer 0: nobody below needs dx */
    assert_non_null(s2->last_dx); /* layer 1 needs its dy */
    ct_net_backward(&net, x, dout, 2, dx);
    assert_ptr_equal(s0->last_dx, dx); /* asked for: written into the caller's buffer */
    assert_float_equal(net.layers[0]->params[0].grad[0], 2.0f, 0);

    /* A rank with no samples in a short batch: nothing happens. */
    ct_net_forward(&net, x, 0, NULL);
    ct_net_backward(&net, x, dout, 0, dx);
    assert_int_equal(s0->backward_calls, 2);
    ct_net_free(&net);

    /* Without trainable layers below, leading parameter-free layers are
     * skipped entirely unless dx is wanted. */
    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create(CT_ACT_TANH, 0), NULL);
    ct_net_add(&net, spy_create(), NULL);
    t_build(&net, 3, 2);
    ct_net_forward(&net, x, 2, NULL);
    ct_net_backward(&net, x, dout, 2, NULL);
    assert_null(((spy *)net.layers[1]->impl)->last_dx);
    ct_net_backward(&net, x, dout, 2, dx);
    for (int i = 0; i < 6; i++)
        t_check_close(dx[i], 1.0 - tanh(x[i]) * tanh(x[i]), 1e-6, 1e-7, "tanh dx", i);
    ct_net_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_against_naive),
        cmocka_unit_test(test_linear_flattens_and_infers_in_features),
        cmocka_unit_test(test_linear_init_is_pytorch_default),
        cmocka_unit_test(test_activations_against_naive),
        cmocka_unit_test(test_activation_names),
        cmocka_unit_test(test_activations_are_stable),
        cmocka_unit_test(test_names_and_layout),
        cmocka_unit_test(test_each_param_in_state_dict_order),
        cmocka_unit_test(test_shape_errors_name_the_layer),
        cmocka_unit_test(test_layer_param_table),
        cmocka_unit_test(test_backward_gives_dx_only_where_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
