/* The autoencoder family: encoder and decoder trained together on the
 * reconstruction of each clean input, as two networks with two optimizers
 * (run->model.nets[0] the encoder, nets[1] the decoder); the test loss is
 * the mean reconstruction loss, with no accuracy. */
#include "cluster/families/autoencoder.h"
#include "cluster/run/family.h"
#include "comm/agree.h"
#include "engine/alloc.h"

typedef struct autoencoder {
    ct_autoencoder model;
    ct_optim optims[2];  /* the encoder's, the decoder's */
    ct_run *run;
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
    if (ct_family_add_net(run, &a->model.encoder, &a->optims[0], err) != CT_OK)
        return CT_ERR;
    return ct_family_add_net(run, &a->model.decoder, &a->optims[1], err);
}

static int ae_step(ct_run *run, const ct_batch *batch, double *loss, ct_error *err)
{
    autoencoder *a = run->family_state;
    ct_autoencoder *m = &a->model;
    ct_net_zero_grads(&m->encoder);
    ct_net_zero_grads(&m->decoder);
    *loss = 0;
    if (batch->n > 0) {
        const float *x = batch->inputs;
        if (ct_autoencoder_denoising(m)) {
            ct_autoencoder_corrupt(m, a->corrupted, x, batch->n, run->job->seed, run->state.step,
                                   batch->first_sample);
            x = a->corrupted;
        }
        ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = run->job->seed, .step = run->state.step, .first_sample = batch->first_sample};
        const float *z = ct_net_forward(&m->encoder, x, batch->n, &pass);
        const float *y = ct_net_forward(&m->decoder, z, batch->n, &pass);
        ct_target clean = {NULL, batch->inputs};
        *loss = ct_loss_compute(m->loss, y, &clean, batch->n, m->sample_size, batch->global_n, a->dout);
        ct_net_backward(&m->decoder, z, a->dout, batch->n, a->dlatent);
        ct_net_backward(&m->encoder, x, a->dlatent, batch->n, NULL);
    }
    return ct_family_update(run, loss, err);
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
    return ct_family_evaluate(run, &a->test, a->eval_x, evaluate_chunk, a, false, result, err);
}

static void ae_teardown(ct_run *run)
{
    autoencoder *a = run->family_state;
    if (!a)
        return;
    ct_autoencoder_free(&a->model);
    if (!run->eval_only)
        for (int i = 0; i < 2; i++)
            ct_optim_free(&a->optims[i]);
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
