/* Constructors of the layer types. Each returns a new layer for ct_net_add;
 * sizes that depend on the input are inferred by ct_net_build. */
#ifndef CT_ENGINE_LAYERS_H
#define CT_ENGINE_LAYERS_H

#include "engine/layer.h"

/* nn.Linear: y = x W^T + b, weight [out, in], bias [out]. The input is taken
 * per sample as a flat vector (as x.view(n, -1)). in_features = 0 infers it;
 * otherwise a mismatch with the incoming shape is a build error. */
ct_layer *ct_linear_create(int64_t in_features, int64_t out_features, bool bias);

typedef enum ct_activation {
    CT_ACT_RELU,
    CT_ACT_LEAKY_RELU, /* slope = negative_slope (PyTorch default 0.01) */
    CT_ACT_SIGMOID,
    CT_ACT_TANH,
    CT_ACT_SOFTMAX,    /* over the last dimension of each sample */
} ct_activation;

/* Elementwise activations (and softmax); no parameters. Type names
 * "relu", "leaky_relu", "sigmoid", "tanh", "softmax"; a kind outside the
 * enum fails at build time. */
ct_layer *ct_activation_create(ct_activation kind, float slope);

#endif
