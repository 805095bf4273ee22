/* The language model family (model.family: language_model): one network
 * (families/lm_model.h) trained by truncated backprop through time on the
 * token streams of data.input, as PyTorch's word_language_model: the
 * training split is cut into train.batch_size streams (the STREAMS step
 * source: each rank owns whole streams), each step is one window of bptt
 * tokens of every stream, the hidden state is carried from window to
 * window (detached) and reset at each epoch's start, and the loss is the
 * cross-entropy averaged over every (stream, step) target of the global
 * batch. The carried state is family checkpoint state (ROWS: one row per
 * stream), so --resume continues bitwise at the same world size.
 * Evaluation runs the evaluation split the same way in eval_streams
 * streams from a zero state: test_loss (nats per token), bits_per_token
 * and perplexity. */
#include <math.h>
#include <string.h>

#include "cluster/families/families.h"
#include "cluster/families/lm_model.h"
#include "cluster/run/family.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

typedef struct lm_family {
    ct_lm model;
    ct_run *run;
    int loss_metric;       /* train_loss */
    ct_streams test;       /* this rank's evaluation streams */
    float *carry;          /* [training streams here, state_size]: checkpointed */
    float *eval_carry;     /* [evaluation streams here, state_size] */
    float *eval_inputs;    /* [evaluation streams here, bptt] */
    int32_t *eval_targets; /* [evaluation streams here, bptt] */
    float *dlogits;        /* [training streams here, bptt, V] */
} lm_family;

/* Every token id of this rank's streams must be a row of the embedding. */
static int check_ids(const ct_run *run, const ct_streams *s, const char *split, int64_t vocab, ct_error *err)
{
    const int32_t *ids = s->values;
    for (int64_t i = 0; i < s->nrows; i++)
        if (ids[i] >= vocab)
            return ct_fail(err, "%s: /%s/%s: row %lld holds token id %d, outside the vocabulary of the model (the "
                                "embedding's num_embeddings %lld)", run->job->data->path, split,
                           run->job->data->input, (long long)(s->first_row + i), (int)ids[i], (long long)vocab);
    return CT_OK;
}

/* A window may not be longer than a stream's inputs (S - 1 of its S rows). */
static int check_bptt(const ct_run *run, const ct_streams *s, const char *split, ct_error *err)
{
    if (s->bptt <= s->stream_rows - 1)
        return CT_OK;
    return ct_fail(err, "model.language_model.bptt %lld is longer than a stream: /%s/%s of %lld tokens in %lld "
                        "streams gives %lld tokens per stream, %lld inputs (lower bptt, or the streams)",
                   (long long)s->bptt, split, run->job->data->input, (long long)s->length, (long long)s->streams,
                   (long long)s->stream_rows, (long long)s->stream_rows - 1);
}

static int read_streams(ct_run *run, lm_family *f, ct_error *err)
{
    const ct_job *job = run->job;
    const Ctrain__Data *d = job->data;
    int64_t bptt = (int64_t)ct_lm_settings(job)->bptt, vocab = f->model.vocab;
    int rank = run->world->rank, world = run->world->size;
    int rc = ct_streams_read(&f->test, d->path, d->test_split, d->input, (int64_t)ct_lm_settings(job)->eval_streams,
                             bptt, rank, world, err);
    if (rc == CT_OK && f->test.dtype != CT_DTYPE_INT32)
        rc = ct_fail(err, "%s: /%s/%s: a language model reads token ids (integers), found a series", d->path,
                     d->test_split, d->input);
    if (rc == CT_OK)
        rc = check_bptt(run, &f->test, d->test_split, err);
    if (rc == CT_OK)
        rc = check_ids(run, &f->test, d->test_split, vocab, err);
    if (rc == CT_OK && !run->eval_only) {
        ct_source *src = &run->source;
        src->kind = CT_SOURCE_STREAMS;
        src->batch_size = job->train->batch_size;
        rc = ct_streams_read(&src->streams, d->path, d->train_split, d->input, src->batch_size, bptt, rank, world,
                             err);
        if (rc == CT_OK)
            rc = check_bptt(run, &src->streams, d->train_split, err);
        if (rc == CT_OK)
            rc = check_ids(run, &src->streams, d->train_split, vocab, err);
    }
    if (rc != CT_OK)
        ct_fail_context(err, "%s", run->job_origin);
    return ct_agree(run->world, rc, err);
}

static int declare_state(ct_run *run, lm_family *f, ct_error *err)
{
    const ct_streams *s = &run->source.streams;
    ct_state_entry e = {.kind = CT_STATE_ROWS, .type = CT_STATE_F32, .data = f->carry, .count = s->nstreams,
                        .row_elems = f->model.state_size, .total_rows = s->streams};
    strcpy(e.name, "hidden");
    return ct_state_declare(&run->family_state_table, &e, err);
}

