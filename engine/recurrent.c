/* nn.RNN, nn.LSTM and nn.GRU on batch-major [n, T, F] input. Every buffer is
 * [n, T, width] too: row (j, t) is row j*T + t of a matrix, and step t of
 * all samples is the matrix at column block t with leading dimension
 * T * width, which BLAS reads in place.
 *
 * Forward of stacked layer k: one GEMM for the input projections of all
 * (sample, step) rows; then per step one GEMM of h_{t-1} with W_hh for all
 * gates of all samples, and the cell's elementwise kernel per sample
 * (recurrent_cells.c). Backward through time: per step one GEMM sending the
 * gate gradients of step t + 1 back to h_t, the cell's backward kernel per
 * sample; then one GEMM each for dW_ih, dW_hh (h_{t-1} is kept as a matrix
 * of its own for it) and dL/d(input).
 *
 * Lengths: steps t >= len[j] of sample j are not run: its h_t row is zero
 * there (the sequence output's padding, the next layer's input), the gate
 * gradients are zero, and its final state is that of step len[j] - 1.
 * Values at padded steps of the input are ignored but must be finite (the
 * weight-gradient GEMMs multiply them by zero). */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/alloc.h"
#include "engine/layers.h"
#include "engine/recurrent.h"
#include "engine/recurrent_cells.h"

/* Workspace buffers start on 64-byte boundaries. */
#define CT_ALIGN_FLOATS 16

/* The tensors of stacked layer k are params[k * per_layer + W_IH...]. */
enum { W_IH, W_HH, B_IH, B_HH };

/* What stacked layer k keeps from its forward for its backward, each
 * [B, ...] for B = max_batch (rows j < n in use), in the workspace. */
typedef struct stack_buffers {
    float *gates; /* [B, T, G*H] pre-activations, then the gates (lstm, gru) */
    float *hs;    /* [B, T, H] h_t, zero at padded steps: the next layer's input */
    float *hp;    /* [B, T, H] h_{t-1} (h_0 at t = 0): the recurrent GEMMs' input */
    float *c;     /* lstm: [B, T + 1, H] c_{t-1} in slot t (c_0 in slot 0) */
    float *tc;    /* lstm: [B, T, H] tanh c_t */
    float *nrec;  /* gru: [B, T, H] W_hn h_{t-1} + b_hn */
    float *mask;  /* k >= 1 with dropout: [B, T, H] 0 or 1/(1 - p) per input value */
    float *drop;  /* k >= 1 with dropout: [B, T, H] the input after dropout */
} stack_buffers;

typedef struct ct_recurrent {
    ct_recurrent_config cfg;
    int64_t gates;        /* G: 1 (rnn), 4 (lstm), 3 (gru) */
    int64_t steps;        /* T, set by build() */
    int64_t per_layer;    /* tensors per stacked layer: 4, or 2 without bias */
    uint64_t salt;        /* ct_salt of the layer's name (dropout), set by build() */
    bool last_train;      /* the last forward applied dropout */
    int32_t *len;         /* [B] the clamped lengths of the last forward (build) */
    stack_buffers *stack; /* [num_layers] (build); pointers set by carve() */
    /* Shared buffers, pointers set by carve(): */
    float *h0, *c0;       /* [B, L, H] the initial state (c: lstm) */
    float *hn, *cn;       /* [B, L, H] the final state (c: lstm) */
    float *dgates;        /* [B, T, G*H] dL/d(gate pre-activations) */
    float *drec;          /* gru: [B, T, G*H] dL/d(W_hh h_{t-1} + b_hh); else dgates */
    float *dh;            /* [B, T, H] dL/dh_t of the stacked layer in backward */
    float *dc;            /* lstm: [B, H] dL/dc_t at the step being run */
    float *rec;           /* gru: [B, G*H] h_{t-1} W_hh^T at the step being run */
} ct_recurrent;

/* Row-major sgemm with int64 sizes (build() keeps them within int). */
static void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, 1.0f, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
}

/* sum[cols] += the column sums of m[rows, cols]; the same into also[cols]
 * when it is not NULL (one pass over m for both). */
