/* ctrain sample CKPT [--out FILE.png] [--n 64] [--seed S] [--class K]
 * [--interpolate] [--out-h5 FILE.h5] [--data FILE.h5] [--split NAME]
 * [--job JOB.yaml]: images of a trained GAN's generator, as a grid (--out)
 * and/or as a dataset file (--out-h5) a classifier can train on: /train
 * holds the generated images (and, conditional, their classes), /test a
 * copy of the data's evaluation split. */
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/commands/model_tool.h"
#include "cluster/output/image_grid.h"
#include "datasets/h5util.h"
#include "engine/alloc.h"
#include "engine/rng.h"

#define COLUMNS 8        /* samples per row of an unconditional grid */
#define GRID_MAX 1024    /* samples in one picture */
#define H5_MAX 10000000  /* samples in one file */
#define SAMPLE_STEP (-3) /* the step index of the draws: no training step is negative */

typedef struct sample_args {
    ct_restore_source src;
    const char *out, *out_h5;
    const char *n_text, *seed_text, *class_text;
    bool interpolate;
    int64_t n, seed, class_k; /* class_k -1: every class in turn */
} sample_args;

static int parse_args(int argc, char **argv, sample_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    a->n = 64;
    a->seed = 1;
    a->class_k = -1;
    ct_option options[] = {{"--out", &a->out, NULL},           {"--out-h5", &a->out_h5, NULL},
                           {"--n", &a->n_text, NULL},          {"--seed", &a->seed_text, NULL},
                           {"--class", &a->class_text, NULL},  {"--interpolate", NULL, &a->interpolate}};
    if (ct_model_tool_parse(argc, argv, &a->src, options, 6, err) != CT_OK)
        return CT_ERR;
    if (!a->out && !a->out_h5)
        return ct_fail(err, "sample: --out FILE.png or --out-h5 FILE.h5 is required");
    if (a->interpolate && a->out_h5)
        return ct_fail(err, "sample: --interpolate draws a picture; it does not go with --out-h5");
    if (ct_options_int("sample", "--n", a->n_text, 1, a->out_h5 ? H5_MAX : GRID_MAX, &a->n, err) != CT_OK ||
        ct_options_int("sample", "--seed", a->seed_text, 0, INT64_MAX, &a->seed, err) != CT_OK)
        return CT_ERR;
    return ct_options_int("sample", "--class", a->class_text, 0, INT32_MAX, &a->class_k, err);
}

/* The grid's rows of --interpolate: row r walks from z_a to z_b (draws 2r
 * and 2r + 1) in `columns` even steps, both ends included. ends[2, g_in]
 * is scratch. */
static void interpolation_latents(ct_gan *g, float *z, int32_t *labels, float *ends, int64_t first, int64_t n,
                                  int columns, const sample_args *a, uint64_t salt)
{
    int64_t width = ct_gan_g_in(g);
    int32_t end_labels[2];
    for (int64_t j = 0; j < n; j++) {
        int64_t i = first + j, row = i / columns;
        float t = columns > 1 ? (float)(i % columns) / (float)(columns - 1) : 0.0f;
        int32_t k = a->class_k >= 0 ? (int32_t)a->class_k : g->classes ? (int32_t)(row % g->classes) : 0;
        end_labels[0] = end_labels[1] = k;
        ct_gan_latent(g, ends, 2, (uint64_t)a->seed, SAMPLE_STEP, 2 * row, salt, end_labels);
        for (int64_t v = 0; v < width; v++)
            z[j * width + v] = (1.0f - t) * ends[v] + t * ends[width + v];
        labels[j] = k;
    }
}

static int write_grid(ct_model_tool *t, const sample_args *a, float *pictures, int32_t *labels, float *z,
                      ct_error *err)
{
    ct_gan *g = t->gan;
    int columns = a->interpolate || a->class_k >= 0 || !g->classes ? COLUMNS : (int)g->classes;
    ct_image_grid grid;
    ct_canvas canvas;
    if (ct_image_grid_init(&grid, &canvas, &g->sample_shape, a->n, 1, NULL, columns, err) != CT_OK)
        return ct_fail_context(err, "sample: %s", t->origin);
    uint64_t salt = ct_salt("sample.z");
    float *ends = CT_ALLOC_ARRAY(float, (size_t)(2 * ct_gan_g_in(g)));
    for (int64_t first = 0, chunk = g->generator.max_batch; first < a->n; first += chunk) {
        int64_t m = a->n - first < chunk ? a->n - first : chunk;
        if (a->interpolate) {
            interpolation_latents(g, z, labels, ends, first, m, columns, a, salt);
            ct_gan_generate(g, pictures, z, m);
        } else {
            ct_gan_draw(g, pictures, labels, z, first, m, (int32_t)a->class_k, (uint64_t)a->seed, SAMPLE_STEP, salt);
        }
        for (int64_t j = 0; j < m; j++)
            ct_image_grid_put(&grid, &canvas, first + j, 0, pictures + j * g->sample_size);
    }
    ct_free(ends);
    int rc = ct_canvas_write_png(&canvas, a->out, err);
    ct_canvas_free(&canvas);
    if (rc != CT_OK)
        return ct_fail_context(err, "sample");
    printf("%s: %lld samples%s, seed %lld\n", a->out, (long long)a->n,
           a->interpolate ? " on lines between random z" : "", (long long)a->seed);
    return CT_OK;
}

