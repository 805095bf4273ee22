/* Reinforcement-learning environments in plain C: the dynamics of
 * Gymnasium's classic-control tasks, bit for bit in float64 (their state),
 * with float32 observations as Gymnasium returns them. An environment is a
 * ct_env_kind (one file each) and its state, a few doubles the caller
 * owns, so that a checkpoint can store it and a replay can restart it.
 * Nothing here allocates. */
#ifndef CT_DATASETS_ENV_H
#define CT_DATASETS_ENV_H

#include <stdbool.h>

#include "engine/rng.h"

#define CT_ENV_STATE_MAX 8
#define CT_ENV_OBS_MAX 16    /* floats of an observation, at most */
#define CT_ENV_SHAPES_MAX 8  /* shapes of a rendered state, at most */

/* Python's math.pi (C11 has no M_PI). */
#define CT_ENV_PI 3.141592653589793

typedef struct ct_env_step {
    double reward;
    bool terminated; /* the task ended (the pole fell): no bootstrapping */
} ct_env_step;

/* A picture of a state as geometry, for a caller to draw (datasets/ draws
 * nothing): filled shapes in world units, y pointing up, painted in order,
 * seen through the window [xmin, xmax] x [ymin, ymax]. */
typedef enum ct_env_shape_kind {
    CT_ENV_POLYGON, /* the corners (x[i], y[i]), i < n */
    CT_ENV_DOT,     /* a disc centred on (x[0], y[0]) of radius `radius` */
} ct_env_shape_kind;

typedef struct ct_env_shape {
    ct_env_shape_kind kind;
    int n;
    double x[4], y[4];
    double radius;
    unsigned char rgb[3];
} ct_env_shape;

typedef struct ct_env_scene {
    double xmin, xmax, ymin, ymax;
    int n;
    ct_env_shape shapes[CT_ENV_SHAPES_MAX];
} ct_env_scene;

typedef struct ct_env_kind {
    const char *name;   /* Gymnasium's id: "CartPole-v1" */
    int state_size;     /* doubles of state, <= CT_ENV_STATE_MAX */
    int obs_size;       /* floats of an observation */
    int num_actions;    /* discrete actions 0 .. num_actions - 1 */
    int max_steps;      /* the TimeLimit: an episode is truncated after it */
    void (*reset)(double *state, ct_rng *rng);
    ct_env_step (*step)(double *state, int action);
    void (*observe)(const double *state, float *obs);
    /* The scene of a state, as Gymnasium's render() draws it. */
    void (*render)(const double *state, ct_env_scene *scene);
} ct_env_kind;

extern const ct_env_kind ct_env_cartpole;
extern const ct_env_kind ct_env_acrobot;

/* The environment of that Gymnasium id, or NULL. */
const ct_env_kind *ct_env_find(const char *name);

/* "CartPole-v1, Acrobot-v1": the known ids, for errors. */
const char *ct_env_names(void);

/* Adds to the scene a bar: the rectangle of that width whose middle line
 * runs from (x0, y0) to (x1, y1). Adds nothing when the scene is full. */
void ct_env_scene_bar(ct_env_scene *s, double x0, double y0, double x1, double y1, double width,
                      const unsigned char rgb[3]);

/* Adds a disc of that radius centred on (x, y). Nothing when full. */
void ct_env_scene_dot(ct_env_scene *s, double x, double y, double radius, const unsigned char rgb[3]);

/* Uniform in [lo, hi) with 53 random bits. */
double ct_env_uniform(ct_rng *rng, double lo, double hi);

#endif
