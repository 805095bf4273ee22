/* Constructors of the layer types. Each returns a new layer for ct_net_add;
 * sizes that depend on the input are inferred by ct_net_build. */
#ifndef CT_ENGINE_LAYERS_H
#define CT_ENGINE_LAYERS_H

#include "engine/layer.h"

/* nn.Linear: y = x W^T + b, weight [out, in], bias [out]. The input is taken
 * per sample as a flat vector (as x.view(n, -1)). in_features = 0 infers it;
 * otherwise a mismatch with the incoming shape is a build error. */
ct_layer *ct_linear_create(int64_t in_features, int64_t out_features, bool bias);

/* nn.Linear applied to the last dimension of each sample, as PyTorch applies
 * it to [n, T, in]: a sample [..., in] gives [..., out], computed as one
 * GEMM over n * numel/in rows; tensors and names as ct_linear_create's.
 * in_features = 0 infers the last dimension. */
ct_layer *ct_linear_last_dim_create(int64_t in_features, int64_t out_features, bool bias);

typedef enum ct_activation {
    CT_ACT_RELU,
    CT_ACT_LEAKY_RELU,  /* param = negative_slope (PyTorch default 0.01) */
    CT_ACT_SIGMOID,
    CT_ACT_TANH,
    CT_ACT_SOFTMAX,     /* over the last dimension of each sample */
    CT_ACT_ELU,         /* param = alpha (PyTorch default 1) */
    CT_ACT_LOG_SOFTMAX, /* over the last dimension of each sample */
} ct_activation;

/* Elementwise activations (and softmax, log-softmax); no parameters. Type
 * names "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "elu",
 * "log_softmax"; param is leaky_relu's negative_slope or elu's alpha and
 * ignored otherwise; a kind outside the enum fails at build time. */
ct_layer *ct_activation_create(ct_activation kind, float param);

/* Image layers take a per-sample [C, H, W] input, or [H, W] read as one
 * channel; sizes are PyTorch's (floor of the window count) and a size that
 * is not positive is a build error naming the layer and the formula. */

/* nn.Conv2d (square kernel, no dilation, no groups): weight
 * [out_channels, in_channels, k, k], bias [out_channels]; output
 * [out_channels, (H + 2p - k)/s + 1, (W + 2p - k)/s + 1]. in_channels = 0
 * infers it; otherwise a mismatch with the input is a build error. im2col
 * + one sgemm per chunk of samples; scratch is at most 16 MB per layer. */
ct_layer *ct_conv2d_create(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                           int64_t padding, bool bias);

/* nn.ConvTranspose2d (square kernel, no dilation, no groups): weight
 * [in_channels, out_channels, k, k], bias [out_channels]; output side
 * (H - 1)s - 2p + k + output_padding, with output_padding < stride.
 * in_channels = 0 infers it. sgemm + col2im, scratch as conv2d's. */
ct_layer *ct_conv_transpose2d_create(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                     int64_t stride, int64_t padding, int64_t output_padding, bool bias);

/* nn.MaxPool2d / nn.AvgPool2d (square window, ceil_mode=False): stride 0
 * means kernel_size; padding <= kernel_size / 2. Max pooling pads with
 * -inf and sends the gradient to the first maximum of each window; average
 * pooling pads with zeros and divides by k*k (count_include_pad=True). */
ct_layer *ct_max_pool2d_create(int64_t kernel_size, int64_t stride, int64_t padding);
ct_layer *ct_avg_pool2d_create(int64_t kernel_size, int64_t stride, int64_t padding);

/* nn.Upsample(scale_factor=s, mode="nearest") for an integer s >= 1, on a
 * per-sample [C, L] (1-d) or [C, H, W] (2-d) input, as PyTorch reads them. */
ct_layer *ct_upsample_create(int64_t scale_factor);

/* nn.Flatten(): any per-sample shape to [numel]. */
ct_layer *ct_flatten_create(void);

/* A per-sample reshape to `shape` (as x.view(n, *shape)); one dimension may
 * be -1 (inferred). A numel mismatch is a build error. */
ct_layer *ct_reshape_create(ct_shape shape);

/* nn.Unflatten(1, unflattened_size): the first per-sample dimension
 * becomes `shape` (one entry may be -1); its numel must equal that
 * dimension. */
ct_layer *ct_unflatten_create(ct_shape shape);

