/* The data-parallel invariant: splitting a global batch into parts (ranks),
 * computing each part's loss share with global_n and summing the parts'
 * gradients gives the whole batch's loss and gradient, to float rounding.
 * Here the "allreduce" is ct_net_backward's own accumulation (+=) over the
 * parts run one after the other. */
#include <math.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/loss.h"
#include "testlib.h"

enum { BATCH = 12, IN = 7, OUT = 4 };

static void run_parts(ct_net *net, ct_loss_type loss, const float *x, const int32_t *labels, const float *values,
                      const int *parts, int nparts, double *loss_out, float *dx)
{
    float dout[BATCH * OUT];
    ct_net_zero_grads(net);
    double total = 0.0;
    int64_t first = 0;
    for (int k = 0; k < nparts; k++) {
        int64_t n = parts[k];
        ct_target t = {.labels = labels + first, .values = values + first * OUT};
        const float *out = ct_net_forward(net, x + first * IN, n, NULL);
        total += ct_loss_compute(loss, out, &t, n, OUT, BATCH, dout);
        ct_net_backward(net, x + first * IN, dout, n, dx + first * IN);
        first += n;
    }
    assert_int_equal(first, BATCH);
    *loss_out = total;
}

static void check_loss(ct_loss_type loss)
{
    ct_rng rng;
    ct_rng_seed(&rng, 41, (uint64_t)loss);
    ct_net net;
    ct_net_init(&net, "");
    t_add_linear_act(&net, IN, 9, CT_ACT_TANH, 0);
    t_add_linear_act(&net, 9, 6, CT_ACT_RELU, 0);
    t_add_linear_act(&net, 6, OUT, -1, 0);
    t_build(&net, IN, BATCH);
    ct_net_init_params(&net, &rng);

    float x[BATCH * IN], values[BATCH * OUT], dx_whole[BATCH * IN], dx[BATCH * IN];
    int32_t labels[BATCH];
    t_fill_normal(x, BATCH * IN, 1.0f, &rng);
    t_fill_uniform(values, BATCH * OUT, 0.0f, 1.0f, &rng);
    for (int i = 0; i < BATCH; i++)
        labels[i] = (int32_t)ct_rng_below(&rng, OUT);

    const int whole[] = {BATCH};
    double loss_whole;
    run_parts(&net, loss, x, labels, values, whole, 1, &loss_whole, dx_whole);
    float *grads_whole = ct_malloc(net.nparams * sizeof(float));
    memcpy(grads_whole, net.grads, net.nparams * sizeof(float));

    /* 2 and 3 ranks (as the data store splits them), an uneven split, and a
     * rank that has no sample at all in this batch. */
    const int splits[][4] = {{6, 6, 0, 0}, {4, 4, 4, 0}, {5, 4, 3, 0}, {1, 11, 0, 0}, {7, 0, 5, 0}};
    const int nsplits[] = {2, 3, 3, 2, 3};
    for (size_t s = 0; s < sizeof nsplits / sizeof nsplits[0]; s++) {
        double loss_parts;
        run_parts(&net, loss, x, labels, values, splits[s], nsplits[s], &loss_parts, dx);
        t_check_close(loss_parts, loss_whole, 1e-12, 0, ct_loss_name(loss), (long)s);
        t_check_array(net.grads, grads_whole, net.nparams, 1e-5, 1e-7, "summed gradient");
        /* Each sample's dL/dx does not depend on how the batch is split. */
        t_check_array(dx, dx_whole, BATCH * IN, 1e-6, 1e-8, "dx");
    }
    ct_free(grads_whole);
    ct_net_free(&net);
}

static void test_split_batches_add_up(void **state)
{
    (void)state;
    check_loss(CT_LOSS_CROSS_ENTROPY);
    check_loss(CT_LOSS_MSE);
    check_loss(CT_LOSS_BCE_WITH_LOGITS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_batches_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