/* /<split>/images [n, sample shape] float32 and, when labels, /<split>/labels
 * int32 with the data's num_classes and class names. */
static int write_split(hid_t file, const char *split, const ct_gan *g, const ct_shard *names, const float *images,
                       const int32_t *labels, int64_t n, int64_t classes, ct_error *err)
{
    hsize_t dims[CT_MAX_DIMS + 1] = {(hsize_t)n};
    for (int d = 0; d < g->sample_shape.ndim; d++)
        dims[d + 1] = (hsize_t)g->sample_shape.dim[d];
    char path[64];
    snprintf(path, sizeof path, "%s/images", split);
    hid_t d = ct_h5_write_dataset(file, path, H5T_NATIVE_FLOAT, g->sample_shape.ndim + 1, dims, NULL, 0, images, err);
    if (d < 0)
        return CT_ERR;
    H5Dclose(d);
    if (!labels)
        return CT_OK;
    snprintf(path, sizeof path, "%s/labels", split);
    d = ct_h5_write_dataset(file, path, H5T_NATIVE_INT32, 1, dims, NULL, 0, labels, err);
    if (d < 0)
        return CT_ERR;
    int rc = ct_h5_write_attr_int64(d, "num_classes", classes, err);
    if (rc == CT_OK && names->class_names && (int64_t)names->nclass_names == classes)
        rc = ct_h5_write_attr_strings(d, "class_names", (const char *const *)names->class_names,
                                      names->nclass_names, err);
    H5Dclose(d);
    return rc;
}

/* The generated images, then the evaluation split as pictures (undoing
 * data.normalize), into one file written atomically. */
static int write_h5(ct_model_tool *t, const sample_args *a, float *z, ct_error *err)
{
    ct_gan *g = t->gan;
    const ct_shard *test = t->split;
    int64_t size = g->sample_size, rows = a->n > test->nrows ? a->n : test->nrows;
    float *images = CT_ALLOC_ARRAY(float, (size_t)(rows * size));
    int32_t *labels = CT_ALLOC_ARRAY(int32_t, (size_t)rows);
    uint64_t salt = ct_salt("sample.z");
    for (int64_t first = 0, chunk = g->generator.max_batch; first < a->n; first += chunk) {
        int64_t m = a->n - first < chunk ? a->n - first : chunk;
        ct_gan_draw(g, images + first * size, labels + first, z, first, m, (int32_t)a->class_k, (uint64_t)a->seed,
                    SAMPLE_STEP, salt);
    }
    char tmp[4200];
    hid_t file = ct_h5_create_tmp(a->out_h5, tmp, sizeof tmp, err);
    int rc = file < 0 ? CT_ERR : write_split(file, "train", g, test, images, g->classes ? labels : NULL, a->n,
                                              g->classes, err);
    if (rc == CT_OK) {
        ct_shard_rows_float(test, 0, test->nrows, images);
        ct_gan_display(g, images, images, test->nrows);
        rc = write_split(file, "test", g, test, images, test->labels, test->nrows, test->num_classes, err);
    }
    if (rc == CT_OK && ct_h5_write_attr_string(file, "source", "ctrain sample", err) == CT_OK)
        rc = ct_h5_commit_tmp(file, tmp, a->out_h5, err);
    else if (file >= 0)
        ct_h5_discard_tmp(file, tmp);
    ct_free(labels);
    ct_free(images);
    if (rc != CT_OK)
        return ct_fail_context(err, "sample: --out-h5 %s", a->out_h5);
    printf("%s: /train/images [%lld]%s generated, seed %lld; /test: the %lld samples of %s\n", a->out_h5,
           (long long)a->n, g->classes ? " and /train/labels" : "", (long long)a->seed, (long long)test->nrows,
           t->run.job->data->path);
    return CT_OK;
}

static int sample(ct_model_tool *t, const sample_args *a, ct_error *err)
{
    ct_gan *g = t->gan;
    if (a->class_k >= 0 && a->class_k >= g->classes)
        return g->classes ? ct_fail(err, "sample: --class %lld: the GAN of %s has classes 0 to %lld",
                                    (long long)a->class_k, t->origin, (long long)g->classes - 1)
                          : ct_fail(err, "sample: --class: the GAN of %s is not conditional", t->origin);
    int64_t chunk = g->generator.max_batch;
    float *pictures = CT_ALLOC_ARRAY(float, (size_t)(chunk * g->sample_size));
    float *z = CT_ALLOC_ARRAY(float, (size_t)(chunk * ct_gan_g_in(g)));
    int32_t *labels = CT_ALLOC_ARRAY(int32_t, (size_t)chunk);
    int rc = a->out ? write_grid(t, a, pictures, labels, z, err) : CT_OK;
    if (rc == CT_OK && a->out_h5)
        rc = write_h5(t, a, z, err);
    ct_free(labels);
    ct_free(z);
    ct_free(pictures);
    return rc;
}

int ct_cmd_sample(int argc, char **argv)
{
    ct_model_tool tool = {0};
    ct_error err;
    sample_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&tool, "sample", &args.src, &ct_gan_family, args.out_h5 != NULL, &err);
    if (rc == CT_OK)
        rc = sample(&tool, &args, &err);
    return ct_model_tool_close(&tool, rc, &err);
}
