/* Parity with PyTorch 1.13 layer by layer: tests/fixtures/layer_parity.h5
 * (written by tests/fixtures/make_layer_parity.py) holds, for each case, one
 * layer's arguments, its state_dict, an input batch, the output, a random
 * upstream gradient dy and the gradients it gives w.r.t. the input and the
 * parameters, plus the buffers after the forward (batch norm's running
 * statistics), and for BCE and NLL the loss and its gradient.
 *
 * The test builds each layer from the case's attributes (so a case added to
 * the script is tested without touching this file), loads the state_dict
 * by name, runs forward and backward in the case's mode and compares every
 * array within 1e-4 relative, with an absolute floor of 1e-6 for values
 * near 0 (float32 arithmetic in a different order). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "engine/alloc.h"
#include "engine/loss.h"
#include "fixture.h"
#include "testlib.h"

#define RTOL 1e-4
#define ATOL 1e-6

static double worst_rel; /* largest |got - want| / |want| over values >= 1e-3 */

static bool has_link(hid_t g, const char *name)
{
    return H5Lexists(g, name, H5P_DEFAULT) > 0;
}

/* Dimensions of dataset name in g; returns the rank. */
static int dataset_dims(hid_t g, const char *name, hsize_t dims[8])
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) {
        print_error("fixture has no dataset %s\n", name);
        fail();
    }
    hid_t space = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(space);
    assert_true(rank >= 0 && rank <= 8);
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    H5Dclose(d);
    return rank;
}

