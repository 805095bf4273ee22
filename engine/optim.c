/* torch.optim.SGD, Adam and RMSprop (PyTorch 1.13, single-tensor path,
 * maximize=False, amsgrad=False), one loop over the flat buffer. */
#include "engine/optim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"

static int check_config(const ct_optim_config *c, ct_error *err)
{
    /* Written as !(ok) so that NaN fails too. */
    if (!(c->lr > 0.0f) || isinf(c->lr))
        return ct_fail(err, "optimizer.lr must be > 0, found %g", (double)c->lr);
    if (!(c->weight_decay >= 0.0f) || isinf(c->weight_decay))
        return ct_fail(err, "optimizer.weight_decay must be >= 0, found %g", (double)c->weight_decay);
    switch (c->type) {
    case CT_OPTIM_SGD:
        if (!(c->momentum >= 0.0f) || isinf(c->momentum))
            return ct_fail(err, "optimizer.momentum must be >= 0, found %g", (double)c->momentum);
        if (!(c->dampening >= 0.0f && c->dampening <= 1.0f))
            return ct_fail(err, "optimizer.dampening must be in [0, 1], found %g", (double)c->dampening);
        if (c->nesterov && (c->momentum <= 0.0f || c->dampening != 0.0f))
            return ct_fail(err, "optimizer.nesterov requires momentum > 0 and dampening = 0, found "
                                "momentum %g, dampening %g",
                           (double)c->momentum, (double)c->dampening);
        return CT_OK;
    case CT_OPTIM_ADAM:
        if (!(c->beta1 >= 0.0f && c->beta1 < 1.0f))
            return ct_fail(err, "optimizer.beta1 must be in [0, 1), found %g", (double)c->beta1);
        if (!(c->beta2 >= 0.0f && c->beta2 < 1.0f))
            return ct_fail(err, "optimizer.beta2 must be in [0, 1), found %g", (double)c->beta2);
        if (!(c->eps >= 0.0f) || isinf(c->eps))
            return ct_fail(err, "optimizer.eps must be >= 0, found %g", (double)c->eps);
        return CT_OK;
    case CT_OPTIM_RMSPROP:
        if (!(c->momentum >= 0.0f) || isinf(c->momentum))
            return ct_fail(err, "optimizer.momentum must be >= 0, found %g", (double)c->momentum);
        if (!(c->alpha >= 0.0f && c->alpha <= 1.0f))
            return ct_fail(err, "optimizer.alpha must be in [0, 1], found %g", (double)c->alpha);
        if (!(c->eps >= 0.0f) || isinf(c->eps))
            return ct_fail(err, "optimizer.eps must be >= 0, found %g", (double)c->eps);
        return CT_OK;
    }
    return ct_fail(err, "optimizer.type %d is not a known optimizer", (int)c->type);
}

int ct_optim_init(ct_optim *opt, const ct_optim_config *cfg, size_t n, ct_error *err)
{
    memset(opt, 0, sizeof *opt);
    if (check_config(cfg, err) != CT_OK)
        return CT_ERR;
    opt->cfg = *cfg;
    opt->n = n;
    int buffers = 0;
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++)
        buffers += ct_optim_state_name(opt, which) != NULL;
    char what[96];
    snprintf(what, sizeof what, "the %s optimizer's state (%d x %zu floats)", ct_optim_type_name(cfg->type),
             buffers, n);
    if (ct_alloc_check((double)buffers * (double)n * sizeof(float), what, err) != CT_OK) {
        memset(opt, 0, sizeof *opt);
        return CT_ERR;
    }
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++)
        if (ct_optim_state_name(opt, which))
            opt->state[which] = CT_ALLOC_ARRAY(float, n);
    return CT_OK;
}

/* p -= lr * d, d = g + wd p, with momentum buf = g (first step) or
 * buf = momentum buf + (1 - dampening) d, and nesterov d + momentum buf. */
static void sgd_step(float *p, float *buf, const float *g, size_t n, const ct_optim_config *c, bool first)
{
    const float lr = c->lr, wd = c->weight_decay, mom = c->momentum, damp = 1.0f - c->dampening;
    if (!buf) {
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * p[i];
            p[i] -= lr * d;
        }
    } else if (first) {
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * p[i];
            buf[i] = d;
            p[i] -= lr * (c->nesterov ? d + mom * d : d);
        }
    } else if (c->nesterov) {
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * p[i];
            float b = buf[i] * mom + damp * d;
            buf[i] = b;
            p[i] -= lr * (d + mom * b);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * p[i];
            float b = buf[i] * mom + damp * d;
            buf[i] = b;
            p[i] -= lr * b;
        }
    }
}

