#include "cluster/run/family.h"

#include <stdio.h>
#include <string.h>

#include "cluster/run/model.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"
#include "engine/clip.h"

/* The job's data.augment for the training shard: padding shows a stored 0
 * (the offset of uint8 pixels, normalised; for floats, 0 normalised). */
static int augmentation(const Ctrain__Augment *spec, const Ctrain__Normalize *normalize, const ct_shard *train,
                        ct_augment *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    if (!spec)
        return CT_OK;
    a->crop_padding = spec->random_crop ? (int64_t)spec->random_crop->padding : 0;
    a->flip_p = spec->horizontal_flip ? spec->horizontal_flip->p : 0.0f;
    a->noise_std = spec->gaussian_noise ? spec->gaussian_noise->std : 0.0f;
    a->pad_value = train->dtype == CT_DTYPE_UINT8 ? train->offset : 0.0f;
    if (train->dtype != CT_DTYPE_UINT8 && normalize)
        a->pad_value = (0.0f - normalize->mean) / normalize->std;
    return ct_augment_check(a, &train->sample_shape, err);
}

int ct_family_read_shards(ct_run *run, ct_shard *test, const char *target, ct_error *err)
{
    const Ctrain__Data *d = run->job->data;
    int rank = run->world->rank, world = run->world->size;
    ct_source *src = &run->source;
    int rc = CT_OK;
    if (!run->eval_only) {
        src->kind = CT_SOURCE_DATASET;
        src->batch_size = run->job->train->batch_size;
        src->drop_last = run->job->train->drop_last;
        rc = ct_shard_read(&src->train, d->path, d->train_split, d->input, target, rank, world, err);
    }
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    rc = ct_shard_read(test, d->path, d->test_split, d->input, target, rank, world, err);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    if (d->lengths && *d->lengths) {
        if (!run->eval_only)
            rc = ct_shard_read_lengths(&src->train, d->path, d->train_split, d->input, d->lengths, err);
        if (rc == CT_OK)
            rc = ct_shard_read_lengths(test, d->path, d->test_split, d->input, d->lengths, err);
        if (ct_agree(run->world, rc, err) != CT_OK)
            return CT_ERR;
    }
    if (d->normalize) {
        ct_shard_normalize(test, d->normalize->mean, d->normalize->std);
        if (!run->eval_only)
            ct_shard_normalize(&src->train, d->normalize->mean, d->normalize->std);
    }
    if (run->eval_only)
        return CT_OK;
    if (!ct_shape_equal(&src->train.sample_shape, &test->sample_shape)) {
        char a[64], b[64];
        return ct_fail(err, "%s: /%s/%s has samples of shape %s but /%s/%s has %s", d->path, d->train_split,
                       d->input, ct_shape_str(&src->train.sample_shape, a, sizeof a), d->test_split, d->input,
                       ct_shape_str(&test->sample_shape, b, sizeof b));
    }
    if (augmentation(d->augment, d->normalize, &src->train, &src->augment, err) != CT_OK)
        return ct_fail_context(err, "%s", run->job_origin);
    return CT_OK;
}

int ct_family_read_targets(ct_run *run, ct_shard *test, ct_error *err)
{
    const Ctrain__Data *d = run->job->data;
    int rc = CT_OK;
    if (!run->eval_only)
        rc = ct_shard_read_targets(&run->source.train, d->path, d->train_split, d->input, d->target, err);
    if (rc == CT_OK)
        rc = ct_shard_read_targets(test, d->path, d->test_split, d->input, d->target, err);
    return ct_agree(run->world, rc, err);
}

int ct_family_check_labels(const ct_run *run, const ct_shard *shard, const char *split, int64_t classes,
                           const char *source, ct_error *err)
{
    const Ctrain__Data *d = run->job->data;
    if (shard->num_classes && shard->num_classes != classes)
        return ct_fail(err, "%s: /%s/%s has %lld classes but %s", d->path, split, d->target,
                       (long long)shard->num_classes, source);
    for (int64_t i = 0; i < shard->nrows; i++)
        if (shard->labels[i] >= classes)
            return ct_fail(err, "%s: /%s/%s row %lld: label %d is out of range for %lld classes", d->path, split,
                           d->target, (long long)(shard->first_row + i), shard->labels[i], (long long)classes);
    return CT_OK;
}

const ct_shape *ct_family_sample_shape(const ct_run *run, const ct_shard *test)
{
    return run->eval_only ? &test->sample_shape : &run->source.train.sample_shape;
}

int64_t ct_family_max_batch(const ct_run *run)
{
    const Ctrain__Train *t = run->job->train;
    if (run->eval_only)
        return t->eval_batch_size;
    int world = run->world->size;
    return (t->batch_size + world - 1) / world;
}

