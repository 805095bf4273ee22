#include "cluster/restore.h"

#include <string.h>

#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

static int load_on_root(ct_run *run, const char *path, bool resume, ct_error *err)
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
        ct_free(run->metrics);
        run->metrics = NULL;
        rc = ct_checkpoint_read_text(&ckpt, "/state/metrics", &run->metrics, err);
    }
    ct_checkpoint_close(&ckpt);
    return rc;
}

static int broadcast_optim(const ct_world *world, ct_optim *optim, ct_error *err)
{
    int rc = ct_broadcast_bytes(world, &optim->step, sizeof optim->step, 0, err);
    if (rc == CT_OK && optim->state0)
        rc = ct_broadcast_floats(world, optim->state0, optim->n, err);
    if (rc == CT_OK && optim->state1)
        rc = ct_broadcast_floats(world, optim->state1, optim->n, err);
    return rc;
}

int ct_restore(ct_run *run, const char *path, bool resume, ct_error *err)
{
    int rc = run->world->rank == 0 ? load_on_root(run, path, resume, err) : CT_OK;
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    for (int i = 0; rc == CT_OK && i < run->model.nnets; i++) {
        ct_net *net = run->model.nets[i];
        rc = ct_broadcast_floats(run->world, net->params, net->nparams, err);
        if (rc == CT_OK)
            rc = ct_broadcast_floats(run->world, net->buffers, net->nbuffers, err);
        if (rc == CT_OK && resume && run->model.optims[i])
            rc = broadcast_optim(run->world, run->model.optims[i], err);
    }
    if (rc == CT_OK && resume)
        rc = ct_broadcast_bytes(run->world, &run->state, sizeof run->state, 0, err);
    return rc;
}
