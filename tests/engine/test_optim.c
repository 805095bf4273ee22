/* SGD, Adam and RMSprop against naive double-precision transcriptions of
 * PyTorch 1.13's update rules, and configuration errors. */
#include <math.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/optim.h"
#include "testlib.h"

enum { N = 37, STEPS = 6 };

/* torch.optim.SGD, written out in double. */
static void naive_sgd(double *p, double *buf, const float *g, int n, const ct_optim_config *c, int step)
{
    for (int i = 0; i < n; i++) {
        double d = g[i] + (double)c->weight_decay * p[i];
        if (c->momentum != 0.0f) {
            buf[i] = step == 1 ? d : (double)c->momentum * buf[i] + (1.0 - (double)c->dampening) * d;
            d = c->nesterov ? d + (double)c->momentum * buf[i] : buf[i];
        }
        p[i] -= (double)c->lr * d;
    }
}

/* torch.optim.Adam, written out in double. */
static void naive_adam(double *p, double *m, double *v, const float *g, int n, const ct_optim_config *c, int step)
{
    double b1 = c->beta1, b2 = c->beta2;
    for (int i = 0; i < n; i++) {
        double gi = g[i] + (double)c->weight_decay * p[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        double bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step);
        p[i] -= (double)c->lr / bc1 * m[i] / (sqrt(v[i]) / sqrt(bc2) + (double)c->eps);
    }
}

/* torch.optim.RMSprop, written out in double: s0 square_avg, s1 momentum
 * buffer, s2 grad_avg. */
static void naive_rmsprop(double *p, double *s0, double *s1, double *s2, const float *g, int n,
                          const ct_optim_config *c)
{
    double a = c->alpha;
    for (int i = 0; i < n; i++) {
        double gi = g[i] + (double)c->weight_decay * p[i];
        s0[i] = a * s0[i] + (1 - a) * gi * gi;
        double avg = s0[i];
        if (c->centered) {
            s2[i] = a * s2[i] + (1 - a) * gi;
            avg -= s2[i] * s2[i];
        }
        avg = sqrt(avg) + (double)c->eps;
        if (c->momentum > 0.0f) {
            s1[i] = (double)c->momentum * s1[i] + gi / avg;
            p[i] -= (double)c->lr * s1[i];
        } else {
            p[i] -= (double)c->lr * gi / avg;
        }
    }
}

static void check_optimizer(const ct_optim_config *cfg, const char *what)
{
    ct_rng rng;
    ct_rng_seed(&rng, 21, (uint64_t)cfg->type);
    ct_optim opt;
    ct_error err;
    assert_int_equal(ct_optim_init(&opt, cfg, N, &err), CT_OK);
    float p[N], g[N];
    double ref[N], s[CT_OPTIM_MAX_STATES][N] = {{0}};
    t_fill_normal(p, N, 1.0f, &rng);
    for (int i = 0; i < N; i++)
        ref[i] = p[i];
    for (int step = 1; step <= STEPS; step++) {
        t_fill_normal(g, N, 1.0f, &rng);
        float g_copy[N];
        memcpy(g_copy, g, sizeof g);
        ct_optim_step(&opt, p, g);
        assert_memory_equal(g, g_copy, sizeof g); /* grads are not modified */
        assert_int_equal(opt.step, step);
        if (cfg->type == CT_OPTIM_SGD)
            naive_sgd(ref, s[0], g, N, cfg, step);
        else if (cfg->type == CT_OPTIM_ADAM)
            naive_adam(ref, s[0], s[1], g, N, cfg, step);
        else
            naive_rmsprop(ref, s[0], s[1], s[2], g, N, cfg);
        for (int i = 0; i < N; i++)
            t_check_close(p[i], ref[i], 1e-5, 1e-6, what, step * 1000 + i);
    }
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++)
        for (int i = 0; opt.state[which] && i < N; i++)
            t_check_close(opt.state[which][i], s[which][i], 1e-5, 1e-7, "state", which * 1000 + i);
    ct_optim_free(&opt);
}

static void test_sgd(void **state)
{
    (void)state;
    ct_optim_config c = {.type = CT_OPTIM_SGD, .lr = 0.1f};
    check_optimizer(&c, "sgd");
    c.weight_decay = 0.01f;
    check_optimizer(&c, "sgd weight_decay");
    c.momentum = 0.9f;
    check_optimizer(&c, "sgd momentum");
    c.dampening = 0.3f;
    check_optimizer(&c, "sgd momentum dampening");
    c.dampening = 0.0f;
    c.nesterov = true;
    check_optimizer(&c, "sgd nesterov");
}

