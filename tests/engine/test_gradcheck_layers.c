/* Finite-difference gradient checks of the image, normalisation, dropout,
 * sequence (embedding, last-dimension linear, rnn, lstm, gru) and new
 * activation layers, each alone in a network, and of the BCE and NLL losses,
 * with respect to every parameter and every input (not token ids).
 *
 * A layer is checked through the linear functional L = sum(out * r) for a
 * fixed random r (so dL/d(out) = r). Layers that are linear in each
 * coordinate (convolutions, pools, upsampling, reshapes, dropout with a
 * fixed mask) have no truncation error, so a large step (h = 0.25) keeps
 * the float rounding of L small; max pooling gets inputs spaced by 0.1 and
 * h = 0.02, so that no perturbation changes a window's maximum. Nonlinear
 * layers (batch norm, ELU, log-softmax, the losses) use h = 1e-2 as
 * test_gradcheck.c does (2e-2 for the deeper CNN, where float rounding of
 * the loss outweighs truncation). The recurrent layers run in float with
 * h = 1e-2 (3e-3 for relu, whose kinks a larger step may cross) on small
 * weights (N(0, 0.5^2)), with lengths, initial states and dropout masks
 * fixed by the pass, so that the loss is a smooth function of what is
 * checked. Tolerances: 2e-3 relative + 1e-4 absolute per element, 1e-3
 * relative over the whole gradient. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/loss.h"
#include "engine/recurrent.h"
#include "engine/shuffle.h"
#include "testlib.h"

/* X_IDS: token ids 0 .. 6 (as floats), which are not differentiable. */
typedef enum { X_NORMAL, X_SPACED, X_AWAY_FROM_ZERO, X_IDS } input_kind;
enum { IDS = 7 };

typedef struct {
    ct_net net;
    int64_t n, in_size, out_size;
    const ct_pass *pass;
    float *r;              /* [n, out_size] */
    float param_scale;     /* parameters ~ N(0, param_scale^2); 0 means 1 */
    bool use_loss;         /* L = the loss instead of sum(out * r) */
    bool random_state;     /* recurrent layers start from a random state */
    ct_loss_type loss;
    ct_target target;
} problem;

static double evaluate(problem *p, const float *x)
{
    const float *out = ct_net_forward(&p->net, x, p->n, p->pass);
    if (p->use_loss)
        return ct_loss_compute(p->loss, out, &p->target, p->n, p->out_size, p->n, NULL);
    double s = 0.0;
    for (int64_t i = 0; i < p->n * p->out_size; i++)
        s += (double)out[i] * p->r[i];
    return s;
}

/* Compares the analytic gradient ana[count] with central differences of L
 * in the coordinates v[count] (parameters or inputs). */
static void check(problem *p, const float *x, float *v, const float *ana, int64_t count, double h, const char *what)
{
    double err2 = 0.0, ana2 = 0.0, worst = 0.0;
    for (int64_t i = 0; i < count; i++) {
        const float keep = v[i];
        v[i] = keep + (float)h;
        double vu = v[i], up = evaluate(p, x);
        v[i] = keep - (float)h;
        double vd = v[i], down = evaluate(p, x);
        v[i] = keep;
        double num = (up - down) / (vu - vd);
        double diff = fabs(num - ana[i]);
        err2 += diff * diff;
        ana2 += (double)ana[i] * ana[i];
        worst = diff > worst ? diff : worst;
        t_check_close(ana[i], num, 2e-3, 1e-4, what, (long)i);
    }
    double rel = sqrt(err2 / (ana2 > 0 ? ana2 : 1.0));
    print_message("  %-44s %4lld coordinates, max |diff| %.2g, relative error %.2g\n", what, (long long)count, worst,
                  rel);
    assert_true(rel < 1e-3);
    assert_true(ana2 > 0.0); /* the check is not vacuous */
}

