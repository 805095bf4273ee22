/* The GAN losses: values against their textbook forms, gradients against
 * finite differences, and shares that add up over a split batch. */
#include <math.h>

#include "engine/gan_loss.h"
#include "testlib.h"

enum { N = 7 };
static const float out[N] = {-3.0f, -0.7f, -0.01f, 0.0f, 0.3f, 1.2f, 4.0f};

static double sig(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* The textbook form of one sample's loss. */
static double textbook(ct_gan_loss loss, ct_gan_term term, double x, double y)
{
    double d = sig(x);
    switch (loss) {
    case CT_GAN_MINIMAX:
    case CT_GAN_NON_SATURATING:
        if (term == CT_GAN_D_REAL)
            return -(y * log(d) + (1 - y) * log(1 - d));
        if (term == CT_GAN_D_FAKE)
            return -log(1 - d);
        return loss == CT_GAN_MINIMAX ? log(1 - d) : -log(d);
    case CT_GAN_LEAST_SQUARES:
        return term == CT_GAN_D_REAL ? (x - y) * (x - y) : term == CT_GAN_D_FAKE ? x * x : (x - 1) * (x - 1);
    case CT_GAN_HINGE:
        return term == CT_GAN_D_REAL ? fmax(0, 1 - x) : term == CT_GAN_D_FAKE ? fmax(0, 1 + x) : -x;
    }
    return NAN;
}

static void test_values_and_gradients(void **state)
{
    (void)state;
    for (int loss = CT_GAN_MINIMAX; loss <= CT_GAN_HINGE; loss++)
        for (int term = CT_GAN_D_REAL; term <= CT_GAN_G; term++) {
            float dout[N];
            double got = ct_gan_loss_term((ct_gan_loss)loss, (ct_gan_term)term, out, N, N, 0.9f, dout);
            double want = 0;
            for (int i = 0; i < N; i++)
                want += textbook((ct_gan_loss)loss, (ct_gan_term)term, out[i], 0.9) / N;
            t_check_close(got, want, 1e-6, 1e-7, "gan loss value", loss * 10 + term);
            for (int i = 0; i < N; i++) {
                const double h = 1e-4;
                double fd = (textbook((ct_gan_loss)loss, (ct_gan_term)term, out[i] + h, 0.9) -
                             textbook((ct_gan_loss)loss, (ct_gan_term)term, out[i] - h, 0.9)) /
                            (2 * h) / N;
                t_check_close(dout[i], fd, 1e-3, 1e-6, "gan loss gradient", (loss * 10 + term) * 100 + i);
            }
        }
}

/* Ranks holding parts of the batch: the shares and gradients add up. */
static void test_shares_add_up(void **state)
{
    (void)state;
    float whole[N], part[N];
    double total = ct_gan_loss_term(CT_GAN_NON_SATURATING, CT_GAN_G, out, N, N, 1.0f, whole);
    double a = ct_gan_loss_term(CT_GAN_NON_SATURATING, CT_GAN_G, out, 3, N, 1.0f, part);
    double b = ct_gan_loss_term(CT_GAN_NON_SATURATING, CT_GAN_G, out + 3, N - 3, N, 1.0f, part + 3);
    t_check_close(a + b, total, 1e-12, 0, "shares", 0);
    t_check_array(part, whole, N, 0, 0, "gradient of the parts");
    assert_true(ct_gan_loss_term(CT_GAN_HINGE, CT_GAN_D_REAL, out, 0, N, 1.0f, NULL) == 0.0);
}

static void test_scores(void **state)
{
    (void)state;
    const float x[2] = {0.0f, 2.0f};
    t_check_close(ct_gan_score_sum(CT_GAN_MINIMAX, x, 2), 0.5 + sig(2.0), 1e-12, 0, "probability", 0);
    t_check_close(ct_gan_score_sum(CT_GAN_HINGE, x, 2), 2.0, 0, 0, "raw output", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_gradients),
        cmocka_unit_test(test_shares_add_up),
        cmocka_unit_test(test_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
