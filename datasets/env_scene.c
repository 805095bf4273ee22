/* Building an environment's scene (env.h): the shapes its render adds. */
#include <math.h>
#include <string.h>

#include "datasets/env.h"

static ct_env_shape *add(ct_env_scene *s, ct_env_shape_kind kind, const unsigned char rgb[3])
{
    if (s->n >= CT_ENV_SHAPES_MAX)
        return NULL;
    ct_env_shape *shape = &s->shapes[s->n++];
    memset(shape, 0, sizeof *shape);
    shape->kind = kind;
    memcpy(shape->rgb, rgb, sizeof shape->rgb);
    return shape;
}

void ct_env_scene_bar(ct_env_scene *s, double x0, double y0, double x1, double y1, double width,
                      const unsigned char rgb[3])
{
    ct_env_shape *bar = add(s, CT_ENV_POLYGON, rgb);
    if (!bar)
        return;
    double dx = x1 - x0, dy = y1 - y0, length = hypot(dx, dy);
    /* Half the width, across the middle line (any direction for a point). */
    double nx = length > 0 ? -dy / length * width / 2 : 0, ny = length > 0 ? dx / length * width / 2 : width / 2;
    const double xs[4] = {x0 + nx, x1 + nx, x1 - nx, x0 - nx}, ys[4] = {y0 + ny, y1 + ny, y1 - ny, y0 - ny};
    bar->n = 4;
    memcpy(bar->x, xs, sizeof xs);
    memcpy(bar->y, ys, sizeof ys);
}

void ct_env_scene_dot(ct_env_scene *s, double x, double y, double radius, const unsigned char rgb[3])
{
    ct_env_shape *dot = add(s, CT_ENV_DOT, rgb);
    if (!dot)
        return;
    dot->n = 1;
    dot->x[0] = x;
    dot->y[0] = y;
    dot->radius = radius;
}
