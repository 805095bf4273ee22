/* A network: an ordered list of layers (nn.Sequential) with one flat buffer
 * for parameters, one for their gradients, one for non-trainable buffers and
 * one of int64 counters,
 * laid out by layer so that the gradients backward finishes first (the last
 * layers') are one contiguous tail of the buffer. */
#ifndef CT_ENGINE_NET_H
#define CT_ENGINE_NET_H

#include "engine/layer.h"

typedef struct ct_net {
    char prefix[CT_NAME_MAX]; /* "" or "generator": prepended to layer names */
    int nlayers;
    ct_layer **layers;
    ct_shape in_shape;        /* per-sample input shape */
    int64_t max_batch;        /* workspaces are sized for this many samples */
    bool built;

    size_t nparams;           /* trainable floats */
    float *params;            /* [nparams] */
    float *grads;             /* [nparams] */
    size_t nbuffers;          /* non-trainable floats (BatchNorm statistics) */
    float *buffers;           /* [nbuffers] */
    size_t ncounters;         /* exact counts (BatchNorm's num_batches_tracked) */
    int64_t *counters;        /* [ncounters] */

    float **acts;             /* acts[i]: output of layer i, [max_batch, numel(out_i)] */
    float *dact[2];           /* ping-pong activation gradients, [max_batch, largest] */
    float *workspace;         /* all layers' scratch, carved per layer */
} ct_net;

/* Starts an empty network. prefix may be "" (tensor names "0.weight"). */
void ct_net_init(ct_net *net, const char *prefix);

/* Appends a layer (the net takes ownership). Its name defaults to the
 * prefix plus its index in the list, counting every layer as nn.Sequential
 * does; name_override replaces the index part when not NULL or empty. */
void ct_net_add(ct_net *net, ct_layer *layer, const char *name_override);

/* Shape inference for every layer from in_shape, then allocation of the
 * flat buffers and of activations/workspaces for max_batch samples.
 * Fails naming the layer whose shapes do not fit ("layer 0 (linear):
 * expects 100 input features, found 784 (input shape [28, 28])"), or when
 * the memory it needs exceeds the budget (engine/alloc.h: the message says
 * how much, and which layer needs most); the net is then unbuilt and can
 * only be freed. Parameters start at 0: call
 * ct_net_init_params or load them. */
int ct_net_build(ct_net *net, ct_shape in_shape, int64_t max_batch, ct_error *err);

/* PyTorch's default initialisation of every layer, from rng. */
void ct_net_init_params(ct_net *net, ct_rng *rng);

/* Runs the layers on x[n, in]; returns the output [n, out] (net->acts[last]).
 * n <= max_batch; n = 0 does nothing. pass may be NULL (training mode, seed
 * 0). Never allocates. */
const float *ct_net_forward(ct_net *net, const float *x, int64_t n, const ct_pass *pass);

/* Backward through all layers after ct_net_forward on the same x: dout is
 * dL/d(output); parameter gradients are accumulated (+=) into net->grads.
 * When dx is not NULL it receives dL/dx [n, in] (a GAN's generator needs it).
 * Work is skipped where nothing needs it: a layer gets dx = NULL when no
 * layer below it has trainable parameters and the caller passed dx = NULL
 * (so layer 0 of a classifier never computes dL/dx), and parameter-free
 * layers below the first trainable one are not run. n = 0 does nothing.
 * Never allocates. */
void ct_net_backward(ct_net *net, const float *x, const float *dout, int64_t n, float *dx);

void ct_net_zero_grads(ct_net *net);
const ct_shape *ct_net_out_shape(const ct_net *net);

/* The fewest samples a training-mode forward may see: 2 when a batch norm
 * layer normalises one value per channel per sample (its variance needs
 * two; PyTorch refuses one), else 1. */
int64_t ct_net_min_train_batch(const ct_net *net);

/* Visits every named tensor (weights, buffers, counters) in state_dict order. */
typedef int (*ct_param_visitor)(void *ctx, const ct_layer *layer, const ct_param *param, ct_error *err);
int ct_net_each_param(const ct_net *net, ct_param_visitor visit, void *ctx, ct_error *err);

/* Writes the full state_dict name of a tensor: "generator.3.weight". */
void ct_param_full_name(const ct_layer *layer, const ct_param *param, char *buf, size_t size);

void ct_net_free(ct_net *net);

#endif
