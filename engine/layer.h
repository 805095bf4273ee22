/* A layer: a small common header plus its type's own struct (impl) and a row
 * of operations. Shapes are per sample; every kernel gets the batch size n.
 *
 * Life cycle: a type's constructor (e.g. ct_linear_create in linear.h) fills
 * ops and impl; ct_net_build() then sets `in`, calls build() (shape
 * inference: sets `out`, declares parameters with ct_layer_add_param and the
 * workspace it needs per sample), carves parameter/gradient pointers out of
 * the network's flat buffers, and allocates workspaces for the largest batch.
 * The training step (forward/backward) never allocates. */
#ifndef CT_ENGINE_LAYER_H
#define CT_ENGINE_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/rng.h"
#include "engine/shape.h"

#define CT_NAME_MAX 64

typedef enum ct_mode { CT_MODE_TRAIN, CT_MODE_EVAL } ct_mode;

/* What a forward pass needs to know beyond its input. Randomness in a layer
 * (dropout masks) is drawn per *global* sample, seeded by (seed, step,
 * first_sample + j, salt), so that a batch split over N ranks sees the same
 * masks as on one rank, and two passes of one network in one step (a GAN's
 * discriminator on real and on generated samples) draw different ones when
 * their purposes differ. */
typedef struct ct_pass {
    ct_mode mode;
    uint64_t seed;        /* the job seed */
    int64_t step;         /* training step this pass belongs to */
    int64_t first_sample; /* position of local sample 0 in the global batch */
    uint64_t salt;        /* the pass's purpose: 0, or a family's own constant */
    /* Recurrent layers: [n] the real steps of each local sample, which
     * holds them at the start of its [T, F] input (the rest is padding);
     * NULL: every sample has all T steps. Values outside [1, T] are clamped
     * to it (the caller validates them; the layers never read out of bounds). */
    const int32_t *lengths;
} ct_pass;

/* Where a named tensor lives and what it is. */
typedef enum ct_param_kind {
    CT_PARAM_WEIGHT,  /* trained: float in net->params, gradient in net->grads */
    CT_PARAM_BUFFER,  /* float state that is not trained, in net->buffers
                         (BatchNorm's running statistics) */
    CT_PARAM_COUNTER, /* an exact int64 count in net->counters (BatchNorm's
                         num_batches_tracked, an int64 tensor in PyTorch) */
} ct_param_kind;

/* One named tensor of a layer, as PyTorch's state_dict names and shapes it. */
typedef struct ct_param {
    char suffix[32];    /* "weight", "bias", "running_mean", ... */
    ct_shape shape;     /* PyTorch's shape: Linear weight [out, in] */
    ct_param_kind kind;
    size_t offset;      /* into net->params, buffers or counters (by kind), set by ct_net_build */
    float *data;        /* weights and buffers, set by ct_net_build; NULL for counters */
    float *grad;        /* weights only, set by ct_net_build; NULL otherwise */
    int64_t *count;     /* counters only, set by ct_net_build; NULL otherwise */
} ct_param;

typedef struct ct_layer ct_layer;

typedef struct ct_layer_ops {
    const char *type; /* the job's name for it: "linear", "relu", ... */
    /* Shape inference: l->in is set; set l->out, declare parameters and
     * l->workspace_per_sample. Errors name the layer (use ct_layer_fail). */
    int (*build)(ct_layer *l, ct_error *err);
    /* PyTorch's default initialisation (NULL when there are no parameters). */
    void (*init)(ct_layer *l, ct_rng *rng);
    /* y[n, out] = f(x[n, in]). */
    void (*forward)(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass);
    /* Given dy = dL/dy, accumulate parameter gradients with += and, when dx is
     * not NULL, write dx = dL/dx (overwrite). x and y are the forward's. */
    void (*backward)(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n);
    /* Frees impl (NULL when impl needs no cleanup beyond ct_free). */
    void (*destroy)(ct_layer *l);
} ct_layer_ops;

struct ct_layer {
    char name[CT_NAME_MAX];   /* state_dict prefix: "0", "generator.3" */
    int index;                /* position in its network */
    const ct_layer_ops *ops;
    void *impl;               /* the type's own struct */
    ct_shape in, out;
    int64_t max_batch;        /* the largest batch a forward will see, set by
                                 ct_net_build before build() */
    int nparams;
    int params_cap;           /* room in params */
    ct_param *params;         /* [nparams], grown by ct_layer_add_param */
    int64_t min_train_batch;     /* samples a training forward needs (BatchNorm over one
                                    value per channel: 2), from build(); default 1 */
    size_t workspace_per_sample; /* floats of scratch per sample, from build() */
    size_t workspace_fixed;      /* floats of scratch independent of batch */
    float *workspace;            /* set by ct_net_build */
};

/* A new layer of a type: ops, and a zeroed impl of impl_size bytes for the
 * type's own struct. For the types' constructors. */
ct_layer *ct_layer_new(const ct_layer_ops *ops, size_t impl_size);

/* Declares a parameter during build(); returns its index in l->params (the
 * table grows as needed: a stacked LSTM has four tensors per layer). */
int ct_layer_add_param(ct_layer *l, const char *suffix, ct_shape shape, ct_param_kind kind);

/* Fails with "layer 3 (linear): <message>". */
int ct_layer_fail(const ct_layer *l, ct_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Frees the layer's impl (through ops->destroy), its parameter table and
 * the layer itself. */
void ct_layer_destroy(ct_layer *l);

#endif
