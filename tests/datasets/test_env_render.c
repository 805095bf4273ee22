/* The environments' scenes (render) against Gymnasium's picture, worked
 * out by hand: CartPole's cart and pole corners for a tilted pole, Acrobot's
 * links for a horizontal arm, and a full scene adding nothing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "datasets/env.h"

#define TOL 1e-12

static void assert_close(double got, double want)
{
    if (fabs(got - want) > TOL)
        fail_msg("%.17g, expected %.17g", got, want);
}

static void test_cartpole(void **state)
{
    (void)state;
    const double s[4] = {1.0, 0.0, 0.1, 0.0};
    ct_env_scene scene;
    ct_env_cartpole.render(s, &scene);
    assert_int_equal(scene.n, 4); /* track, cart, pole, axle */
    assert_close(scene.xmax - scene.xmin, 4.8);
    const ct_env_shape *cart = &scene.shapes[1], *pole = &scene.shapes[2], *axle = &scene.shapes[3];
    /* Gymnasium: cart 50 x 30 pixels at 125 pixels per unit, centred on the track. */
    assert_int_equal(cart->kind, CT_ENV_POLYGON);
    assert_close(fmin(cart->x[0], cart->x[2]), 0.8);
    assert_close(fmax(cart->x[0], cart->x[2]), 1.2);
    assert_close(fmax(cart->y[0], cart->y[2]), 0.12);
    /* The pole's corners: (+-0.04, -0.04) and (+-0.04, 0.96) from the axle,
     * 0.06 above the track, turned clockwise by theta. */
    double c = cos(0.1), sn = sin(0.1);
    for (int k = 0; k < 4; k++) {
        double lx = pole->x[k] - 1.0, ly = pole->y[k] - 0.06;
        double u = lx * c - ly * sn, v = lx * sn + ly * c; /* back to the upright pole */
        assert_close(fabs(u), 0.04);
        assert_true(fabs(v + 0.04) < TOL || fabs(v - 0.96) < TOL);
    }
    assert_int_equal(pole->rgb[0], 202);
    assert_int_equal(axle->kind, CT_ENV_DOT);
    assert_close(axle->x[0], 1.0);
    assert_close(axle->y[0], 0.06);
    assert_close(axle->radius, 0.04);
}

static void test_acrobot(void **state)
{
    (void)state;
    const double pi = CT_ENV_PI, s[4] = {pi / 2, 0.0, 0.0, 0.0}; /* the arm straight out to the right */
    ct_env_scene scene;
    ct_env_acrobot.render(s, &scene);
    assert_int_equal(scene.n, 5); /* the goal line, two links, two joints */
    assert_close(scene.xmax, 2.2);
    assert_close(scene.shapes[0].y[0] + scene.shapes[0].y[2], 2.0); /* the line at y = 1 */
    const ct_env_shape *l1 = &scene.shapes[1], *l2 = &scene.shapes[2], *joint = &scene.shapes[4];
    assert_close(fmin(l1->x[0], l1->x[2]), 0.0);
    assert_close(fmax(l1->x[0], l1->x[2]), 1.0);
    assert_close(fmax(l1->y[0], l1->y[2]), 0.1);
    assert_close(fmax(l2->x[0], l2->x[2]), 2.0);
    assert_close(joint->x[0], 1.0);
    assert_close(joint->y[0], 0.0);
    /* Hanging down at rest. */
    const double rest[4] = {0, 0, 0, 0};
    ct_env_acrobot.render(rest, &scene);
    assert_close(scene.shapes[4].y[0], -1.0);
}

static void test_full_scene(void **state)
{
    (void)state;
    ct_env_scene scene = {.n = 0};
    const unsigned char black[3] = {0, 0, 0};
    for (int i = 0; i < CT_ENV_SHAPES_MAX + 3; i++)
        ct_env_scene_dot(&scene, i, 0, 1, black);
    ct_env_scene_bar(&scene, 0, 0, 1, 1, 1, black);
    assert_int_equal(scene.n, CT_ENV_SHAPES_MAX);
    assert_close(scene.shapes[CT_ENV_SHAPES_MAX - 1].x[0], CT_ENV_SHAPES_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cartpole),
        cmocka_unit_test(test_acrobot),
        cmocka_unit_test(test_full_scene),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
