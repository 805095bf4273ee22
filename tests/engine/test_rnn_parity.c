/* Parity with PyTorch 1.13 of the rnn, lstm and gru layers:
 * tests/fixtures/rnn_parity.h5 (written by tests/fixtures/make_rnn_parity.py)
 * holds, for each case, one nn.RNN/LSTM/GRU's arguments and state_dict, an
 * input batch, optionally the samples' lengths (PyTorch's side runs
 * pack_padded_sequence) and an initial state, the output, a random upstream
 * gradient dy, dL/dx, the parameters' gradients and the final state.
 *
 * Each case builds the layer from the case's attributes, for one sample
 * more than the case has (so that the state's rows are read at the net's
 * batch stride, not the case's), loads the state_dict by name and the
 * initial state (PyTorch's [num_layers, n, H] into the engine's
 * [batch, num_layers, H]), runs forward and backward in train mode with
 * the lengths, and compares every array within 1e-4 relative, with an
 * absolute floor of 1e-6 (float32 arithmetic in a different order). */
#include <stdio.h>
#include <string.h>

#include <hdf5.h>

#include "engine/alloc.h"
#include "engine/recurrent.h"
#include "fixture.h"
#include "testlib.h"

static ct_test_parity parity = {.rtol = 1e-4, .atol = 1e-6};

static ct_layer *layer_from_case(hid_t g, const char *type, const char *output)
{
    char nonlinearity[16];
    ct_test_attr_string(g, "nonlinearity", nonlinearity, sizeof nonlinearity);
    ct_recurrent_config cfg = {
        .cell = !strcmp(type, "lstm")          ? CT_CELL_LSTM
                : !strcmp(type, "gru")         ? CT_CELL_GRU
                : !strcmp(nonlinearity, "relu") ? CT_CELL_RNN_RELU
                                                : CT_CELL_RNN_TANH,
        .input_size = ct_test_attr_int(g, "input_size"),
        .hidden_size = ct_test_attr_int(g, "hidden_size"),
        .num_layers = ct_test_attr_int(g, "num_layers"),
        .bias = ct_test_attr_int(g, "bias") != 0,
        .output = !strcmp(output, "last") ? CT_OUTPUT_LAST : CT_OUTPUT_SEQUENCE,
    };
    return ct_recurrent_create(&cfg);
}

/* PyTorch's [L, n, H] state into rows j < n of the engine's [batch, L, H]. */
static void read_state(hid_t g, const char *name, float *state, int64_t n, int64_t layers, int64_t hidden)
{
    size_t count;
    float *torch = ct_test_read_floats(g, name, &count);
    assert_int_equal(count, (size_t)(layers * n * hidden));
    for (int64_t k = 0; k < layers; k++)
        for (int64_t j = 0; j < n; j++)
            memcpy(state + (j * layers + k) * hidden, torch + (k * n + j) * hidden, (size_t)hidden * sizeof *state);
    ct_free(torch);
}

/* Rows j < n of the engine's final state, compared in PyTorch's layout. */
static void compare_state(hid_t g, const char *name, const float *state, int64_t n, int64_t layers, int64_t hidden,
                          const char *case_name)
{
    float *torch = CT_ALLOC_ARRAY(float, layers * n * hidden);
    for (int64_t k = 0; k < layers; k++)
        for (int64_t j = 0; j < n; j++)
            memcpy(torch + (k * n + j) * hidden, state + (j * layers + k) * hidden, (size_t)hidden * sizeof *torch);
    ct_test_compare_dataset(&parity, g, name, torch, (size_t)(layers * n * hidden), case_name);
    ct_free(torch);
}

static void run_case(hid_t g, const char *case_name)
{
    char type[16], output[16];
    ct_test_attr_string(g, "layer", type, sizeof type);
    ct_test_attr_string(g, "output", output, sizeof output);
    hsize_t dims[8];
    assert_int_equal(ct_test_dims(g, "x", dims), 3);
    int64_t n = (int64_t)dims[0], steps = (int64_t)dims[1], features = (int64_t)dims[2];

    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, layer_from_case(g, type, output), NULL);
    t_build_shape(&net, ct_shape2(steps, features), n + 1);
    ct_test_load_params(g, &net, case_name);
    ct_recurrent_state st;
    ct_error err;
    assert_int_equal(ct_recurrent_state_get(net.layers[0], &st, &err), CT_OK);
    assert_int_equal(st.batch, n + 1);
    bool lstm = !strcmp(type, "lstm");
    assert_true((st.c0 != NULL) == lstm && (st.cn != NULL) == lstm);
    if (ct_test_has(g, "h0")) {
        read_state(g, "h0", st.h0, n, st.num_layers, st.hidden_size);
        if (lstm)
            read_state(g, "c0", st.c0, n, st.num_layers, st.hidden_size);
    }
    int32_t *lengths = NULL;
    if (ct_test_has(g, "lengths")) {
        lengths = CT_ALLOC_ARRAY(int32_t, n);
        ct_test_read(g, "lengths", H5T_NATIVE_INT32, lengths, (size_t)n);
    }

    size_t in_count, dy_count;
    float *x = ct_test_read_floats(g, "x", &in_count), *dy = ct_test_read_floats(g, "dy", &dy_count);
    size_t out_count = (size_t)(n * ct_shape_numel(ct_net_out_shape(&net)));
    assert_int_equal(dy_count, out_count);
    float *dx = CT_ALLOC_ARRAY(float, in_count);
    ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = 1, .lengths = lengths};
    const float *y = ct_net_forward(&net, x, n, &pass);
    ct_test_compare_dataset(&parity, g, "y", y, out_count, case_name);
    compare_state(g, "hn", st.hn, n, st.num_layers, st.hidden_size, case_name);
    if (lstm)
        compare_state(g, "cn", st.cn, n, st.num_layers, st.hidden_size, case_name);
    ct_net_zero_grads(&net);
    ct_net_backward(&net, x, dy, n, dx);
    ct_test_compare_dataset(&parity, g, "dx", dx, in_count, case_name);
    ct_test_check_params(&parity, g, &net, case_name);
    print_message("  %-40s ok\n", case_name);

    ct_free(x);
    ct_free(dy);
    ct_free(dx);
    ct_free(lengths);
    ct_net_free(&net);
}

typedef struct {
    int cases;
    int seen[4]; /* rnn tanh, rnn relu, lstm, gru */
} run_log;

static herr_t visit_case(hid_t root, const char *name, const H5L_info_t *info, void *log_)
{
    (void)info;
    run_log *log = log_;
    hid_t g = H5Gopen2(root, name, H5P_DEFAULT);
    assert_true(g >= 0);
    run_case(g, name);
    char type[16], nonlinearity[16];
    ct_test_attr_string(g, "layer", type, sizeof type);
    ct_test_attr_string(g, "nonlinearity", nonlinearity, sizeof nonlinearity);
    log->seen[!strcmp(type, "lstm") ? 2 : !strcmp(type, "gru") ? 3 : !strcmp(nonlinearity, "relu")]++;
    log->cases++;
    H5Gclose(g);
    return 0;
}

static void test_recurrent_layers_match_pytorch(void **state)
{
    (void)state;
    hid_t f = ct_test_open_fixture("rnn_parity");
    run_log log = {0};
    assert_true(H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, NULL, visit_case, &log) >= 0);
    for (int i = 0; i < 4; i++)
        assert_true(log.seen[i] >= 5); /* 1-3 stacked layers, bias or not, sequence and last, padded, state */
    print_message("  %d cases, worst relative error %.2g (values >= 1e-3)\n", log.cases, parity.worst_rel);
    H5Fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recurrent_layers_match_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
