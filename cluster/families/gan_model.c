/* The GAN model: building its two networks, drawing latent vectors and
 * classes, the discriminator's conditional inputs. No MPI: the family and
 * the commands share it. */
#include <stdio.h>
#include <string.h>

#include "cluster/families/gan.h"
#include "cluster/run/model.h"
#include "engine/rng.h"

/* The discriminator's input shape for samples of g->sample_shape. */
static int d_input_shape(ct_gan *g, ct_error *err)
{
    const ct_shape *s = &g->sample_shape;
    char buf[64];
    if (!g->classes) {
        g->d_in_shape = *s;
    } else if (!g->condition_channels) {
        g->d_in_shape = ct_shape1(g->sample_size + g->classes);
    } else if (s->ndim == 2 || s->ndim == 3) {
        int64_t c = s->ndim == 3 ? s->dim[0] : 1, h = s->dim[s->ndim - 2], w = s->dim[s->ndim - 1];
        g->d_in_shape = ct_shape3(c + g->classes, h, w);
    } else {
        return ct_fail(err, "model.gan.condition: channels need image samples ([H, W] or [C, H, W]), found %s",
                       ct_shape_str(s, buf, sizeof buf));
    }
    g->d_in = ct_shape_numel(&g->d_in_shape);
    return CT_OK;
}

const Ctrain__Gan *ct_gan_settings(const ct_job *job)
{
    static const Ctrain__Gan defaults = CTRAIN__GAN__INIT;
    const Ctrain__Model *m = job->model;
    return m->settings_case == CTRAIN__MODEL__SETTINGS_GAN ? m->gan : &defaults;
}

int ct_gan_build(ct_gan *g, const ct_job *job, ct_shape sample_shape, int64_t classes, int64_t max_batch,
                 ct_error *err)
{
    const Ctrain__Model *m = job->model;
    const Ctrain__Gan *s = ct_gan_settings(job);
    char a[64], b[64];
    memset(g, 0, sizeof *g);
    g->sample_shape = sample_shape;
    g->sample_size = ct_shape_numel(&sample_shape);
    g->latent_size = (int64_t)s->latent_size;
    g->uniform_z = s->z == CTRAIN__LATENT_DISTRIBUTION__UNIFORM;
    g->condition_channels = s->condition == CTRAIN__CONDITION__CHANNELS;
    g->loss = s->loss == CTRAIN__GAN_LOSS__MINIMAX         ? CT_GAN_MINIMAX
              : s->loss == CTRAIN__GAN_LOSS__LEAST_SQUARES ? CT_GAN_LEAST_SQUARES
              : s->loss == CTRAIN__GAN_LOSS__HINGE         ? CT_GAN_HINGE
                                                           : CT_GAN_NON_SATURATING;
    g->real_label = s->real_label;
    g->display_mean = job->data->normalize ? job->data->normalize->mean : 0.0f;
    g->display_std = job->data->normalize ? job->data->normalize->std : 1.0f;
    if (s->conditional) {
        g->classes = s->classes ? (int64_t)s->classes : classes;
        if (g->classes < 1)
            return ct_fail(err, "model.gan.conditional: the labels of %s say nothing of how many classes there are "
                                "(no num_classes or class_names attribute): set model.gan.classes",
                           job->data->path);
    }
    if (d_input_shape(g, err) != CT_OK)
        return CT_ERR;
    if (ct_model_build_net(&g->generator, job, 0, m->networks[0]->name, ct_shape1(ct_gan_g_in(g)), max_batch,
                           err) != CT_OK) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return ct_fail(err, "%s (the generator's input is model.gan.latent_size %lld values%s)", why,
                       (long long)g->latent_size, g->classes ? " and the one-hot class" : "");
    }
    const ct_layer *last = g->generator.layers[g->generator.nlayers - 1];
    if (!ct_shape_same_sample(&last->out, &sample_shape))
        return ct_layer_fail(last, err, "the generator's output %s is not a sample's shape %s (of %s)",
                             ct_shape_str(&last->out, a, sizeof a), ct_shape_str(&sample_shape, b, sizeof b),
                             job->data->path);
    if (ct_model_build_net(&g->discriminator, job, 1, m->networks[1]->name, g->d_in_shape, max_batch, err) != CT_OK)
        return CT_ERR;
    last = g->discriminator.layers[g->discriminator.nlayers - 1];
    if (ct_shape_numel(&last->out) != 1)
        return ct_layer_fail(last, err, "the discriminator's output %s has %lld values; it must give one per sample",
                             ct_shape_str(&last->out, a, sizeof a), (long long)ct_shape_numel(&last->out));
    return CT_OK;
}