/* Reads dataset name, which must hold exactly count elements. */
static void read_dataset(hid_t g, const char *name, hid_t type, void *buf, size_t count)
{
    hsize_t dims[8];
    int rank = dataset_dims(g, name, dims);
    hsize_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    if (n != count) {
        print_error("fixture dataset %s has %llu elements, expected %zu\n", name, (unsigned long long)n, count);
        fail();
    }
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    assert_true(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
}

/* A fresh array with dataset name, whose element count is returned. */
static float *read_floats(hid_t g, const char *name, size_t *count)
{
    hsize_t dims[8];
    int rank = dataset_dims(g, name, dims);
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    float *buf = CT_ALLOC_ARRAY(float, n);
    read_dataset(g, name, H5T_NATIVE_FLOAT, buf, n);
    *count = n;
    return buf;
}

static int64_t attr_int(hid_t g, const char *name)
{
    int64_t v = 0;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    if (a < 0) {
        print_error("fixture case has no attribute %s\n", name);
        fail();
    }
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
    return v;
}

static double attr_double(hid_t g, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

/* A string attribute (h5py writes variable-length UTF-8), "" if absent. */
static void attr_string(hid_t g, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    if (H5Aexists(g, name) <= 0)
        return;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    char *s = NULL;
    assert_true(H5Aread(a, type, &s) >= 0);
    snprintf(buf, size, "%s", s ? s : "");
    H5free_memory(s);
    H5Tclose(type);
    H5Aclose(a);
}

/* An int64 array attribute as a per-sample shape. */
static ct_shape attr_shape(hid_t g, const char *name)
{
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t space = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    assert_true(n >= 1 && n <= CT_MAX_DIMS);
    ct_shape s = {(int)n, {0, 0, 0, 0}};
    assert_true(H5Aread(a, H5T_NATIVE_INT64, s.dim) >= 0);
    H5Sclose(space);
    H5Aclose(a);
    return s;
}

/* The layer a case describes, from its attributes (PyTorch's argument names). */
static ct_layer *layer_from_case(hid_t g, const char *type)
{
    if (!strcmp(type, "conv2d"))
        return ct_conv2d_create(attr_int(g, "in_channels"), attr_int(g, "out_channels"), attr_int(g, "kernel_size"),
                                attr_int(g, "stride"), attr_int(g, "padding"), attr_int(g, "bias") != 0);
    if (!strcmp(type, "conv_transpose2d"))
        return ct_conv_transpose2d_create(attr_int(g, "in_channels"), attr_int(g, "out_channels"),
                                          attr_int(g, "kernel_size"), attr_int(g, "stride"), attr_int(g, "padding"),
                                          attr_int(g, "output_padding"), attr_int(g, "bias") != 0);
    if (!strcmp(type, "max_pool2d"))
        return ct_max_pool2d_create(attr_int(g, "kernel_size"), attr_int(g, "stride"), attr_int(g, "padding"));
    if (!strcmp(type, "avg_pool2d"))
        return ct_avg_pool2d_create(attr_int(g, "kernel_size"), attr_int(g, "stride"), attr_int(g, "padding"));
    if (!strcmp(type, "upsample"))
        return ct_upsample_create(attr_int(g, "scale_factor"));
    if (!strcmp(type, "flatten"))
        return ct_flatten_create();
    if (!strcmp(type, "unflatten"))
        return ct_unflatten_create(attr_shape(g, "unflattened_size"));
    if (!strcmp(type, "batch_norm1d"))
        return ct_batch_norm1d_create(attr_int(g, "num_features"), (float)attr_double(g, "eps"),
                                      (float)attr_double(g, "momentum"));
    if (!strcmp(type, "batch_norm2d"))
        return ct_batch_norm2d_create(attr_int(g, "num_features"), (float)attr_double(g, "eps"),
                                      (float)attr_double(g, "momentum"));
    if (!strcmp(type, "dropout"))
        return ct_dropout_create((float)attr_double(g, "p"));
    if (!strcmp(type, "elu"))
        return ct_activation_create(CT_ACT_ELU, (float)attr_double(g, "alpha"));
    if (!strcmp(type, "log_softmax"))
        return ct_activation_create(CT_ACT_LOG_SOFTMAX, 0.0f);
    print_error("fixture case has unknown layer type '%s'\n", type);
    fail();
    return NULL;
}

/* t_check_array, and the worst relative error over values that are not tiny. */
static void compare(const float *got, const float *want, size_t n, const char *what)
{
    t_check_array(got, want, n, RTOL, ATOL, what);
    for (size_t i = 0; i < n; i++)
        if (fabsf(want[i]) >= 1e-3f) {
            double rel = fabs((double)got[i] - want[i]) / fabs((double)want[i]);
            worst_rel = rel > worst_rel ? rel : worst_rel;
        }
}

static void compare_dataset(hid_t g, const char *name, const float *got, size_t n, const char *case_name)
{
    size_t count;
    float *want = read_floats(g, name, &count);
    assert_int_equal(count, n);
    char what[160];
    snprintf(what, sizeof what, "%s/%s", case_name, name);
    compare(got, want, n, what);
    ct_free(want);
}

typedef struct {
    hid_t g;
    const char *case_name;
} case_ctx;

static int load_param(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)layer;
    (void)err;
    case_ctx *ctx = ctx_;
    char name[64];
    snprintf(name, sizeof name, "param.%s", param->suffix);
    if (!has_link(ctx->g, name)) {
        print_error("%s: the engine has tensor %s, PyTorch does not\n", ctx->case_name, param->suffix);
        fail();
    }
    size_t n = (size_t)ct_shape_numel(&param->shape);
    if (param->kind == CT_PARAM_COUNTER)
        read_dataset(ctx->g, name, H5T_NATIVE_INT64, param->count, n);
    else
        read_dataset(ctx->g, name, H5T_NATIVE_FLOAT, param->data, n);
    /* The shape too, as load_state_dict checks it. */
    hsize_t dims[8];
    int rank = dataset_dims(ctx->g, name, dims);
    assert_int_equal(rank, param->shape.ndim);
    for (int d = 0; d < rank; d++)
        assert_int_equal(dims[d], param->shape.dim[d]);
    return CT_OK;
}

static int check_param(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)layer;
    (void)err;
    case_ctx *ctx = ctx_;
    char name[64];
    size_t n = (size_t)ct_shape_numel(&param->shape);
    if (param->kind == CT_PARAM_WEIGHT) {
        snprintf(name, sizeof name, "grad.%s", param->suffix);
        compare_dataset(ctx->g, name, param->grad, n, ctx->case_name);
    } else if (param->kind == CT_PARAM_BUFFER) {
        snprintf(name, sizeof name, "after.%s", param->suffix);
        compare_dataset(ctx->g, name, param->data, n, ctx->case_name);
    } else { /* counters are exact */
        snprintf(name, sizeof name, "after.%s", param->suffix);
        int64_t want = -1;
        assert_int_equal(n, 1);
        read_dataset(ctx->g, name, H5T_NATIVE_INT64, &want, 1);
        assert_int_equal(param->count[0], want);
    }
    return CT_OK;
}

static herr_t count_params(hid_t g, const char *name, const H5L_info_t *info, void *count)
{
    (void)g;
    (void)info;
    if (!strncmp(name, "param.", 6))
        ++*(int *)count;
    return 0;
}

