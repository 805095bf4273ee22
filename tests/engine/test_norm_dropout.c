/* Batch norm and dropout: the layers whose forward depends on the mode.
 * Batch norm's running statistics and eval mode against naive formulas,
 * its tensors' names, shapes and places; dropout's masks per global
 * sample (the same however a batch is split over ranks), its rate and
 * scale, and eval mode. Gradients are in test_gradcheck_layers.c, PyTorch
 * parity in test_layer_parity.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "testlib.h"

static const ct_pass train_pass = {.mode = CT_MODE_TRAIN, .seed = 1};
static const ct_pass eval_pass = {.mode = CT_MODE_EVAL, .seed = 1};

static const char *build_error(ct_layer *l, ct_shape in)
{
    static ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, l, NULL);
    err.msg[0] = '\0';
    ct_net_build(&net, in, 1, &err);
    ct_net_free(&net);
    return err.msg;
}

static void test_batch_norm_tensors(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(4, 6, true), NULL);
    ct_net_add(&net, ct_batch_norm1d_create(0, 1e-5f, 0.1f), NULL);
    ct_net_add(&net, ct_linear_create(6, 2, true), NULL);
    t_build(&net, 4, 3);
    ct_rng rng;
    ct_rng_seed(&rng, 1, 0);
    ct_net_init_params(&net, &rng);
    const ct_layer *bn = net.layers[1];
    const char *names[5] = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
    const float init[5] = {1.0f, 0.0f, 0.0f, 1.0f, 0.0f};
    assert_int_equal(bn->nparams, 5);
    for (int p = 0; p < 5; p++) {
        const ct_param *pa = &bn->params[p];
        assert_string_equal(pa->suffix, names[p]);
        assert_int_equal(pa->kind, p < 2 ? CT_PARAM_WEIGHT : p < 4 ? CT_PARAM_BUFFER : CT_PARAM_COUNTER);
        assert_int_equal(pa->shape.ndim, p < 4 ? 1 : 0); /* num_batches_tracked is a 0-dim tensor */
        if (p < 4)
            assert_int_equal(pa->shape.dim[0], 6);
        for (int64_t i = 0; i < ct_shape_numel(&pa->shape); i++)
            assert_float_equal(p < 4 ? pa->data[i] : (float)pa->count[i], init[p], 0);
    }
    /* Trainable tensors in params (by layer), statistics in buffers. */
    assert_int_equal(net.nparams, 4 * 6 + 6 + 6 + 6 + 6 * 2 + 2);
    assert_int_equal(net.nbuffers, 6 + 6);
    assert_int_equal(net.ncounters, 1);
    assert_ptr_equal(bn->params[4].count, net.counters);
    assert_ptr_equal(bn->params[0].data, net.params + 30);
    assert_ptr_equal(bn->params[3].data, net.buffers + 6);
    assert_null(bn->params[2].grad);
    ct_net_free(&net);
}

