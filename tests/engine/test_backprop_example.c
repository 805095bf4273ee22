/* The classic worked backpropagation example (Matt Mazur, "A Step by Step
 * Backpropagation Example"): a 2-2-2 sigmoid network, one sample, squared
 * error 1/2 sum (t - o)^2, SGD with lr 0.5.
 *
 * The half squared error over 2 outputs is MSE with reduction 'mean' for
 * n = 1, dim = 2: (1/2) sum (t - o)^2. The example does not update the
 * biases and we do; the weights after the step do not depend on that, so
 * only the weights are compared. */
#include "engine/loss.h"
#include "engine/optim.h"
#include "testlib.h"

static void test_mazur_example(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    t_add_linear_act(&net, 2, 2, CT_ACT_SIGMOID, 0);
    t_add_linear_act(&net, 2, 2, CT_ACT_SIGMOID, 0);
    t_build(&net, 2, 1);
    /* 0.weight [[w1, w2], [w3, w4]], 0.bias [b1, b1], 2.weight [[w5, w6], [w7, w8]], 2.bias. */
    const float init[12] = {0.15f, 0.20f, 0.25f, 0.30f, 0.35f, 0.35f, 0.40f, 0.45f, 0.50f, 0.55f, 0.60f, 0.60f};
    for (int i = 0; i < 12; i++)
        net.params[i] = init[i];
    assert_ptr_equal(net.layers[2]->params[0].data, net.params + 6);

    const float x[2] = {0.05f, 0.10f}, target[2] = {0.01f, 0.99f};
    ct_target t = {.values = target};
    float dout[2];
    ct_net_zero_grads(&net);
    const float *out = ct_net_forward(&net, x, 1, NULL);
    t_check_close(out[0], 0.75136507, 0, 1e-6, "out_o1", 0);
    t_check_close(out[1], 0.772928465, 0, 1e-6, "out_o2", 1);
    double loss = ct_loss_compute(CT_LOSS_MSE, out, &t, 1, 2, 1, dout);
    t_check_close(loss, 0.298371109, 0, 1e-6, "E_total", 0);
    ct_net_backward(&net, x, dout, 1, NULL);

    ct_optim opt;
    ct_error err;
    ct_optim_config cfg = {.type = CT_OPTIM_SGD, .lr = 0.5f};
    assert_int_equal(ct_optim_init(&opt, &cfg, net.nparams, &err), CT_OK);
    ct_optim_step(&opt, net.params, net.grads);

    const double w1_4[4] = {0.149780716, 0.19956143, 0.24975114, 0.29950229};
    const double w5_8[4] = {0.35891648, 0.408666186, 0.511301270, 0.561370121};
    for (int i = 0; i < 4; i++) {
        t_check_close(net.layers[0]->params[0].data[i], w1_4[i], 0, 1e-6, "w1..w4", i + 1);
        t_check_close(net.layers[2]->params[0].data[i], w5_8[i], 0, 1e-6, "w5..w8", i + 5);
    }
    ct_optim_free(&opt);
    ct_net_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mazur_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
