/* ctrain embed CKPT.h5 --out FILE.h5 [--png FILE.png] [--data FILE.h5]
 * [--split NAME] [--job JOB.yaml]: the latent codes of every sample of a
 * split, /latents [N, latent_size] and /labels [N], and a scatter plot of
 * them coloured by class: the codes themselves when they have two values,
 * else their first two principal components. */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/model_tool.h"
#include "cluster/commands/commands.h"
#include "cluster/analysis/pca.h"
#include "cluster/output/png.h"
#include "datasets/h5util.h"
#include "engine/alloc.h"

typedef struct embed_args {
    ct_restore_source src;
    const char *out;
    const char *png;
} embed_args;

static int parse_args(int argc, char **argv, embed_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    ct_option options[] = {{"--out", &a->out, NULL}, {"--png", &a->png, NULL}};
    if (ct_model_tool_parse(argc, argv, &a->src, options, 2, err) != CT_OK)
        return CT_ERR;
    if (!a->out)
        return ct_fail(err, "embed: --out FILE.h5 is required");
    return CT_OK;
}

static int write_latents(const ct_model_tool *t, const char *path, const float *codes, ct_error *err)
{
    const ct_shard *s = t->split;
    char tmp[4300];
    hid_t file = ct_h5_create_tmp(path, tmp, sizeof tmp, err);
    if (file < 0)
        return CT_ERR;
    hsize_t dims[2] = {(hsize_t)s->nrows, (hsize_t)t->ae->latent_size};
    hid_t set = ct_h5_write_dataset(file, "latents", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, codes, err);
    int rc = set < 0 ? CT_ERR : CT_OK;
    if (set >= 0)
        H5Dclose(set);
    set = rc == CT_OK ? ct_h5_write_dataset(file, "labels", H5T_NATIVE_INT32, 1, dims, NULL, 0, s->labels, err) : -1;
    if (set < 0)
        rc = CT_ERR;
    else
        H5Dclose(set);
    const char *attrs[3][2] = {{"checkpoint", t->run.job_origin},
                               {"data", t->run.job->data->path},
                               {"split", t->run.job->data->test_split}};
    for (int i = 0; rc == CT_OK && i < 3; i++)
        rc = ct_h5_write_attr_string(file, attrs[i][0], attrs[i][1], err);
    if (rc != CT_OK) {
        ct_h5_discard_tmp(file, tmp);
        return ct_fail_context(err, "%s", path);
    }
    return ct_h5_commit_tmp(file, tmp, path, err);
}

#define PLOT_X 70   /* the plot area: [PLOT_X, PLOT_X + PLOT_SIZE) square */
#define PLOT_Y 40
#define PLOT_SIZE 700
#define LEGEND_WIDTH 160

/* The plane's two axes: the codes' own two values, or principal components. */
static int plane_coordinates(float *xy, const float *codes, int64_t n, int64_t latent, char *title, size_t size,
                             ct_error *err)
{
    if (latent <= 2) {
        for (int64_t i = 0; i < n; i++) {
            xy[2 * i] = codes[i * latent];
            xy[2 * i + 1] = latent == 2 ? codes[i * latent + 1] : 0.0f;
        }
        snprintf(title, size, "latent codes (%lld values)", (long long)latent);
        return CT_OK;
    }
    double explained;
    if (ct_pca_project(xy, codes, n, latent, 2, &explained, err) != CT_OK)
        return CT_ERR;
    snprintf(title, size, "first two principal components of %lld-value codes (%.1f%% of the variance)",
             (long long)latent, 100.0 * explained);
    return CT_OK;
}

