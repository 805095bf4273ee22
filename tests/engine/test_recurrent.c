/* The sequence layers beyond their gradients and PyTorch parity: what
 * padded steps do, carrying the state from one window to the next, dropout
 * masks that follow global samples, bad token ids, the build errors, and the
 * accuracy of the vectorizable exp, sigmoid and tanh of vmath.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/recurrent.h"
#include "engine/vmath.h"
#include "testlib.h"

enum { F = 3, H = 4 };

static ct_layer *recurrent(ct_recurrent_cell cell, int64_t layers, float dropout, ct_recurrent_output output)
{
    ct_recurrent_config cfg = {.cell = cell, .hidden_size = H, .num_layers = layers, .bias = true,
                               .dropout = dropout, .output = output};
    return ct_recurrent_create(&cfg);
}

/* A one-layer net over [steps, F] for max_batch samples, with the
 * parameters of `like` when given (same shapes), random ones otherwise. */
static void build_one(ct_net *net, ct_layer *l, int64_t steps, int64_t max_batch, const ct_net *like)
{
    ct_net_init(net, "");
    ct_net_add(net, l, NULL);
    t_build_shape(net, ct_shape2(steps, F), max_batch);
    if (like) {
        assert_int_equal(net->nparams, like->nparams);
        memcpy(net->params, like->params, net->nparams * sizeof *net->params);
    } else {
        ct_rng rng;
        ct_rng_seed(&rng, 5, 0);
        ct_net_init_params(net, &rng);
    }
}

