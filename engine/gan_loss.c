#include "engine/gan_loss.h"

#include <math.h>
#include <stdbool.h>

/* log(1 + exp(x)) without overflow. */
static double softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* One sample's loss and its derivative. */
static double term_of(ct_gan_loss loss, ct_gan_term term, double x, double real_label, double *grad)
{
    switch (loss) {
    case CT_GAN_MINIMAX:
    case CT_GAN_NON_SATURATING:
        if (term == CT_GAN_D_REAL) { /* BCE(x, y) = softplus(x) - x y */
            *grad = sigmoid(x) - real_label;
            return softplus(x) - x * real_label;
        }
        if (term == CT_GAN_D_FAKE || loss == CT_GAN_MINIMAX) { /* BCE(x, 0) = softplus(x) */
            double sign = term == CT_GAN_D_FAKE ? 1.0 : -1.0; /* minimax G: log(1 - sigmoid x) = -softplus(x) */
            *grad = sign * sigmoid(x);
            return sign * softplus(x);
        }
        *grad = sigmoid(x) - 1.0; /* BCE(x, 1) = softplus(-x) */
        return softplus(-x);
    case CT_GAN_LEAST_SQUARES: {
        double target = term == CT_GAN_D_REAL ? real_label : term == CT_GAN_D_FAKE ? 0.0 : 1.0;
        *grad = 2.0 * (x - target);
        return (x - target) * (x - target);
    }
    case CT_GAN_HINGE:
        if (term == CT_GAN_G) {
            *grad = -1.0;
            return -x;
        }
        double margin = term == CT_GAN_D_REAL ? 1.0 - x : 1.0 + x;
        *grad = margin > 0 ? (term == CT_GAN_D_REAL ? -1.0 : 1.0) : 0.0;
        return margin > 0 ? margin : 0.0;
    }
    *grad = NAN;
    return NAN;
}

double ct_gan_loss_term(ct_gan_loss loss, ct_gan_term term, const float *out, int64_t n, int64_t global_n,
                        float real_label, float *dout)
{
    double sum = 0.0, scale = global_n > 0 ? 1.0 / (double)global_n : NAN;
    for (int64_t i = 0; i < n; i++) {
        double grad;
        sum += term_of(loss, term, out[i], real_label, &grad);
        if (dout)
            dout[i] = (float)(grad * scale);
    }
    return sum * scale;
}

double ct_gan_score_sum(ct_gan_loss loss, const float *out, int64_t n)
{
    double sum = 0.0;
    bool probability = loss == CT_GAN_MINIMAX || loss == CT_GAN_NON_SATURATING;
    for (int64_t i = 0; i < n; i++)
        sum += probability ? sigmoid(out[i]) : out[i];
    return sum;
}
