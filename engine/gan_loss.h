/* The losses of a GAN, on the discriminator's outputs (one value per
 * sample, a logit for the BCE-based losses), as each is usually written in
 * PyTorch:
 *   minimax, non_saturating (BCEWithLogitsLoss):
 *     D on reals: BCE(D(x), real_label);  D on fakes: BCE(D(G(z)), 0)
 *     G, minimax: log(1 - sigmoid(D(G(z))))  (G minimises it; = -BCE(.., 0))
 *     G, non_saturating: BCE(D(G(z)), 1)
 *   least_squares (LSGAN with MSELoss, a = 0, b = c = 1):
 *     D: (D(x) - real_label)^2 and D(G(z))^2;  G: (D(G(z)) - 1)^2
 *   hinge:
 *     D: relu(1 - D(x)) and relu(1 + D(G(z)));  G: -D(G(z))
 * each averaged over the global batch as reduction='mean' does; the
 * discriminator's loss is the sum of its two terms. Written for data
 * parallelism like engine/loss.h: a rank passes its n outputs and the
 * global batch size, and the shares add up over the ranks. */
#ifndef CT_ENGINE_GAN_LOSS_H
#define CT_ENGINE_GAN_LOSS_H

#include <stdint.h>

typedef enum ct_gan_loss {
    CT_GAN_MINIMAX,
    CT_GAN_NON_SATURATING,
    CT_GAN_LEAST_SQUARES,
    CT_GAN_HINGE,
} ct_gan_loss;

typedef enum ct_gan_term {
    CT_GAN_D_REAL, /* the discriminator on real samples */
    CT_GAN_D_FAKE, /* the discriminator on generated ones */
    CT_GAN_G,      /* the generator, through the discriminator */
} ct_gan_term;

/* This rank's share of the term's mean over global_n samples, from the
 * discriminator's outputs out[n]; dout[n] (may be NULL) receives its
 * gradient. n = 0 returns 0. */
double ct_gan_loss_term(ct_gan_loss loss, ct_gan_term term, const float *out, int64_t n, int64_t global_n,
                        float real_label, float *dout);

/* What the discriminator says of a sample, for the metrics d_real and
 * d_fake: its probability of being real (sigmoid of the logit) for the
 * BCE-based losses, the output itself for least_squares and hinge. The sum
 * over out[n]. */
double ct_gan_score_sum(ct_gan_loss loss, const float *out, int64_t n);

#endif