static ct_recurrent_state state_of(ct_net *net)
{
    ct_recurrent_state st;
    ct_error err = {{0}};
    if (ct_recurrent_state_get(net->layers[0], &st, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return st;
}

/* Padded steps: no output, no state change, no gradient, whatever the input
 * holds there; each sample's result is that of a run on its real steps alone. */
static void check_padding(ct_recurrent_cell cell)
{
    enum { N = 3, T = 5 };
    const int32_t lengths[N] = {5, 2, 4};
    ct_net net;
    build_one(&net, recurrent(cell, 2, 0.0f, CT_OUTPUT_SEQUENCE), T, N, NULL);
    float x[N * T * F], dy[N * T * H], dx[N * T * F];
    ct_rng rng;
    ct_rng_seed(&rng, 6, 0);
    t_fill_normal(x, N * T * F, 1.0f, &rng);
    t_fill_normal(dy, N * T * H, 1.0f, &rng);
    for (int j = 0; j < N; j++)
        for (int i = lengths[j] * F; i < T * F; i++)
            x[j * T * F + i] = 1e3f; /* padding the layer must not look at */
    ct_recurrent_state st = state_of(&net);
    t_fill_normal(st.h0, N * 2 * H, 1.0f, &rng);
    if (st.c0)
        t_fill_normal(st.c0, N * 2 * H, 1.0f, &rng);
    ct_pass pass = {.mode = CT_MODE_TRAIN, .lengths = lengths};
    const float *y = ct_net_forward(&net, x, N, &pass);
    ct_net_zero_grads(&net);
    ct_net_backward(&net, x, dy, N, dx);
    for (int j = 0; j < N; j++) {
        int len = lengths[j];
        for (int i = len * H; i < T * H; i++)
            assert_true(y[j * T * H + i] == 0.0f);
        for (int i = len * F; i < T * F; i++)
            assert_true(dx[j * T * F + i] == 0.0f);
        /* The same sample alone, on its real steps. */
        ct_net one;
        build_one(&one, recurrent(cell, 2, 0.0f, CT_OUTPUT_SEQUENCE), len, 1, &net);
        ct_recurrent_state s1 = state_of(&one);
        memcpy(s1.h0, st.h0 + j * 2 * H, 2 * H * sizeof *s1.h0);
        if (st.c0)
            memcpy(s1.c0, st.c0 + j * 2 * H, 2 * H * sizeof *s1.c0);
        const float *y1 = ct_net_forward(&one, x + j * T * F, 1, &pass);
        t_check_array(y1, y + j * T * H, (size_t)(len * H), 1e-6, 1e-7, "output at real steps");
        t_check_array(s1.hn, st.hn + j * 2 * H, 2 * H, 1e-6, 1e-7, "final h");
        if (st.cn)
            t_check_array(s1.cn, st.cn + j * 2 * H, 2 * H, 1e-6, 1e-7, "final c");
        ct_net_free(&one);
    }
    /* Lengths outside [1, T] are clamped, never read past. */
    const int32_t wild[N] = {0, 99, -4}, clamped[N] = {1, T, 1};
    float y_wild[N * T * H];
    pass.lengths = wild;
    memcpy(y_wild, ct_net_forward(&net, x, N, &pass), sizeof y_wild);
    pass.lengths = clamped;
    assert_memory_equal(y_wild, ct_net_forward(&net, x, N, &pass), sizeof y_wild);
    ct_net_free(&net);
}

static void test_padded_steps(void **state)
{
    (void)state;
    check_padding(CT_CELL_RNN_TANH);
    check_padding(CT_CELL_LSTM);
    check_padding(CT_CELL_GRU);
}

/* Truncated BPTT: two windows of 3 steps with the state carried equal one
 * run of 6 steps; the state starts at zero. */
static void check_carry(ct_recurrent_cell cell)
{
    enum { N = 2, T = 6, W = 3, L = 2 };
    ct_net whole, window;
    build_one(&whole, recurrent(cell, L, 0.0f, CT_OUTPUT_SEQUENCE), T, N, NULL);
    build_one(&window, recurrent(cell, L, 0.0f, CT_OUTPUT_SEQUENCE), W, N + 1, &whole);
    ct_recurrent_state sw = state_of(&whole), s = state_of(&window);
    for (int i = 0; i < (N + 1) * L * H; i++)
        assert_true(s.h0[i] == 0.0f && (!s.c0 || s.c0[i] == 0.0f));
    float x[N * T * F], part[N * W * F], y[N * T * H];
    ct_rng rng;
    ct_rng_seed(&rng, 7, 0);
    t_fill_normal(x, N * T * F, 1.0f, &rng);
    memcpy(y, ct_net_forward(&whole, x, N, NULL), sizeof y);
    for (int w = 0; w < T / W; w++) {
        for (int j = 0; j < N; j++)
            memcpy(part + j * W * F, x + (j * T + w * W) * F, W * F * sizeof *part);
        const float *yw = ct_net_forward(&window, part, N, NULL);
        for (int j = 0; j < N; j++)
            t_check_array(yw + j * W * H, y + (j * T + w * W) * H, W * H, 1e-6, 1e-7, "window output");
        /* carry: rows j < N of the final state become the initial state */
        memcpy(s.h0, s.hn, N * L * H * sizeof *s.h0);
        if (s.c0)
            memcpy(s.c0, s.cn, N * L * H * sizeof *s.c0);
    }
    t_check_array(s.hn, sw.hn, N * L * H, 1e-6, 1e-7, "final h after two windows");
    ct_net_free(&whole);
    ct_net_free(&window);
}

static void test_carried_state(void **state)
{
    (void)state;
    check_carry(CT_CELL_RNN_RELU);
    check_carry(CT_CELL_LSTM);
    check_carry(CT_CELL_GRU);
}

static float *run_copy(ct_net *net, const float *x, int64_t n, const ct_pass *pass)
{
    size_t size = (size_t)(n * ct_shape_numel(ct_net_out_shape(net)));
    float *y = CT_ALLOC_ARRAY(float, size);
    memcpy(y, ct_net_forward(net, x, n, pass), size * sizeof *y);
    return y;
}

/* Dropout between stacked layers draws per global sample: a batch split as
 * ranks would split it gives the same outputs; another salt other ones;
 * eval mode none. */
static void test_dropout_between_layers(void **state)
{
    (void)state;
    enum { N = 6, T = 4 };
    ct_net net, plain;
    build_one(&net, recurrent(CT_CELL_LSTM, 3, 0.4f, CT_OUTPUT_SEQUENCE), T, N, NULL);
    build_one(&plain, recurrent(CT_CELL_LSTM, 3, 0.0f, CT_OUTPUT_SEQUENCE), T, N, &net);
    float x[N * T * F];
    ct_rng rng;
    ct_rng_seed(&rng, 8, 0);
    t_fill_normal(x, N * T * F, 1.0f, &rng);
    size_t size = N * T * H;
    ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = 9, .step = 4};
    float *whole = run_copy(&net, x, N, &pass), *none = run_copy(&plain, x, N, &pass);
    const int parts[3][2] = {{0, 2}, {2, 3}, {5, 1}};
    for (int k = 0; k < 3; k++) {
        ct_pass part = pass;
        part.first_sample = parts[k][0];
        float *y = run_copy(&net, x + parts[k][0] * T * F, parts[k][1], &part);
        t_check_array(y, whole + parts[k][0] * T * H, (size_t)(parts[k][1] * T * H), 1e-6, 1e-7, "rank part");
        ct_free(y);
    }
    ct_pass other = pass;
    other.salt = ct_salt("gan.d_fake");
    float *salted = run_copy(&net, x, N, &other);
    ct_pass eval = pass;
    eval.mode = CT_MODE_EVAL;
    float *evaluated = run_copy(&net, x, N, &eval);
    double d_whole = 0.0, d_salted = 0.0;
    for (size_t i = 0; i < size; i++) {
        d_whole += fabs(whole[i] - none[i]);
        d_salted += fabs(salted[i] - whole[i]);
    }
    assert_true(d_whole > 0.01 * size && d_salted > 0.01 * size);
    assert_memory_equal(evaluated, none, size * sizeof *none);
    ct_free(whole);
    ct_free(none);
    ct_free(salted);
    ct_free(evaluated);
    ct_net_free(&net);
    ct_net_free(&plain);
}

/* The data-parallel invariant with lengths and dropout: the gradients of a
 * batch's parts, each run as a rank runs it (its first_sample, its slice of
 * the lengths), add up to the whole batch's. */
static void test_batch_split_gradients(void **state)
{
    (void)state;
    enum { N = 6, T = 5 };
    const int32_t lengths[N] = {5, 2, 4, 1, 5, 3};
    ct_net net;
    build_one(&net, recurrent(CT_CELL_GRU, 2, 0.3f, CT_OUTPUT_LAST), T, N, NULL);
    float x[N * T * F], dy[N * H];
    ct_rng rng;
    ct_rng_seed(&rng, 10, 0);
    t_fill_normal(x, N * T * F, 1.0f, &rng);
    t_fill_normal(dy, N * H, 1.0f, &rng);
    ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = 3, .step = 7, .lengths = lengths};
    ct_net_zero_grads(&net);
    ct_net_forward(&net, x, N, &pass);
    ct_net_backward(&net, x, dy, N, NULL);
    float *whole = CT_ALLOC_ARRAY(float, net.nparams);
    memcpy(whole, net.grads, net.nparams * sizeof *whole);
    ct_net_zero_grads(&net);
    const int parts[3][2] = {{0, 2}, {2, 3}, {5, 1}};
    for (int k = 0; k < 3; k++) {
        ct_pass part = pass;
        part.first_sample = parts[k][0];
        part.lengths = lengths + parts[k][0];
        ct_net_forward(&net, x + parts[k][0] * T * F, parts[k][1], &part);
        ct_net_backward(&net, x + parts[k][0] * T * F, dy + parts[k][0] * H, parts[k][1], NULL);
    }
    t_check_array(net.grads, whole, net.nparams, 1e-5, 1e-6, "sum of the parts' gradients");
    ct_free(whole);
    ct_net_free(&net);
}

