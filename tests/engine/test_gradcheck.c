/* Finite-difference gradient check of an MLP that uses every activation,
 * under every loss, with respect to every parameter and every input.
 *
 * The network runs in float; the loss is summed in double. A central
 * difference with step h has truncation error ~h^2 |f'''| / 6 and rounding
 * error ~ulp(L) / h; h = 1e-2 balances them at a few 1e-5 for a loss of
 * order 1, well below the tolerances used (2e-3 relative + 5e-5 absolute
 * per element, 1e-3 relative over the whole gradient). The divisor is the
 * step actually taken in float, (x + h) - (x - h).
 *
 * ReLU and leaky ReLU have kinks: when a perturbation moves a
 * pre-activation across 0 the difference quotient is meaningless, so such
 * coordinates are detected (sign patterns compared) and skipped; the test
 * fails if more than 5% of them are. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/loss.h"
#include "testlib.h"

enum { N = 3, IN = 4, OUT = 3 };

typedef struct {
    ct_net net;
    ct_loss_type loss;
    const float *x;
    ct_target target;
    float dout[N * OUT];
    int kinks[2];    /* layer indices of the relu and leaky_relu inputs */
    int nsigns;
    char *signs;     /* [nsigns] of the last forward */
} problem;

static double evaluate(problem *p, const float *x)
{
    const float *out = ct_net_forward(&p->net, x, N, NULL);
    int k = 0;
    for (int j = 0; j < 2; j++) {
        const ct_layer *l = p->net.layers[p->kinks[j]];
        int64_t count = N * ct_shape_numel(&l->out);
        for (int64_t i = 0; i < count; i++)
            p->signs[k++] = p->net.acts[p->kinks[j]][i] > 0.0f;
    }
    return ct_loss_compute(p->loss, out, &p->target, N, OUT, N, NULL);
}

/* Compares the analytic gradient ana[count] with central differences of
 * the loss in the coordinates v[count] (parameters or inputs). */
static void check(problem *p, float *v, const float *ana, int64_t count, const char *what)
{
    char *base = ct_malloc((size_t)p->nsigns), *up_signs = ct_malloc((size_t)p->nsigns);
    evaluate(p, p->x);
    memcpy(base, p->signs, (size_t)p->nsigns);
    double err2 = 0.0, ana2 = 0.0, worst = 0.0;
    int skipped = 0;
    for (int64_t i = 0; i < count; i++) {
        const float h = 1e-2f, keep = v[i];
        v[i] = keep + h;
        double vu = v[i], up = evaluate(p, p->x);
        memcpy(up_signs, p->signs, (size_t)p->nsigns);
        v[i] = keep - h;
        double vd = v[i], down = evaluate(p, p->x);
        v[i] = keep;
        if (memcmp(up_signs, base, (size_t)p->nsigns) || memcmp(p->signs, base, (size_t)p->nsigns)) {
            skipped++;
            continue;
        }
        double num = (up - down) / (vu - vd);
        double diff = fabs(num - ana[i]);
        err2 += diff * diff;
        ana2 += (double)ana[i] * ana[i];
        worst = diff > worst ? diff : worst;
        t_check_close(ana[i], num, 2e-3, 5e-5, what, (long)i);
    }
    double rel = sqrt(err2 / (ana2 > 0 ? ana2 : 1.0));
    print_message("  %-32s %4lld coordinates, %d skipped at kinks, max |diff| %.2g, relative error %.2g\n", what,
                  (long long)count, skipped, worst, rel);
    assert_true(rel < 1e-3);
    assert_true(skipped * 20 <= count);
    assert_true(ana2 > 0.0); /* the check is not vacuous */
    ct_free(base);
    ct_free(up_signs);
}

static void run(ct_loss_type loss, uint64_t seed)
{
    problem p = {.loss = loss};
    ct_rng rng;
    ct_rng_seed(&rng, seed, 0);
    ct_net_init(&p.net, "");
    t_add_linear_act(&p.net, IN, 6, CT_ACT_RELU, 0);         /* 0, 1 */
    t_add_linear_act(&p.net, 6, 5, CT_ACT_LEAKY_RELU, 0.1f); /* 2, 3 */
    t_add_linear_act(&p.net, 5, 5, CT_ACT_SIGMOID, 0);       /* 4, 5 */
    t_add_linear_act(&p.net, 5, 4, CT_ACT_TANH, 0);          /* 6, 7 */
    t_add_linear_act(&p.net, 4, 4, CT_ACT_SOFTMAX, 0);       /* 8, 9 */
    t_add_linear_act(&p.net, 4, OUT, -1, 0);                 /* 10 */
    t_build(&p.net, IN, N);
    ct_net_init_params(&p.net, &rng);
    /* Larger weights than the default init, so that every layer matters. */
    for (size_t i = 0; i < p.net.nparams; i++)
        p.net.params[i] *= 2.5f;
    p.kinks[0] = 0;
    p.kinks[1] = 2;
    p.nsigns = N * (6 + 5);
    p.signs = ct_malloc((size_t)p.nsigns);

    float x[N * IN], values[N * OUT], dx[N * IN];
    int32_t labels[N] = {2, 0, 1};
    t_fill_normal(x, N * IN, 1.0f, &rng);
    t_fill_uniform(values, N * OUT, 0.0f, 1.0f, &rng);
    p.x = x;
    p.target = (ct_target){.labels = labels, .values = values};

    ct_net_zero_grads(&p.net);
    const float *out = ct_net_forward(&p.net, x, N, NULL);
    ct_loss_compute(loss, out, &p.target, N, OUT, N, p.dout);
    ct_net_backward(&p.net, x, p.dout, N, dx);
    float *grads = ct_malloc(p.net.nparams * sizeof *grads);
    memcpy(grads, p.net.grads, p.net.nparams * sizeof *grads);

    char what[64];
    snprintf(what, sizeof what, "%s parameters", ct_loss_name(loss));
    check(&p, p.net.params, grads, (int64_t)p.net.nparams, what);
    snprintf(what, sizeof what, "%s inputs", ct_loss_name(loss));
    check(&p, x, dx, N * IN, what);

    ct_free(grads);
    ct_free(p.signs);
    ct_net_free(&p.net);
}

static void test_cross_entropy(void **state)
{
    (void)state;
    run(CT_LOSS_CROSS_ENTROPY, 31);
}

static void test_mse(void **state)
{
    (void)state;
    run(CT_LOSS_MSE, 32);
}

static void test_bce_with_logits(void **state)
{
    (void)state;
    run(CT_LOSS_BCE_WITH_LOGITS, 33);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_entropy),
        cmocka_unit_test(test_mse),
        cmocka_unit_test(test_bce_with_logits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