static void test_adam(void **state)
{
    (void)state;
    ct_optim_config c = {.type = CT_OPTIM_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    check_optimizer(&c, "adam");
    c.weight_decay = 0.05f;
    c.lr = 0.1f;
    c.beta1 = 0.5f;
    c.beta2 = 0.9f;
    c.eps = 1e-3f;
    check_optimizer(&c, "adam weight_decay");
}

static void test_rmsprop(void **state)
{
    (void)state;
    ct_optim_config c = {.type = CT_OPTIM_RMSPROP, .lr = 1e-2f, .alpha = 0.99f, .eps = 1e-8f};
    check_optimizer(&c, "rmsprop");
    c.weight_decay = 0.05f;
    c.momentum = 0.9f;
    check_optimizer(&c, "rmsprop momentum weight_decay");
    c.centered = true;
    c.alpha = 0.9f;
    c.eps = 1e-3f;
    check_optimizer(&c, "rmsprop centered momentum");
    c.momentum = 0.0f;
    check_optimizer(&c, "rmsprop centered");
}

static void test_state_and_names(void **state)
{
    (void)state;
    ct_optim opt;
    ct_error err;
    ct_optim_config c = {.type = CT_OPTIM_SGD, .lr = 0.1f};
    assert_int_equal(ct_optim_init(&opt, &c, 10, &err), CT_OK);
    assert_null(opt.state[0]);
    assert_null(ct_optim_state_name(&opt, 0));
    ct_optim_free(&opt);
    c.momentum = 0.5f;
    assert_int_equal(ct_optim_init(&opt, &c, 10, &err), CT_OK);
    assert_non_null(opt.state[0]);
    assert_null(opt.state[1]);
    assert_string_equal(ct_optim_state_name(&opt, 0), "momentum_buffer");
    assert_null(ct_optim_state_name(&opt, 1));
    ct_optim_free(&opt);
    c = (ct_optim_config){.type = CT_OPTIM_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    assert_int_equal(ct_optim_init(&opt, &c, 10, &err), CT_OK);
    assert_string_equal(ct_optim_state_name(&opt, 0), "exp_avg");
    assert_string_equal(ct_optim_state_name(&opt, 1), "exp_avg_sq");
    assert_null(ct_optim_state_name(&opt, 2));
    for (int i = 0; i < 10; i++)
        assert_true(opt.state[0][i] == 0.0f && opt.state[1][i] == 0.0f);
    ct_optim_free(&opt);
    /* RMSprop's buffers exist as its flags ask, with PyTorch's state keys. */
    c = (ct_optim_config){.type = CT_OPTIM_RMSPROP, .lr = 1e-2f, .alpha = 0.99f, .eps = 1e-8f, .centered = true};
    assert_int_equal(ct_optim_init(&opt, &c, 10, &err), CT_OK);
    assert_string_equal(ct_optim_state_name(&opt, 0), "square_avg");
    assert_null(ct_optim_state_name(&opt, 1));
    assert_null(opt.state[1]);
    assert_string_equal(ct_optim_state_name(&opt, 2), "grad_avg");
    assert_non_null(opt.state[2]);
    assert_string_equal(ct_optim_type_name(opt.cfg.type), "rmsprop");
    ct_optim_free(&opt);
}

static void expect_error(ct_optim_config c, const char *msg)
{
    ct_optim opt;
    ct_error err;
    assert_int_equal(ct_optim_init(&opt, &c, 4, &err), CT_ERR);
    assert_string_equal(err.msg, msg);
    assert_null(opt.state[0]);
}

static void test_config_errors(void **state)
{
    (void)state;
    const ct_optim_config sgd = {.type = CT_OPTIM_SGD, .lr = 0.1f};
    const ct_optim_config adam = {.type = CT_OPTIM_ADAM, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    ct_optim_config c = sgd;
    c.lr = 0.0f;
    expect_error(c, "optimizer.lr must be > 0, found 0");
    c.lr = -0.5f;
    expect_error(c, "optimizer.lr must be > 0, found -0.5");
    c.lr = NAN;
    expect_error(c, "optimizer.lr must be > 0, found nan");
    c = sgd;
    c.momentum = -0.1f;
    expect_error(c, "optimizer.momentum must be >= 0, found -0.1");
    c = sgd;
    c.weight_decay = -1.0f;
    expect_error(c, "optimizer.weight_decay must be >= 0, found -1");
    c = sgd;
    c.nesterov = true;
    expect_error(c, "optimizer.nesterov requires momentum > 0 and dampening = 0, found momentum 0, dampening 0");
    c = sgd;
    c.dampening = 2.0f;
    expect_error(c, "optimizer.dampening must be in [0, 1], found 2");
    c = adam;
    c.beta1 = 1.0f;
    expect_error(c, "optimizer.beta1 must be in [0, 1), found 1");
    c = adam;
    c.beta2 = -0.1f;
    expect_error(c, "optimizer.beta2 must be in [0, 1), found -0.1");
    c = adam;
    c.eps = -1e-8f;
    expect_error(c, "optimizer.eps must be >= 0, found -1e-08");
    c = (ct_optim_config){.type = CT_OPTIM_RMSPROP, .lr = 1e-2f, .alpha = 1.5f, .eps = 1e-8f};
    expect_error(c, "optimizer.alpha must be in [0, 1], found 1.5");
    c.alpha = 0.99f;
    c.momentum = -1.0f;
    expect_error(c, "optimizer.momentum must be >= 0, found -1");
    c = adam;
    c.type = (ct_optim_type)7;
    expect_error(c, "optimizer.type 7 is not a known optimizer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_state_and_names),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
