#include "cluster/run/restore.h"

#include <stdio.h>
#include <string.h>

#include "cluster/run/runtime.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

static int load_on_root(ct_run *run, const char *path, bool resume, ct_state_image *family, ct_error *err)
{
    ct_checkpoint ckpt;
    int rc = ct_checkpoint_open(&ckpt, path, err);
    for (int i = 0; rc == CT_OK && i < run->model.nnets; i++) {
        rc = ct_checkpoint_load_net(&ckpt, run->model.nets[i], err);
        if (rc == CT_OK && resume && run->model.optims[i])
            rc = ct_checkpoint_load_optim(&ckpt, i, run->model.nets[i], run->model.optims[i], err);
    }
    if (rc == CT_OK && resume)
        rc = ct_checkpoint_load_state(&ckpt, &run->state, err);
    if (rc == CT_OK && resume) {
        ct_free(run->metrics_jsonl);
        run->metrics_jsonl = NULL;
        rc = ct_checkpoint_read_text(&ckpt, "/state/metrics", &run->metrics_jsonl, err);
    }
    if (rc == CT_OK && resume)
        rc = ct_checkpoint_load_metrics(&ckpt, &run->metrics, err);
    if (rc == CT_OK && resume)
        rc = ct_state_read(&run->family_state_table, ckpt.file, path, run->world->size, family, err);
    ct_checkpoint_close(&ckpt);
    return rc;
}

static int broadcast_optim(const ct_world *world, ct_optim *optim, ct_error *err)
{
    int rc = ct_broadcast_bytes(world, &optim->step, sizeof optim->step, 0, err);
    for (int which = 0; rc == CT_OK && which < CT_OPTIM_MAX_STATES; which++)
        if (optim->state[which])
            rc = ct_broadcast_floats(world, optim->state[which], optim->n, err);
    return rc;
}

int ct_restore(ct_run *run, const char *path, bool resume, ct_error *err)
{
    ct_state_image family = {0};
    int rc = run->world->rank == 0 ? load_on_root(run, path, resume, &family, err) : CT_OK;
    if (ct_agree_root(run->world, rc, 0, err) != CT_OK) {
        ct_state_image_free(&family);
        return CT_ERR;
    }
    for (int i = 0; rc == CT_OK && i < run->model.nnets; i++) {
        ct_net *net = run->model.nets[i];
        rc = ct_broadcast_floats(run->world, net->params, net->nparams, err);
        if (rc == CT_OK)
            rc = ct_broadcast_floats(run->world, net->buffers, net->nbuffers, err);
        if (rc == CT_OK)
            rc = ct_broadcast_bytes(run->world, net->counters, net->ncounters * sizeof *net->counters, 0, err);
        if (rc == CT_OK && resume && run->model.optims[i])
            rc = broadcast_optim(run->world, run->model.optims[i], err);
    }
    if (rc == CT_OK && resume) {
        rc = ct_broadcast_bytes(run->world, &run->state, sizeof run->state, 0, err);
        if (rc == CT_OK)
            rc = ct_broadcast_bytes(run->world, &run->metrics.epoch, sizeof run->metrics.epoch, 0, err);
        if (rc == CT_OK)
            rc = ct_broadcast_bytes(run->world, &run->metrics.interval, sizeof run->metrics.interval, 0, err);
        if (rc == CT_OK)
            rc = ct_state_scatter(&run->family_state_table, run->world, &family, err);
    }
    ct_state_image_free(&family);
    return rc;
}

/* Rank 0 reads the checkpoint's job; every rank parses the same text. */
static int load_checkpoint_job(ct_run *run, const char *path, const char *origin, ct_error *err)
{
    char *text = NULL;
    int rc = CT_OK;
    if (run->world->rank == 0) {
        ct_checkpoint ckpt;
        rc = ct_checkpoint_open(&ckpt, path, err);
        if (rc == CT_OK)
            rc = ct_checkpoint_read_text(&ckpt, "/job", &text, err);
        ct_checkpoint_close(&ckpt);
    }
    if (ct_agree_root(run->world, rc, 0, err) != CT_OK)
        return CT_ERR;
    int64_t len = text ? (int64_t)strlen(text) : 0;
    if (ct_broadcast_bytes(run->world, &len, sizeof len, 0, err) != CT_OK)
        return CT_ERR;
    if (!text)
        text = ct_calloc((size_t)len + 1, 1);
    rc = ct_broadcast_bytes(run->world, text, (size_t)len, 0, err);
    if (rc == CT_OK)
        rc = ct_job_load_text(text, (size_t)len, origin, &run->job, err);
    ct_free(text);
    return rc;
}

/* Sets a string field of a loaded job; protobuf-c's static default value
 * is shared and must not be freed. */
static void replace_string(char **field, const char *default_value, const char *value)
{
    if (*field != default_value)
        ct_free(*field);
    *field = ct_strdup(value);
}

int ct_restore_for_eval(ct_run *run, const ct_restore_source *src, const ct_family *family, char *origin,
                        size_t size, ct_error *err)
{
    char checkpoint[4300];
    int rc = ct_agree(run->world, ct_checkpoint_resolve(src->checkpoint, checkpoint, sizeof checkpoint, err), err);
    if (rc != CT_OK)
        return CT_ERR;
    if (src->job) {
        snprintf(origin, size, "%s", src->job);
        rc = ct_agree(run->world, ct_job_load(src->job, NULL, 0, &run->job, err), err);
    } else {
        snprintf(origin, size, "%s:/job", checkpoint);
        rc = load_checkpoint_job(run, checkpoint, origin, err);
    }
    run->job_origin = origin;
    if (rc != CT_OK)
        return CT_ERR;
    /* The flags replace the job's data file and split. */
    if (src->data)
        replace_string(&run->job->data->path, NULL, src->data);
    if (src->split)
        replace_string(&run->job->data->test_split, ctrain__data__test_split__default_value, src->split);
    ct_runtime_set_blas_threads(run->world, NULL);
    ct_runtime_set_memory_budget(run->world);
    run->eval_only = true;
    const ct_family *found;
    if (ct_family_for(run->job, &found, err) != CT_OK)
        return ct_fail_context(err, "%s", origin);
    if (family && found != family)
        return ct_fail(err, "%s: model.family is %s; expected %s", origin, found->name, family->name);
    run->family = found;
    if (run->family->setup(run, err) != CT_OK)
        return CT_ERR;
    return ct_restore(run, checkpoint, false, err);
}
