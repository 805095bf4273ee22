/* Acrobot-v1 as Gymnasium defines it (gymnasium/envs/classic_control/
 * acrobot.py, the "book" dynamics): two links, a torque of -1, 0 or +1 on
 * the joint between them; one RK4 step of dt 0.2 per action; angles
 * wrapped to [-pi, pi], velocities bounded to 4 pi and 9 pi; terminated
 * when the tip rises a link's length above the pivot; reward -1 per step
 * (0 on the terminating one); truncated after 500 steps. The reset state
 * is drawn in float64 and rounded to float32, as Gymnasium's is. The
 * expressions keep Gymnasium's order of operations, so that the float64
 * state matches it bit for bit. The scene is Gymnasium's picture: the
 * two links hanging from the pivot (0.2 wide), their joints and the line
 * the tip must rise above. */
#include <math.h>

#include "datasets/env.h"

#define DT 0.2
#define L1 1.0  /* link lengths, masses, centres of mass, moments of inertia */
#define L2 1.0  /* (drawn only: the dynamics do not use it, as in Gymnasium) */
#define M1 1.0
#define M2 1.0
#define LC1 0.5
#define LC2 0.5
#define I1 1.0
#define I2 1.0
#define G 9.8
#define MAX_VEL_1 (4 * CT_ENV_PI)
#define MAX_VEL_2 (9 * CT_ENV_PI)

static void reset(double *s, ct_rng *rng)
{
    for (int i = 0; i < 4; i++)
        s[i] = (float)ct_env_uniform(rng, -0.1, 0.1);
}

/* x**2 as Gymnasium's Python computes it: libm's pow, which is not always
 * x*x to the last bit (once in some thousands of steps here). The
 * exponent is volatile so that the compiler cannot turn pow(x, 2) into x*x. */
static double python_square(double x)
{
    static volatile double two = 2.0;
    return pow(x, two);
}

/* The derivatives of (theta1, theta2, dtheta1, dtheta2) under torque a. */
static void dsdt(const double *s, double a, double *out)
{
    double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
    double d1 = M1 * (LC1 * LC1) + M2 * ((L1 * L1) + (LC2 * LC2) + 2 * L1 * LC2 * cos(theta2)) + I1 + I2;
    double d2 = M2 * ((LC2 * LC2) + L1 * LC2 * cos(theta2)) + I2;
    double phi2 = M2 * LC2 * G * cos(theta1 + theta2 - CT_ENV_PI / 2.0);
    double phi1 = -M2 * L1 * LC2 * python_square(dtheta2) * sin(theta2) -
                  2 * M2 * L1 * LC2 * dtheta2 * dtheta1 * sin(theta2) +
                  (M1 * LC1 + M2 * L1) * G * cos(theta1 - CT_ENV_PI / 2) + phi2;
    double ddtheta2 = (a + d2 / d1 * phi1 - M2 * L1 * LC2 * python_square(dtheta1) * sin(theta2) - phi2) /
                      (M2 * (LC2 * LC2) + I2 - python_square(d2) / d1);
    double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
}

static double wrap(double x, double lo, double hi)
{
    double diff = hi - lo;
    while (x > hi)
        x = x - diff;
    while (x < lo)
        x = x + diff;
    return x;
}

static double bound(double x, double lo, double hi)
{
    return fmin(fmax(x, lo), hi);
}

static ct_env_step step(double *s, int action)
{
    static const double torques[3] = {-1.0, 0.0, 1.0};
    double a = torques[action];
    const double dt2 = DT / 2.0;
    double k1[4], k2[4], k3[4], k4[4], y[4];
    dsdt(s, a, k1);
    for (int i = 0; i < 4; i++)
        y[i] = s[i] + dt2 * k1[i];
    dsdt(y, a, k2);
    for (int i = 0; i < 4; i++)
        y[i] = s[i] + dt2 * k2[i];
    dsdt(y, a, k3);
    for (int i = 0; i < 4; i++)
        y[i] = s[i] + DT * k3[i];
    dsdt(y, a, k4);
    for (int i = 0; i < 4; i++)
        s[i] = s[i] + DT / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    s[0] = wrap(s[0], -CT_ENV_PI, CT_ENV_PI);
    s[1] = wrap(s[1], -CT_ENV_PI, CT_ENV_PI);
    s[2] = bound(s[2], -MAX_VEL_1, MAX_VEL_1);
    s[3] = bound(s[3], -MAX_VEL_2, MAX_VEL_2);
    bool terminated = -cos(s[0]) - cos(s[1] + s[0]) > 1.0;
    return (ct_env_step){.reward = terminated ? 0.0 : -1.0, .terminated = terminated};
}

static void observe(const double *s, float *obs)
{
    obs[0] = (float)cos(s[0]);
    obs[1] = (float)sin(s[0]);
    obs[2] = (float)cos(s[1]);
    obs[3] = (float)sin(s[1]);
    obs[4] = (float)s[2];
    obs[5] = (float)s[3];
}

static void render(const double *s, ct_env_scene *scene)
{
    static const unsigned char black[3] = {0, 0, 0}, link[3] = {0, 204, 204}, joint[3] = {204, 204, 0};
    const double bound = L1 + L2 + 0.2, width = 0.2;
    double x1 = L1 * sin(s[0]), y1 = -L1 * cos(s[0]);
    double x2 = x1 + L2 * sin(s[0] + s[1]), y2 = y1 - L2 * cos(s[0] + s[1]);
    *scene = (ct_env_scene){.xmin = -bound, .xmax = bound, .ymin = -bound, .ymax = bound};
    ct_env_scene_bar(scene, -bound, 1.0, bound, 1.0, 0.02, black);
    ct_env_scene_bar(scene, 0, 0, x1, y1, width, link);
    ct_env_scene_bar(scene, x1, y1, x2, y2, width, link);
    ct_env_scene_dot(scene, 0, 0, width / 2, joint);
    ct_env_scene_dot(scene, x1, y1, width / 2, joint);
}

const ct_env_kind ct_env_acrobot = {
    .name = "Acrobot-v1",
    .state_size = 4,
    .obs_size = 6,
    .num_actions = 3,
    .max_steps = 500,
    .reset = reset,
    .step = step,
    .observe = observe,
    .render = render,
};
