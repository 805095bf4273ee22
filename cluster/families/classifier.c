/* The classifier family: one network (families/supervised.h), cross-entropy
 * on integer labels (or NLL after a log_softmax layer), accuracy on the
 * test split and, when asked (ctrain eval --confusion), the confusion
 * matrix. */
#include <stdio.h>
#include <string.h>

#include "cluster/families/families.h"
#include "cluster/families/supervised.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

typedef struct classifier {
    ct_supervised base;  /* base.out_size: the classes */
    double *confusion;   /* [classes, classes] with run->eval_confusion, else NULL */
} classifier;

/* Every label within the network's outputs (and the file's num_classes). */
static int check_labels(const ct_supervised *s, const ct_shard *shard, const char *split, ct_error *err)
{
    char source[96];
    snprintf(source, sizeof source, "the network's last layer has %lld outputs", (long long)s->out_size);
    return ct_family_check_labels(s->run, shard, split, s->out_size, source, err);
}

static int classifier_setup(ct_run *run, ct_error *err)
{
    classifier *c = CT_ALLOC_ARRAY(classifier, 1);
    run->family_state = c;
    if (run->job->model->loss != CTRAIN__LOSS__CROSS_ENTROPY && run->job->model->loss != CTRAIN__LOSS__NLL)
        return ct_fail(err, "%s: model.loss: the classifier family trains with cross_entropy (or nll after "
                       "log_softmax); float targets train a regressor (model.family: regressor)", run->job_origin);
    if (ct_supervised_setup(run, &c->base, false, check_labels, err) != CT_OK)
        return CT_ERR;
    if (run->eval_confusion)
        c->confusion = CT_ALLOC_ARRAY(double, (size_t)(c->base.out_size * c->base.out_size));
    return CT_OK;
}

static int classifier_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    classifier *c = run->family_state;
    return ct_supervised_step(&c->base, in, err);
}

static void evaluate_chunk(void *ctx, const ct_shard *test, const float *x, int64_t row, int64_t n, double *sums)
{
    classifier *c = ctx;
    int64_t classes = c->base.out_size;
    const float *out = ct_supervised_eval(&c->base, x, row, n, &sums[0]);
    sums[1] += (double)ct_count_correct(out, test->labels + row, n, classes);
    for (int64_t i = 0; c->confusion && i < n; i++)
        c->confusion[test->labels[row + i] * classes + ct_argmax(out + i * classes, classes)] += 1;
}

static int classifier_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    classifier *c = run->family_state;
    int64_t classes = c->base.out_size;
    size_t cells = (size_t)(classes * classes);
    if (c->confusion)
        memset(c->confusion, 0, cells * sizeof *c->confusion);
    if (ct_family_evaluate(run, &c->base.test, c->base.eval_x, evaluate_chunk, c, "accuracy", result, err) != CT_OK)
        return CT_ERR;
    result->split = &c->base.test;
    if (!c->confusion)
        return CT_OK;
    result->classes = classes;
    result->confusion = c->confusion;
    return ct_allreduce_doubles(run->world, c->confusion, (int)cells, err);
}

static void classifier_teardown(ct_run *run)
{
    classifier *c = run->family_state;
    if (!c)
        return;
    ct_supervised_free(&c->base);
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
        *split = &c->base.test;
    return &c->base.net;
}
