/* The network of a language model (model.family: language_model) and what
 * its training, its evaluation and `ctrain generate` share: windows of
 * token ids run from a carried hidden state (truncated backprop through
 * time, PyTorch's word_language_model).
 *
 * The network is built for per-sample inputs [bptt] (token ids as floats);
 * a shorter window (an epoch's last, a prime, one generated token) is
 * padded to bptt and run with pass->lengths, so that padded steps change
 * neither the state nor, as the callers leave their logits out, the loss.
 *
 * Carried state: one row of ct_lm_state_size floats per stream, holding
 * for each recurrent layer in network order h [num_layers, hidden_size]
 * and, for an lstm, c [num_layers, hidden_size] after it. */
#ifndef CT_CLUSTER_LM_MODEL_H
#define CT_CLUSTER_LM_MODEL_H

#include "engine/net.h"
#include "engine/recurrent.h"
#include "jobs/job.h"

#define CT_LM_MAX_RECURRENT 8

typedef struct ct_lm {
    ct_net net;
    int64_t bptt;            /* the longest window: the network's input length */
    int64_t vocab;           /* the embedding's num_embeddings */
    int64_t logits;          /* V: the network's outputs per step (== vocab) */
    int nrec;
    ct_layer *rec[CT_LM_MAX_RECURRENT]; /* the recurrent layers, in order */
    int64_t state_size;      /* floats of carried state per stream */
    float *x;                /* [max_batch, bptt]: the padded ids of the last forward */
    int32_t *lengths;        /* [max_batch]: every row's real steps */
} ct_lm;

/* The model.language_model section of a job, or its defaults. */
const Ctrain__LanguageModel *ct_lm_settings(const ct_job *job);

/* Builds network 0 of the job for max_batch streams of bptt tokens and
 * initialises it from the job seed. Errors name the layer, and say when
 * the network's output per step is not one logit per token of the
 * embedding's vocabulary, or it has no recurrent layer. */
int ct_lm_build(ct_lm *m, const ct_job *job, int64_t max_batch, ct_error *err);

/* Runs n streams of T <= bptt tokens, ids [n, T] (floats), from the carried
 * state carry [n, state_size], which receives the state after the window's
 * last token. Returns the logits [n, bptt, V] (rows t >= T are padding). */
const float *ct_lm_forward(ct_lm *m, const float *ids, int64_t n, int64_t T, float *carry, const ct_pass *pass);

/* Backward of the last forward: dlogits [n, bptt, V] (zero at padding). */
void ct_lm_backward(ct_lm *m, const float *dlogits, int64_t n);

/* Sums the cross-entropy of logits [n, bptt, V] of a window of T steps
 * against targets [n, T], divided by `divisor` (the global count of
 * targets in training; 1 for a sum); writes dlogits (padding zero) when
 * not NULL. */
double ct_lm_loss(const ct_lm *m, const float *logits, const int32_t *targets, int64_t n, int64_t T, int64_t divisor,
                  float *dlogits);

void ct_lm_free(ct_lm *m);

#endif