static int draw_scatter(ct_model_tool *t, const char *path, const float *codes, ct_error *err)
{
    const ct_shard *s = t->split;
    int64_t n = s->nrows;
    float *xy = CT_ALLOC_ARRAY(float, 2 * (size_t)n);
    char title[256];
    int rc = plane_coordinates(xy, codes, n, t->ae->latent_size, title, sizeof title, err);
    ct_canvas c;
    ct_canvas_init(&c, PLOT_X + PLOT_SIZE + LEGEND_WIDTH, PLOT_Y + PLOT_SIZE + 40, (ct_rgb){255, 255, 255});
    if (rc == CT_OK) {
        float lo[2] = {FLT_MAX, FLT_MAX}, hi[2] = {-FLT_MAX, -FLT_MAX};
        for (int64_t i = 0; i < 2 * n; i++) {
            lo[i % 2] = xy[i] < lo[i % 2] ? xy[i] : lo[i % 2];
            hi[i % 2] = xy[i] > hi[i % 2] ? xy[i] : hi[i % 2];
        }
        for (int a = 0; a < 2; a++) { /* 4% margins; a flat axis gets a unit range */
            float pad = hi[a] > lo[a] ? 0.04f * (hi[a] - lo[a]) : 0.5f;
            lo[a] -= pad;
            hi[a] += pad;
        }
        ct_rgb grey = {160, 160, 160}, black = {0, 0, 0};
        ct_canvas_fill(&c, PLOT_X - 1, PLOT_Y - 1, PLOT_SIZE + 2, PLOT_SIZE + 2, grey);
        ct_canvas_fill(&c, PLOT_X, PLOT_Y, PLOT_SIZE, PLOT_SIZE, (ct_rgb){255, 255, 255});
        int dot = n > 20000 ? 2 : 3;
        int32_t classes = 0;
        for (int64_t i = 0; i < n; i++) {
            int px = PLOT_X + (int)((xy[2 * i] - lo[0]) / (hi[0] - lo[0]) * (PLOT_SIZE - dot));
            int py = PLOT_Y + PLOT_SIZE - dot - (int)((xy[2 * i + 1] - lo[1]) / (hi[1] - lo[1]) * (PLOT_SIZE - dot));
            ct_canvas_fill(&c, px, py, dot, dot, ct_class_color(s->labels[i]));
            classes = s->labels[i] >= classes ? s->labels[i] + 1 : classes;
        }
        ct_canvas_text(&c, PLOT_X, 14, title, black, 1);
        const char *axes = t->ae->latent_size > 2 ? "PC1 (right), PC2 (up)" : "code[0] (right), code[1] (up)";
        ct_canvas_text(&c, PLOT_X, PLOT_Y + PLOT_SIZE + 12, axes, black, 1);
        for (int32_t k = 0; k < classes && k < 40; k++) {
            char buf[16];
            int y = PLOT_Y + 10 + k * 18;
            ct_canvas_fill(&c, PLOT_X + PLOT_SIZE + 16, y, 10, 10, ct_class_color(k));
            ct_canvas_text(&c, PLOT_X + PLOT_SIZE + 32, y, ct_model_tool_class_name(t, k, buf, sizeof buf), black, 1);
        }
        rc = ct_canvas_write_png(&c, path, err);
    }
    ct_canvas_free(&c);
    ct_free(xy);
    return rc;
}

static int embed(ct_model_tool *t, const embed_args *a, ct_error *err)
{
    float *codes = ct_model_tool_codes(t);
    int rc = write_latents(t, a->out, codes, err);
    if (rc == CT_OK)
        printf("%s: /latents [%lld, %lld] and /labels of /%s\n", a->out, (long long)t->split->nrows,
               (long long)t->ae->latent_size, t->run.job->data->test_split);
    if (rc == CT_OK && a->png) {
        rc = draw_scatter(t, a->png, codes, err);
        if (rc == CT_OK)
            printf("%s: scatter plot of the codes by class\n", a->png);
    }
    ct_free(codes);
    return rc == CT_OK ? CT_OK : ct_fail_context(err, "embed");
}

int ct_cmd_embed(int argc, char **argv)
{
    ct_model_tool tool = {0};
    ct_error err;
    embed_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&tool, "embed", &args.src, &ct_autoencoder_family, true, &err);
    if (rc == CT_OK)
        rc = embed(&tool, &args, &err);
    return ct_model_tool_close(&tool, rc, &err);
}
