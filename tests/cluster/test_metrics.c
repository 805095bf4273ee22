/* Named metrics: how contributions combine in a step, how steps combine
 * over an epoch, the non-finite guard. One process (an MPI singleton): the
 * reductions over ranks are tested end to end under mpirun. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "singleton.h"

#include "cluster/run/metrics.h"

static void test_steps_and_epoch(void **state)
{
    (void)state;
    ct_metrics m;
    ct_error err;
    int loss, ret, peak, last, eps;
    ct_metrics_init(&m);
    assert_int_equal(ct_metrics_declare(&m, "loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE, &loss, &err),
                     CT_OK);
    assert_int_equal(ct_metrics_declare(&m, "return", CT_REDUCE_MEAN, CT_OVER_STEPS_SUM, 0, &ret, &err), CT_OK);
    assert_int_equal(ct_metrics_declare(&m, "peak", CT_REDUCE_MAX, CT_OVER_STEPS_MAX, 0, &peak, &err), CT_OK);
    assert_int_equal(ct_metrics_declare(&m, "last", CT_REDUCE_SUM, CT_OVER_STEPS_LAST, 0, &last, &err), CT_OK);
    assert_int_equal(ct_metrics_declare(&m, "eps", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, 0, &eps, &err), CT_OK);
    assert_int_equal(ct_metrics_declare(&m, "loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, 0, &eps, &err), CT_ERR);
    assert_string_equal(err.msg, "metric 'loss' is declared twice");
    assert_int_equal(ct_metrics_find(&m, "peak"), peak);
    assert_int_equal(ct_metrics_find(&m, "nope"), -1);

    /* Step 1, weight 100: contributions sum, average, take the largest. */
    ct_metrics_add(&m, loss, 0.25);
    ct_metrics_add(&m, loss, 0.5);
    ct_metrics_add(&m, ret, 10);
    ct_metrics_add(&m, ret, 20);
    ct_metrics_add(&m, peak, -3);
    ct_metrics_add(&m, peak, -1);
    ct_metrics_add(&m, last, 1);
    assert_int_equal(ct_metrics_reduce(&m, &ct_test_world, 100, &err), CT_OK);
    assert_true(m.value[loss] == 0.75 && m.value[ret] == 15 && m.value[peak] == -1 && m.reported[last]);
    assert_false(m.reported[eps]); /* nobody reported it this step */
    /* Step 2, weight 50. */
    ct_metrics_add(&m, loss, 1.0);
    ct_metrics_add(&m, ret, 1);
    ct_metrics_add(&m, peak, -7);
    ct_metrics_add(&m, last, 2);
    assert_int_equal(ct_metrics_reduce(&m, &ct_test_world, 50, &err), CT_OK);
    /* Over the epoch: the loss weighted by the steps' weights, returns
     * summed, the largest peak, the last value; eps never reported. */
    assert_true(ct_metrics_total(&m, &m.epoch, loss) == (float)((0.75 * 100 + 1.0 * 50) / 150));
    assert_true(ct_metrics_total(&m, &m.epoch, ret) == 16.0);
    assert_true(ct_metrics_total(&m, &m.epoch, peak) == -1.0);
    assert_true(ct_metrics_total(&m, &m.epoch, last) == 2.0);
    assert_false(ct_metrics_has(&m, &m.epoch, eps));
    assert_true(isnan(ct_metrics_total(&m, &m.epoch, eps)));
    ct_metrics_clear_totals(&m.interval);
    assert_false(ct_metrics_has(&m, &m.interval, loss));
    assert_true(ct_metrics_has(&m, &m.epoch, loss));
}

static void test_non_finite(void **state)
{
    (void)state;
    ct_metrics m;
    ct_error err;
    int loss, free_value;
    ct_metrics_init(&m);
    ct_metrics_declare(&m, "d_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE, &loss, &err);
    ct_metrics_declare(&m, "q", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, 0, &free_value, &err);
    ct_metrics_add(&m, free_value, INFINITY); /* not guarded */
    ct_metrics_add(&m, loss, 1.0);
    assert_int_equal(ct_metrics_reduce(&m, &ct_test_world, 1, &err), CT_OK);
    ct_metrics_add(&m, loss, NAN);
    assert_int_equal(ct_metrics_reduce(&m, &ct_test_world, 1, &err), CT_ERR);
    assert_string_equal(err.msg, "non-finite d_loss (nan)");
}

static void test_eval(void **state)
{
    (void)state;
    ct_metrics m;
    ct_error err;
    int acc;
    ct_metrics_init(&m);
    ct_metrics_declare(&m, "test_accuracy", CT_REDUCE_SUM, CT_OVER_STEPS_LAST, CT_METRIC_EVAL, &acc, &err);
    assert_false(ct_metrics_has(&m, &m.epoch, acc));
    ct_metrics_set_eval(&m, acc, 0.8936);
    assert_true(ct_metrics_has(&m, &m.epoch, acc));
    assert_true(ct_metrics_total(&m, &m.epoch, acc) == (float)0.8936); /* at float32 precision */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_and_epoch),
        cmocka_unit_test(test_non_finite),
        cmocka_unit_test(test_eval),
    };
    return cmocka_run_group_tests(tests, ct_test_start_mpi, ct_test_stop_mpi);
}
