/* The autoencoder family: encoder and decoder trained together on the
 * reconstruction of each clean input, as two networks with two optimizers
 * (run->model.nets[0] the encoder, nets[1] the decoder); the test loss is
 * the mean reconstruction loss, with no accuracy. Every epoch shows the
 * first test samples above their reconstructions. */
#include <stdio.h>

#include "cluster/families/autoencoder.h"
#include "cluster/families/families.h"
#include "cluster/output/image_grid.h"
#include "cluster/run/family.h"
#include "comm/agree.h"
#include "engine/alloc.h"

typedef struct autoencoder {
    ct_autoencoder model;
    ct_run *run;
    int loss_metric;     /* train_loss */
    ct_shard test;       /* this rank's shard of the evaluation split */
    float *corrupted;    /* [max_batch, sample_size]: a denoising model's inputs */
    float *dout;         /* [max_batch, sample_size]: dL/d(decoder output) */
    float *dlatent;      /* [max_batch, latent_size]: dL/d(code) */
    float *eval_x;       /* [eval chunk, sample_size]: one evaluation chunk's clean inputs */
} autoencoder;

static int ae_setup(ct_run *run, ct_error *err)
{
    autoencoder *a = CT_ALLOC_ARRAY(autoencoder, 1);
    run->family_state = a;
    a->run = run;
    /* Training needs no labels; embed and search colour and score by them. */
    const char *labels = run->eval_only && run->eval_labels ? run->job->data->target : NULL;
    if (ct_family_read_shards(run, &a->test, labels, err) != CT_OK)
        return CT_ERR;
    int64_t max_batch = ct_family_max_batch(run);
    int rc = ct_autoencoder_build(&a->model, run->job, *ct_family_sample_shape(run, &a->test), max_batch, err);
    if (rc != CT_OK)
        ct_fail_context(err, "%s", run->job_origin);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    size_t values = (size_t)max_batch * (size_t)a->model.sample_size;
    a->corrupted = CT_ALLOC_ARRAY(float, values);
    a->eval_x = ct_family_eval_inputs(run, &a->test);
    if (!run->eval_only) {
        a->dout = CT_ALLOC_ARRAY(float, values);
        a->dlatent = CT_ALLOC_ARRAY(float, (size_t)max_batch * (size_t)a->model.latent_size);
    }
    if (ct_family_metric(run, "train_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE | CT_METRIC_PROGRESS,
                         &a->loss_metric, err) != CT_OK)
        return CT_ERR;
    if (ct_family_add_net(run, &a->model.encoder, 0, true, err) != CT_OK)
        return CT_ERR;
    return ct_family_add_net(run, &a->model.decoder, 1, true, err);
}

static int ae_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    autoencoder *a = run->family_state;
    ct_autoencoder *m = &a->model;
    const ct_batch *batch = in->batch;
    ct_net_zero_grads(&m->encoder);
    ct_net_zero_grads(&m->decoder);
    double loss = 0; /* this rank's share of the global batch's mean loss */
    if (batch->n > 0) {
        const float *x = batch->inputs;
        if (ct_autoencoder_denoising(m)) {
            ct_autoencoder_corrupt(m, a->corrupted, x, batch->n, run->job->seed, run->state.step,
                                   batch->first_sample);
            x = a->corrupted;
        }
        ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = run->job->seed, .step = run->state.step,
                        .first_sample = batch->first_sample};
        const float *z = ct_net_forward(&m->encoder, x, batch->n, &pass);
        const float *y = ct_net_forward(&m->decoder, z, batch->n, &pass);
        ct_target clean = {NULL, batch->inputs};
        loss = ct_loss_compute(m->loss, y, &clean, batch->n, m->sample_size, batch->global_n, a->dout);
        ct_net_backward(&m->decoder, z, a->dout, batch->n, a->dlatent);
        ct_net_backward(&m->encoder, x, a->dlatent, batch->n, NULL);
    }
    ct_metrics_add(&run->metrics, a->loss_metric, loss);
    return ct_family_update(run, ct_net_bit(0) | ct_net_bit(1), err);
}

