/* The GAN: a generator maps z (and, conditional, a one-hot class) to a
 * sample; a discriminator maps a sample (and its class) to one value.
 * gan_model.c builds and runs the model (no MPI); gan.c is the training
 * family; the sample and fid commands use the model of a checkpoint. */
#ifndef CT_CLUSTER_GAN_H
#define CT_CLUSTER_GAN_H

#include <stdbool.h>

#include "cluster/run/run.h"
#include "engine/gan_loss.h"
#include "engine/net.h"

typedef struct ct_gan {
    ct_net generator;       /* tensors "generator.<i>.<param>" */
    ct_net discriminator;   /* tensors "discriminator.<i>.<param>" */
    ct_shape sample_shape;  /* the data's per-sample shape, e.g. [28, 28] */
    int64_t sample_size;    /* numel(sample_shape) = the generator's output numel */
    int64_t latent_size;    /* z's values */
    int64_t classes;        /* > 0: conditional on this many classes */
    bool uniform_z;         /* z ~ U(-1, 1), else N(0, 1) */
    bool condition_channels;/* the discriminator gets the class as constant planes, else as features */
    ct_shape d_in_shape;    /* the discriminator's per-sample input */
    int64_t d_in;           /* numel(d_in_shape) */
    ct_gan_loss loss;
    float real_label;
    float display_mean, display_std; /* data.normalize: a sample shows as x std + mean */
} ct_gan;

/* The generator's input values: z then the one-hot class. */
static inline int64_t ct_gan_g_in(const ct_gan *g)
{
    return g->latent_size + g->classes;
}

/* The job's model.gan, or its defaults when the job has none. */
const Ctrain__Gan *ct_gan_settings(const ct_job *job);

/* Builds the job's generator and discriminator (networks 0 and 1) for
 * samples of sample_shape, `classes` classes when conditional (the data
 * file's num_classes unless model.gan.classes says), and batches of up to
 * max_batch, with their initial parameters from the job seed. Errors name
 * the layer or setting: the generator's output is not a sample's shape,
 * the discriminator's output is not one value, the generator's input is not
 * latent_size (+ classes) values, channels asked for samples that are not
 * images. On error the model can only be freed. */
int ct_gan_build(ct_gan *g, const ct_job *job, ct_shape sample_shape, int64_t classes, int64_t max_batch,
                 ct_error *err);

/* The generator's inputs z[n, g_in] for n samples: sample j's latent values
 * drawn from (seed, step, first + j, salt), then, conditional, the one-hot
 * of labels[j]. */
void ct_gan_latent(const ct_gan *g, float *z, int64_t n, uint64_t seed, int64_t step, int64_t first, uint64_t salt,
                   const int32_t *labels);

/* Labels drawn uniformly from the classes for n samples, per (seed, step,
 * first + j, salt): what a conditional GAN generates. */
void ct_gan_labels(const ct_gan *g, int32_t *labels, int64_t n, uint64_t seed, int64_t step, int64_t first,
                   uint64_t salt);

/* What a training round gives the generator for this rank's samples
 * [first, first + n) of step `step`'s global batch, in the discriminator's
 * update or (generator_update) the generator's: z[n, g_in] and,
 * conditional, classes labels[n] drawn uniformly; all from (seed, step,
 * global index, the update's own purposes), so any world size draws the
 * same. */
void ct_gan_round_inputs(const ct_gan *g, float *z, int32_t *labels, int64_t n, uint64_t seed, int64_t step,
                         int64_t first, bool generator_update);

/* The discriminator's inputs d[n, d_in] from samples x[n, sample_size]:
 * the samples themselves, or with their classes appended (features) or as
 * constant planes after the channels (channels). */
void ct_gan_d_input(const ct_gan *g, float *d, const float *x, const int32_t *labels, int64_t n);

/* dL/dx[n, sample_size] from dL/d(d input)[n, d_in] (the sample's part). */
void ct_gan_d_input_grad(const ct_gan *g, float *dx, const float *dd, int64_t n);

/* Generated samples as pictures: x std + mean, into out (may be x). */
void ct_gan_display(const ct_gan *g, float *out, const float *x, int64_t n);

/* The generator in evaluation mode on z[n, g_in], as pictures into
 * out[n, sample_size]. n <= the generator's max_batch. */
void ct_gan_generate(ct_gan *g, float *out, const float *z, int64_t n);

/* Samples [first, first + n) of a draw, as pictures into out[n,
 * sample_size]: sample i has class k when k >= 0, else i mod classes (into
 * labels[n]; conditional GANs only), and z from (seed, step, i, salt); z[n,
 * g_in] is scratch. n <= the generator's max_batch. The epoch's grid and
 * the sample and fid commands draw this way. */
void ct_gan_draw(ct_gan *g, float *out, int32_t *labels, float *z, int64_t first, int64_t n, int32_t k,
                 uint64_t seed, int64_t step, uint64_t salt);

void ct_gan_free(ct_gan *g);

/* The model of a run of the GAN family (after its setup) and, in *split
 * when not NULL, its evaluation split; NULL when the run's family is
 * another. */
ct_gan *ct_gan_of(ct_run *run, const ct_shard **split);

#endif