/* The tensors of each kind, in state_dict order with PyTorch's shapes. */
static void test_tensors(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_embedding_create(10, 5), NULL);
    ct_recurrent_config lstm = {.cell = CT_CELL_LSTM, .hidden_size = 6, .num_layers = 2, .bias = true,
                                .output = CT_OUTPUT_SEQUENCE};
    ct_net_add(&net, ct_recurrent_create(&lstm), NULL);
    ct_recurrent_config gru = {.cell = CT_CELL_GRU, .input_size = 6, .hidden_size = 2, .num_layers = 1,
                               .output = CT_OUTPUT_LAST};
    ct_net_add(&net, ct_recurrent_create(&gru), NULL);
    t_build_shape(&net, ct_shape1(7), 3);
    static const char *const want[] = {"0.weight [10, 5]",           "1.weight_ih_l0 [24, 5]", "1.weight_hh_l0 [24, 6]",
                                       "1.bias_ih_l0 [24]",          "1.bias_hh_l0 [24]",      "1.weight_ih_l1 [24, 6]",
                                       "1.weight_hh_l1 [24, 6]",     "1.bias_ih_l1 [24]",      "1.bias_hh_l1 [24]",
                                       "2.weight_ih_l0 [6, 6]",      "2.weight_hh_l0 [6, 2]"};
    int count = 0;
    for (int i = 0; i < net.nlayers; i++)
        for (int p = 0; p < net.layers[i]->nparams; p++) {
            const ct_param *pa = &net.layers[i]->params[p];
            char name[64], shape[32], line[100];
            ct_param_full_name(net.layers[i], pa, name, sizeof name);
            snprintf(line, sizeof line, "%s %s", name, ct_shape_str(&pa->shape, shape, sizeof shape));
            assert_true(count < 11);
            assert_string_equal(line, want[count++]);
        }
    assert_int_equal(count, 11);
    assert_string_equal(net.layers[1]->ops->type, "lstm");
    char buf[32];
    assert_string_equal(ct_shape_str(&net.layers[0]->out, buf, sizeof buf), "[7, 5]");
    assert_string_equal(ct_shape_str(&net.layers[1]->out, buf, sizeof buf), "[7, 6]");
    assert_string_equal(ct_shape_str(ct_net_out_shape(&net), buf, sizeof buf), "[2]");
    /* PyTorch's initialisation bounds: U(-1/sqrt(H), 1/sqrt(H)) for all */
    ct_rng rng;
    ct_rng_seed(&rng, 1, 0);
    ct_net_init_params(&net, &rng);
    const ct_layer *l = net.layers[2];
    for (int p = 0; p < l->nparams; p++)
        for (int64_t i = 0; i < ct_shape_numel(&l->params[p].shape); i++)
            assert_true(fabsf(l->params[p].data[i]) <= 1.0f / sqrtf(2.0f));
    ct_recurrent_state st;
    ct_error err;
    assert_int_equal(ct_recurrent_state_get(net.layers[0], &st, &err), CT_ERR);
    assert_string_equal(err.msg, "layer 0 (embedding): has no recurrent state: it is not an rnn, lstm or gru layer");
    ct_net_free(&net);
    ct_layer *unbuilt = recurrent(CT_CELL_GRU, 1, 0.0f, CT_OUTPUT_LAST);
    assert_int_equal(ct_recurrent_state_get(unbuilt, &st, &err), CT_ERR);
    ct_layer_destroy(unbuilt);
}

