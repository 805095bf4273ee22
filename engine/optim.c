/* torch.optim.SGD and torch.optim.Adam (PyTorch 1.13, single-tensor path,
 * maximize=False, amsgrad=False), one loop over the flat buffer. */
#include "engine/optim.h"

#include <math.h>
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
    if (cfg->type == CT_OPTIM_ADAM) {
        opt->state0 = CT_ALLOC_ARRAY(float, n);
        opt->state1 = CT_ALLOC_ARRAY(float, n);
    } else if (cfg->momentum != 0.0f) {
        opt->state0 = CT_ALLOC_ARRAY(float, n);
    }
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

void ct_optim_step(ct_optim *opt, float *params, const float *grads)
{
    bool first = opt->step == 0;
    opt->step++;
    if (opt->cfg.type == CT_OPTIM_ADAM)
        adam_step(params, opt->state0, opt->state1, grads, opt->n, &opt->cfg, opt->step);
    else
        sgd_step(params, opt->state0, grads, opt->n, &opt->cfg, first);
}

const char *ct_optim_state_name(const ct_optim *opt, int which)
{
    if (opt->cfg.type == CT_OPTIM_ADAM)
        return which == 0 ? "exp_avg" : which == 1 ? "exp_avg_sq" : NULL;
    return which == 0 && opt->state0 ? "momentum_buffer" : NULL;
}

void ct_optim_free(ct_optim *opt)
{
    ct_free(opt->state0);
    ct_free(opt->state1);
    memset(opt, 0, sizeof *opt);
}
