/* The GAN family. Each step updates the discriminator (run->model.nets[1])
 * on this rank's part of a global batch of real samples and as many
 * generated ones; every d_steps steps the generator (nets[0]) then updates
 * through a discriminator that keeps its weights and is left holding no
 * gradient: two allreduces per round, one per network. Every random draw is
 * a function of (seed, step, global sample index, purpose), so a round is
 * the same at any world size (batch norm aside: its statistics are per
 * rank). Every epoch draws the same fixed z into a grid of samples. */
#include <stdio.h>

#include "cluster/families/families.h"
#include "cluster/families/gan.h"
#include "cluster/output/image_grid.h"
#include "cluster/run/family.h"
#include "comm/agree.h"
#include "engine/alloc.h"

/* Where the step index of the epoch's fixed z comes from: no training step
 * is negative. */
#define FIXED_Z_STEP (-2)

typedef struct gan_family {
    ct_gan model;
    ct_run *run;
    ct_shard test;       /* this rank's shard of the evaluation split (shape and label checks) */
    int d_loss, g_loss, d_real, d_fake; /* metrics */
    float *z;            /* [max_batch, latent + classes] */
    int32_t *labels;     /* [max_batch]: the classes of generated samples */
    float *d_x;          /* [max_batch, d_in]: a conditional discriminator's inputs */
    float *dd;           /* [max_batch]: dL/d(the discriminator's output) */
    float *d_dx;         /* [max_batch, d_in]: dL/d(the discriminator's input) */
    float *dfake;        /* [max_batch, sample_size]: dL/d(generated samples), conditional */
    float *picture;      /* [max_batch, sample_size]: samples as pictures */
    uint64_t salt_g, salt_d_real, salt_d_fake, salt_d_g, salt_fixed; /* the passes' purposes */
} gan_family;

static void draw_salts(gan_family *f)
{
    f->salt_g = ct_salt("gan.generator");
    f->salt_d_real = ct_salt("gan.discriminator.real");
    f->salt_d_fake = ct_salt("gan.discriminator.fake");
    f->salt_d_g = ct_salt("gan.discriminator.g_step");
    f->salt_fixed = ct_salt("gan.fixed_z");
}