static void add_column_sums(float *restrict sum, float *restrict also, const float *restrict m, int64_t rows,
                            int64_t cols)
{
    for (int64_t i = 0; i < rows; i++) {
        const float *row = m + i * cols;
        if (also)
            for (int64_t c = 0; c < cols; c++) {
                sum[c] += row[c];
                also[c] += row[c];
            }
        else
            for (int64_t c = 0; c < cols; c++)
                sum[c] += row[c];
    }
}

typedef struct carver {
    float *base;  /* NULL: count only */
    size_t used;  /* floats so far */
    int64_t rows; /* rows of every buffer */
} carver;

static float *take(carver *cv, int64_t per_row)
{
    float *p = cv->base ? cv->base + cv->used : NULL;
    size_t size = (size_t)(cv->rows * per_row);
    cv->used += (size + CT_ALIGN_FLOATS - 1) / CT_ALIGN_FLOATS * CT_ALIGN_FLOATS;
    return p;
}

/* Lays out the workspace: with rows = 1 and no base, returns the floats a
 * sample needs (build); with rows = B and the workspace, points every buffer
 * at its place (each buffer of B rows rounds up to no more than B times its
 * rounded single row, so the layout fits). */
static size_t carve(ct_recurrent *r, float *base, int64_t rows)
{
    carver cv = {base, 0, rows};
    int64_t t = r->steps, h = r->cfg.hidden_size, layers = r->cfg.num_layers, gh = r->gates * h;
    bool lstm = r->cfg.cell == CT_CELL_LSTM, gru = r->cfg.cell == CT_CELL_GRU;
    r->h0 = take(&cv, layers * h);
    r->hn = take(&cv, layers * h);
    r->c0 = lstm ? take(&cv, layers * h) : NULL;
    r->cn = lstm ? take(&cv, layers * h) : NULL;
    for (int64_t k = 0; k < layers; k++) {
        stack_buffers *s = &r->stack[k];
        bool drop = k > 0 && r->cfg.dropout > 0.0f;
        s->gates = take(&cv, t * gh);
        s->hs = take(&cv, t * h);
        s->hp = take(&cv, t * h);
        s->c = lstm ? take(&cv, (t + 1) * h) : NULL;
        s->tc = lstm ? take(&cv, t * h) : NULL;
        s->nrec = gru ? take(&cv, t * h) : NULL;
        s->mask = drop ? take(&cv, t * h) : NULL;
        s->drop = drop ? take(&cv, t * h) : NULL;
    }
    r->dgates = take(&cv, t * gh);
    r->drec = gru ? take(&cv, t * gh) : r->dgates;
    r->dh = take(&cv, t * h);
    r->dc = lstm ? take(&cv, h) : NULL;
    r->rec = gru ? take(&cv, gh) : NULL;
    return cv.used;
}

static const ct_param *stack_params(const ct_layer *l, int64_t k)
{
    const ct_recurrent *r = l->impl;
    return &l->params[k * r->per_layer];
}

/* Inverted dropout on the input of stacked layer k >= 1: the mask of local
 * sample j comes from its global index, the layer's name, k and the pass's
 * salt, drawn for all T steps (so it does not depend on the lengths). */
static void dropout_forward(ct_recurrent *r, int64_t k, const float *in, int64_t n, const ct_pass *pass)
{
    stack_buffers *s = &r->stack[k];
    int64_t size = r->steps * r->cfg.hidden_size;
    float p = r->cfg.dropout, scale = 1.0f / (1.0f - p);
    uint64_t salt = (r->salt + (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15)) ^ pass->salt;
    for (int64_t j = 0; j < n; j++) {
        ct_rng rng;
        ct_rng_seed_sample(&rng, pass->seed, pass->step, pass->first_sample + j, salt);
        float *mask = s->mask + j * size, *out = s->drop + j * size;
        const float *x = in + j * size;
        for (int64_t i = 0; i < size; i++)
            mask[i] = ct_rng_uniform(&rng) < p ? 0.0f : scale;
        for (int64_t i = 0; i < size; i++)
            out[i] = x[i] * mask[i];
    }
}

/* Step t of stacked layer k for n samples; the gates of step t hold the
 * input projection on entry; b_ih, b_hh are NULL without bias. */
