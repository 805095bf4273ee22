/* Gate nonlinearities and their derivatives, one sample at one step. Every
 * loop runs over the H units of a gate block with no calls (vmath.h), so
 * that gcc vectorizes it; on x86-64 each kernel is also compiled for AVX2
 * (x86-64-v3) and AVX-512 (x86-64-v4), and the loader picks the version
 * the CPU runs. The results are the same bit for bit: ISO C mode contracts
 * nothing into FMAs, and vectorizing elementwise loops does not reorder
 * their arithmetic. */
#include "engine/recurrent_cells.h"

#include "engine/vmath.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CT_CLONES
#endif

/* g[count] += b_ih + b_hh (both given or both NULL). */
static inline void add_biases(float *restrict g, const float *restrict b_ih, const float *restrict b_hh,
                              int64_t count)
{
    if (b_ih)
        for (int64_t i = 0; i < count; i++)
            g[i] += b_ih[i] + b_hh[i];
}

CT_CLONES void ct_rnn_cell_forward(float *restrict h, float *restrict pre, const float *restrict b_ih,
                                   const float *restrict b_hh, bool relu, int64_t hidden)
{
    add_biases(pre, b_ih, b_hh, hidden);
    if (relu)
        for (int64_t i = 0; i < hidden; i++)
            h[i] = pre[i] < 0.0f ? 0.0f : pre[i]; /* NaN stays NaN, as in PyTorch */
    else
        for (int64_t i = 0; i < hidden; i++)
            h[i] = ct_vtanhf(pre[i]);
}

CT_CLONES void ct_rnn_cell_backward(float *restrict dpre, const float *restrict dh, const float *restrict h, bool relu,
                          int64_t hidden)
{
    if (relu)
        for (int64_t i = 0; i < hidden; i++) {
            float d = dh[i]; /* loaded unconditionally, so that the select vectorizes */
            dpre[i] = h[i] > 0.0f ? d : 0.0f;
        }
    else
        for (int64_t i = 0; i < hidden; i++)
            dpre[i] = dh[i] * (1.0f - h[i] * h[i]);
}

CT_CLONES void ct_lstm_cell_forward(float *restrict gates, float *restrict c, float *restrict tc, float *restrict h,
                                    const float *restrict c_prev, const float *restrict b_ih,
                                    const float *restrict b_hh, int64_t hidden)
{
    add_biases(gates, b_ih, b_hh, 4 * hidden);
    float *gi = gates, *gf = gates + hidden, *gg = gates + 2 * hidden, *go = gates + 3 * hidden;
    for (int64_t i = 0; i < hidden; i++) {
        float in = ct_vsigmoidf(gi[i]), forget = ct_vsigmoidf(gf[i]);
        float cell = ct_vtanhf(gg[i]), out = ct_vsigmoidf(go[i]);
        float ci = forget * c_prev[i] + in * cell;
        float t = ct_vtanhf(ci);
        gi[i] = in;
        gf[i] = forget;
        gg[i] = cell;
        go[i] = out;
        c[i] = ci;
        tc[i] = t;
        h[i] = out * t;
    }
}

CT_CLONES void ct_lstm_cell_backward(float *restrict dgates, float *restrict dc, const float *restrict dh,
                           const float *restrict gates, const float *restrict c_prev, const float *restrict tc,
                           int64_t hidden)
{
    const float *gi = gates, *gf = gates + hidden, *gg = gates + 2 * hidden, *go = gates + 3 * hidden;
    float *di = dgates, *df = dgates + hidden, *dg = dgates + 2 * hidden, *dout = dgates + 3 * hidden;
    for (int64_t i = 0; i < hidden; i++) {
        float dct = dc[i] + dh[i] * go[i] * (1.0f - tc[i] * tc[i]);
        di[i] = dct * gg[i] * gi[i] * (1.0f - gi[i]);
        df[i] = dct * c_prev[i] * gf[i] * (1.0f - gf[i]);
        dg[i] = dct * gi[i] * (1.0f - gg[i] * gg[i]);
        dout[i] = dh[i] * tc[i] * go[i] * (1.0f - go[i]);
        dc[i] = dct * gf[i];
    }
}

CT_CLONES void ct_gru_cell_forward(float *restrict gates, float *restrict nrec, float *restrict h,
                                   const float *restrict rec, const float *restrict h_prev,
                                   const float *restrict b_ih, const float *restrict b_hh, int64_t hidden)
{
    if (b_ih)
        for (int64_t i = 0; i < 3 * hidden; i++)
            gates[i] += b_ih[i];
    float *gr = gates, *gz = gates + hidden, *gn = gates + 2 * hidden;
    const float *rr = rec, *rz = rec + hidden, *rn = rec + 2 * hidden;
    if (b_hh) {
        const float *br = b_hh, *bz = b_hh + hidden, *bn = b_hh + 2 * hidden;
        for (int64_t i = 0; i < hidden; i++) {
            gr[i] += rr[i] + br[i];
            gz[i] += rz[i] + bz[i];
            nrec[i] = rn[i] + bn[i];
        }
    } else {
        for (int64_t i = 0; i < hidden; i++) {
            gr[i] += rr[i];
            gz[i] += rz[i];
            nrec[i] = rn[i];
        }
    }
    for (int64_t i = 0; i < hidden; i++) {
        float r = ct_vsigmoidf(gr[i]), z = ct_vsigmoidf(gz[i]);
        float n = ct_vtanhf(gn[i] + r * nrec[i]);
        gr[i] = r;
        gz[i] = z;
        gn[i] = n;
        h[i] = (1.0f - z) * n + z * h_prev[i];
    }
}

CT_CLONES void ct_gru_cell_backward(float *restrict dgates, float *restrict drec, float *restrict dh_prev,
                          const float *restrict dh, const float *restrict gates, const float *restrict nrec,
                          const float *restrict h_prev, int64_t hidden)
{
    const float *gr = gates, *gz = gates + hidden, *gn = gates + 2 * hidden;
    for (int64_t i = 0; i < hidden; i++) {
        float r = gr[i], z = gz[i], n = gn[i];
        float dn = dh[i] * (1.0f - z) * (1.0f - n * n);
        float dz = dh[i] * (h_prev[i] - n) * z * (1.0f - z);
        float dr = dn * nrec[i] * r * (1.0f - r);
        dgates[i] = dr;
        dgates[hidden + i] = dz;
        dgates[2 * hidden + i] = dn;
        drec[i] = dr;
        drec[hidden + i] = dz;
        drec[2 * hidden + i] = dn * r;
    }
    if (dh_prev)
        for (int64_t i = 0; i < hidden; i++)
            dh_prev[i] += dh[i] * gz[i];
}