/* Adam as torch 1.13's _single_tensor_adam: bias corrections in double,
 * denom = sqrt(v) / sqrt(bc2) + eps, p -= (lr / bc1) m / denom. */
static void adam_step(float *p, float *m, float *v, const float *g, size_t n, const ct_optim_config *c,
                      int64_t t)
{
    const float b1 = c->beta1, b2 = c->beta2, wd = c->weight_decay, eps = c->eps;
    const float one_b1 = 1.0f - b1, one_b2 = 1.0f - b2;
    double bc1 = 1.0 - pow((double)b1, (double)t);
    double bc2 = 1.0 - pow((double)b2, (double)t);
    const float step_size = (float)((double)c->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + wd * p[i];
        float mi = m[i] * b1 + one_b1 * gi;
        float vi = v[i] * b2 + one_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        p[i] += (-step_size * mi) / denom; /* addcdiv_: p + value * m / denom */
    }
}

/* RMSprop as torch 1.13's _single_tensor_rmsprop: sq = alpha sq + (1 -
 * alpha) g^2; avg = sqrt(sq - ga^2) + eps with ga the gradient's running
 * mean when centered, else sqrt(sq) + eps; then p -= lr buf with
 * buf = momentum buf + g / avg, or p -= lr g / avg without momentum. */
static void rmsprop_step(float *p, float *sq, float *buf, float *gavg, const float *g, size_t n,
                         const ct_optim_config *c)
{
    const float alpha = c->alpha, one_alpha = 1.0f - alpha, wd = c->weight_decay, eps = c->eps, lr = c->lr;
    const float mom = c->momentum;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + wd * p[i];
        float s = sq[i] * alpha + one_alpha * gi * gi;
        sq[i] = s;
        float avg;
        if (gavg) {
            float ga = gavg[i] * alpha + one_alpha * gi;
            gavg[i] = ga;
            avg = sqrtf(s - ga * ga) + eps;
        } else {
            avg = sqrtf(s) + eps;
        }
        if (buf) {
            float b = buf[i] * mom + gi / avg;
            buf[i] = b;
            p[i] += -lr * b;
        } else {
            p[i] += -lr * (gi / avg);
        }
    }
}

void ct_optim_step(ct_optim *opt, float *params, const float *grads)
{
    bool first = opt->step == 0;
    float **st = opt->state;
    opt->step++;
    switch (opt->cfg.type) {
    case CT_OPTIM_ADAM:
        adam_step(params, st[0], st[1], grads, opt->n, &opt->cfg, opt->step);
        break;
    case CT_OPTIM_RMSPROP:
        rmsprop_step(params, st[0], st[1], st[2], grads, opt->n, &opt->cfg);
        break;
    case CT_OPTIM_SGD:
        sgd_step(params, st[0], grads, opt->n, &opt->cfg, first);
        break;
    }
}

const char *ct_optim_state_name(const ct_optim *opt, int which)
{
    const ct_optim_config *c = &opt->cfg;
    switch (c->type) {
    case CT_OPTIM_ADAM:
        return which == 0 ? "exp_avg" : which == 1 ? "exp_avg_sq" : NULL;
    case CT_OPTIM_RMSPROP:
        if (which == 0)
            return "square_avg";
        if (which == 1 && c->momentum > 0.0f)
            return "momentum_buffer";
        return which == 2 && c->centered ? "grad_avg" : NULL;
    case CT_OPTIM_SGD:
        return which == 0 && c->momentum != 0.0f ? "momentum_buffer" : NULL;
    }
    return NULL;
}

const char *ct_optim_type_name(ct_optim_type type)
{
    switch (type) {
    case CT_OPTIM_ADAM:
        return "adam";
    case CT_OPTIM_RMSPROP:
        return "rmsprop";
    case CT_OPTIM_SGD:
        return "sgd";
    }
    return "unknown";
}

void ct_optim_free(ct_optim *opt)
{
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++)
        ct_free(opt->state[which]);
    memset(opt, 0, sizeof *opt);
}