static void step_forward(ct_recurrent *r, const stack_buffers *s, const float *w_hh, const float *b_ih,
                         const float *b_hh, int64_t t, int64_t n)
{
    int64_t steps = r->steps, h = r->cfg.hidden_size, gh = r->gates * h;
    ct_recurrent_cell cell = r->cfg.cell;
    if (cell == CT_CELL_GRU)
        gemm(false, true, n, gh, h, s->hp + t * h, steps * h, w_hh, h, 0.0f, r->rec, gh);
    else
        gemm(false, true, n, gh, h, s->hp + t * h, steps * h, w_hh, h, 1.0f, s->gates + t * gh, steps * gh);
    for (int64_t j = 0; j < n; j++) {
        int64_t row = j * steps + t;
        float *hs = s->hs + row * h, *next = t + 1 < steps ? s->hp + (row + 1) * h : NULL;
        if (t >= r->len[j]) { /* padding: no output, no state change */
            memset(hs, 0, (size_t)h * sizeof *hs);
            if (next)
                memset(next, 0, (size_t)h * sizeof *next);
            continue;
        }
        float *g = s->gates + row * gh;
        if (cell == CT_CELL_LSTM) {
            float *c_prev = s->c + (j * (steps + 1) + t) * h;
            ct_lstm_cell_forward(g, c_prev + h, s->tc + row * h, hs, c_prev, b_ih, b_hh, h);
        } else if (cell == CT_CELL_GRU) {
            ct_gru_cell_forward(g, s->nrec + row * h, hs, r->rec + j * gh, s->hp + row * h, b_ih, b_hh, h);
        } else {
            ct_rnn_cell_forward(hs, g, b_ih, b_hh, cell == CT_CELL_RNN_RELU, h);
        }
        if (next)
            memcpy(next, hs, (size_t)h * sizeof *next);
    }
}

/* Stacked layer k on in[n, T, in_k]. */
static void stack_forward(ct_layer *l, int64_t k, const float *in, int64_t n)
{
    ct_recurrent *r = l->impl;
    const stack_buffers *s = &r->stack[k];
    const ct_param *p = stack_params(l, k);
    int64_t steps = r->steps, h = r->cfg.hidden_size, gh = r->gates * h, layers = r->cfg.num_layers;
    int64_t in_size = k ? h : r->cfg.input_size;
    const float *b_ih = r->cfg.bias ? p[B_IH].data : NULL, *b_hh = r->cfg.bias ? p[B_HH].data : NULL;
    /* gates = in W_ih^T, for all (sample, step) rows; the cells add the biases */
    gemm(false, true, n * steps, gh, in_size, in, in_size, p[W_IH].data, in_size, 0.0f, s->gates, gh);
    for (int64_t j = 0; j < n; j++) {
        memcpy(s->hp + j * steps * h, r->h0 + (j * layers + k) * h, (size_t)h * sizeof *s->hp);
        if (s->c)
            memcpy(s->c + j * (steps + 1) * h, r->c0 + (j * layers + k) * h, (size_t)h * sizeof *s->c);
    }
    for (int64_t t = 0; t < steps; t++)
        step_forward(r, s, p[W_HH].data, b_ih, b_hh, t, n);
}

static void recurrent_forward(ct_layer *l, const float *x, float *y, int64_t n, const ct_pass *pass)
{
    ct_recurrent *r = l->impl;
    carve(r, l->workspace, l->max_batch);
    int64_t steps = r->steps, h = r->cfg.hidden_size, layers = r->cfg.num_layers;
    for (int64_t j = 0; j < n; j++) {
        int64_t len = pass->lengths ? pass->lengths[j] : steps;
        r->len[j] = (int32_t)(len < 1 ? 1 : len > steps ? steps : len);
    }
    r->last_train = pass->mode == CT_MODE_TRAIN && r->cfg.dropout > 0.0f;
    const float *in = x;
    for (int64_t k = 0; k < layers; k++) {
        if (k > 0 && r->last_train) {
            dropout_forward(r, k, in, n, pass);
            in = r->stack[k].drop;
        }
        stack_forward(l, k, in, n);
        in = r->stack[k].hs;
    }
    const float *top = r->stack[layers - 1].hs;
    size_t hbytes = (size_t)h * sizeof *y;
    if (r->cfg.output == CT_OUTPUT_SEQUENCE)
        memcpy(y, top, (size_t)(n * steps) * hbytes);
    for (int64_t j = 0; j < n; j++) {
        int64_t last = j * steps + r->len[j] - 1;
        if (r->cfg.output == CT_OUTPUT_LAST)
            memcpy(y + j * h, top + last * h, hbytes);
        for (int64_t k = 0; k < layers; k++) {
            memcpy(r->hn + (j * layers + k) * h, r->stack[k].hs + last * h, hbytes);
            if (r->cn)
                memcpy(r->cn + (j * layers + k) * h, r->stack[k].c + (j * (steps + 1) + r->len[j]) * h, hbytes);
        }
    }
}