/* nn.BatchNorm1d (per-sample [F] or [C, L]) and nn.BatchNorm2d ([C, H, W]):
 * weight [C] (init 1), bias [C] (init 0), and the non-trainable buffers
 * running_mean [C] (0), running_var [C] (1), num_batches_tracked [] (0).
 * Train mode normalises with the batch's statistics (biased variance) and
 * updates running = (1 - momentum) running + momentum batch (unbiased
 * variance); eval mode uses the running statistics. num_features = 0
 * infers C. The statistics are those of the samples the layer sees: under
 * data parallelism each rank's local part of the batch, as in PyTorch DDP
 * without SyncBatchNorm. */
ct_layer *ct_batch_norm1d_create(int64_t num_features, float eps, float momentum);
ct_layer *ct_batch_norm2d_create(int64_t num_features, float eps, float momentum);

/* nn.Dropout(p), 0 <= p < 1: in train mode each element is zeroed with
 * probability p and the rest scaled by 1/(1 - p); identity in eval mode.
 * The mask of local sample j comes from an rng seeded by (pass->seed,
 * pass->step, pass->first_sample + j, the layer's name and pass->salt), so
 * a batch split over ranks gets the same masks as on one rank, and passes of
 * another purpose get other masks. */
ct_layer *ct_dropout_create(float p);

/* Layers over time take per-sample [T, F] inputs (a batch is [n, T, F],
 * batch-major) and run their own time loop. */

/* nn.Embedding: a per-sample input of token ids stored as floats (exact
 * below 2^24; num_embeddings may not exceed 2^24), of shape [T] (or any
 * shape of up to 3 dimensions), gives [T, embedding_dim]: row id of weight
 * [num_embeddings, embedding_dim], initialised N(0, 1). An id that is not
 * an integer in [0, num_embeddings) is never read: its output row is NaN
 * (the run's non-finite guard stops it) and it gets no gradient. Backward
 * accumulates rows of the weight's gradient; ids are not differentiable, so
 * a requested dx is zeros. */
ct_layer *ct_embedding_create(int64_t num_embeddings, int64_t embedding_dim);

typedef enum ct_recurrent_cell {
    CT_CELL_RNN_TANH, /* nn.RNN(nonlinearity='tanh'): G = 1 gate block */
    CT_CELL_RNN_RELU, /* nn.RNN(nonlinearity='relu') */
    CT_CELL_LSTM,     /* nn.LSTM: G = 4, gates i, f, g, o */
    CT_CELL_GRU,      /* nn.GRU: G = 3, gates r, z, n */
} ct_recurrent_cell;

typedef enum ct_recurrent_output {
    CT_OUTPUT_SEQUENCE, /* [T, H]: the last stacked layer's h at every step
                           (zeros at padded steps) */
    CT_OUTPUT_LAST,     /* [H]: its h at each sample's last real step */
} ct_recurrent_output;

typedef struct ct_recurrent_config {
    ct_recurrent_cell cell;
    int64_t input_size;  /* F; 0 infers it from the input */
    int64_t hidden_size; /* H >= 1 */
    int64_t num_layers;  /* stacked layers >= 1, as nn.LSTM(num_layers=k) */
    bool bias;
    float dropout;       /* in [0, 1), > 0 only with num_layers > 1: applied to
                            the input of stacked layers 1.. in train mode */
    ct_recurrent_output output;
} ct_recurrent_config;

/* nn.RNN, nn.LSTM, nn.GRU (batch_first, unidirectional) on per-sample
 * [T, F] inputs. Tensors per stacked layer k, in state_dict order:
 * weight_ih_l{k} [G*H, in_k] (in_0 = F, else H), weight_hh_l{k} [G*H, H],
 * bias_ih_l{k} [G*H], bias_hh_l{k} [G*H]; all initialised
 * U(-1/sqrt(H), 1/sqrt(H)). GRU's n = tanh(W_in x + b_in + r * (W_hn h +
 * b_hn)). pass->lengths gives each sample's real steps (PyTorch's
 * pack_padded_sequence): padded steps leave the state as it was, output
 * zeros and pass no gradient. Dropout masks are drawn per global sample as
 * ct_dropout_create's, salted by the layer's name, the stacked layer and
 * pass->salt. The state a forward starts from and ends in is in
 * engine/recurrent.h (zero unless set; gradients stop at it). Type names
 * "rnn", "lstm", "gru"; bad sizes are build errors naming the layer. */
ct_layer *ct_recurrent_create(const ct_recurrent_config *config);

#endif