/* A sample's generator for (seed, step, index, salt). */
static void sample_rng(ct_rng *rng, uint64_t seed, int64_t step, int64_t index, uint64_t salt)
{
    ct_rng_seed_sample(rng, seed, step, index, salt);
}

void ct_gan_latent(const ct_gan *g, float *z, int64_t n, uint64_t seed, int64_t step, int64_t first, uint64_t salt,
                   const int32_t *labels)
{
    int64_t width = ct_gan_g_in(g);
    for (int64_t j = 0; j < n; j++) {
        ct_rng rng;
        sample_rng(&rng, seed, step, first + j, salt);
        float *row = z + j * width;
        for (int64_t i = 0; i < g->latent_size; i++)
            row[i] = g->uniform_z ? ct_rng_uniform_range(&rng, -1.0f, 1.0f) : ct_rng_normal(&rng);
        for (int64_t k = 0; k < g->classes; k++)
            row[g->latent_size + k] = labels[j] == k ? 1.0f : 0.0f;
    }
}

void ct_gan_labels(const ct_gan *g, int32_t *labels, int64_t n, uint64_t seed, int64_t step, int64_t first,
                   uint64_t salt)
{
    for (int64_t j = 0; j < n; j++) {
        ct_rng rng;
        sample_rng(&rng, seed, step, first + j, salt);
        labels[j] = (int32_t)ct_rng_below(&rng, (uint64_t)g->classes);
    }
}

void ct_gan_round_inputs(const ct_gan *g, float *z, int32_t *labels, int64_t n, uint64_t seed, int64_t step,
                         int64_t first, bool generator_update)
{
    if (g->classes)
        ct_gan_labels(g, labels, n, seed, step, first,
                      ct_salt(generator_update ? "gan.label.g_step" : "gan.label.d_step"));
    ct_gan_latent(g, z, n, seed, step, first, ct_salt(generator_update ? "gan.z.g_step" : "gan.z.d_step"), labels);
}

void ct_gan_d_input(const ct_gan *g, float *d, const float *x, const int32_t *labels, int64_t n)
{
    int64_t plane = g->classes && g->condition_channels ? (g->d_in - g->sample_size) / g->classes : 1;
    for (int64_t j = 0; j < n; j++) {
        float *row = d + j * g->d_in;
        memcpy(row, x + j * g->sample_size, (size_t)g->sample_size * sizeof *row);
        for (int64_t k = 0; k < g->classes; k++)
            for (int64_t p = 0; p < plane; p++)
                row[g->sample_size + k * plane + p] = labels[j] == k ? 1.0f : 0.0f;
    }
}

void ct_gan_d_input_grad(const ct_gan *g, float *dx, const float *dd, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        memcpy(dx + j * g->sample_size, dd + j * g->d_in, (size_t)g->sample_size * sizeof *dx);
}

void ct_gan_display(const ct_gan *g, float *out, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n * g->sample_size; i++)
        out[i] = x[i] * g->display_std + g->display_mean;
}

void ct_gan_generate(ct_gan *g, float *out, const float *z, int64_t n)
{
    ct_pass pass = {.mode = CT_MODE_EVAL};
    ct_gan_display(g, out, ct_net_forward(&g->generator, z, n, &pass), n);
}

void ct_gan_draw(ct_gan *g, float *out, int32_t *labels, float *z, int64_t first, int64_t n, int32_t k,
                 uint64_t seed, int64_t step, uint64_t salt)
{
    for (int64_t j = 0; j < n && g->classes; j++)
        labels[j] = k >= 0 ? k : (int32_t)((first + j) % g->classes);
    ct_gan_latent(g, z, n, seed, step, first, salt, labels);
    ct_gan_generate(g, out, z, n);
}

void ct_gan_free(ct_gan *g)
{
    ct_net_free(&g->generator);
    ct_net_free(&g->discriminator);
}