/* A denoising model is evaluated on the task it learns: corrupted inputs
 * (drawn per global row of the split, the same at every evaluation), clean
 * targets. */
static void evaluate_chunk(void *ctx, const ct_shard *test, const float *clean, int64_t row, int64_t n,
                           double *sums)
{
    autoencoder *a = ctx;
    ct_autoencoder *m = &a->model;
    const float *x = clean;
    if (ct_autoencoder_denoising(m)) {
        ct_autoencoder_corrupt(m, a->corrupted, clean, n, a->run->job->seed, CT_AE_EVAL_STEP, test->first_row + row);
        x = a->corrupted;
    }
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = a->run->job->seed, .step = a->run->state.step};
    const float *y = ct_autoencoder_reconstruct(m, x, n, &pass);
    ct_target target = {NULL, clean};
    sums[0] += ct_loss_compute(m->loss, y, &target, n, m->sample_size, 1, NULL);
}

static int ae_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    autoencoder *a = run->family_state;
    return ct_family_evaluate(run, &a->test, a->eval_x, evaluate_chunk, a, NULL, result, err);
}

#define PICTURE_SAMPLES 8

/* The first test samples (rank 0 holds the split's first rows) above their
 * reconstructions: RUN_DIR/reconstructions/epoch-N.png and TensorBoard. */
static int ae_end_epoch(ct_run *run, ct_error *err)
{
    autoencoder *a = run->family_state;
    ct_autoencoder *m = &a->model;
    const ct_shard *test = &a->test;
    int64_t n = test->nrows < PICTURE_SAMPLES ? test->nrows : PICTURE_SAMPLES;
    int64_t rows = ct_family_eval_rows(run, test);
    n = n < rows ? n : rows;
    ct_image_grid g;
    ct_canvas canvas;
    static const char *const names[] = {"input", "output"};
    if (run->world->rank != 0 || n == 0 || ct_image_grid_init(&g, &canvas, &m->sample_shape, n, 2, names,
                                                              PICTURE_SAMPLES, err) != CT_OK)
        return CT_OK; /* samples that are not images have no picture */
    ct_shard_rows_float(test, 0, n, a->eval_x);
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = run->job->seed, .step = run->state.step};
    const float *y = ct_autoencoder_reconstruct(m, a->eval_x, n, &pass);
    ct_autoencoder_output_values(m, a->corrupted, y, n);
    for (int64_t j = 0; j < n; j++) {
        ct_image_grid_put(&g, &canvas, j, 0, a->eval_x + j * m->sample_size);
        ct_image_grid_put(&g, &canvas, j, 1, a->corrupted + j * m->sample_size);
    }
    char file[64];
    snprintf(file, sizeof file, "reconstructions/epoch-%lld.png", (long long)run->state.epoch + 1);
    int rc = ct_run_picture(run, file, "reconstructions", &canvas, err);
    ct_canvas_free(&canvas);
    return rc;
}

static void ae_teardown(ct_run *run)
{
    autoencoder *a = run->family_state;
    if (!a)
        return;
    ct_autoencoder_free(&a->model);
    ct_shard_free(&a->test);
    ct_free(a->corrupted);
    ct_free(a->dout);
    ct_free(a->dlatent);
    ct_free(a->eval_x);
    ct_free(a);
    run->family_state = NULL;
}

const ct_family ct_autoencoder_family = {
    .name = "autoencoder",
    .setup = ae_setup,
    .step = ae_step,
    .evaluate = ae_evaluate,
    .end_epoch = ae_end_epoch,
    .teardown = ae_teardown,
};

ct_autoencoder *ct_autoencoder_of(ct_run *run, const ct_shard **split)
{
    if (run->family != &ct_autoencoder_family || !run->family_state)
        return NULL;
    autoencoder *a = run->family_state;
    if (split)
        *split = &a->test;
    return &a->model;
}
