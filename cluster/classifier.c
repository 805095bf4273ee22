/* The classifier family: one network, cross-entropy on integer labels,
 * accuracy on the test split. */
#include <string.h>

#include "cluster/model.h"
#include "cluster/run.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

typedef struct classifier {
    ct_net net;
    ct_optim optim;
    ct_shard test;       /* this rank's shard of the evaluation split */
    int64_t classes;
    float *dout;         /* [local batch, classes] */
    size_t bucket_floats;
} classifier;

static int read_shards(ct_run *run, classifier *c, ct_error *err)
{
    const Ctrain__Data *d = run->job->data;
    int rc = CT_OK;
    if (!run->eval_only)
        rc = ct_shard_read(&run->train, d->path, d->train_split, d->input, d->target, run->world->rank,
                           run->world->size, err);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    rc = ct_shard_read(&c->test, d->path, d->test_split, d->input, d->target, run->world->rank,
                       run->world->size, err);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    if (!run->eval_only && !ct_shape_equal(&run->train.sample_shape, &c->test.sample_shape)) {
        char a[64], b[64];
        return ct_fail(err, "%s: /%s/%s has samples of shape %s but /%s/%s has %s", d->path, d->train_split,
                       d->input, ct_shape_str(&run->train.sample_shape, a, sizeof a), d->test_split, d->input,
                       ct_shape_str(&c->test.sample_shape, b, sizeof b));
    }
    return CT_OK;
}

/* Every label must name one of the network's outputs. */
static int check_labels(const ct_run *run, const classifier *c, const ct_shard *shard, const char *split,
                        ct_error *err)
{
    const Ctrain__Data *d = run->job->data;
    if (shard->num_classes && shard->num_classes != c->classes)
        return ct_fail(err, "%s: /%s/%s has %lld classes but the network's last layer has %lld outputs", d->path,
                       split, d->target, (long long)shard->num_classes, (long long)c->classes);
    for (int64_t i = 0; i < shard->nrows; i++)
        if (shard->labels[i] >= c->classes)
            return ct_fail(err, "%s: /%s/%s row %lld: label %d is out of range for %lld classes", d->path, split,
                           d->target, (long long)(shard->first_row + i), shard->labels[i], (long long)c->classes);
    return CT_OK;
}

static int classifier_setup(ct_run *run, ct_error *err)
{
    classifier *c = CT_ALLOC_ARRAY(classifier, 1);
    run->family_state = c;
    const ct_job *job = run->job;
    if (job->model->loss != CTRAIN__LOSS__CROSS_ENTROPY)
        return ct_fail(err, "%s: model.loss: the classifier family trains with cross_entropy", run->job_origin);
    if (read_shards(run, c, err) != CT_OK)
        return CT_ERR;
    int world = run->world->size;
    int64_t local_batch = (job->train->batch_size + world - 1) / world;
    int64_t max_batch = local_batch > job->train->eval_batch_size ? local_batch : job->train->eval_batch_size;
    const ct_shape *in_shape = run->eval_only ? &c->test.sample_shape : &run->train.sample_shape;
    int rc = ct_model_build_net(&c->net, job, 0, "", *in_shape, max_batch, err);
    if (rc != CT_OK) {
        ct_fail_context(err, "%s", run->job_origin);
    } else {
        c->classes = ct_shape_numel(ct_net_out_shape(&c->net));
        rc = check_labels(run, c, &c->test, job->data->test_split, err);
        if (rc == CT_OK && !run->eval_only)
            rc = check_labels(run, c, &run->train, job->data->train_split, err);
    }
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;

    c->dout = CT_ALLOC_ARRAY(float, (size_t)max_batch * (size_t)c->classes);
    c->bucket_floats = (size_t)(job->train->bucket_mb * 1024.0 * 1024.0 / sizeof(float));
    run->model.nnets = 1;
    run->model.nets[0] = &c->net;
    if (!run->eval_only) {
        ct_optim_config cfg;
        ct_model_optim_config(job, &cfg);
        if (ct_optim_init(&c->optim, &cfg, c->net.nparams, err) != CT_OK)
            return ct_fail_context(err, "%s", run->job_origin);
        run->model.optims[0] = &c->optim;
    }
    /* Replicas start from rank 0's weights (DESIGN.md). */
    return ct_broadcast_floats(run->world, c->net.params, c->net.nparams, err);
}

static int classifier_step(ct_run *run, const ct_batch *batch, double *loss, ct_error *err)
{
    classifier *c = run->family_state;
    ct_net_zero_grads(&c->net);
    double share = 0;
    if (batch->n > 0) {
        ct_pass pass = {CT_MODE_TRAIN, run->job->seed, run->state.step, batch->first_sample};
        const float *out = ct_net_forward(&c->net, batch->inputs, batch->n, &pass);
        ct_target target = {batch->labels, NULL};
        share = ct_loss_compute(CT_LOSS_CROSS_ENTROPY, out, &target, batch->n, c->classes, batch->global_n, c->dout);
        ct_net_backward(&c->net, batch->inputs, c->dout, batch->n, NULL);
    }
    if (ct_allreduce_floats(run->world, c->net.grads, c->net.nparams, c->bucket_floats, err) != CT_OK)
        return CT_ERR;
    if (ct_allreduce_doubles(run->world, &share, 1, err) != CT_OK)
        return CT_ERR;
    *loss = share;
    ct_optim_step(&c->optim, c->net.params, c->net.grads);
    return CT_OK;
}

/* Each rank evaluates its own contiguous shard: every sample exactly once,
 * with no padding, whatever the world size. */
static int classifier_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    classifier *c = run->family_state;
    const ct_shard *s = &c->test;
    int64_t chunk = run->job->train->eval_batch_size;
    double sums[3] = {0, 0, (double)s->nrows}; /* loss, correct, samples */
    ct_pass pass = {CT_MODE_EVAL, run->job->seed, run->state.step, 0};
    for (int64_t i = 0; i < s->nrows; i += chunk) {
        int64_t n = s->nrows - i < chunk ? s->nrows - i : chunk;
        const float *out = ct_net_forward(&c->net, s->inputs + i * s->sample_size, n, &pass);
        ct_target target = {s->labels + i, NULL};
        sums[0] += ct_loss_compute(CT_LOSS_CROSS_ENTROPY, out, &target, n, c->classes, 1, NULL);
        sums[1] += (double)ct_count_correct(out, s->labels + i, n, c->classes);
    }
    if (ct_allreduce_doubles(run->world, sums, 3, err) != CT_OK)
        return CT_ERR;
    result->samples = (int64_t)sums[2];
    result->loss = sums[2] > 0 ? sums[0] / sums[2] : 0;
    result->accuracy = sums[2] > 0 ? sums[1] / sums[2] : 0;
    return CT_OK;
}

static void classifier_teardown(ct_run *run)
{
    classifier *c = run->family_state;
    if (!c)
        return;
    ct_net_free(&c->net);
    if (!run->eval_only)
        ct_optim_free(&c->optim);
    ct_shard_free(&c->test);
    ct_free(c->dout);
    ct_free(c);
    run->family_state = NULL;
}

const ct_family ct_classifier_family = {
    .name = "classifier",
    .setup = classifier_setup,
    .step = classifier_step,
    .evaluate = classifier_evaluate,
    .teardown = classifier_teardown,
};

const ct_family *ct_family_for(const ct_job *job)
{
    switch (job->model->family) {
    case CTRAIN__FAMILY__CLASSIFIER:
    default:
        return &ct_classifier_family;
    }
}
