/* Parity with PyTorch 1.13 layer by layer: tests/fixtures/layer_parity.h5
 * (written by tests/fixtures/make_layer_parity.py) holds, for each case, one
 * layer's arguments, its state_dict, an input batch, the output, a random
 * upstream gradient dy and the gradients it gives w.r.t. the input and the
 * parameters, plus the buffers after the forward (batch norm's running
 * statistics), and for BCE and NLL the loss and its gradient. (The
 * recurrent layers have their own fixture: test_rnn_parity.c.)
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

/* Within 1e-4 relative, 1e-6 absolute; the worst relative error seen. */
static ct_test_parity parity = {.rtol = 1e-4, .atol = 1e-6};

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
#define INT(name) ct_test_attr_int(g, name)
#define FLOAT(name) ((float)ct_test_attr_double(g, name))
    if (!strcmp(type, "linear")) {
        int64_t in = INT("in_features"), out = INT("out_features");
        bool bias = INT("bias") != 0;
        return INT("last_dim") ? ct_linear_last_dim_create(in, out, bias) : ct_linear_create(in, out, bias);
    }
    if (!strcmp(type, "embedding"))
        return ct_embedding_create(INT("num_embeddings"), INT("embedding_dim"));
    if (!strcmp(type, "conv2d"))
        return ct_conv2d_create(INT("in_channels"), INT("out_channels"), INT("kernel_size"), INT("stride"),
                                INT("padding"), INT("bias") != 0);
    if (!strcmp(type, "conv_transpose2d"))
        return ct_conv_transpose2d_create(INT("in_channels"), INT("out_channels"), INT("kernel_size"), INT("stride"),
                                          INT("padding"), INT("output_padding"), INT("bias") != 0);
    if (!strcmp(type, "max_pool2d"))
        return ct_max_pool2d_create(INT("kernel_size"), INT("stride"), INT("padding"));
    if (!strcmp(type, "avg_pool2d"))
        return ct_avg_pool2d_create(INT("kernel_size"), INT("stride"), INT("padding"));
    if (!strcmp(type, "upsample"))
        return ct_upsample_create(INT("scale_factor"));
    if (!strcmp(type, "flatten"))
        return ct_flatten_create();
    if (!strcmp(type, "unflatten"))
        return ct_unflatten_create(attr_shape(g, "unflattened_size"));
    if (!strcmp(type, "batch_norm1d"))
        return ct_batch_norm1d_create(INT("num_features"), FLOAT("eps"), FLOAT("momentum"));
    if (!strcmp(type, "batch_norm2d"))
        return ct_batch_norm2d_create(INT("num_features"), FLOAT("eps"), FLOAT("momentum"));
    if (!strcmp(type, "dropout"))
        return ct_dropout_create(FLOAT("p"));
    if (!strcmp(type, "elu"))
        return ct_activation_create(CT_ACT_ELU, FLOAT("alpha"));
    if (!strcmp(type, "log_softmax"))
        return ct_activation_create(CT_ACT_LOG_SOFTMAX, 0.0f);
#undef INT
#undef FLOAT
    print_error("fixture case has unknown layer type '%s'\n", type);
    fail();
    return NULL;
}

static void run_layer_case(hid_t g, const char *case_name, const char *type)
{
    char mode[16];
    ct_test_attr_string(g, "mode", mode, sizeof mode);
    hsize_t dims[8];
    int rank = ct_test_dims(g, "x", dims);
    assert_true(rank >= 2 && rank <= CT_MAX_DIMS + 1);
    ct_shape in = {rank - 1, {0, 0, 0, 0}};
    for (int d = 1; d < rank; d++)
        in.dim[d - 1] = (int64_t)dims[d];
    int64_t n = (int64_t)dims[0];

    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, layer_from_case(g, type), NULL);
    t_build_shape(&net, in, n);
    ct_test_load_params(g, &net, case_name);

    size_t in_count, out_count, dy_count;
    float *x = ct_test_read_floats(g, "x", &in_count), *dy = ct_test_read_floats(g, "dy", &dy_count);
    out_count = (size_t)(n * ct_shape_numel(ct_net_out_shape(&net)));
    assert_int_equal(dy_count, out_count);
    float *dx = CT_ALLOC_ARRAY(float, in_count);
    ct_pass pass = {.mode = strcmp(mode, "eval") ? CT_MODE_TRAIN : CT_MODE_EVAL, .seed = 1};
    const float *y = ct_net_forward(&net, x, n, &pass);
    ct_test_compare_dataset(&parity, g, "y", y, out_count, case_name);
    ct_net_zero_grads(&net);
    ct_net_backward(&net, x, dy, n, dx);
    ct_test_compare_dataset(&parity, g, "dx", dx, in_count, case_name);
    ct_test_check_params(&parity, g, &net, case_name);
    print_message("  %-32s %-16s %-5s ok\n", case_name, type, mode);

    ct_free(x);
    ct_free(dy);
    ct_free(dx);
    ct_net_free(&net);
}

static void run_loss_case(hid_t g, const char *case_name, const char *loss)
{
    hsize_t dims[8];
    assert_int_equal(ct_test_dims(g, "x", dims), 2);
    int64_t n = (int64_t)dims[0], dim = (int64_t)dims[1];
    size_t count;
    float *x = ct_test_read_floats(g, "x", &count);
    float *dx = CT_ALLOC_ARRAY(float, count);
    double want;
    ct_test_read(g, "loss", H5T_NATIVE_DOUBLE, &want, 1);
    ct_target t = {0};
    float *values = NULL;
    int32_t *labels = NULL;
    ct_loss_type type;
    if (!strcmp(loss, "bce")) {
        type = CT_LOSS_BCE;
        values = ct_test_read_floats(g, "target", &count);
        t.values = values;
    } else {
        assert_string_equal(loss, "nll");
        type = CT_LOSS_NLL;
        labels = CT_ALLOC_ARRAY(int32_t, n);
        ct_test_read(g, "target", H5T_NATIVE_INT32, labels, (size_t)n);
        t.labels = labels;
    }
    double got = ct_loss_compute(type, x, &t, n, dim, n, dx);
    t_check_close(got, want, 1e-6, 0, case_name, 0);
    ct_test_compare_dataset(&parity, g, "dx", dx, (size_t)(n * dim), case_name);
    print_message("  %-32s %-16s loss %.7g ok\n", case_name, loss, got);
    ct_free(x);
    ct_free(dx);
    ct_free(values);
    ct_free(labels);
}

/* Layer types and losses the fixture must cover. */
static const char *const required[] = {"conv2d",    "conv_transpose2d", "max_pool2d",   "avg_pool2d", "upsample",
                                       "flatten",   "unflatten",        "batch_norm1d", "batch_norm2d", "dropout",
                                       "elu",       "log_softmax",      "embedding",    "linear",     "bce",
                                       "nll"};
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
    ct_test_attr_string(g, "layer", type, sizeof type);
    ct_test_attr_string(g, "loss", loss, sizeof loss);
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
    print_message("  %d cases, worst relative error %.2g (values >= 1e-3)\n", log.cases, parity.worst_rel);
    assert_true(log.cases >= 31);
    H5Fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers_and_losses_match_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
