/* Parity with PyTorch 1.13: tests/fixtures/mlp_parity.h5 (written by
 * tests/fixtures/make_mlp_parity.py) holds an MLP's initial parameters under
 * their state_dict names, one batch, and the parameters and loss after each
 * training step under SGD (momentum + weight decay) and Adam (+ weight
 * decay). The engine, started from the same parameters, must reproduce every
 * parameter within 1e-5 relative (+1e-7 absolute, for values near 0) after
 * every step, and every loss within 1e-6 relative. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "engine/alloc.h"
#include "engine/loss.h"
#include "engine/optim.h"
#include "fixture.h"
#include "testlib.h"

/* Mirrors LAYERS, BATCH and STEPS in make_mlp_parity.py. */
enum { IN = 12, H1 = 10, H2 = 8, OUT = 4, BATCH = 6, STEPS = 3 };

/* Reads the dataset at path, which must hold exactly count elements. */
static void read_dataset(hid_t f, const char *path, hid_t type, void *buf, size_t count)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) {
        print_error("fixture has no dataset %s\n", path);
        fail();
    }
    hid_t space = H5Dget_space(d);
    hssize_t npoints = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    if (npoints != (hssize_t)count) {
        print_error("fixture dataset %s has %lld elements, expected %zu\n", path, (long long)npoints, count);
        fail();
    }
    assert_true(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
}

static double read_attr(hid_t f, const char *group, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen_by_name(f, group, name, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

typedef struct {
    hid_t file;
    const char *group; /* "init", or "sgd"/"adam" for the history */
    int step;          /* history: which step to compare */
    int compared;
} visit_ctx;

static int load_param(void *ctx, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)err;
    visit_ctx *c = ctx;
    char name[128], path[256];
    ct_param_full_name(layer, param, name, sizeof name);
    snprintf(path, sizeof path, "/%s/%s", c->group, name);
    read_dataset(c->file, path, H5T_NATIVE_FLOAT, param->data, (size_t)ct_shape_numel(&param->shape));
    c->compared++;
    return CT_OK;
}

static int compare_param(void *ctx, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)err;
    visit_ctx *c = ctx;
    char name[128], path[256], what[160];
    ct_param_full_name(layer, param, name, sizeof name);
    snprintf(path, sizeof path, "/%s/%s", c->group, name);
    size_t count = (size_t)ct_shape_numel(&param->shape);
    float *history = ct_malloc(STEPS * count * sizeof *history);
    read_dataset(c->file, path, H5T_NATIVE_FLOAT, history, STEPS * count);
    snprintf(what, sizeof what, "%s after step %d: %s", c->group, c->step + 1, name);
    t_check_array(param->data, history + (size_t)c->step * count, count, 1e-5, 1e-7, what);
    ct_free(history);
    c->compared++;
    return CT_OK;
}

static void run(const char *group)
{
    hid_t f = ct_test_open_fixture("mlp_parity");
    ct_net net;
    ct_net_init(&net, "");
    t_add_linear_act(&net, IN, H1, CT_ACT_RELU, 0);
    t_add_linear_act(&net, H1, H2, CT_ACT_TANH, 0);
    t_add_linear_act(&net, H2, OUT, -1, 0);
    t_build(&net, IN, BATCH);
    ct_error err;
    visit_ctx ctx = {.file = f, .group = "init"};
    assert_int_equal(ct_net_each_param(&net, load_param, &ctx, &err), CT_OK);
    assert_int_equal(ctx.compared, 6);

    float x[BATCH * IN], dout[BATCH * OUT];
    int32_t labels[BATCH];
    double losses[STEPS];
    read_dataset(f, "/batch/x", H5T_NATIVE_FLOAT, x, BATCH * IN);
    read_dataset(f, "/batch/labels", H5T_NATIVE_INT32, labels, BATCH);
    char path[64];
    snprintf(path, sizeof path, "/%s/loss", group);
    read_dataset(f, path, H5T_NATIVE_DOUBLE, losses, STEPS);

    char gpath[16];
    snprintf(gpath, sizeof gpath, "/%s", group);
    ct_optim_config cfg = {.lr = (float)read_attr(f, gpath, "lr"),
                           .weight_decay = (float)read_attr(f, gpath, "weight_decay")};
    if (strcmp(group, "sgd") == 0) {
        cfg.type = CT_OPTIM_SGD;
        cfg.momentum = (float)read_attr(f, gpath, "momentum");
        cfg.dampening = (float)read_attr(f, gpath, "dampening");
        cfg.nesterov = read_attr(f, gpath, "nesterov") != 0.0;
    } else {
        cfg.type = CT_OPTIM_ADAM;
        cfg.beta1 = (float)read_attr(f, gpath, "beta1");
        cfg.beta2 = (float)read_attr(f, gpath, "beta2");
        cfg.eps = (float)read_attr(f, gpath, "eps");
    }
    ct_optim opt;
    assert_int_equal(ct_optim_init(&opt, &cfg, net.nparams, &err), CT_OK);

    ct_target t = {.labels = labels};
    for (int step = 0; step < STEPS; step++) {
        ct_net_zero_grads(&net);
        const float *out = ct_net_forward(&net, x, BATCH, NULL);
        double loss = ct_loss_compute(CT_LOSS_CROSS_ENTROPY, out, &t, BATCH, OUT, BATCH, dout);
        t_check_close(loss, losses[step], 1e-6, 0, "loss", step);
        ct_net_backward(&net, x, dout, BATCH, NULL);
        ct_optim_step(&opt, net.params, net.grads);
        ctx = (visit_ctx){.file = f, .group = group, .step = step};
        assert_int_equal(ct_net_each_param(&net, compare_param, &ctx, &err), CT_OK);
        assert_int_equal(ctx.compared, 6);
    }
    ct_optim_free(&opt);
    ct_net_free(&net);
    H5Fclose(f);
}

static void test_sgd_momentum_weight_decay(void **state)
{
    (void)state;
    run("sgd");
}

static void test_adam(void **state)
{
    (void)state;
    run("adam");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_momentum_weight_decay),
        cmocka_unit_test(test_adam),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