static void fill_input(float *x, int64_t count, input_kind kind, ct_rng *rng)
{
    if (kind == X_SPACED) {
        /* A shuffled ladder 0.1 apart: no two values within 0.1. */
        ct_shuffle order;
        ct_shuffle_init(&order, count, ct_rng_next(rng), 0);
        for (int64_t i = 0; i < count; i++)
            x[i] = 0.1f * (float)(ct_shuffle_at(&order, i) - count / 2);
        return;
    }
    if (kind == X_IDS) {
        for (int64_t i = 0; i < count; i++)
            x[i] = (float)ct_rng_below(rng, IDS);
        return;
    }
    t_fill_normal(x, (size_t)count, 1.0f, rng);
    if (kind == X_AWAY_FROM_ZERO)
        for (int64_t i = 0; i < count; i++)
            x[i] += x[i] < 0.0f ? -0.1f : 0.1f;
}

/* Initial states ~ N(0, 1) for the first n samples of every recurrent layer. */
static void fill_states(ct_net *net, int64_t n, ct_rng *rng)
{
    for (int i = 0; i < net->nlayers; i++) {
        ct_recurrent_state st;
        if (ct_recurrent_state_get(net->layers[i], &st, NULL) != CT_OK)
            continue;
        size_t rows = (size_t)(n * st.num_layers * st.hidden_size);
        t_fill_normal(st.h0, rows, 1.0f, rng);
        if (st.c0)
            t_fill_normal(st.c0, rows, 1.0f, rng);
    }
}

/* Checks the single layer l (or, when l is NULL, the network already in
 * p->net) on n samples of shape in. */
static void run_problem(problem *p, const char *what, ct_shape in, int64_t n, input_kind kind, double h, uint64_t seed)
{
    ct_rng rng;
    ct_rng_seed(&rng, seed, 7);
    t_build_shape(&p->net, in, n);
    ct_net_init_params(&p->net, &rng);
    t_fill_normal(p->net.params, p->net.nparams, p->param_scale > 0 ? p->param_scale : 1.0f, &rng);
    /* Buffers (running statistics) positive and away from the defaults. */
    t_fill_uniform(p->net.buffers, p->net.nbuffers, 0.5f, 1.5f, &rng);
    if (p->random_state)
        fill_states(&p->net, n, &rng);
    p->n = n;
    p->in_size = ct_shape_numel(&in);
    p->out_size = ct_shape_numel(ct_net_out_shape(&p->net));
    float *x = CT_ALLOC_ARRAY(float, n * p->in_size), *dx = CT_ALLOC_ARRAY(float, n * p->in_size);
    float *dout = CT_ALLOC_ARRAY(float, n * p->out_size);
    p->r = CT_ALLOC_ARRAY(float, n * p->out_size);
    fill_input(x, n * p->in_size, kind, &rng);
    t_fill_normal(p->r, (size_t)(n * p->out_size), 1.0f, &rng);

    ct_net_zero_grads(&p->net);
    const float *out = ct_net_forward(&p->net, x, n, p->pass);
    if (p->use_loss)
        ct_loss_compute(p->loss, out, &p->target, n, p->out_size, n, dout);
    else
        memcpy(dout, p->r, (size_t)(n * p->out_size) * sizeof *dout);
    ct_net_backward(&p->net, x, dout, n, dx);
    float *grads = CT_ALLOC_ARRAY(float, p->net.nparams);
    memcpy(grads, p->net.grads, p->net.nparams * sizeof *grads);

    char label[96];
    if (p->net.nparams) {
        snprintf(label, sizeof label, "%s parameters", what);
        check(p, x, p->net.params, grads, (int64_t)p->net.nparams, h, label);
    }
    if (kind == X_IDS) { /* ids have no gradient: a requested dx is zeros */
        for (int64_t i = 0; i < n * p->in_size; i++)
            assert_true(dx[i] == 0.0f);
    } else {
        snprintf(label, sizeof label, "%s inputs", what);
        check(p, x, x, dx, n * p->in_size, h, label);
    }

    ct_free(grads);
    ct_free(x);
    ct_free(dx);
    ct_free(dout);
    ct_free(p->r);
    ct_net_free(&p->net);
}