/* Backward through time of stacked layer k, whose forward input was
 * in[n, T, in_k]: r->dh holds dL/dh_t from above; leaves the gate gradients
 * in r->dgates (and r->drec) and accumulates the weight gradients. */
static void stack_backward(ct_layer *l, int64_t k, const float *in, int64_t n)
{
    ct_recurrent *r = l->impl;
    const stack_buffers *s = &r->stack[k];
    const ct_param *p = stack_params(l, k);
    int64_t steps = r->steps, h = r->cfg.hidden_size, gh = r->gates * h;
    int64_t in_size = k ? h : r->cfg.input_size, rows = n * steps;
    ct_recurrent_cell cell = r->cfg.cell;
    if (r->dc)
        memset(r->dc, 0, (size_t)(n * h) * sizeof *r->dc);
    for (int64_t t = steps - 1; t >= 0; t--) {
        if (t + 1 < steps) /* dL/dh_t += dL/d(rec_{t+1}) W_hh */
            gemm(false, false, n, h, gh, r->drec + (t + 1) * gh, steps * gh, p[W_HH].data, h, 1.0f, r->dh + t * h,
                 steps * h);
        for (int64_t j = 0; j < n; j++) {
            int64_t row = j * steps + t;
            float *dg = r->dgates + row * gh;
            const float *dh = r->dh + row * h;
            if (t >= r->len[j]) {
                memset(dg, 0, (size_t)gh * sizeof *dg);
                if (cell == CT_CELL_GRU)
                    memset(r->drec + row * gh, 0, (size_t)gh * sizeof *dg);
                continue;
            }
            if (cell == CT_CELL_LSTM)
                ct_lstm_cell_backward(dg, r->dc + j * h, dh, s->gates + row * gh, s->c + (j * (steps + 1) + t) * h,
                                      s->tc + row * h, h);
            else if (cell == CT_CELL_GRU)
                ct_gru_cell_backward(dg, r->drec + row * gh, t > 0 ? r->dh + (row - 1) * h : NULL, dh,
                                     s->gates + row * gh, s->nrec + row * h, s->hp + row * h, h);
            else
                ct_rnn_cell_backward(dg, dh, s->hs + row * h, cell == CT_CELL_RNN_RELU, h);
        }
    }
    gemm(true, false, gh, in_size, rows, r->dgates, gh, in, in_size, 1.0f, p[W_IH].grad, in_size);
    gemm(true, false, gh, h, rows, r->drec, gh, s->hp, h, 1.0f, p[W_HH].grad, h);
    if (r->cfg.bias && r->drec == r->dgates) { /* rnn, lstm: both biases add to every gate */
        add_column_sums(p[B_IH].grad, p[B_HH].grad, r->dgates, rows, gh);
    } else if (r->cfg.bias) {
        add_column_sums(p[B_IH].grad, NULL, r->dgates, rows, gh);
        add_column_sums(p[B_HH].grad, NULL, r->drec, rows, gh);
    }
}

