/* The axes of ctrain plot's charts: 1-2-5 steps, bounds on whole steps,
 * and tick labels with the decimals the step needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cluster/output/chart.h"

static void check_axis(double lo, double hi, int max_ticks, bool whole, double want_lo, double want_hi,
                       double want_step)
{
    ct_axis a = ct_axis_nice(lo, hi, max_ticks, whole);
    if (!(fabs(a.lo - want_lo) < 1e-12 && fabs(a.hi - want_hi) < 1e-12 && fabs(a.step - want_step) < 1e-12))
        fail_msg("[%g, %g] in %d ticks: [%g, %g] step %g, expected [%g, %g] step %g", lo, hi, max_ticks, a.lo, a.hi,
                 a.step, want_lo, want_hi, want_step);
}

static void test_nice(void **state)
{
    (void)state;
    check_axis(0.3291, 0.3573, 8, false, 0.325, 0.36, 0.005);
    check_axis(0.3291, 0.3573, 4, false, 0.32, 0.36, 0.02);
    check_axis(0, 2345, 7, true, 0, 2500, 500);
    check_axis(0, 2345, 4, true, 0, 3000, 1000);
    check_axis(-0.7, 2.2, 8, false, -1, 2.5, 0.5);
    check_axis(0, 3, 12, true, 0, 3, 1);    /* whole: no step below 1 */
    check_axis(0.7, 0.9, 5, false, 0.7, 0.9, 0.05); /* bounds on a tick stay */
    check_axis(5, 5, 6, false, 4.6, 5.4, 0.2);      /* one value: a range around it */
    check_axis(0, 0, 6, false, -0.5, 0.5, 0.5);
    check_axis(1e-9, 3e-9, 3, false, 1e-9, 3e-9, 1e-9);
}

static void check_label(double lo, double hi, double step, double v, const char *want)
{
    ct_axis a = {lo, hi, step};
    char buf[64];
    assert_string_equal(ct_axis_label(&a, v, buf, sizeof buf), want);
}

static void test_labels(void **state)
{
    (void)state;
    check_label(0, 1, 0.05, 0.25, "0.25");
    check_label(0, 1, 0.2, 0.6000000000000001, "0.6");
    check_label(0, 3000, 500, 1500, "1500");
    check_label(-1, 1, 0.1, -0.1, "-0.1");
    check_label(-1, 1, 0.5, -0.0, "0.0");
    check_label(0, 0.5, 0.05, 0.35, "0.35");
    check_label(0, 4e-9, 2e-9, 2e-9, "2e-09");
    check_label(0, 25000, 5000, 25000, "25k");
    check_label(0, 2e6, 5e5, 1.5e6, "1.5M");
    check_label(0, 2e6, 5e5, 0, "0");
    check_label(0, 4e9, 1e9, 3e9, "3G");
    check_label(1e6, 1.00001e6, 2, 1000002, "1000002"); /* a step too fine for millions */
    check_label(0, 1e13, 2e12, 4e12, "4e+12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
