/* Augmentation: the draws (range, rate, determinism), crops and flips
 * against a direct transcription of torchvision's pad-then-crop and mirror,
 * noise, and the checks of the settings. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "datasets/augment.h"

enum { C = 2, H = 5, W = 7, N = 3 };

/* torchvision, written out: pad every side by P with `pad`, take the H x W
 * window at (dy, dx), then mirror it when flipped. */
static void reference(float *out, const float *in, int64_t p, const ct_augment_draw *d, float pad)
{
    enum { HP = H + 2 * 8, WP = W + 2 * 8 };
    float padded[HP * WP];
    for (int ch = 0; ch < C; ch++) {
        for (int y = 0; y < H + 2 * p; y++)
            for (int x = 0; x < W + 2 * p; x++) {
                bool inside = y >= p && y < H + p && x >= p && x < W + p;
                padded[y * WP + x] = inside ? in[ch * H * W + (y - p) * W + (x - p)] : pad;
            }
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float v = padded[(y + d->dy) * WP + x + d->dx];
                out[ch * H * W + y * W + (d->flip ? W - 1 - x : x)] = v;
            }
    }
}

static void test_crop_flip(void **state)
{
    (void)state;
    const ct_shape shape = ct_shape3(C, H, W);
    float x[N * C * H * W], original[N * C * H * W], want[C * H * W], scratch[C * H * W];
    for (int i = 0; i < N * C * H * W; i++)
        original[i] = (float)i;
    const int64_t rows[N] = {11, 4000, 7};
    for (int64_t p = 0; p <= 3; p++)
        for (int64_t epoch = 0; epoch < 20; epoch++) {
            ct_augment a = {.crop_padding = p, .flip_p = 0.5f, .pad_value = -1.0f};
            memcpy(x, original, sizeof x);
            ct_augment_apply(&a, &shape, x, N, rows, 9, epoch, scratch);
            for (int j = 0; j < N; j++) {
                ct_augment_draw d = ct_augment_draw_of(&a, 9, epoch, rows[j]);
                assert_true(d.dy >= 0 && d.dy <= 2 * p && d.dx >= 0 && d.dx <= 2 * p);
                reference(want, original + j * C * H * W, p, &d, -1.0f);
                assert_memory_equal(x + j * C * H * W, want, sizeof want);
            }
        }
}

static void test_draws(void **state)
{
    (void)state;
    ct_augment a = {.crop_padding = 4, .flip_p = 0.25f};
    int flips = 0, corners[9] = {0};
    for (int64_t row = 0; row < 9000; row++) {
        ct_augment_draw d = ct_augment_draw_of(&a, 1, 0, row);
        flips += d.flip;
        corners[d.dx]++;
    }
    assert_true(flips > 2000 && flips < 2500); /* 0.25 of 9000 = 2250, sd 41 */
    for (int k = 0; k < 9; k++)
        assert_true(corners[k] > 850 && corners[k] < 1150); /* uniform over [0, 8]: 1000 each, sd 30 */
    /* A function of (seed, epoch, row) alone. */
    ct_augment_draw a1 = ct_augment_draw_of(&a, 1, 3, 17), a2 = ct_augment_draw_of(&a, 1, 3, 17);
    assert_true(a1.dx == a2.dx && a1.dy == a2.dy && a1.flip == a2.flip);
    int differ = 0;
    for (int64_t e = 0; e < 20; e++) {
        ct_augment_draw b = ct_augment_draw_of(&a, 1, e, 17);
        differ += b.dx != a1.dx || b.dy != a1.dy || b.flip != a1.flip;
    }
    assert_true(differ > 10);
}

static void test_noise_and_inactive(void **state)
{
    (void)state;
    const ct_shape shape = ct_shape1(1000);
    static float x[1000], scratch[1000];
    const int64_t row = 5;
    ct_augment none = {0};
    assert_false(ct_augment_active(&none));
    ct_augment_apply(&none, &shape, x, 1, &row, 1, 0, scratch);
    for (int i = 0; i < 1000; i++)
        assert_true(x[i] == 0.0f);
    ct_augment a = {.noise_std = 0.5f};
    assert_true(ct_augment_active(&a));
    ct_augment_apply(&a, &shape, x, 1, &row, 1, 0, scratch);
    double sum = 0, sq = 0;
    for (int i = 0; i < 1000; i++) {
        sum += x[i];
        sq += (double)x[i] * x[i];
    }
    assert_true(fabs(sum / 1000) < 0.06 && fabs(sqrt(sq / 1000) - 0.5) < 0.05);
}

static void test_checks(void **state)
{
    (void)state;
    ct_error err;
    ct_augment crop = {.crop_padding = 2}, flip = {.flip_p = 0.5f}, noise = {.noise_std = 1};
    ct_shape vec = ct_shape1(10), image = ct_shape2(28, 28);
    assert_int_equal(ct_augment_check(&crop, &vec, &err), CT_ERR);
    assert_string_equal(err.msg, "data.augment.random_crop: crops need image samples ([H, W] or [C, H, W]), "
                                 "found [10]");
    assert_int_equal(ct_augment_check(&flip, &vec, &err), CT_ERR);
    assert_int_equal(ct_augment_check(&noise, &vec, &err), CT_OK);
    assert_int_equal(ct_augment_check(&crop, &image, &err), CT_OK);
    crop.crop_padding = 29;
    assert_int_equal(ct_augment_check(&crop, &image, &err), CT_ERR);
    assert_string_equal(err.msg, "data.augment.random_crop.padding: expected at most the image's side (28 x 28), "
                                 "found 29");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crop_flip),
        cmocka_unit_test(test_draws),
        cmocka_unit_test(test_noise_and_inactive),
        cmocka_unit_test(test_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