/* Two train steps and an eval pass against the formulas in double. */
static void test_batch_norm_running_statistics(void **state)
{
    (void)state;
    enum { N = 4, C = 3, L = 5 };
    const float eps = 1e-3f, momentum = 0.25f;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_batch_norm1d_create(C, eps, momentum), NULL);
    t_build_shape(&net, ct_shape2(C, L), N);
    ct_rng rng;
    ct_rng_seed(&rng, 2, 0);
    ct_net_init_params(&net, &rng);
    ct_layer *bn = net.layers[0];
    t_fill_uniform(bn->params[0].data, C, 0.5f, 1.5f, &rng);
    t_fill_uniform(bn->params[1].data, C, -1.0f, 1.0f, &rng);
    double rm[C] = {0, 0, 0}, rv[C] = {1, 1, 1};
    float x[N * C * L];
    for (int step = 0; step < 2; step++) {
        t_fill_normal(x, N * C * L, 2.0f, &rng);
        const float *y = ct_net_forward(&net, x, N, &train_pass);
        for (int c = 0; c < C; c++) {
            double s = 0, ss = 0;
            for (int i = 0; i < N; i++)
                for (int j = 0; j < L; j++)
                    s += x[(i * C + c) * L + j];
            double mean = s / (N * L);
            for (int i = 0; i < N; i++)
                for (int j = 0; j < L; j++)
                    ss += (x[(i * C + c) * L + j] - mean) * (x[(i * C + c) * L + j] - mean);
            double var = ss / (N * L);
            for (int i = 0; i < N; i++)
                for (int j = 0; j < L; j++) {
                    int at = (i * C + c) * L + j;
                    double want = (x[at] - mean) / sqrt(var + eps) * bn->params[0].data[c] + bn->params[1].data[c];
                    t_check_close(y[at], want, 1e-5, 1e-5, "batch_norm train y", at);
                }
            rm[c] = (1 - momentum) * rm[c] + momentum * mean;
            rv[c] = (1 - momentum) * rv[c] + momentum * ss / (N * L - 1); /* unbiased */
            t_check_close(bn->params[2].data[c], rm[c], 1e-5, 1e-6, "running_mean", c);
            t_check_close(bn->params[3].data[c], rv[c], 1e-5, 1e-6, "running_var", c);
        }
        assert_int_equal(bn->params[4].count[0], step + 1);
    }
    /* Eval: the running statistics, which it leaves alone. */
    t_fill_normal(x, N * C * L, 2.0f, &rng);
    const float *y = ct_net_forward(&net, x, N, &eval_pass);
    for (int at = 0; at < N * C * L; at++) {
        int c = (at / L) % C;
        double want = (x[at] - rm[c]) / sqrt(rv[c] + eps) * bn->params[0].data[c] + bn->params[1].data[c];
        t_check_close(y[at], want, 1e-5, 1e-5, "batch_norm eval y", at);
    }
    assert_int_equal(bn->params[4].count[0], 2);
    t_check_close(bn->params[2].data[0], rm[0], 1e-5, 1e-6, "running_mean after eval", 0);
    /* An exact count: a float would stop counting at 2^24. */
    bn->params[4].count[0] = INT64_C(1) << 24;
    t_fill_normal(x, N * C * L, 2.0f, &rng);
    ct_net_forward(&net, x, N, &train_pass);
    assert_int_equal(bn->params[4].count[0], (INT64_C(1) << 24) + 1);

    /* One value per channel (a rank with one sample of [F] inputs): PyTorch
     * refuses; here the output is the bias and the statistics stay finite. */
    ct_net_free(&net);
    ct_net_init(&net, "");
    ct_net_add(&net, ct_batch_norm1d_create(0, 1e-5f, 0.1f), NULL);
    t_build(&net, 3, 2);
    ct_net_init_params(&net, &rng);
    const float one[3] = {1.0f, -2.0f, 3.0f};
    y = ct_net_forward(&net, one, 1, &train_pass);
    for (int c = 0; c < 3; c++) {
        assert_float_equal(y[c], 0.0f, 0);
        assert_true(isfinite(net.buffers[3 + c]));
    }
    ct_net_free(&net);
}

static void test_batch_norm_errors(void **state)
{
    (void)state;
    assert_string_equal(build_error(ct_batch_norm2d_create(0, 1e-5f, 0.1f), ct_shape2(3, 4)),
                        "layer 0 (batch_norm2d): expects an input [C, H, W], found shape [3, 4]");
    assert_string_equal(build_error(ct_batch_norm1d_create(0, 1e-5f, 0.1f), ct_shape3(3, 4, 4)),
                        "layer 0 (batch_norm1d): expects an input [F] or [C, L], found shape [3, 4, 4]");
    assert_string_equal(build_error(ct_batch_norm2d_create(16, 1e-5f, 0.1f), ct_shape3(8, 4, 4)),
                        "layer 0 (batch_norm2d): expects 16 features (channels), found 8 (input shape [8, 4, 4])");
    assert_string_equal(build_error(ct_batch_norm1d_create(0, 0.0f, 0.1f), ct_shape1(3)),
                        "layer 0 (batch_norm1d): eps must be > 0, found 0");
    assert_string_equal(build_error(ct_batch_norm1d_create(0, 1e-5f, 1.5f), ct_shape1(3)),
                        "layer 0 (batch_norm1d): momentum must be in [0, 1], found 1.5");
}

/* Runs a dropout net on x[n, size] with the given pass; returns a copy of y. */
static float *dropout_run(ct_net *net, const float *x, int64_t n, int64_t size, const ct_pass *pass)
{
    float *y = CT_ALLOC_ARRAY(float, n * size);
    memcpy(y, ct_net_forward(net, x, n, pass), (size_t)(n * size) * sizeof *y);
    return y;
}