static int lm_setup(ct_run *run, ct_error *err)
{
    lm_family *f = CT_ALLOC_ARRAY(lm_family, 1);
    run->family_state = f;
    f->run = run;
    const ct_job *job = run->job;
    int world = run->world->size;
    int64_t eval_streams = (int64_t)ct_lm_settings(job)->eval_streams;
    int64_t max_batch = (eval_streams + world - 1) / world;
    if (!run->eval_only && (job->train->batch_size + world - 1) / world > max_batch)
        max_batch = (job->train->batch_size + world - 1) / world;
    int rc = ct_lm_build(&f->model, job, max_batch > 0 ? max_batch : 1, err);
    if (rc != CT_OK)
        ct_fail_context(err, "%s", run->job_origin);
    if (ct_agree(run->world, rc, err) != CT_OK || read_streams(run, f, err) != CT_OK)
        return CT_ERR;
    const ct_lm *m = &f->model;
    int64_t here = f->test.nstreams;
    f->eval_carry = CT_ALLOC_ARRAY(float, (size_t)(here * m->state_size) + 1);
    f->eval_inputs = CT_ALLOC_ARRAY(float, (size_t)(here * m->bptt) + 1);
    f->eval_targets = CT_ALLOC_ARRAY(int32_t, (size_t)(here * m->bptt) + 1);
    if (!run->eval_only) {
        here = run->source.streams.nstreams;
        f->carry = CT_ALLOC_ARRAY(float, (size_t)(here * m->state_size) + 1);
        f->dlogits = CT_ALLOC_ARRAY(float, (size_t)(here * m->bptt * m->logits) + 1);
        if (declare_state(run, f, err) != CT_OK)
            return CT_ERR;
    }
    if (ct_family_metric(run, "train_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE | CT_METRIC_PROGRESS,
                         &f->loss_metric, err) != CT_OK)
        return CT_ERR;
    return ct_family_add_net(run, &f->model.net, 0, true, err);
}

static int lm_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    lm_family *f = run->family_state;
    ct_lm *m = &f->model;
    const ct_window *w = in->window;
    if (in->epoch_start) /* hidden = model.init_hidden(batch_size) */
        memset(f->carry, 0, (size_t)(w->n * m->state_size) * sizeof *f->carry);
    ct_net_zero_grads(&m->net);
    double loss = 0; /* this rank's share of the mean over every target of the step */
    if (w->n > 0) {
        ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = run->job->seed, .step = run->state.step,
                        .first_sample = w->first};
        const float *logits = ct_lm_forward(m, w->inputs, w->n, w->T, f->carry, &pass);
        loss = ct_lm_loss(m, logits, w->target_ids, w->n, w->T, in->global_n * w->T, f->dlogits);
        ct_lm_backward(m, f->dlogits, w->n);
    }
    ct_metrics_add(&run->metrics, f->loss_metric, loss);
    return ct_family_update(run, ct_net_bit(0), err);
}

/* PyTorch's evaluate(): every window of the evaluation streams from a zero
 * state carried across them; the mean over every target of the split. */
static int lm_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    lm_family *f = run->family_state;
    ct_lm *m = &f->model;
    const ct_streams *s = &f->test;
    double sums[2] = {0, (double)(s->streams * (s->stream_rows - 1))};
    memset(f->eval_carry, 0, (size_t)(s->nstreams * m->state_size) * sizeof *f->eval_carry);
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = run->job->seed, .step = run->state.step,
                    .first_sample = s->first_stream};
    for (int64_t w = 0; s->nstreams > 0 && w < ct_streams_windows(s); w++) {
        int64_t T;
        ct_streams_window(s, w, f->eval_inputs, f->eval_targets, NULL, &T);
        const float *logits = ct_lm_forward(m, f->eval_inputs, s->nstreams, T, f->eval_carry, &pass);
        sums[0] += ct_lm_loss(m, logits, f->eval_targets, s->nstreams, T, 1, NULL);
    }
    if (ct_allreduce_doubles(run->world, sums, 1, err) != CT_OK)
        return CT_ERR;
    double loss = sums[0] / sums[1];
    static const char *const names[] = {"loss", "bits_per_token", "perplexity"};
    memset(result, 0, sizeof *result);
    result->n = 3;
    for (int i = 0; i < 3; i++)
        result->names[i] = names[i];
    result->values[0] = loss;
    result->values[1] = loss / log(2.0);
    result->values[2] = exp(loss);
    result->samples = (int64_t)sums[1];
    return CT_OK;
}

static void lm_teardown(ct_run *run)
{
    lm_family *f = run->family_state;
    if (!f)
        return;
    ct_lm_free(&f->model);
    ct_streams_free(&f->test);
    ct_free(f->carry);
    ct_free(f->eval_carry);
    ct_free(f->eval_inputs);
    ct_free(f->eval_targets);
    ct_free(f->dlogits);
    ct_free(f);
    run->family_state = NULL;
}

const ct_family ct_language_model_family = {
    .name = "language_model",
    .setup = lm_setup,
    .step = lm_step,
    .evaluate = lm_evaluate,
    .teardown = lm_teardown,
};

ct_lm *ct_lm_of(ct_run *run)
{
    if (run->family != &ct_language_model_family || !run->family_state)
        return NULL;
    return &((lm_family *)run->family_state)->model;
}