/* Ids that are not in the table give NaN rows and no gradient. */
static void test_embedding_bad_ids(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_embedding_create(4, 2), NULL);
    t_build(&net, 6, 1);
    ct_rng rng;
    ct_rng_seed(&rng, 3, 0);
    ct_net_init_params(&net, &rng);
    const float ids[6] = {3, -1, 4, 2.5f, NAN, 0};
    const float *y = ct_net_forward(&net, ids, 1, NULL);
    for (int i = 0; i < 6; i++) {
        bool good = i == 0 || i == 5;
        for (int k = 0; k < 2; k++)
            assert_true(good ? y[2 * i + k] == net.params[2 * (int)ids[i] + k] : isnan(y[2 * i + k]));
    }
    const float dy[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float dx[6] = {9, 9, 9, 9, 9, 9};
    ct_net_zero_grads(&net);
    ct_net_backward(&net, ids, dy, 1, dx);
    const float want[8] = {1, 1, 0, 0, 0, 0, 1, 1}; /* rows 0 and 3 only */
    assert_memory_equal(net.grads, want, sizeof want);
    for (int i = 0; i < 6; i++)
        assert_true(dx[i] == 0.0f);
    ct_net_free(&net);
}

/* A bad id's NaN reaches the output through every cell (the run's guard
 * sees it), from its step on. */
