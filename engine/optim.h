/* Optimizers over one flat parameter buffer, with PyTorch 1.13's formulas
 * (torch.optim.SGD, Adam and RMSprop, default flags). State lives in flat
 * buffers parallel to the parameters, so checkpoints can slice it by tensor. */
#ifndef CT_ENGINE_OPTIM_H
#define CT_ENGINE_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef enum ct_optim_type { CT_OPTIM_SGD, CT_OPTIM_ADAM, CT_OPTIM_RMSPROP } ct_optim_type;

typedef struct ct_optim_config {
    ct_optim_type type;
    float lr;
    float weight_decay; /* L2 added to the gradient, as PyTorch does */
    float momentum;     /* SGD, RMSprop */
    /* SGD */
    float dampening;
    bool nesterov;
    /* Adam */
    float beta1, beta2;
    float eps;          /* Adam, RMSprop */
    /* RMSprop */
    float alpha;        /* smoothing of the squared gradient average */
    bool centered;      /* normalise by the gradient's estimated variance */
} ct_optim_config;

#define CT_OPTIM_MAX_STATES 3

typedef struct ct_optim {
    ct_optim_config cfg;
    size_t n;
    int64_t step;                      /* steps taken (Adam's t) */
    float *state[CT_OPTIM_MAX_STATES]; /* [n] each, NULL where unused; named
                                          by ct_optim_state_name */
} ct_optim;

/* Checks the configuration (lr > 0, weight_decay >= 0, momentum >= 0,
 * dampening in [0, 1], nesterov only with momentum > 0 and dampening 0,
 * betas in [0, 1), eps >= 0, alpha in [0, 1]; NaN fails every check) and
 * allocates zeroed state for n parameters, within the memory budget
 * (engine/alloc.h). Errors name the field: "optimizer.lr must be > 0,
 * found 0". */
int ct_optim_init(ct_optim *opt, const ct_optim_config *cfg, size_t n, ct_error *err);

/* One update of params[n] from grads[n] (grads are not modified).
 * opt->step == 0 marks the first step, where SGD's momentum buffer is
 * initialised from the gradient as PyTorch does: a resumed run restores
 * step together with the state buffers. */
void ct_optim_step(ct_optim *opt, float *params, const float *grads);

/* PyTorch's name of state buffer `which` (0 <= which < CT_OPTIM_MAX_STATES):
 * SGD "momentum_buffer"; Adam "exp_avg", "exp_avg_sq"; RMSprop
 * "square_avg", "momentum_buffer", "grad_avg". NULL where the optimizer, as
 * configured, has no such buffer (opt->state[which] is NULL then). */
const char *ct_optim_state_name(const ct_optim *opt, int which);

/* "sgd", "adam", "rmsprop". */
const char *ct_optim_type_name(ct_optim_type type);

void ct_optim_free(ct_optim *opt);

#endif
