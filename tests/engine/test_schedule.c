/* Learning-rate schedules against their closed forms (PyTorch's
 * CosineAnnealingLR and StepLR stepped per batch). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "engine/schedule.h"

static void test_constant(void **state)
{
    (void)state;
    ct_lr_schedule s = {.type = CT_LR_CONSTANT, .base_lr = 0.1f};
    assert_float_equal(ct_lr_at(&s, 0), 0.1f, 0);
    assert_float_equal(ct_lr_at(&s, 123456), 0.1f, 0);
}

static void test_cosine(void **state)
{
    (void)state;
    ct_lr_schedule s = {.type = CT_LR_COSINE, .base_lr = 0.1f, .min_lr = 0.001f, .total_steps = 100};
    assert_float_equal(ct_lr_at(&s, 0), 0.1f, 1e-7);
    assert_float_equal(ct_lr_at(&s, 50), 0.001f + 0.5f * 0.099f, 1e-7);
    assert_float_equal(ct_lr_at(&s, 25), 0.001 + 0.5 * 0.099 * (1 + cos(3.14159265358979323846 / 4)), 1e-7);
    assert_float_equal(ct_lr_at(&s, 100), 0.001f, 0);
    assert_float_equal(ct_lr_at(&s, 1000), 0.001f, 0);
    for (int64_t step = 1; step <= 100; step++)
        assert_true(ct_lr_at(&s, step) <= ct_lr_at(&s, step - 1));
}

static void test_step(void **state)
{
    (void)state;
    ct_lr_schedule s = {.type = CT_LR_STEP, .base_lr = 1.0f, .step_every = 10, .gamma = 0.5f};
    assert_float_equal(ct_lr_at(&s, 9), 1.0f, 0);
    assert_float_equal(ct_lr_at(&s, 10), 0.5f, 0);
    assert_float_equal(ct_lr_at(&s, 29), 0.25f, 0);
    assert_float_equal(ct_lr_at(&s, 30), 0.125f, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_cosine),
        cmocka_unit_test(test_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