static int declare_metrics(ct_run *run, gan_family *f, ct_error *err)
{
    unsigned loss = CT_METRIC_FINITE | CT_METRIC_PROGRESS | CT_METRIC_SUMMARY;
    if (ct_family_metric(run, "d_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, loss, &f->d_loss, err) != CT_OK ||
        ct_family_metric(run, "g_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, loss, &f->g_loss, err) != CT_OK ||
        ct_family_metric(run, "d_real", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, 0, &f->d_real, err) != CT_OK)
        return CT_ERR;
    return ct_family_metric(run, "d_fake", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, 0, &f->d_fake, err);
}

static int gan_setup(ct_run *run, ct_error *err)
{
    gan_family *f = CT_ALLOC_ARRAY(gan_family, 1);
    run->family_state = f;
    f->run = run;
    draw_salts(f);
    const ct_job *job = run->job;
    bool read_labels = ct_gan_settings(job)->conditional || (run->eval_only && run->eval_labels);
    if (ct_family_read_shards(run, &f->test, read_labels ? job->data->target : NULL, err) != CT_OK)
        return CT_ERR;
    int64_t max_batch = ct_family_max_batch(run);
    const ct_shard *labels = run->eval_only ? &f->test : &run->source.train;
    ct_gan *g = &f->model;
    int rc = ct_gan_build(g, job, *ct_family_sample_shape(run, &f->test), labels->num_classes, max_batch, err);
    if (rc == CT_OK && g->classes) {
        char source[96];
        snprintf(source, sizeof source, "the GAN is conditional on %lld classes", (long long)g->classes);
        rc = ct_family_check_labels(run, &f->test, job->data->test_split, g->classes, source, err);
        if (rc == CT_OK && !run->eval_only)
            rc = ct_family_check_labels(run, &run->source.train, job->data->train_split, g->classes, source, err);
    }
    if (rc != CT_OK)
        ct_fail_context(err, "%s", run->job_origin);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    size_t rows = (size_t)max_batch;
    f->z = CT_ALLOC_ARRAY(float, rows * (size_t)ct_gan_g_in(g));
    f->labels = CT_ALLOC_ARRAY(int32_t, rows);
    f->d_x = CT_ALLOC_ARRAY(float, rows * (size_t)g->d_in);
    f->dd = CT_ALLOC_ARRAY(float, rows);
    f->d_dx = CT_ALLOC_ARRAY(float, rows * (size_t)g->d_in);
    f->dfake = CT_ALLOC_ARRAY(float, rows * (size_t)g->sample_size);
    f->picture = CT_ALLOC_ARRAY(float, rows * (size_t)g->sample_size);
    if (declare_metrics(run, f, err) != CT_OK || ct_family_add_net(run, &g->generator, 0, true, err) != CT_OK)
        return CT_ERR;
    return ct_family_add_net(run, &g->discriminator, 1, true, err);
}

/* The discriminator's input for samples x: x itself, or with its class. */
static const float *d_input(gan_family *f, const float *x, const int32_t *labels, int64_t n)
{
    if (!f->model.classes)
        return x;
    ct_gan_d_input(&f->model, f->d_x, x, labels, n);
    return f->d_x;
}

/* The discriminator on inputs x (of purpose salt): its loss term's share,
 * its score's share, and backward (dx NULL: its gradients only). */
static double discriminate(gan_family *f, const float *x, int64_t n, int64_t global_n, ct_gan_term term,
                           uint64_t salt, const ct_batch *b, float *dx, double *score)
{
    ct_gan *g = &f->model;
    ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = f->run->job->seed, .step = f->run->state.step,
                    .first_sample = b->first_sample, .salt = salt};
    const float *out = ct_net_forward(&g->discriminator, x, n, &pass);
    double loss = ct_gan_loss_term(g->loss, term, out, n, global_n, g->real_label, f->dd);
    *score = ct_gan_score_sum(g->loss, out, n) / (double)global_n;
    ct_net_backward(&g->discriminator, x, f->dd, n, dx);
    return loss;
}

/* Generated samples for this rank's positions of the batch, from the
 * round's inputs for the discriminator's or the generator's update. */
static const float *generate(gan_family *f, const ct_batch *b, bool generator_update)
{
    ct_gan *g = &f->model;
    uint64_t seed = f->run->job->seed;
    int64_t step = f->run->state.step;
    ct_gan_round_inputs(g, f->z, f->labels, b->n, seed, step, b->first_sample, generator_update);
    ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = seed, .step = step, .first_sample = b->first_sample,
                    .salt = f->salt_g};
    return ct_net_forward(&g->generator, f->z, b->n, &pass);
}

static void discriminator_pass(gan_family *f, const ct_batch *b)
{
    double real_loss = 0, fake_loss = 0, real_score = 0, fake_score = 0;
    ct_net_zero_grads(&f->model.discriminator);
    if (b->n > 0) {
        const float *fake = generate(f, b, false);
        real_loss = discriminate(f, d_input(f, b->inputs, b->labels, b->n), b->n, b->global_n, CT_GAN_D_REAL,
                                 f->salt_d_real, b, NULL, &real_score);
        fake_loss = discriminate(f, d_input(f, fake, f->labels, b->n), b->n, b->global_n, CT_GAN_D_FAKE,
                                 f->salt_d_fake, b, NULL, &fake_score);
    }
    ct_metrics *m = &f->run->metrics;
    ct_metrics_add(m, f->d_loss, real_loss + fake_loss);
    ct_metrics_add(m, f->d_real, real_score);
    ct_metrics_add(m, f->d_fake, fake_score);
}