static void test_nan_propagates(void **state)
{
    (void)state;
    const ct_recurrent_cell cells[4] = {CT_CELL_RNN_TANH, CT_CELL_RNN_RELU, CT_CELL_LSTM, CT_CELL_GRU};
    for (int c = 0; c < 4; c++) {
        ct_net net;
        ct_net_init(&net, "");
        ct_net_add(&net, ct_embedding_create(4, F), NULL);
        ct_net_add(&net, recurrent(cells[c], 1, 0.0f, CT_OUTPUT_SEQUENCE), NULL);
        t_build(&net, 4, 1);
        ct_rng rng;
        ct_rng_seed(&rng, 4, 0);
        ct_net_init_params(&net, &rng);
        const float ids[4] = {1, 2, 9, 0};
        const float *y = ct_net_forward(&net, ids, 1, NULL);
        for (int i = 0; i < 4 * H; i++)
            assert_true(i < 2 * H ? isfinite(y[i]) : isnan(y[i]));
        ct_net_free(&net);
    }
}

static const char *build_error(ct_layer *l, ct_shape in, int64_t max_batch)
{
    static ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, l, NULL);
    assert_int_equal(ct_net_build(&net, in, max_batch, &err), CT_ERR);
    ct_net_free(&net);
    return err.msg;
}

static void test_build_errors(void **state)
{
    (void)state;
    ct_recurrent_config c = {.cell = CT_CELL_GRU, .hidden_size = 4, .num_layers = 1, .output = CT_OUTPUT_LAST};
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape1(5), 2),
                        "layer 0 (gru): expects a per-sample input [T, F] (a batch [n, T, F]), found shape [5]");
    c.input_size = 4;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(5, 3), 2),
                        "layer 0 (gru): expects 4 input features (input_size), found 3 (input shape [5, 3])");
    c.input_size = 0;
    c.hidden_size = 0;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(5, 3), 2),
                        "layer 0 (gru): hidden_size must be >= 1 and <= 2147483647, found 0");
    c.hidden_size = 4;
    c.num_layers = 0;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(5, 3), 2),
                        "layer 0 (gru): num_layers must be >= 1 and <= 2147483647, found 0");
    c.num_layers = 1;
    c.dropout = 0.2f;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(5, 3), 2),
                        "layer 0 (gru): dropout 0.2 needs num_layers > 1: it applies between stacked layers");
    c.num_layers = 2;
    c.dropout = 1.0f;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(5, 3), 2),
                        "layer 0 (gru): dropout must be >= 0 and < 1, found 1");
    c.dropout = 0.0f;
    c.cell = CT_CELL_LSTM;
    c.hidden_size = 1 << 28;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(5, 3), 2),
                        "layer 0 (lstm): 5 steps of 1073741824 gate values in batches of 2 are too large for BLAS");
    c.hidden_size = 4;
    assert_string_equal(build_error(ct_recurrent_create(&c), ct_shape2(1 << 20, 3), 1 << 12),
                        "layer 0 (lstm): 1048576 steps of 16 gate values in batches of 4096 are too large for BLAS");
    assert_string_equal(build_error(ct_embedding_create(0, 3), ct_shape1(5), 2),
                        "layer 0 (embedding): num_embeddings must be >= 1 and <= 16777216 (ids are float32, exact "
                        "up to 2^24), found 0");
    assert_string_equal(build_error(ct_embedding_create(16777217, 3), ct_shape1(5), 2),
                        "layer 0 (embedding): num_embeddings must be >= 1 and <= 16777216 (ids are float32, exact "
                        "up to 2^24), found 16777217");
    assert_string_equal(build_error(ct_embedding_create(5, 0), ct_shape1(5), 2),
                        "layer 0 (embedding): embedding_dim must be >= 1 and <= 2147483647, found 0");
    assert_string_equal(build_error(ct_embedding_create(5, 2), ct_shape4(1, 2, 3, 4), 2),
                        "layer 0 (embedding): expects ids of at most 3 dimensions per sample, found shape "
                        "[1, 2, 3, 4]");
    assert_string_equal(build_error(ct_linear_last_dim_create(4, 2, true), ct_shape2(5, 3), 2),
                        "layer 0 (linear): expects 4 input features in the last dimension, found 3 (input shape "
                        "[5, 3])");
}

