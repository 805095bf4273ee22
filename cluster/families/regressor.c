/* The regressor family: one network (families/supervised.h) trained on
 * float targets of any shape per sample (the job's data.target, float
 * [N, ...] beside the inputs) with mse, l1 or huber; evaluated by the test
 * loss and the mean absolute error over every target value (test_mae). */
#include <math.h>

#include "cluster/families/families.h"
#include "cluster/families/supervised.h"
#include "engine/alloc.h"

/* A split's targets must have the network's output shape per sample
 * (leading 1s aside: targets [N, 1, 2] fit an output of [2], and [N] one
 * of [1]). */
static int check_targets(const ct_supervised *s, const ct_shard *shard, const char *split, ct_error *err)
{
    const ct_shape *out = ct_net_out_shape(&s->net);
    if (ct_shape_same_sample(&shard->target_shape, out))
        return CT_OK;
    const Ctrain__Data *d = s->run->job->data;
    char want[64], found[64];
    return ct_fail(err, "%s: /%s/%s: expected targets of the network's output shape %s per sample, found %s", d->path,
                   split, d->target, ct_shape_str(out, want, sizeof want),
                   ct_shape_str(&shard->target_shape, found, sizeof found));
}

static int regressor_setup(ct_run *run, ct_error *err)
{
    ct_supervised *s = CT_ALLOC_ARRAY(ct_supervised, 1);
    run->family_state = s;
    return ct_supervised_setup(run, s, true, check_targets, err);
}

static int regressor_step(ct_run *run, const ct_step_input *in, ct_error *err)
{
    return ct_supervised_step(run->family_state, in, err);
}

/* Adds the chunk's losses and each sample's mean absolute error. */
static void evaluate_chunk(void *ctx, const ct_shard *test, const float *x, int64_t row, int64_t n, double *sums)
{
    ct_supervised *s = ctx;
    const float *out = ct_supervised_eval(s, x, row, n, &sums[0]);
    const float *t = test->targets + row * test->target_size;
    double abs_sum = 0;
    for (int64_t i = 0; i < n * s->out_size; i++)
        abs_sum += fabs((double)out[i] - t[i]);
    sums[1] += abs_sum / (double)s->out_size;
}

static int regressor_evaluate(ct_run *run, ct_eval_result *result, ct_error *err)
{
    ct_supervised *s = run->family_state;
    return ct_family_evaluate(run, &s->test, s->eval_x, evaluate_chunk, s, "mae", result, err);
}

static void regressor_teardown(ct_run *run)
{
    ct_supervised *s = run->family_state;
    if (!s)
        return;
    ct_supervised_free(s);
    ct_free(s);
    run->family_state = NULL;
}

const ct_family ct_regressor_family = {
    .name = "regressor",
    .setup = regressor_setup,
    .step = regressor_step,
    .evaluate = regressor_evaluate,
    .end_epoch = NULL,
    .teardown = regressor_teardown,
};

ct_supervised *ct_regressor_of(ct_run *run)
{
    return run->family == &ct_regressor_family ? run->family_state : NULL;
}
