/* The autoencoder: an encoder network compresses each input into a latent
 * code, a decoder reconstructs the input from it, trained on mse or
 * bce_with_logits against the (clean) input. A denoising autoencoder
 * corrupts the encoder's input first. ae_model.c builds and runs the model
 * (no MPI); autoencoder.c is the training family; the reconstruct, embed and
 * search commands (model_tool.h) use the model of a checkpoint. */
#ifndef CT_CLUSTER_AUTOENCODER_H
#define CT_CLUSTER_AUTOENCODER_H

#include <stdbool.h>

#include "cluster/run/run.h"
#include "engine/loss.h"
#include "engine/net.h"

typedef struct ct_autoencoder {
    ct_net encoder;         /* tensors "encoder.<i>.<param>" */
    ct_net decoder;         /* tensors "decoder.<i>.<param>" */
    ct_shape sample_shape;  /* per-sample input shape, e.g. [28, 28] */
    int64_t sample_size;    /* numel(sample_shape) = the decoder's output numel */
    int64_t latent_size;    /* numel of the encoder's output */
    ct_loss_type loss;      /* CT_LOSS_MSE or CT_LOSS_BCE_WITH_LOGITS */
    float noise_std;        /* Gaussian noise on the encoder's input (0: none) */
    float mask_prob;        /* probability that an input value is zeroed */
} ct_autoencoder;

/* Builds the job's encoder and decoder (networks 0 and 1) for inputs of
 * in_shape and batches of up to max_batch samples, with their initial
 * parameters from the job seed. Errors name the layer: the encoder's last
 * when its output is not model.autoencoder.latent_size values, the
 * decoder's last when its output does not have as many values as the input
 * (both shapes given). On error the model can only be freed. */
int ct_autoencoder_build(ct_autoencoder *ae, const ct_job *job, ct_shape in_shape, int64_t max_batch,
                         ct_error *err);

/* Whether the model corrupts its inputs (a denoising autoencoder). */
bool ct_autoencoder_denoising(const ct_autoencoder *ae);

/* out[n, sample_size] = x corrupted as the job says: noise_std * N(0, 1)
 * added to every value, then each value zeroed with probability mask_prob.
 * Sample j draws from ct_rng_seed_sample(seed, step, first + j, ...), so a
 * sample is corrupted alike whichever rank holds it: `first` is the global
 * index of sample 0 (its position in the global batch when training). out
 * may be x. */
void ct_autoencoder_corrupt(const ct_autoencoder *ae, float *out, const float *x, int64_t n, uint64_t seed,
                            int64_t step, int64_t first);

/* The step the evaluation's corruption is drawn for: the same for every
 * evaluation, so test losses of a run compare across epochs. */
#define CT_AE_EVAL_STEP (-1)

/* Encoder then decoder on x[n, sample_size] (n <= max_batch); returns the
 * decoder's output [n, sample_size] (logits for bce_with_logits), valid
 * until the networks run again. The codes are ae->encoder's output. */
const float *ct_autoencoder_reconstruct(ct_autoencoder *ae, const float *x, int64_t n, const ct_pass *pass);

/* The decoder's output as input values: the sigmoid of the logits for
 * bce_with_logits, unchanged for mse. out may be y. */
void ct_autoencoder_output_values(const ct_autoencoder *ae, float *out, const float *y, int64_t n);

void ct_autoencoder_free(ct_autoencoder *ae);

/* The model and evaluation shard of a run of the autoencoder family (after
 * its setup), or NULL when the run's family is another. */
ct_autoencoder *ct_autoencoder_of(ct_run *run, const ct_shard **split);

#endif