static void recurrent_backward(ct_layer *l, const float *x, const float *y, const float *dy, float *dx, int64_t n)
{
    (void)y;
    ct_recurrent *r = l->impl;
    carve(r, l->workspace, l->max_batch);
    int64_t steps = r->steps, h = r->cfg.hidden_size, gh = r->gates * h;
    size_t hbytes = (size_t)h * sizeof *r->dh;
    /* dL/dh of the top stacked layer: dy at real steps, zero at padded ones. */
    if (r->cfg.output == CT_OUTPUT_LAST)
        memset(r->dh, 0, (size_t)(n * steps) * hbytes);
    for (int64_t j = 0; j < n; j++) {
        int64_t len = r->len[j];
        float *dh = r->dh + j * steps * h;
        if (r->cfg.output == CT_OUTPUT_LAST) {
            memcpy(dh + (len - 1) * h, dy + j * h, hbytes);
        } else {
            memcpy(dh, dy + j * steps * h, (size_t)len * hbytes);
            memset(dh + len * h, 0, (size_t)(steps - len) * hbytes);
        }
    }
    for (int64_t k = r->cfg.num_layers - 1; k >= 0; k--) {
        const stack_buffers *s = &r->stack[k];
        const float *in = k == 0 ? x : r->last_train ? s->drop : r->stack[k - 1].hs;
        int64_t in_size = k ? h : r->cfg.input_size;
        stack_backward(l, k, in, n);
        /* dL/d(input): into r->dh for the stacked layer below (free now), or dx */
        float *din = k > 0 ? r->dh : dx;
        if (!din)
            continue;
        gemm(false, false, n * steps, in_size, gh, r->dgates, gh, stack_params(l, k)[W_IH].data, in_size, 0.0f, din,
             in_size);
        if (k > 0 && r->last_train)
            for (int64_t i = 0; i < n * steps * h; i++)
                din[i] *= s->mask[i];
    }
}