static void test_dropout_masks_follow_global_samples(void **state)
{
    (void)state;
    enum { N = 8, SIZE = 50 };
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_dropout_create(0.4f), NULL);
    t_build(&net, SIZE, N);
    float x[N * SIZE];
    for (int i = 0; i < N * SIZE; i++)
        x[i] = 1.0f + (float)i;
    ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = 9, .step = 4};
    float *whole = dropout_run(&net, x, N, SIZE, &pass);
    /* Split as three ranks would: first_sample is each part's offset. */
    const int parts[3][2] = {{0, 3}, {3, 3}, {6, 2}};
    for (int k = 0; k < 3; k++) {
        ct_pass part = {.mode = CT_MODE_TRAIN, .seed = 9, .step = 4, .first_sample = parts[k][0]};
        float *y = dropout_run(&net, x + parts[k][0] * SIZE, parts[k][1], SIZE, &part);
        assert_memory_equal(y, whole + parts[k][0] * SIZE, (size_t)parts[k][1] * SIZE * sizeof *y);
        /* backward uses the part's mask */
        float dy[3 * SIZE], dx[3 * SIZE];
        for (int i = 0; i < parts[k][1] * SIZE; i++)
            dy[i] = 1.0f;
        ct_net_backward(&net, x + parts[k][0] * SIZE, dy, parts[k][1], dx);
        for (int i = 0; i < parts[k][1] * SIZE; i++)
            assert_float_equal(dx[i] * x[parts[k][0] * SIZE + i], y[i], 1e-6f * fabsf(y[i]));
        ct_free(y);
    }
    /* Rate and scale: kept values are x / (1 - p). */
    int dropped = 0;
    for (int i = 0; i < N * SIZE; i++) {
        if (whole[i] == 0.0f)
            dropped++;
        else
            assert_float_equal(whole[i], x[i] / 0.6f, 1e-6f * x[i]);
    }
    assert_true(dropped > 0.3 * N * SIZE && dropped < 0.5 * N * SIZE);
    /* Another step, seed or layer draws other masks. */
    ct_pass other_step = {.mode = CT_MODE_TRAIN, .seed = 9, .step = 5};
    ct_pass other_seed = {.mode = CT_MODE_TRAIN, .seed = 10, .step = 4};
    float *a = dropout_run(&net, x, N, SIZE, &other_step), *b = dropout_run(&net, x, N, SIZE, &other_seed);
    assert_true(memcmp(a, whole, sizeof x) != 0 && memcmp(b, whole, sizeof x) != 0);
    ct_free(a);
    ct_free(b);
    ct_net_free(&net);
    ct_net_init(&net, "");
    ct_net_add(&net, ct_activation_create(CT_ACT_RELU, 0.0f), NULL);
    ct_net_add(&net, ct_dropout_create(0.4f), NULL);
    t_build(&net, SIZE, N);
    a = dropout_run(&net, x, N, SIZE, &pass);
    assert_true(memcmp(a, whole, sizeof x) != 0);
    ct_free(a);
    ct_net_free(&net);
    /* Another purpose (pass salt) draws other masks; salt 0 is the plain pass. */
    ct_net_init(&net, "");
    ct_net_add(&net, ct_dropout_create(0.4f), NULL);
    t_build(&net, SIZE, N);
    ct_pass fake = pass;
    fake.salt = ct_salt("gan.d_fake");
    a = dropout_run(&net, x, N, SIZE, &fake);
    b = dropout_run(&net, x, N, SIZE, &pass);
    assert_true(memcmp(a, whole, sizeof x) != 0);
    assert_memory_equal(b, whole, sizeof x);
    ct_free(a);
    ct_free(b);
    ct_free(whole);
    ct_net_free(&net);
}

static void test_dropout_eval_and_errors(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_dropout_create(0.5f), NULL);
    t_build(&net, 4, 2);
    const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, dy[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    float dx[8];
    assert_memory_equal(ct_net_forward(&net, x, 2, &eval_pass), x, sizeof x);
    ct_net_backward(&net, x, dy, 2, dx);
    assert_memory_equal(dx, dy, sizeof dy);
    ct_net_free(&net);
    ct_net_init(&net, "");
    ct_net_add(&net, ct_dropout_create(0.0f), NULL);
    t_build(&net, 4, 2);
    assert_memory_equal(ct_net_forward(&net, x, 2, &train_pass), x, sizeof x);
    ct_net_free(&net);
    assert_string_equal(build_error(ct_dropout_create(1.0f), ct_shape1(3)),
                        "layer 0 (dropout): p must be >= 0 and < 1, found 1");
    assert_string_equal(build_error(ct_dropout_create(-0.1f), ct_shape1(3)),
                        "layer 0 (dropout): p must be >= 0 and < 1, found -0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_norm_tensors),
        cmocka_unit_test(test_batch_norm_running_statistics),
        cmocka_unit_test(test_batch_norm_errors),
        cmocka_unit_test(test_dropout_masks_follow_global_samples),
        cmocka_unit_test(test_dropout_eval_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