/* ulps between got and the double-precision want (in want's float ulp). */
static double ulps(float got, double want)
{
    float w = (float)want;
    double ulp = (double)nextafterf(fabsf(w), INFINITY) - fabsf(w);
    return fabs((double)got - want) / ulp;
}

static void test_vmath_accuracy(void **state)
{
    (void)state;
    double worst_exp = 0.0, worst_sigmoid = 0.0, worst_tanh = 0.0;
    /* every 2^-12 relative step over [-100, 100], and 0 */
    for (float x = -100.0f; x <= 100.0f; x += fmaxf(fabsf(x) / 4096.0f, 1e-30f)) {
        if (x >= -87.0f && x <= 88.0f)
            worst_exp = fmax(worst_exp, ulps(ct_vexpf(x), exp((double)x)));
        if (x >= -80.0f) /* below, e^-x clamps and the result, < 2e-35, drifts */
            worst_sigmoid = fmax(worst_sigmoid, ulps(ct_vsigmoidf(x), 1.0 / (1.0 + exp(-(double)x))));
        if (x != 0.0f)
            worst_tanh = fmax(worst_tanh, ulps(ct_vtanhf(x), tanh((double)x)));
    }
    print_message("  worst ulp: exp %.2f, sigmoid %.2f, tanh %.2f\n", worst_exp, worst_sigmoid, worst_tanh);
    assert_true(worst_exp < 2.0 && worst_sigmoid < 3.0 && worst_tanh < 2.0);
    assert_true(ct_vtanhf(0.0f) == 0.0f && ct_vtanhf(-1e3f) == -1.0f && ct_vsigmoidf(1e3f) == 1.0f);
    assert_true(ct_vsigmoidf(-1e3f) >= 0.0f && ct_vsigmoidf(-1e3f) < 1e-37f);
    assert_true(ct_vtanhf(INFINITY) == 1.0f && ct_vtanhf(-INFINITY) == -1.0f);
    assert_true(ct_vsigmoidf(INFINITY) == 1.0f && ct_vsigmoidf(-INFINITY) < 1e-37f);
    /* NaN in, NaN out: the run's non-finite guard must see it */
    assert_true(isnan(ct_vexpf(NAN)) && isnan(ct_vsigmoidf(NAN)) && isnan(ct_vtanhf(NAN)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_padded_steps),
        cmocka_unit_test(test_carried_state),
        cmocka_unit_test(test_dropout_between_layers),
        cmocka_unit_test(test_batch_split_gradients),
        cmocka_unit_test(test_tensors),
        cmocka_unit_test(test_embedding_bad_ids),
        cmocka_unit_test(test_nan_propagates),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_vmath_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