static int recurrent_build(ct_layer *l, ct_error *err)
{
    ct_recurrent *r = l->impl;
    ct_recurrent_config *c = &r->cfg;
    char buf[96];
    if ((unsigned)c->cell > CT_CELL_GRU)
        return ct_layer_fail(l, err, "unknown cell kind %d", (int)c->cell);
    if (l->in.ndim != 2)
        return ct_layer_fail(l, err, "expects a per-sample input [T, F] (a batch [n, T, F]), found shape %s",
                             ct_shape_str(&l->in, buf, sizeof buf));
    int64_t steps = l->in.dim[0], features = l->in.dim[1];
    if (c->input_size < 0)
        return ct_layer_fail(l, err, "input_size must be >= 0 (0 infers it), found %lld", (long long)c->input_size);
    if (c->input_size == 0)
        c->input_size = features;
    else if (c->input_size != features)
        return ct_layer_fail(l, err, "expects %lld input features (input_size), found %lld (input shape %s)",
                             (long long)c->input_size, (long long)features, ct_shape_str(&l->in, buf, sizeof buf));
    if (c->hidden_size < 1 || c->hidden_size > INT32_MAX)
        return ct_layer_fail(l, err, "hidden_size must be >= 1 and <= %d, found %lld", INT32_MAX,
                             (long long)c->hidden_size);
    if (c->num_layers < 1 || c->num_layers > INT32_MAX)
        return ct_layer_fail(l, err, "num_layers must be >= 1 and <= %d, found %lld", INT32_MAX,
                             (long long)c->num_layers);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return ct_layer_fail(l, err, "dropout must be >= 0 and < 1, found %g", (double)c->dropout);
    if (c->dropout > 0.0f && c->num_layers == 1)
        return ct_layer_fail(l, err, "dropout %g needs num_layers > 1: it applies between stacked layers",
                             (double)c->dropout);
    if (c->output != CT_OUTPUT_SEQUENCE && c->output != CT_OUTPUT_LAST)
        return ct_layer_fail(l, err, "unknown output kind %d", (int)c->output);
    int64_t gh = r->gates * c->hidden_size;
    if (features > INT32_MAX || steps * gh > INT32_MAX || steps * l->max_batch > INT32_MAX)
        return ct_layer_fail(l, err, "%lld steps of %lld gate values in batches of %lld are too large for BLAS",
                             (long long)steps, (long long)gh, (long long)l->max_batch);
    /* The workspace per sample, counted in int64 by carve(), must not wrap. */
    if ((double)c->num_layers * (double)steps * (double)(2 * gh + 8 * c->hidden_size) > 1e17)
        return ct_layer_fail(l, err, "%lld stacked layers of this size do not fit in memory",
                             (long long)c->num_layers);
    r->per_layer = c->bias ? 4 : 2;
    char what[128];
    snprintf(what, sizeof what, "layer %s (%s) with %lld stacked layers", l->name, l->ops->type,
             (long long)c->num_layers);
    if (ct_alloc_check((double)c->num_layers * (double)r->per_layer * sizeof(ct_param), what, err) != CT_OK)
        return CT_ERR;
    for (int64_t k = 0; k < c->num_layers; k++) {
        static const char *const names[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        for (int64_t i = 0; i < r->per_layer; i++) {
            char suffix[32];
            snprintf(suffix, sizeof suffix, "%s_l%lld", names[i], (long long)k);
            ct_shape shape = i == W_IH ? ct_shape2(gh, k ? c->hidden_size : features)
                             : i == W_HH ? ct_shape2(gh, c->hidden_size)
                                         : ct_shape1(gh);
            ct_layer_add_param(l, suffix, shape, CT_PARAM_WEIGHT);
        }
    }
    r->steps = steps;
    r->salt = ct_salt(l->name);
    ct_free(r->len);
    ct_free(r->stack);
    r->len = CT_ALLOC_ARRAY(int32_t, l->max_batch);
    r->stack = CT_ALLOC_ARRAY(stack_buffers, c->num_layers);
    l->workspace_per_sample = carve(r, NULL, 1);
    l->out = c->output == CT_OUTPUT_SEQUENCE ? ct_shape2(steps, c->hidden_size) : ct_shape1(c->hidden_size);
    return CT_OK;
}

/* PyTorch's reset_parameters: every tensor U(-1/sqrt(H), 1/sqrt(H)). */
static void recurrent_init(ct_layer *l, ct_rng *rng)
{
    const ct_recurrent *r = l->impl;
    float bound = 1.0f / sqrtf((float)r->cfg.hidden_size);
    for (int p = 0; p < l->nparams; p++) {
        ct_param *pa = &l->params[p];
        int64_t count = ct_shape_numel(&pa->shape);
        for (int64_t i = 0; i < count; i++)
            pa->data[i] = ct_rng_uniform_range(rng, -bound, bound);
    }
}

static void recurrent_destroy(ct_layer *l)
{
    ct_recurrent *r = l->impl;
    ct_free(r->len);
    ct_free(r->stack);
    ct_free(r);
}

#define CT_RECURRENT_OPS(name_, type_)                                                             \
    static const ct_layer_ops name_ = {                                                            \
        .type = type_, .build = recurrent_build, .init = recurrent_init,                           \
        .forward = recurrent_forward, .backward = recurrent_backward, .destroy = recurrent_destroy, \
    }
CT_RECURRENT_OPS(rnn_ops, "rnn");
CT_RECURRENT_OPS(lstm_ops, "lstm");
CT_RECURRENT_OPS(gru_ops, "gru");

ct_layer *ct_recurrent_create(const ct_recurrent_config *config)
{
    const ct_layer_ops *ops = config->cell == CT_CELL_LSTM ? &lstm_ops : config->cell == CT_CELL_GRU ? &gru_ops
                                                                                                     : &rnn_ops;
    ct_layer *l = ct_layer_new(ops, sizeof(ct_recurrent));
    ct_recurrent *r = l->impl;
    r->cfg = *config;
    r->gates = config->cell == CT_CELL_LSTM ? 4 : config->cell == CT_CELL_GRU ? 3 : 1;
    return l;
}

int ct_recurrent_state_get(ct_layer *l, ct_recurrent_state *state, ct_error *err)
{
    if (l->ops != &rnn_ops && l->ops != &lstm_ops && l->ops != &gru_ops)
        return ct_layer_fail(l, err, "has no recurrent state: it is not an rnn, lstm or gru layer");
    if (!l->workspace)
        return ct_layer_fail(l, err, "has no state until its network is built");
    ct_recurrent *r = l->impl;
    carve(r, l->workspace, l->max_batch);
    *state = (ct_recurrent_state){.batch = l->max_batch,
                                  .num_layers = r->cfg.num_layers,
                                  .hidden_size = r->cfg.hidden_size,
                                  .h0 = r->h0,
                                  .c0 = r->c0,
                                  .hn = r->hn,
                                  .cn = r->cn};
    return CT_OK;
}