static void generator_pass(gan_family *f, const ct_batch *b)
{
    ct_gan *g = &f->model;
    double loss = 0, score;
    ct_net_zero_grads(&g->generator);
    if (b->n > 0) {
        const float *fake = generate(f, b, true);
        loss = discriminate(f, d_input(f, fake, f->labels, b->n), b->n, b->global_n, CT_GAN_G, f->salt_d_g, b,
                            f->d_dx, &score);
        const float *dfake = f->d_dx;
        if (g->classes) {
            ct_gan_d_input_grad(g, f->dfake, f->d_dx, b->n);
            dfake = f->dfake;
        }
        ct_net_backward(&g->generator, f->z, dfake, b->n, NULL);
        ct_net_zero_grads(&g->discriminator); /* the generator's pass leaves it nothing */
    }
    ct_metrics_add(&f->run->metrics, f->g_loss, loss);
}

static int gan_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    gan_family *f = run->family_state;
    discriminator_pass(f, in->batch);
    int rc = ct_family_update(run, ct_net_bit(1), err);
    if ((run->state.step + 1) % ct_gan_settings(run->job)->d_steps != 0)
        return rc;
    generator_pass(f, in->batch);
    ct_error later;
    if (ct_family_update(run, ct_net_bit(0), &later) != CT_OK && rc == CT_OK) {
        *err = later;
        rc = CT_ERR;
    }
    return rc;
}

/* The same fixed z every epoch, in the generator's evaluation mode, as a
 * grid: RUN_DIR/samples/epoch-N.png and TensorBoard. A conditional GAN's
 * grid has a column per class. Rank 0. */
static int gan_end_epoch(ct_run *run, ct_error *err)
{
    gan_family *f = run->family_state;
    ct_gan *g = &f->model;
    int64_t n = ct_gan_settings(run->job)->samples, chunk = g->generator.max_batch;
    int columns = g->classes ? (int)g->classes : 8;
    ct_image_grid grid;
    ct_canvas canvas;
    if (run->world->rank != 0 || ct_image_grid_init(&grid, &canvas, &g->sample_shape, n, 1, NULL, columns, err) != CT_OK)
        return CT_OK; /* samples that are not images have no picture */
    for (int64_t first = 0; first < n; first += chunk) {
        int64_t m = n - first < chunk ? n - first : chunk;
        ct_gan_draw(g, f->picture, f->labels, f->z, first, m, -1, run->job->seed, FIXED_Z_STEP, f->salt_fixed);
        for (int64_t j = 0; j < m; j++)
            ct_image_grid_put(&grid, &canvas, first + j, 0, f->picture + j * g->sample_size);
    }
    char file[64];
    snprintf(file, sizeof file, "samples/epoch-%lld.png", (long long)run->state.epoch + 1);
    int rc = ct_run_picture(run, file, "samples", &canvas, err);
    ct_canvas_free(&canvas);
    return rc;
}

static void gan_teardown(ct_run *run)
{
    gan_family *f = run->family_state;
    if (!f)
        return;
    ct_gan_free(&f->model);
    ct_shard_free(&f->test);
    ct_free(f->z);
    ct_free(f->labels);
    ct_free(f->d_x);
    ct_free(f->dd);
    ct_free(f->d_dx);
    ct_free(f->dfake);
    ct_free(f->picture);
    ct_free(f);
    run->family_state = NULL;
}

const ct_family ct_gan_family = {
    .name = "gan",
    .setup = gan_setup,
    .step = gan_step,
    .evaluate = NULL,
    .end_epoch = gan_end_epoch,
    .teardown = gan_teardown,
};

ct_gan *ct_gan_of(ct_run *run, const ct_shard **split)
{
    if (run->family != &ct_gan_family || !run->family_state)
        return NULL;
    gan_family *f = run->family_state;
    if (split)
        *split = &f->test;
    return &f->model;
}
