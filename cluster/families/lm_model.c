#include "cluster/families/lm_model.h"

#include <string.h>

#include "cluster/run/model.h"
#include "engine/alloc.h"
#include "engine/loss.h"

const Ctrain__LanguageModel *ct_lm_settings(const ct_job *job)
{
    static const Ctrain__LanguageModel defaults = CTRAIN__LANGUAGE_MODEL__INIT;
    const Ctrain__Model *m = job->model;
    return m->settings_case == CTRAIN__MODEL__SETTINGS_LANGUAGE_MODEL ? m->language_model : &defaults;
}

static int find_recurrent(ct_lm *m, ct_error *err)
{
    for (int i = 0; i < m->net.nlayers; i++) {
        ct_layer *l = m->net.layers[i];
        const char *type = l->ops->type;
        if (strcmp(type, "rnn") != 0 && strcmp(type, "lstm") != 0 && strcmp(type, "gru") != 0)
            continue;
        if (m->nrec == CT_LM_MAX_RECURRENT)
            return ct_fail(err, "model.networks[0]: a language model has at most %d recurrent layers",
                           CT_LM_MAX_RECURRENT);
        ct_recurrent_state st;
        if (ct_recurrent_state_get(l, &st, err) != CT_OK)
            return CT_ERR;
        m->rec[m->nrec++] = l;
        m->state_size += st.num_layers * st.hidden_size * (st.c0 ? 2 : 1);
    }
    if (m->nrec == 0)
        return ct_fail(err, "model.networks[0]: a language model needs a recurrent layer (rnn, lstm or gru) to "
                            "carry its state");
    return CT_OK;
}

int ct_lm_build(ct_lm *m, const ct_job *job, int64_t max_batch, ct_error *err)
{
    memset(m, 0, sizeof *m);
    m->bptt = (int64_t)ct_lm_settings(job)->bptt;
    m->vocab = (int64_t)job->model->networks[0]->layers[0]->embedding->num_embeddings;
    if (ct_model_build_net(&m->net, job, 0, "", ct_shape1(m->bptt), max_batch, err) != CT_OK)
        return CT_ERR;
    const ct_shape *out = ct_net_out_shape(&m->net);
    m->logits = out->dim[out->ndim - 1];
    if (out->ndim != 2 || out->dim[0] != m->bptt || m->logits != m->vocab)
        return ct_fail(err, "model.networks[0]: a language model gives one logit per token of its vocabulary at "
                            "every step, [%lld, %lld] per stream (the embedding's num_embeddings): its last layer "
                            "gives %s%lld values (a linear with last_dim: true and out_features %lld)",
                       (long long)m->bptt, (long long)m->vocab, out->ndim == 2 ? "rows of " : "",
                       (long long)m->logits, (long long)m->vocab);
    if (find_recurrent(m, err) != CT_OK)
        return CT_ERR;
    m->x = CT_ALLOC_ARRAY(float, (size_t)(max_batch * m->bptt));
    m->lengths = CT_ALLOC_ARRAY(int32_t, (size_t)max_batch);
    return CT_OK;
}

/* Copies the carried state into the layers' initial state (in) or their
 * final state into the carried state (!in). */
static void move_state(ct_lm *m, float *carry, int64_t n, bool in)
{
    int64_t at = 0;
    for (int i = 0; i < m->nrec; i++) {
        ct_recurrent_state st;
        ct_error ignored;
        ct_recurrent_state_get(m->rec[i], &st, &ignored); /* checked at build */
        size_t size = (size_t)(st.num_layers * st.hidden_size);
        for (int64_t j = 0; j < n; j++) {
            float *row = carry + j * m->state_size + at;
            if (in) {
                memcpy(st.h0 + (size_t)j * size, row, size * sizeof *row);
                if (st.c0)
                    memcpy(st.c0 + (size_t)j * size, row + size, size * sizeof *row);
            } else {
                memcpy(row, st.hn + (size_t)j * size, size * sizeof *row);
                if (st.cn)
                    memcpy(row + size, st.cn + (size_t)j * size, size * sizeof *row);
            }
        }
        at += (int64_t)size * (st.c0 ? 2 : 1);
    }
}

const float *ct_lm_forward(ct_lm *m, const float *ids, int64_t n, int64_t T, float *carry, const ct_pass *pass)
{
    for (int64_t j = 0; j < n; j++) {
        memcpy(m->x + j * m->bptt, ids + j * T, (size_t)T * sizeof *ids);
        memset(m->x + j * m->bptt + T, 0, (size_t)(m->bptt - T) * sizeof *ids); /* id 0: a valid pad */
        m->lengths[j] = (int32_t)T;
    }
    ct_pass p = *pass;
    p.lengths = T < m->bptt ? m->lengths : NULL;
    move_state(m, carry, n, true);
    const float *y = ct_net_forward(&m->net, m->x, n, &p);
    move_state(m, carry, n, false);
    return y;
}

void ct_lm_backward(ct_lm *m, const float *dlogits, int64_t n)
{
    ct_net_backward(&m->net, m->x, dlogits, n, NULL);
}

double ct_lm_loss(const ct_lm *m, const float *logits, const int32_t *targets, int64_t n, int64_t T, int64_t divisor,
                  float *dlogits)
{
    double loss = 0;
    int64_t V = m->logits, row = m->bptt * V;
    for (int64_t j = 0; j < n; j++) {
        ct_target t = {targets + j * T, NULL};
        loss += ct_loss_compute(CT_LOSS_CROSS_ENTROPY, logits + j * row, &t, T, V, divisor,
                                dlogits ? dlogits + j * row : NULL);
        if (dlogits)
            memset(dlogits + j * row + T * V, 0, (size_t)((m->bptt - T) * V) * sizeof *dlogits);
    }
    return loss;
}

void ct_lm_free(ct_lm *m)
{
    ct_net_free(&m->net);
    ct_free(m->x);
    ct_free(m->lengths);
    memset(m, 0, sizeof *m);
}
