/* The state an rnn, lstm or gru layer (layers.h: ct_recurrent_create)
 * starts a forward from and the one it ends in, for truncated backprop
 * through time: a trainer copies the final state of one window into the
 * initial state of the next (hidden.detach() in PyTorch).
 *
 * Layout: sample-major, [batch, num_layers, hidden_size] with batch the
 * net's max_batch. Row j belongs to local sample j of the batch given to
 * ct_net_forward, i.e. to global sample pass->first_sample + j; within it,
 * stacked layer k's vector starts at (j * num_layers + k) * hidden_size.
 * (PyTorch's h_0 / h_n are [num_layers, batch, hidden_size]: the same
 * numbers with the first two dimensions swapped.) A forward of n samples
 * reads and writes rows j < n only. */
#ifndef CT_ENGINE_RECURRENT_H
#define CT_ENGINE_RECURRENT_H

#include "engine/layer.h"

typedef struct ct_recurrent_state {
    int64_t batch;       /* rows: the net's max_batch */
    int64_t num_layers;  /* stacked layers */
    int64_t hidden_size;
    float *h0;           /* [batch, num_layers, hidden_size] the initial h: zero
                            after ct_net_build until the caller writes it;
                            gradients are not propagated into it */
    float *c0;           /* lstm: the initial cell state, likewise; NULL for rnn, gru */
    const float *hn;     /* [batch, num_layers, hidden_size] h after each
                            sample's last real step of the last forward */
    const float *cn;     /* lstm: the cell state likewise; NULL for rnn, gru */
} ct_recurrent_state;

/* Points *state at the state arrays of l, a recurrent layer of a built
 * network (they live in its workspace: valid until ct_net_free). A forward
 * keeps its own copy of the initial state, so the caller may carry the final
 * state into h0 and c0 before the backward. Fails naming the layer when it is not an rnn, lstm or gru, or not built. */
int ct_recurrent_state_get(ct_layer *l, ct_recurrent_state *state, ct_error *err);

#endif
