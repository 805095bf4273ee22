/* CartPole-v1 as Gymnasium defines it (gymnasium/envs/classic_control/
 * cartpole.py): a pole hinged on a cart, pushed left or right with a fixed
 * force; explicit Euler with tau 0.02; the episode terminates when the cart
 * leaves [-2.4, 2.4] or the pole tilts beyond 12 degrees, and is truncated
 * after 500 steps; +1 reward on every step, the last included. The
 * expressions keep Gymnasium's order of operations, so that the float64
 * state matches it bit for bit (compiled without FMA contraction). The
 * scene is Gymnasium's picture in world units: the track, the cart
 * (0.4 x 0.24), the pole (1.0 x 0.08, hinged a quarter of the cart's height
 * above the track) and its axle. */
#include <math.h>

#include "datasets/env.h"

#define GRAVITY 9.8
#define MASSCART 1.0
#define MASSPOLE 0.1
#define TOTAL_MASS (MASSPOLE + MASSCART)
#define LENGTH 0.5 /* half the pole's length */
#define POLEMASS_LENGTH (MASSPOLE * LENGTH)
#define FORCE_MAG 10.0
#define TAU 0.02
#define X_THRESHOLD 2.4

static void reset(double *s, ct_rng *rng)
{
    for (int i = 0; i < 4; i++)
        s[i] = ct_env_uniform(rng, -0.05, 0.05);
}

static ct_env_step step(double *s, int action)
{
    const double theta_threshold = 12 * 2 * CT_ENV_PI / 360;
    double x = s[0], x_dot = s[1], theta = s[2], theta_dot = s[3];
    double force = action == 1 ? FORCE_MAG : -FORCE_MAG;
    double costheta = cos(theta), sintheta = sin(theta);
    double temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
    double thetaacc = (GRAVITY * sintheta - costheta * temp) /
                      (LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS));
    double xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
    s[0] = x + TAU * x_dot;
    s[1] = x_dot + TAU * xacc;
    s[2] = theta + TAU * theta_dot;
    s[3] = theta_dot + TAU * thetaacc;
    bool terminated = s[0] < -X_THRESHOLD || s[0] > X_THRESHOLD || s[2] < -theta_threshold || s[2] > theta_threshold;
    return (ct_env_step){.reward = 1.0, .terminated = terminated};
}

static void observe(const double *s, float *obs)
{
    for (int i = 0; i < 4; i++)
        obs[i] = (float)s[i];
}

static void render(const double *s, ct_env_scene *scene)
{
    static const unsigned char black[3] = {0, 0, 0}, pole[3] = {202, 152, 101}, axle[3] = {129, 132, 203};
    const double cart_w = 0.4, cart_h = 0.24, pole_w = 0.08, pole_len = 2 * LENGTH, pivot = cart_h / 4;
    double x = s[0], dx = sin(s[2]), dy = cos(s[2]);
    *scene = (ct_env_scene){.xmin = -X_THRESHOLD, .xmax = X_THRESHOLD, .ymin = -0.8, .ymax = 2.4};
    ct_env_scene_bar(scene, -X_THRESHOLD, 0, X_THRESHOLD, 0, 0.02, black);
    ct_env_scene_bar(scene, x - cart_w / 2, 0, x + cart_w / 2, 0, cart_h, black);
    ct_env_scene_bar(scene, x - pole_w / 2 * dx, pivot - pole_w / 2 * dy, x + (pole_len - pole_w / 2) * dx,
                     pivot + (pole_len - pole_w / 2) * dy, pole_w, pole);
    ct_env_scene_dot(scene, x, pivot, pole_w / 2, axle);
}

const ct_env_kind ct_env_cartpole = {
    .name = "CartPole-v1",
    .state_size = 4,
    .obs_size = 4,
    .num_actions = 2,
    .max_steps = 500,
    .reset = reset,
    .step = step,
    .observe = observe,
    .render = render,
};