int ct_family_add_net(ct_run *run, ct_net *net, size_t spec_index, bool trainable, ct_error *err)
{
    ct_model_state *m = &run->model;
    if (m->nnets == CT_MAX_NETS)
        return ct_fail(err, "a model holds at most %d networks", CT_MAX_NETS);
    int i = m->nnets;
    m->nets[i] = net;
    m->names[i] = run->job->model->networks[spec_index]->name;
    m->optims[i] = NULL;
    m->sections[i] = NULL;
    m->grad_norm_metric[i] = -1;
    if (trainable && !run->eval_only) {
        const Ctrain__Optimizer *section = ct_model_optimizer(run->job, spec_index);
        ct_optim_config cfg;
        ct_model_optim_config(section, &cfg);
        m->optims[i] = CT_ALLOC_ARRAY(ct_optim, 1);
        if (ct_optim_init(m->optims[i], &cfg, net->nparams, err) != CT_OK) {
            ct_free(m->optims[i]);
            m->optims[i] = NULL;
            if (section != run->job->optimizer)
                return ct_fail_context(err, "%s: model.networks[%zu] (%s)", run->job_origin, spec_index,
                                       m->names[i]);
            return ct_fail_context(err, "%s", run->job_origin);
        }
        m->sections[i] = section;
        m->clip_norm[i] = section->clip_grad_norm;
        m->clip_value[i] = section->clip_grad_value;
    }
    m->nnets++;
    return ct_broadcast_floats(run->world, net->params, net->nparams, err);
}

int ct_family_update(ct_run *run, unsigned nets, ct_error *err)
{
    ct_model_state *m = &run->model;
    size_t bucket_floats = (size_t)(run->job->train->bucket_mb * 1024.0 * 1024.0 / sizeof(float));
    int rc = CT_OK;
    for (int i = m->nnets - 1; i >= 0; i--) {
        if (!(nets & ct_net_bit(i)) || !m->optims[i])
            continue;
        ct_error mine;
        if (ct_allreduce_floats(run->world, m->nets[i]->grads, m->nets[i]->nparams, bucket_floats, &mine) != CT_OK &&
            rc == CT_OK) {
            *err = mine;
            rc = CT_ERR;
        }
    }
    for (int i = 0; i < m->nnets; i++) {
        if (!(nets & ct_net_bit(i)) || !m->optims[i])
            continue;
        ct_net *net = m->nets[i];
        if (m->clip_norm[i] > 0) {
            float norm = ct_clip_grad_norm(net->grads, net->nparams, m->clip_norm[i]);
            ct_metrics_add(&run->metrics, m->grad_norm_metric[i], norm);
        }
        if (m->clip_value[i] > 0)
            ct_clip_grad_value(net->grads, net->nparams, m->clip_value[i]);
        ct_optim_step(m->optims[i], net->params, net->grads);
    }
    return rc;
}

int ct_family_metric(ct_run *run, const char *name, ct_metric_reduce reduce, ct_metric_over_steps over,
                     unsigned flags, int *id, ct_error *err)
{
    if (ct_metrics_declare(&run->metrics, name, reduce, over, flags, id, err) != CT_OK)
        return ct_fail_context(err, "family %s", run->family->name);
    return CT_OK;
}

int64_t ct_family_eval_rows(const ct_run *run, const ct_shard *test)
{
    int64_t size = run->job->train->eval_batch_size, most = ct_family_max_batch(run);
    if (size > most)
        size = most;
    return test->nrows < size ? test->nrows : size;
}

float *ct_family_eval_inputs(const ct_run *run, const ct_shard *test)
{
    return CT_ALLOC_ARRAY(float, (size_t)ct_family_eval_rows(run, test) * (size_t)test->sample_size);
}

int ct_family_evaluate(ct_run *run, const ct_shard *test, float *x, ct_eval_chunk_fn chunk, void *ctx,
                       const char *second, ct_eval_result *result, ct_error *err)
{
    int64_t size = ct_family_eval_rows(run, test);
    double sums[3] = {0, 0, (double)test->nrows}; /* loss, second result, samples */
    for (int64_t row = 0; row < test->nrows; row += size) {
        int64_t n = test->nrows - row < size ? test->nrows - row : size;
        ct_shard_rows_float(test, row, n, x);
        chunk(ctx, test, x, row, n, sums);
    }
    if (ct_allreduce_doubles(run->world, sums, 3, err) != CT_OK)
        return CT_ERR;
    result->samples = (int64_t)sums[2];
    result->n = 1;
    result->names[0] = "loss";
    result->values[0] = sums[2] > 0 ? sums[0] / sums[2] : 0;
    if (second) {
        result->n = 2;
        result->names[1] = second;
        result->values[1] = sums[2] > 0 ? sums[1] / sums[2] : 0;
    }
    return CT_OK;
}
