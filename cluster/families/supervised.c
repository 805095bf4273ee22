#include "cluster/families/supervised.h"

#include "cluster/run/model.h"
#include "comm/agree.h"
#include "engine/alloc.h"

int ct_supervised_setup(ct_run *run, ct_supervised *s, bool float_targets, ct_supervised_check_fn check,
                        ct_error *err)
{
    const ct_job *job = run->job;
    const Ctrain__Data *d = job->data;
    s->run = run;
    s->loss = ct_model_loss(job);
    if (ct_family_read_shards(run, &s->test, float_targets ? NULL : d->target, err) != CT_OK ||
        (float_targets && ct_family_read_targets(run, &s->test, err) != CT_OK))
        return CT_ERR;
    int64_t max_batch = ct_family_max_batch(run);
    int rc = ct_model_build_net(&s->net, job, 0, "", *ct_family_sample_shape(run, &s->test), max_batch, err);
    if (rc != CT_OK) {
        ct_fail_context(err, "%s", run->job_origin);
    } else {
        s->out_size = ct_shape_numel(ct_net_out_shape(&s->net));
        rc = check(s, &s->test, d->test_split, err);
        if (rc == CT_OK && !run->eval_only)
            rc = check(s, &run->source.train, d->train_split, err);
    }
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    s->dout = CT_ALLOC_ARRAY(float, (size_t)max_batch * (size_t)s->out_size);
    s->eval_x = ct_family_eval_inputs(run, &s->test);
    if (ct_family_metric(run, "train_loss", CT_REDUCE_SUM, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE | CT_METRIC_PROGRESS,
                         &s->loss_metric, err) != CT_OK)
        return CT_ERR;
    return ct_family_add_net(run, &s->net, 0, true, err);
}

int ct_supervised_step(ct_supervised *s, const ct_step_input *in, ct_error *err)
{
    ct_run *run = s->run;
    const ct_batch *batch = in->batch;
    ct_net_zero_grads(&s->net);
    double loss = 0; /* this rank's share of the global batch's mean loss */
    if (batch->n > 0) {
        ct_pass pass = {.mode = CT_MODE_TRAIN, .seed = run->job->seed, .step = run->state.step,
                        .first_sample = batch->first_sample, .lengths = batch->lengths};
        const float *out = ct_net_forward(&s->net, batch->inputs, batch->n, &pass);
        ct_target target = {batch->labels, batch->targets};
        loss = ct_loss_compute(s->loss, out, &target, batch->n, s->out_size, batch->global_n, s->dout);
        ct_net_backward(&s->net, batch->inputs, s->dout, batch->n, NULL);
    }
    ct_metrics_add(&run->metrics, s->loss_metric, loss);
    return ct_family_update(run, ct_net_bit(0), err);
}

const float *ct_supervised_eval(ct_supervised *s, const float *x, int64_t row, int64_t n, double *loss_sum)
{
    const ct_shard *test = &s->test;
    ct_pass pass = {.mode = CT_MODE_EVAL, .seed = s->run->job->seed, .step = s->run->state.step,
                    .lengths = test->lengths ? test->lengths + row : NULL};
    const float *out = ct_net_forward(&s->net, x, n, &pass);
    ct_target target = {test->labels ? test->labels + row : NULL,
                        test->targets ? test->targets + row * test->target_size : NULL};
    *loss_sum += ct_loss_compute(s->loss, out, &target, n, s->out_size, 1, NULL);
    return out;
}

void ct_supervised_free(ct_supervised *s)
{
    ct_net_free(&s->net);
    ct_shard_free(&s->test);
    ct_free(s->dout);
    ct_free(s->eval_x);
}
