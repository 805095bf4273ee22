/* The autoencoder model: building its two networks, corrupting inputs,
 * running encoder then decoder. No MPI: the family and the commands share it. */
#include <math.h>
#include <string.h>

#include "cluster/families/autoencoder.h"
#include "cluster/run/model.h"
#include "engine/rng.h"

/* The salt of the corruption streams (ct_rng_seed_sample), which keeps them
 * apart from other per-sample randomness (dropout masks). */
#define AE_NOISE_SALT UINT64_C(0x61652d6e6f697365) /* "ae-noise" */

int ct_autoencoder_build(ct_autoencoder *ae, const ct_job *job, ct_shape in_shape, int64_t max_batch,
                         ct_error *err)
{
    const Ctrain__Model *m = job->model;
    const Ctrain__Autoencoder *settings = m->autoencoder;
    char a[64], b[64];
    memset(ae, 0, sizeof *ae);
    ae->sample_shape = in_shape;
    ae->sample_size = ct_shape_numel(&in_shape);
    ae->loss = ct_model_loss(job);
    ae->noise_std = settings->noise_std;
    ae->mask_prob = settings->mask_prob;
    if (ct_model_build_net(&ae->encoder, job, 0, m->networks[0]->name, in_shape, max_batch, err) != CT_OK)
        return CT_ERR;
    const ct_layer *last = ae->encoder.layers[ae->encoder.nlayers - 1];
    ae->latent_size = ct_shape_numel(&last->out);
    if ((uint64_t)ae->latent_size != settings->latent_size)
        return ct_layer_fail(last, err, "the encoder's output %s has %lld values but model.autoencoder.latent_size "
                                        "is %llu",
                             ct_shape_str(&last->out, a, sizeof a), (long long)ae->latent_size,
                             (unsigned long long)settings->latent_size);
    if (ct_model_build_net(&ae->decoder, job, 1, m->networks[1]->name, last->out, max_batch, err) != CT_OK)
        return CT_ERR;
    last = ae->decoder.layers[ae->decoder.nlayers - 1];
    if (ct_shape_numel(&last->out) != ae->sample_size)
        return ct_layer_fail(last, err, "the decoder's output %s has %lld values but the input %s it reconstructs "
                                        "has %lld",
                             ct_shape_str(&last->out, a, sizeof a), (long long)ct_shape_numel(&last->out),
                             ct_shape_str(&in_shape, b, sizeof b), (long long)ae->sample_size);
    return CT_OK;
}

bool ct_autoencoder_denoising(const ct_autoencoder *ae)
{
    return ae->noise_std > 0 || ae->mask_prob > 0;
}

void ct_autoencoder_corrupt(const ct_autoencoder *ae, float *out, const float *x, int64_t n, uint64_t seed,
                            int64_t step, int64_t first)
{
    size_t size = (size_t)ae->sample_size;
    if (out != x && n > 0)
        memcpy(out, x, (size_t)n * size * sizeof *out);
    if (!ct_autoencoder_denoising(ae))
        return;
    for (int64_t j = 0; j < n; j++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, seed, step, first + j, AE_NOISE_SALT);
        float *v = out + (size_t)j * size;
        for (size_t i = 0; i < size; i++) {
            if (ae->noise_std > 0)
                v[i] += ae->noise_std * ct_rng_normal(&rng);
            if (ae->mask_prob > 0 && ct_rng_uniform(&rng) < ae->mask_prob)
                v[i] = 0.0f;
        }
    }
}

const float *ct_autoencoder_reconstruct(ct_autoencoder *ae, const float *x, int64_t n, const ct_pass *pass)
{
    const float *z = ct_net_forward(&ae->encoder, x, n, pass);
    return ct_net_forward(&ae->decoder, z, n, pass);
}

void ct_autoencoder_output_values(const ct_autoencoder *ae, float *out, const float *y, int64_t n)
{
    size_t count = (size_t)n * (size_t)ae->sample_size;
    for (size_t i = 0; i < count; i++)
        out[i] = ae->loss == CT_LOSS_BCE_WITH_LOGITS ? 1.0f / (1.0f + expf(-y[i])) : y[i];
}

void ct_autoencoder_free(ct_autoencoder *ae)
{
    ct_net_free(&ae->encoder);
    ct_net_free(&ae->decoder);
}
