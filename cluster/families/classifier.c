/* The classifier family: one network, cross-entropy on integer labels (or
 * NLL after a log_softmax layer), accuracy on the test split and, when asked
 * (ctrain eval --confusion), the confusion matrix. */
#include <stdio.h>
#include <string.h>

#include "cluster/families/families.h"
#include "cluster/run/family.h"
#include "cluster/run/model.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

typedef struct classifier {
    ct_net net;
    ct_run *run;
    int loss_metric;     /* train_loss */
    ct_shard test;       /* this rank's shard of the evaluation split */
    int64_t classes;
    ct_loss_type loss;   /* cross_entropy or nll */
    float *dout;         /* [local batch, classes] */
    float *eval_x;       /* [eval chunk, sample_size]: one evaluation chunk's inputs */
    double *confusion;   /* [classes, classes] with run->eval_confusion, else NULL */
} classifier;

static int classifier_setup(ct_run *run, ct_error *err)
{
    classifier *c = CT_ALLOC_ARRAY(classifier, 1);
    run->family_state = c;
    c->run = run;
    const ct_job *job = run->job;
    if (job->model->loss != CTRAIN__LOSS__CROSS_ENTROPY && job->model->loss != CTRAIN__LOSS__NLL)
        return ct_fail(err, "%s: model.loss: the classifier family trains with cross_entropy (or nll after "
                       "log_softmax)", run->job_origin);
    c->loss = ct_model_loss(job);
    if (ct_family_read_shards(run, &c->test, job->data->target, err) != CT_OK)
        return CT_ERR;
    int64_t max_batch = ct_family_max_batch(run);
    int rc = ct_model_build_net(&c->net, job, 0, "", *ct_family_sample_shape(run, &c->test), max_batch, err);
    if (rc != CT_OK) {
        ct_fail_context(err, "%s", run->job_origin);
    } else {
        c->classes = ct_shape_numel(ct_net_out_shape(&c->net));
        char source[96];
        snprintf(source, sizeof source, "the network's last layer has %lld outputs", (long long)c->classes);
        rc = ct_family_check_labels(run, &c->test, job->data->test_split, c->classes, source, err);
        if (rc == CT_OK && !run->eval_only)
            rc = ct_family_check_labels(run, &run->source.train, job->data->train_split, c->classes, source, err);
    }
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    c->dout = CT_ALLOC_ARRAY(float, (size_t)max_batch * (size_t)c->classes);
    if (run->eval_confusion)
        c->confusion = CT_ALLOC_ARRAY(double, (size_t)(c->classes * c->classes));
    c->eval_x = ct_family_eval_inputs(run, &c->test);
    if (ct_family_metric(run, "train_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE | CT_METRIC_PROGRESS,
                         &c->loss_metric, err) != CT_OK)
        return CT_ERR;
    return ct_family_add_net(run, &c->net, 0, true, err);
}

static int classifier_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    classifier *c = run->family_state;
    const ct_batch *batch = in->batch;
    ct_net_zero_grads(&c->net);
    double loss = 0; /* this rank's share of the global batch's mean loss */
    if (batch->n > 0) {
        ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = run->job->seed, .step = run->state.step,
                        .first_sample = batch->first_sample};
        const float *out = ct_net_forward(&c->net, batch->inputs, batch->n, &pass);
        ct_target target = {batch->labels, NULL};
        loss = ct_loss_compute(c->loss, out, &target, batch->n, c->classes, batch->global_n, c->dout);
        ct_net_backward(&c->net, batch->inputs, c->dout, batch->n, NULL);
    }
    ct_metrics_add(&run->metrics, c->loss_metric, loss);
    return ct_family_update(run, ct_net_bit(0), err);
}

static void evaluate_chunk(void *ctx, const ct_shard *test, const float *x, int64_t row, int64_t n, double *sums)
{
    classifier *c = ctx;
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = c->run->job->seed, .step = c->run->state.step};
    const float *out = ct_net_forward(&c->net, x, n, &pass);
    ct_target target = {test->labels + row, NULL};
    sums[0] += ct_loss_compute(c->loss, out, &target, n, c->classes, 1, NULL);
    sums[1] += (double)ct_count_correct(out, test->labels + row, n, c->classes);
    for (int64_t i = 0; c->confusion && i < n; i++)
        c->confusion[test->labels[row + i] * c->classes + ct_argmax(out + i * c->classes, c->classes)] += 1;
}

static int classifier_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    classifier *c = run->family_state;
    size_t cells = (size_t)(c->classes * c->classes);
    if (c->confusion)
        memset(c->confusion, 0, cells * sizeof *c->confusion);
    if (ct_family_evaluate(run, &c->test, c->eval_x, evaluate_chunk, c, true, result, err) != CT_OK)
        return CT_ERR;
    result->split = &c->test;
    if (!c->confusion)
        return CT_OK;
    result->classes = c->classes;
    result->confusion = c->confusion;
    return ct_allreduce_doubles(run->world, c->confusion, (int)cells, err);
}

static void classifier_teardown(ct_run *run)
{
    classifier *c = run->family_state;
    if (!c)
        return;
    ct_net_free(&c->net);
    ct_shard_free(&c->test);
    ct_free(c->dout);
    ct_free(c->eval_x);
    ct_free(c->confusion);
    ct_free(c);
    run->family_state = NULL;
}

const ct_family ct_classifier_family = {
    .name = "classifier",
    .setup = classifier_setup,
    .step = classifier_step,
    .evaluate = classifier_evaluate,
    .end_epoch = NULL,
    .teardown = classifier_teardown,
};

ct_net *ct_classifier_of(ct_run *run, const ct_shard **split)
{
    if (run->family != &ct_classifier_family || !run->family_state)
        return NULL;
    classifier *c = run->family_state;
    if (split)
        *split = &c->test;
    return &c->net;
}