static const ct_pass train_pass = {.mode = CT_MODE_TRAIN, .seed = 7, .step = 3, .first_sample = 5};
static const ct_pass eval_pass = {.mode = CT_MODE_EVAL, .seed = 7, .step = 3, .first_sample = 5};

/* One layer alone in a network, checked through sum(out * r). */
static void run_layer(ct_layer *l, const char *what, ct_shape in, int64_t n, input_kind kind, double h,
                      const ct_pass *pass)
{
    problem p = {.pass = pass};
    ct_net_init(&p.net, "");
    ct_net_add(&p.net, l, NULL);
    run_problem(&p, what, in, n, kind, h, (uint64_t)(in.dim[0] * 131 + n));
}

static void test_conv2d(void **state)
{
    (void)state;
    run_layer(ct_conv2d_create(3, 4, 3, 1, 1, true), "conv2d 3->4 k3 s1 p1", ct_shape3(3, 5, 7), 2, X_NORMAL, 0.25,
              NULL);
    run_layer(ct_conv2d_create(2, 3, 3, 2, 0, false), "conv2d 2->3 k3 s2 p0 no bias", ct_shape3(2, 7, 5), 3,
              X_NORMAL, 0.25, NULL);
    run_layer(ct_conv2d_create(0, 2, 2, 2, 1, true), "conv2d [H, W] k2 s2 p1", ct_shape2(6, 5), 2, X_NORMAL, 0.25,
              NULL);
    run_layer(ct_conv2d_create(2, 3, 1, 1, 0, true), "conv2d 1x1", ct_shape3(2, 3, 4), 2, X_NORMAL, 0.25, NULL);
}

static void test_conv_transpose2d(void **state)
{
    (void)state;
    run_layer(ct_conv_transpose2d_create(3, 2, 3, 2, 1, 1, true), "conv_transpose2d 3->2 k3 s2 p1 op1",
              ct_shape3(3, 4, 3), 2, X_NORMAL, 0.25, NULL);
    run_layer(ct_conv_transpose2d_create(2, 3, 2, 1, 0, 0, false), "conv_transpose2d 2->3 k2 s1 no bias",
              ct_shape3(2, 3, 5), 3, X_NORMAL, 0.25, NULL);
    run_layer(ct_conv_transpose2d_create(0, 2, 3, 3, 1, 2, true), "conv_transpose2d k3 s3 p1 op2",
              ct_shape3(2, 3, 2), 2, X_NORMAL, 0.25, NULL);
}

static void test_pools(void **state)
{
    (void)state;
    run_layer(ct_max_pool2d_create(2, 0, 0), "max_pool2d k2", ct_shape3(2, 6, 7), 2, X_SPACED, 0.02, NULL);
    run_layer(ct_max_pool2d_create(3, 2, 1), "max_pool2d k3 s2 p1", ct_shape3(1, 7, 5), 3, X_SPACED, 0.02, NULL);
    run_layer(ct_max_pool2d_create(3, 1, 0), "max_pool2d k3 s1 (overlapping)", ct_shape2(5, 6), 2, X_SPACED, 0.02,
              NULL);
    run_layer(ct_avg_pool2d_create(2, 0, 0), "avg_pool2d k2", ct_shape3(2, 6, 7), 2, X_NORMAL, 0.25, NULL);
    run_layer(ct_avg_pool2d_create(3, 2, 1), "avg_pool2d k3 s2 p1", ct_shape3(2, 7, 5), 2, X_NORMAL, 0.25, NULL);
}

