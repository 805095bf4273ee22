/* The elementwise part of one time step of the recurrent cells, for one
 * sample (recurrent.c runs the GEMMs and the loops over samples and steps).
 * Gate blocks are H wide and laid out in PyTorch's order: LSTM i, f, g, o;
 * GRU r, z, n. Pre-activations come in with both projections added but no
 * bias (the kernels add b_ih and b_hh, NULL for none), except GRU's
 * recurrent part, which comes separately. Backward kernels take
 * dh = dL/dh_t complete (from above and from step t + 1). */
#ifndef CT_ENGINE_RECURRENT_CELLS_H
#define CT_ENGINE_RECURRENT_CELLS_H

#include <stdbool.h>
#include <stdint.h>

/* pre[H] += b_ih + b_hh; h[H] = tanh(pre) or relu(pre). */
void ct_rnn_cell_forward(float *restrict h, float *restrict pre, const float *restrict b_ih,
                         const float *restrict b_hh, bool relu, int64_t hidden);

/* dpre[H] = dh * f'(pre), from h = f(pre). */
void ct_rnn_cell_backward(float *restrict dpre, const float *restrict dh, const float *restrict h, bool relu,
                          int64_t hidden);

/* gates[4H]: pre-activations in (plus b_ih + b_hh), i, f, g, o out;
 * c[H] = f c_prev + i g, tc[H] = tanh c, h[H] = o tc. */
void ct_lstm_cell_forward(float *restrict gates, float *restrict c, float *restrict tc, float *restrict h,
                          const float *restrict c_prev, const float *restrict b_ih, const float *restrict b_hh,
                          int64_t hidden);

/* dgates[4H] = dL/d(pre-activations); dc[H] holds dL/dc_t from step t + 1
 * on entry and dL/dc_{t-1} on return. */
void ct_lstm_cell_backward(float *restrict dgates, float *restrict dc, const float *restrict dh,
                           const float *restrict gates, const float *restrict c_prev, const float *restrict tc,
                           int64_t hidden);

/* gates[3H]: W_i x in (plus b_ih), r, z, n out, with rec[3H] = W_h h_prev:
 * r = sigmoid(.. + rec_r + b_hr), z likewise, nrec[H] = rec_n + b_hn,
 * n = tanh(gates_n + r nrec), h[H] = (1 - z) n + z h_prev. */
void ct_gru_cell_forward(float *restrict gates, float *restrict nrec, float *restrict h, const float *restrict rec,
                         const float *restrict h_prev, const float *restrict b_ih, const float *restrict b_hh,
                         int64_t hidden);

/* dgates[3H] = dL/d(W_i x + b_i), drec[3H] = dL/d(W_h h_prev + b_hh), and
 * dh_prev[H] += dh z (the direct path; NULL at the first step). */
void ct_gru_cell_backward(float *restrict dgates, float *restrict drec, float *restrict dh_prev,
                          const float *restrict dh, const float *restrict gates, const float *restrict nrec,
                          const float *restrict h_prev, int64_t hidden);

#endif
