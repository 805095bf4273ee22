/* Gradient clipping against direct computations of PyTorch's rules
 * (clip_grad_norm_ and clip_grad_value_); the PyTorch fixture comparison is
 * in test_optim_parity. */
#include <math.h>
#include <string.h>

#include "engine/clip.h"
#include "testlib.h"

enum { N = 301 };

static double norm_of(const float *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return sqrt(s);
}

static void test_clip_norm(void **state)
{
    (void)state;
    ct_rng rng;
    ct_rng_seed(&rng, 5, 0);
    float g[N], before[N];
    t_fill_normal(g, N, 2.0f, &rng);
    memcpy(before, g, sizeof g);
    double norm = norm_of(g, N);
    /* Above max_norm: scaled by max_norm / (norm + 1e-6), so the new norm is max_norm. */
    float got = ct_clip_grad_norm(g, N, 1.5f);
    t_check_close(got, norm, 1e-6, 0, "pre-clip norm", 0);
    float coef = 1.5f / ((float)norm + 1e-6f);
    for (int i = 0; i < N; i++)
        t_check_close(g[i], before[i] * coef, 1e-6, 0, "scaled gradient", i);
    t_check_close(norm_of(g, N), 1.5, 1e-5, 0, "clipped norm", 0);
    /* Below max_norm: untouched, bit for bit. */
    memcpy(g, before, sizeof g);
    got = ct_clip_grad_norm(g, N, (float)norm * 2.0f);
    t_check_close(got, norm, 1e-6, 0, "norm", 1);
    assert_memory_equal(g, before, sizeof g);
    /* A non-finite gradient gives a non-finite norm and leaves the rest. */
    g[7] = NAN;
    assert_true(isnan(ct_clip_grad_norm(g, N, 1.0f)));
    assert_memory_equal(g, before, 7 * sizeof *g);
}

static void test_clip_value(void **state)
{
    (void)state;
    float g[6] = {-3.0f, -0.5f, 0.0f, 0.25f, 2.0f, NAN};
    ct_clip_grad_value(g, 6, 1.0f);
    const float want[5] = {-1.0f, -0.5f, 0.0f, 0.25f, 1.0f};
    assert_memory_equal(g, want, sizeof want);
    assert_true(isnan(g[5]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clip_norm),
        cmocka_unit_test(test_clip_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