static void test_upsample_and_reshapes(void **state)
{
    (void)state;
    run_layer(ct_upsample_create(2), "upsample x2 [C, H, W]", ct_shape3(2, 3, 4), 2, X_NORMAL, 0.25, NULL);
    run_layer(ct_upsample_create(3), "upsample x3 [C, L]", ct_shape2(2, 5), 2, X_NORMAL, 0.25, NULL);
    run_layer(ct_flatten_create(), "flatten", ct_shape3(2, 3, 4), 2, X_NORMAL, 0.25, NULL);
    run_layer(ct_reshape_create(ct_shape3(4, -1, 2)), "reshape", ct_shape2(6, 4), 2, X_NORMAL, 0.25, NULL);
    run_layer(ct_unflatten_create(ct_shape2(2, 3)), "unflatten", ct_shape2(6, 2), 2, X_NORMAL, 0.25, NULL);
}

static void test_batch_norm(void **state)
{
    (void)state;
    run_layer(ct_batch_norm1d_create(5, 1e-5f, 0.1f), "batch_norm1d [F] train", ct_shape1(5), 4, X_NORMAL, 1e-2,
              &train_pass);
    run_layer(ct_batch_norm1d_create(0, 1e-5f, 0.1f), "batch_norm1d [C, L] train", ct_shape2(3, 4), 3, X_NORMAL, 1e-2,
              &train_pass);
    run_layer(ct_batch_norm1d_create(3, 1e-5f, 0.1f), "batch_norm1d [C, L] eval", ct_shape2(3, 4), 3, X_NORMAL, 1e-2,
              &eval_pass);
    run_layer(ct_batch_norm2d_create(3, 1e-5f, 0.1f), "batch_norm2d train", ct_shape3(3, 4, 5), 2, X_NORMAL, 1e-2,
              &train_pass);
    run_layer(ct_batch_norm2d_create(3, 1e-3f, 0.3f), "batch_norm2d eval", ct_shape3(3, 4, 5), 2, X_NORMAL, 1e-2,
              &eval_pass);
}

static void test_dropout(void **state)
{
    (void)state;
    run_layer(ct_dropout_create(0.3f), "dropout p=0.3 train (fixed pass)", ct_shape2(3, 5), 4, X_NORMAL, 0.25,
              &train_pass);
    run_layer(ct_dropout_create(0.3f), "dropout p=0.3 eval", ct_shape2(3, 5), 4, X_NORMAL, 0.25, &eval_pass);
}

static void test_activations(void **state)
{
    (void)state;
    run_layer(ct_activation_create(CT_ACT_ELU, 1.0f), "elu alpha=1", ct_shape2(3, 4), 2, X_AWAY_FROM_ZERO, 1e-2,
              NULL);
    run_layer(ct_activation_create(CT_ACT_ELU, 0.5f), "elu alpha=0.5", ct_shape1(7), 3, X_AWAY_FROM_ZERO, 1e-2, NULL);
    run_layer(ct_activation_create(CT_ACT_LOG_SOFTMAX, 0.0f), "log_softmax [5]", ct_shape1(5), 3, X_NORMAL, 1e-2,
              NULL);
    run_layer(ct_activation_create(CT_ACT_LOG_SOFTMAX, 0.0f), "log_softmax [3, 4]", ct_shape2(3, 4), 2, X_NORMAL,
              1e-2, NULL);
}

static void test_embedding_and_last_dim_linear(void **state)
{
    (void)state;
    run_layer(ct_embedding_create(IDS, 4), "embedding 7x4 on [5] ids", ct_shape1(5), 3, X_IDS, 0.25, NULL);
    run_layer(ct_embedding_create(IDS, 2), "embedding 7x2 on [2, 3] ids", ct_shape2(2, 3), 2, X_IDS, 0.25, NULL);
    run_layer(ct_linear_last_dim_create(0, 3, true), "linear last dim [4, 5] -> [4, 3]", ct_shape2(4, 5), 2,
              X_NORMAL, 0.25, NULL);
    run_layer(ct_linear_last_dim_create(3, 2, false), "linear last dim [2, 2, 3] no bias", ct_shape3(2, 2, 3), 2,
              X_NORMAL, 0.25, NULL);
}

