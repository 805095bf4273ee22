#include "cluster/output/env_strip.h"

#include <math.h>
#include <stdio.h>

#include "cluster/output/png.h"

#define FRAME_H 120 /* pixels of a frame's height; its width follows the scene's window */
#define COLUMNS 10
#define MARGIN 10
#define GAP 6
#define TITLE_H 24
#define LABEL_H 16

static int frame_width(const ct_env_scene *scene)
{
    return (int)lround(FRAME_H * (scene->xmax - scene->xmin) / (scene->ymax - scene->ymin));
}

static int frame_width_of(const ct_env_kind *env)
{
    double state[CT_ENV_STATE_MAX] = {0};
    ct_env_scene scene;
    env->render(state, &scene);
    return frame_width(&scene);
}

ct_env_strip_size ct_env_strip_layout(const ct_env_kind *env, int64_t steps, int64_t every)
{
    ct_env_strip_size size = {.frames = steps / every + 1 + (steps % every != 0)};
    int64_t columns = size.frames < COLUMNS ? size.frames : COLUMNS;
    int64_t rows = (size.frames + COLUMNS - 1) / COLUMNS;
    size.width = (int)(2 * MARGIN + columns * frame_width_of(env) + (columns - 1) * GAP);
    size.height = (int)(2 * MARGIN + TITLE_H + rows * (FRAME_H + LABEL_H) + (rows - 1) * GAP);
    return size;
}

/* The scene of one state in the frame whose top left corner is (left, top). */
static void draw_frame(ct_canvas *c, const ct_env_kind *env, const double *state, int left, int top)
{
    ct_env_scene scene;
    env->render(state, &scene);
    int width = frame_width(&scene);
    double scale = FRAME_H / (scene.ymax - scene.ymin);
    ct_canvas_fill(c, left - 1, top - 1, width + 2, FRAME_H + 2, (ct_rgb){200, 200, 200});
    ct_canvas_fill(c, left, top, width, FRAME_H, (ct_rgb){255, 255, 255});
    ct_canvas_clip(c, left, top, width, FRAME_H);
    for (int i = 0; i < scene.n; i++) {
        const ct_env_shape *s = &scene.shapes[i];
        ct_rgb color = {s->rgb[0], s->rgb[1], s->rgb[2]};
        double x[4], y[4];
        for (int k = 0; k < s->n && k < 4; k++) {
            x[k] = left + (s->x[k] - scene.xmin) * scale;
            y[k] = top + (scene.ymax - s->y[k]) * scale;
        }
        if (s->kind == CT_ENV_DOT)
            ct_canvas_dot(c, x[0], y[0], s->radius * scale, color);
        else
            ct_canvas_polygon(c, x, y, s->n, color);
    }
    ct_canvas_unclip(c);
}

int ct_env_strip_write_png(const char *path, const ct_env_kind *env, const double *states, int64_t steps,
                           int64_t every, const char *title, ct_error *err)
{
    ct_env_strip_size size = ct_env_strip_layout(env, steps, every);
    int width = frame_width_of(env);
    ct_canvas c;
    ct_canvas_init(&c, size.width, size.height, (ct_rgb){255, 255, 255});
    ct_canvas_text(&c, MARGIN, MARGIN, title, (ct_rgb){0, 0, 0}, 1.1);
    for (int64_t i = 0; i < size.frames; i++) {
        int64_t t = i * every < steps ? i * every : steps;
        int left = MARGIN + (int)(i % COLUMNS) * (width + GAP);
        int top = MARGIN + TITLE_H + (int)(i / COLUMNS) * (FRAME_H + LABEL_H + GAP);
        draw_frame(&c, env, states + t * env->state_size, left, top);
        char label[32];
        snprintf(label, sizeof label, "t=%lld", (long long)t);
        ct_canvas_text(&c, left, top + FRAME_H + 2, label, (ct_rgb){90, 90, 90}, 0.9);
    }
    int rc = ct_canvas_write_png(&c, path, err);
    ct_canvas_free(&c);
    return rc;
}
