#include "cluster/run/family.h"

#include "cluster/run/model.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

const ct_family *ct_family_for(const ct_job *job)
{
    switch (job->model->family) {
    case CTRAIN__FAMILY__AUTOENCODER:
        return &ct_autoencoder_family;
    case CTRAIN__FAMILY__CLASSIFIER:
    default:
        return &ct_classifier_family;
    }
}

int ct_family_read_shards(ct_run *run, ct_shard *test, const char *target, ct_error *err)
{
    const Ctrain__Data *d = run->job->data;
    int rank = run->world->rank, world = run->world->size;
    int rc = CT_OK;
    if (!run->eval_only)
        rc = ct_shard_read(&run->train, d->path, d->train_split, d->input, target, rank, world, err);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    rc = ct_shard_read(test, d->path, d->test_split, d->input, target, rank, world, err);
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    if (!run->eval_only && !ct_shape_equal(&run->train.sample_shape, &test->sample_shape)) {
        char a[64], b[64];
        return ct_fail(err, "%s: /%s/%s has samples of shape %s but /%s/%s has %s", d->path, d->train_split,
                       d->input, ct_shape_str(&run->train.sample_shape, a, sizeof a), d->test_split, d->input,
                       ct_shape_str(&test->sample_shape, b, sizeof b));
    }
    return CT_OK;
}

const ct_shape *ct_family_sample_shape(const ct_run *run, const ct_shard *test)
{
    return run->eval_only ? &test->sample_shape : &run->train.sample_shape;
}

int64_t ct_family_max_batch(const ct_run *run)
{
    const Ctrain__Train *t = run->job->train;
    int world = run->world->size;
    int64_t local_batch = (t->batch_size + world - 1) / world;
    return local_batch > t->eval_batch_size ? local_batch : t->eval_batch_size;
}

int ct_family_add_net(ct_run *run, ct_net *net, ct_optim *optim, ct_error *err)
{
    ct_model_state *m = &run->model;
    if (m->nnets == (int)(sizeof m->nets / sizeof m->nets[0]))
        return ct_fail(err, "a model holds at most %d networks", m->nnets);
    m->nets[m->nnets] = net;
    m->optims[m->nnets] = NULL;
    if (!run->eval_only) {
        ct_optim_config cfg;
        ct_model_optim_config(run->job, &cfg);
        if (ct_optim_init(optim, &cfg, net->nparams, err) != CT_OK)
            return ct_fail_context(err, "%s", run->job_origin);
        m->optims[m->nnets] = optim;
    }
    m->nnets++;
    return ct_broadcast_floats(run->world, net->params, net->nparams, err);
}

int ct_family_update(ct_run *run, double *loss, ct_error *err)
{
    ct_model_state *m = &run->model;
    size_t bucket_floats = (size_t)(run->job->train->bucket_mb * 1024.0 * 1024.0 / sizeof(float));
    for (int i = m->nnets - 1; i >= 0; i--)
        if (ct_allreduce_floats(run->world, m->nets[i]->grads, m->nets[i]->nparams, bucket_floats, err) != CT_OK)
            return CT_ERR;
    if (ct_allreduce_doubles(run->world, loss, 1, err) != CT_OK)
        return CT_ERR;
    for (int i = 0; i < m->nnets; i++)
        ct_optim_step(m->optims[i], m->nets[i]->params, m->nets[i]->grads);
    /* Buffers (batch norm's running statistics) move with each rank's own
     * samples; as PyTorch DDP (broadcast_buffers=True), every rank takes
     * rank 0's, so that the replicas, their evaluations and the checkpoint
     * agree. */
    for (int i = 0; i < m->nnets; i++) {
        ct_net *net = m->nets[i];
        if (net->nbuffers && ct_broadcast_floats(run->world, net->buffers, net->nbuffers, err) != CT_OK)
            return CT_ERR;
        if (net->ncounters &&
            ct_broadcast_bytes(run->world, net->counters, net->ncounters * sizeof *net->counters, 0, err) != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

static int64_t eval_chunk_rows(const ct_run *run, const ct_shard *test)
{
    int64_t size = run->job->train->eval_batch_size;
    return test->nrows < size ? test->nrows : size;
}

float *ct_family_eval_inputs(const ct_run *run, const ct_shard *test)
{
    return CT_ALLOC_ARRAY(float, (size_t)eval_chunk_rows(run, test) * (size_t)test->sample_size);
}

int ct_family_evaluate(ct_run *run, const ct_shard *test, float *x, ct_eval_chunk_fn chunk, void *ctx,
                       bool has_accuracy, ct_eval_result *result, ct_error *err)
{
    int64_t size = eval_chunk_rows(run, test);
    double sums[3] = {0, 0, (double)test->nrows}; /* loss, correct, samples */
    for (int64_t row = 0; row < test->nrows; row += size) {
        int64_t n = test->nrows - row < size ? test->nrows - row : size;
        ct_shard_rows_float(test, row, n, x);
        chunk(ctx, test, x, row, n, sums);
    }
    if (ct_allreduce_doubles(run->world, sums, 3, err) != CT_OK)
        return CT_ERR;
    result->samples = (int64_t)sums[2];
    result->loss = sums[2] > 0 ? sums[0] / sums[2] : 0;
    result->accuracy = !has_accuracy ? -1 : sums[2] > 0 ? sums[1] / sums[2] : 0;
    return CT_OK;
}