enum { N_SEQ = 3, T_SEQ = 4, F_SEQ = 3, H_SEQ = 3 };
static const int32_t padded[N_SEQ] = {2, 4, 1}; /* one full, one of a single step */

/* One recurrent layer on N_SEQ samples of [T_SEQ, F_SEQ] in train mode (with
 * dropout masks fixed by the pass), lengths NULL or padded, initial state 0
 * or random. */
static void run_recurrent(ct_recurrent_cell cell, int64_t layers, bool bias, ct_recurrent_output output,
                          bool with_lengths, bool random_state, float dropout, const char *what)
{
    ct_recurrent_config cfg = {.cell = cell, .input_size = F_SEQ, .hidden_size = H_SEQ, .num_layers = layers,
                               .bias = bias, .dropout = dropout, .output = output};
    ct_pass pass = train_pass;
    pass.lengths = with_lengths ? padded : NULL;
    problem p = {.pass = &pass, .param_scale = 0.5f, .random_state = random_state};
    ct_net_init(&p.net, "");
    ct_net_add(&p.net, ct_recurrent_create(&cfg), NULL);
    /* relu's kinks: a step of 1e-2 crosses one in these cases, 3e-3 does not */
    double h = cell == CT_CELL_RNN_RELU ? 3e-3 : 1e-2;
    run_problem(&p, what, ct_shape2(T_SEQ, F_SEQ), N_SEQ, X_NORMAL, h, 100 + (uint64_t)cell * 10 + (uint64_t)layers);
}

static void test_rnn(void **state)
{
    (void)state;
    run_recurrent(CT_CELL_RNN_TANH, 1, true, CT_OUTPUT_SEQUENCE, false, false, 0.0f, "rnn tanh sequence");
    run_recurrent(CT_CELL_RNN_RELU, 1, false, CT_OUTPUT_SEQUENCE, true, true, 0.0f,
                  "rnn relu no bias, padded, state");
    run_recurrent(CT_CELL_RNN_TANH, 2, true, CT_OUTPUT_LAST, true, true, 0.0f,
                  "rnn tanh 2 layers last, padded, state");
    run_recurrent(CT_CELL_RNN_RELU, 2, true, CT_OUTPUT_LAST, false, false, 0.3f, "rnn relu 2 layers last, dropout");
}

static void test_lstm(void **state)
{
    (void)state;
    run_recurrent(CT_CELL_LSTM, 1, true, CT_OUTPUT_SEQUENCE, false, false, 0.0f, "lstm sequence");
    run_recurrent(CT_CELL_LSTM, 1, false, CT_OUTPUT_LAST, true, true, 0.0f, "lstm no bias last, padded, state");
    run_recurrent(CT_CELL_LSTM, 2, true, CT_OUTPUT_LAST, true, true, 0.0f, "lstm 2 layers last, padded, state");
    run_recurrent(CT_CELL_LSTM, 2, false, CT_OUTPUT_SEQUENCE, true, false, 0.3f,
                  "lstm 2 layers no bias, padded, dropout");
}

static void test_gru(void **state)
{
    (void)state;
    run_recurrent(CT_CELL_GRU, 1, true, CT_OUTPUT_SEQUENCE, false, true, 0.0f, "gru sequence, state");
    run_recurrent(CT_CELL_GRU, 1, false, CT_OUTPUT_LAST, true, false, 0.0f, "gru no bias last, padded");
    run_recurrent(CT_CELL_GRU, 2, true, CT_OUTPUT_LAST, true, true, 0.0f, "gru 2 layers last, padded, state");
    run_recurrent(CT_CELL_GRU, 2, false, CT_OUTPUT_SEQUENCE, true, true, 0.3f,
                  "gru 2 layers no bias, padded, state, dropout");
}

