/* ctrain reconstruct CKPT.h5 --out FILE.png [--n 16] [--noise] [--data FILE.h5]
 * [--split NAME] [--job JOB.yaml]: the first n samples of a split above
 * their reconstructions by a trained autoencoder; with --noise, the
 * corrupted inputs the model is given, in between. */
#include <stdio.h>
#include <string.h>

#include "cluster/commands/model_tool.h"
#include "cluster/commands/commands.h"
#include "cluster/output/image_grid.h"
#include "engine/alloc.h"

#define COLUMNS 16 /* samples side by side */

typedef struct recon_args {
    ct_restore_source src;
    const char *out;
    const char *n_text;
    bool noise;
    int64_t n;
} recon_args;

static int parse_args(int argc, char **argv, recon_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    a->n = 16;
    ct_option options[] = {{"--out", &a->out, NULL}, {"--n", &a->n_text, NULL}, {"--noise", NULL, &a->noise}};
    if (ct_model_tool_parse(argc, argv, &a->src, options, 3, err) != CT_OK)
        return CT_ERR;
    if (!a->out)
        return ct_fail(err, "reconstruct: --out FILE.png is required");
    return ct_options_int("reconstruct", "--n", a->n_text, 1, 1024, &a->n, err);
}

static int reconstruct(ct_model_tool *t, const recon_args *a, ct_error *err)
{
    ct_autoencoder *ae = t->ae;
    const ct_shard *split = t->split;
    const char *split_name = t->run.job->data->test_split;
    if (a->noise && !ct_autoencoder_denoising(ae))
        return ct_fail(err, "reconstruct: --noise: %s: the model corrupts no input (model.autoencoder.noise_std "
                            "and mask_prob are 0)", t->origin);
    if (a->n > split->nrows)
        return ct_fail(err, "reconstruct: --n %lld: /%s holds %lld samples", (long long)a->n, split_name,
                       (long long)split->nrows);
    static const char *const names_clean[] = {"input", "output"}, *const names_noisy[] = {"input", "noisy", "output"};
    ct_image_grid g;
    ct_canvas canvas;
    if (ct_image_grid_init(&g, &canvas, &ae->sample_shape, a->n, a->noise ? 3 : 2,
                           a->noise ? names_noisy : names_clean, COLUMNS, err) != CT_OK)
        return ct_fail_context(err, "reconstruct: /%s/%s", split_name, t->run.job->data->input);

    int64_t chunk = t->run.job->train->eval_batch_size, size = ae->sample_size;
    chunk = chunk < a->n ? chunk : a->n;
    float *clean = CT_ALLOC_ARRAY(float, (size_t)(chunk * size));
    float *corrupted = CT_ALLOC_ARRAY(float, (size_t)(chunk * size));
    float *values = CT_ALLOC_ARRAY(float, (size_t)(chunk * size));
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = t->run.job->seed};
    double loss = 0;
    for (int64_t row = 0; row < a->n; row += chunk) {
        int64_t n = a->n - row < chunk ? a->n - row : chunk;
        ct_shard_rows_float(split, row, n, clean);
        const float *x = clean;
        if (a->noise) {
            /* The corruption the evaluation draws for these rows. */
            ct_autoencoder_corrupt(ae, corrupted, clean, n, t->run.job->seed, CT_AE_EVAL_STEP, row);
            x = corrupted;
        }
        const float *y = ct_autoencoder_reconstruct(ae, x, n, &pass);
        ct_target target = {NULL, clean};
        loss += ct_loss_compute(ae->loss, y, &target, n, size, 1, NULL);
        ct_autoencoder_output_values(ae, values, y, n);
        for (int64_t j = 0; j < n; j++) {
            const float *tiles[3] = {clean + j * size, x + j * size, values + j * size};
            for (int r = 0; r < g.rows; r++)
                ct_image_grid_put(&g, &canvas, row + j, r, tiles[r == g.rows - 1 ? 2 : r]);
        }
    }
    int rc = ct_canvas_write_png(&canvas, a->out, err);
    if (rc == CT_OK)
        printf("%s: %lld samples of /%s%s, reconstruction loss (%s) %.6f\n", a->out, (long long)a->n, split_name,
               a->noise ? " with their corrupted inputs" : "", ct_loss_name(ae->loss), loss / (double)a->n);
    else
        ct_fail_context(err, "reconstruct");
    ct_free(values);
    ct_free(corrupted);
    ct_free(clean);
    ct_canvas_free(&canvas);
    return rc;
}

int ct_cmd_reconstruct(int argc, char **argv)
{
    ct_model_tool tool = {0};
    ct_error err;
    recon_args args;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = ct_model_tool_open(&tool, "reconstruct", &args.src, &ct_autoencoder_family, false, &err);
    if (rc == CT_OK)
        rc = reconstruct(&tool, &args, &err);
    return ct_model_tool_close(&tool, rc, &err);
}