static void run_layer_case(hid_t g, const char *case_name, const char *type)
{
    char mode[16];
    attr_string(g, "mode", mode, sizeof mode);
    hsize_t dims[8];
    int rank = dataset_dims(g, "x", dims);
    assert_true(rank >= 2 && rank <= CT_MAX_DIMS + 1);
    ct_shape in = {rank - 1, {0, 0, 0, 0}};
    for (int d = 1; d < rank; d++)
        in.dim[d - 1] = (int64_t)dims[d];
    int64_t n = (int64_t)dims[0];

    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, layer_from_case(g, type), NULL);
    t_build_shape(&net, in, n);
    case_ctx ctx = {g, case_name};
    ct_error err;
    assert_int_equal(ct_net_each_param(&net, load_param, &ctx, &err), CT_OK);
    int in_fixture = 0;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, count_params, &in_fixture);
    assert_int_equal(in_fixture, net.layers[0]->nparams); /* no tensor PyTorch has and we lack */

    size_t in_count, out_count, dy_count;
    float *x = read_floats(g, "x", &in_count), *dy = read_floats(g, "dy", &dy_count);
    out_count = (size_t)(n * ct_shape_numel(ct_net_out_shape(&net)));
    assert_int_equal(dy_count, out_count);
    float *dx = CT_ALLOC_ARRAY(float, in_count);
    ct_pass pass = {.mode = strcmp(mode, "eval") ? CT_MODE_TRAIN : CT_MODE_EVAL, .seed = 1};
    const float *y = ct_net_forward(&net, x, n, &pass);
    compare_dataset(g, "y", y, out_count, case_name);
    ct_net_zero_grads(&net);
    ct_net_backward(&net, x, dy, n, dx);
    compare_dataset(g, "dx", dx, in_count, case_name);
    assert_int_equal(ct_net_each_param(&net, check_param, &ctx, &err), CT_OK);
    print_message("  %-32s %-16s %-5s ok\n", case_name, type, mode);

    ct_free(x);
    ct_free(dy);
    ct_free(dx);
    ct_net_free(&net);
}

static void run_loss_case(hid_t g, const char *case_name, const char *loss)
{
    hsize_t dims[8];
    assert_int_equal(dataset_dims(g, "x", dims), 2);
    int64_t n = (int64_t)dims[0], dim = (int64_t)dims[1];
    size_t count;
    float *x = read_floats(g, "x", &count);
    float *dx = CT_ALLOC_ARRAY(float, count);
    double want;
    read_dataset(g, "loss", H5T_NATIVE_DOUBLE, &want, 1);
    ct_target t = {0};
    float *values = NULL;
    int32_t *labels = NULL;
    ct_loss_type type;
    if (!strcmp(loss, "bce")) {
        type = CT_LOSS_BCE;
        values = read_floats(g, "target", &count);
        t.values = values;
    } else {
        assert_string_equal(loss, "nll");
        type = CT_LOSS_NLL;
        labels = CT_ALLOC_ARRAY(int32_t, n);
        read_dataset(g, "target", H5T_NATIVE_INT32, labels, (size_t)n);
        t.labels = labels;
    }
    double got = ct_loss_compute(type, x, &t, n, dim, n, dx);
    t_check_close(got, want, 1e-6, 0, case_name, 0);
    compare_dataset(g, "dx", dx, (size_t)(n * dim), case_name);
    print_message("  %-32s %-16s loss %.7g ok\n", case_name, loss, got);
    ct_free(x);
    ct_free(dx);
    ct_free(values);
    ct_free(labels);
}

/* Layer types and losses the fixture must cover. */
static const char *const required[] = {"conv2d",       "conv_transpose2d", "max_pool2d", "avg_pool2d", "upsample",
                                       "flatten",      "unflatten",        "batch_norm1d", "batch_norm2d",
                                       "dropout",      "elu",              "log_softmax", "bce", "nll"};
enum { NREQUIRED = sizeof required / sizeof required[0] };

typedef struct {
    int cases;
    int seen[NREQUIRED];
} run_log;

static herr_t run_case(hid_t root, const char *name, const H5L_info_t *info, void *log_)
{
    (void)info;
    run_log *log = log_;
    hid_t g = H5Gopen2(root, name, H5P_DEFAULT);
    assert_true(g >= 0);
    char type[64], loss[16];
    attr_string(g, "layer", type, sizeof type);
    attr_string(g, "loss", loss, sizeof loss);
    if (loss[0])
        run_loss_case(g, name, loss);
    else
        run_layer_case(g, name, type);
    for (int i = 0; i < NREQUIRED; i++)
        log->seen[i] += !strcmp(required[i], loss[0] ? loss : type);
    log->cases++;
    H5Gclose(g);
    return 0;
}

static void test_layers_and_losses_match_pytorch(void **state)
{
    (void)state;
    hid_t f = ct_test_open_fixture("layer_parity");
    run_log log = {0};
    assert_true(H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, NULL, run_case, &log) >= 0);
    for (int i = 0; i < NREQUIRED; i++)
        if (!log.seen[i]) {
            print_error("the fixture has no case of %s\n", required[i]);
            fail();
        }
    print_message("  %d cases, worst relative error %.2g (values >= 1e-3)\n", log.cases, worst_rel);
    assert_true(log.cases >= 28);
    H5Fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers_and_losses_match_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