/* A language model: ids -> embedding -> 2-layer lstm -> linear per step. */
static void test_language_model(void **state)
{
    (void)state;
    ct_recurrent_config cfg = {.cell = CT_CELL_LSTM, .hidden_size = H_SEQ, .num_layers = 2, .bias = true,
                               .output = CT_OUTPUT_SEQUENCE};
    ct_pass pass = train_pass;
    pass.lengths = padded;
    problem p = {.pass = &pass, .param_scale = 0.5f, .random_state = true};
    ct_net_init(&p.net, "");
    ct_net_add(&p.net, ct_embedding_create(IDS, 4), NULL);
    ct_net_add(&p.net, ct_recurrent_create(&cfg), NULL);
    ct_net_add(&p.net, ct_linear_last_dim_create(0, 5, true), NULL);
    run_problem(&p, "embedding-lstm-linear", ct_shape1(T_SEQ), N_SEQ, X_IDS, 1e-2, 131);
}

/* A small CNN classifier with every kind of layer in its path, under NLL. */
static void test_cnn_under_nll(void **state)
{
    (void)state;
    enum { N = 3, CLASSES = 4 };
    int32_t labels[N] = {3, 0, 2};
    /* Moderate weights: with N(0, 1) ones the logits are large enough for
     * their float rounding to show in the difference quotients. */
    problem p = {.pass = &train_pass, .param_scale = 0.5f, .use_loss = true, .loss = CT_LOSS_NLL,
                 .target = {.labels = labels}};
    ct_net_init(&p.net, "");
    ct_net_add(&p.net, ct_conv2d_create(0, 3, 3, 1, 1, true), NULL);    /* [3, 6, 5] */
    ct_net_add(&p.net, ct_batch_norm2d_create(0, 1e-5f, 0.1f), NULL);
    ct_net_add(&p.net, ct_activation_create(CT_ACT_TANH, 0.0f), NULL);  /* smooth: no kink to step over */
    ct_net_add(&p.net, ct_avg_pool2d_create(2, 0, 0), NULL);            /* [3, 3, 2] */
    ct_net_add(&p.net, ct_conv_transpose2d_create(0, 2, 2, 1, 0, 0, true), NULL); /* [2, 4, 3] */
    ct_net_add(&p.net, ct_flatten_create(), NULL);                      /* [24] */
    ct_net_add(&p.net, ct_dropout_create(0.25f), NULL);
    ct_net_add(&p.net, ct_linear_create(0, CLASSES, true), NULL);
    ct_net_add(&p.net, ct_activation_create(CT_ACT_LOG_SOFTMAX, 0.0f), NULL);
    run_problem(&p, "cnn nll", ct_shape3(2, 6, 5), N, X_NORMAL, 2e-2, 91);
}

/* BCE on the probabilities of a sigmoid output. */
static void test_mlp_under_bce(void **state)
{
    (void)state;
    enum { N = 3, OUT = 4 };
    ct_rng rng;
    ct_rng_seed(&rng, 92, 0);
    float values[N * OUT];
    t_fill_uniform(values, N * OUT, 0.0f, 1.0f, &rng);
    values[0] = 0.0f; /* hard targets too */
    values[1] = 1.0f;
    problem p = {.use_loss = true, .loss = CT_LOSS_BCE, .target = {.values = values}};
    ct_net_init(&p.net, "");
    t_add_linear_act(&p.net, 5, 6, CT_ACT_TANH, 0);
    t_add_linear_act(&p.net, 6, OUT, CT_ACT_SIGMOID, 0);
    run_problem(&p, "mlp bce", ct_shape1(5), N, X_NORMAL, 1e-2, 93);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d),
        cmocka_unit_test(test_conv_transpose2d),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_upsample_and_reshapes),
        cmocka_unit_test(test_batch_norm),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_activations),
        cmocka_unit_test(test_embedding_and_last_dim_linear),
        cmocka_unit_test(test_rnn),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_gru),
        cmocka_unit_test(test_language_model),
        cmocka_unit_test(test_cnn_under_nll),
        cmocka_unit_test(test_mlp_under_bce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
