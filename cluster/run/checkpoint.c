#include "cluster/run/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/durable_file.h"
#include "datasets/h5util.h"
#include "engine/alloc.h"

/* ---- writing ---------------------------------------------------------- */

/* type: H5T_NATIVE_FLOAT, or H5T_NATIVE_INT64 for counters (PyTorch's int64). */
static int write_tensor(hid_t group, const char *name, const ct_shape *shape, hid_t type, const void *data,
                        ct_error *err)
{
    hsize_t dims[CT_MAX_DIMS];
    for (int d = 0; d < shape->ndim; d++)
        dims[d] = (hsize_t)shape->dim[d];
    hid_t set = ct_h5_write_dataset(group, name, type, shape->ndim, dims, NULL, 0, data, err);
    if (set < 0)
        return ct_fail_context(err, "tensor %s", name);
    H5Dclose(set);
    return CT_OK;
}

typedef struct tensor_ctx {
    hid_t group;
    const ct_optim *optim; /* NULL: write the tensors themselves */
    const ct_net *net;
} tensor_ctx;

static int write_model_tensor(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    tensor_ctx *ctx = ctx_;
    char name[2 * CT_NAME_MAX];
    ct_param_full_name(layer, param, name, sizeof name);
    if (param->kind == CT_PARAM_COUNTER)
        return write_tensor(ctx->group, name, &param->shape, H5T_NATIVE_INT64, param->count, err);
    return write_tensor(ctx->group, name, &param->shape, H5T_NATIVE_FLOAT, param->data, err);
}

static int write_optim_tensor(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    tensor_ctx *ctx = ctx_;
    if (param->kind != CT_PARAM_WEIGHT)
        return CT_OK;
    char name[4 * CT_NAME_MAX];
    char full[2 * CT_NAME_MAX];
    ct_param_full_name(layer, param, full, sizeof full);
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++) {
        const char *state_name = ct_optim_state_name(ctx->optim, which);
        if (!state_name)
            continue;
        snprintf(name, sizeof name, "%s/%s", full, state_name);
        if (write_tensor(ctx->group, name, &param->shape, H5T_NATIVE_FLOAT, ctx->optim->state[which] + param->offset,
                         err) != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

static int write_contents(hid_t file, const ct_model_state *model, const ct_train_state *state,
                          const char *job_yaml, const char *metrics, ct_error *err)
{
    hid_t group = H5Gcreate2(file, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t optim_group = H5Gcreate2(file, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t state_group = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (group < 0 || optim_group < 0 || state_group < 0) ? ct_fail(err, "cannot create groups") : CT_OK;
    for (int i = 0; rc == CT_OK && i < model->nnets; i++) {
        tensor_ctx ctx = {group, NULL, model->nets[i]};
        rc = ct_net_each_param(model->nets[i], write_model_tensor, &ctx, err);
        if (rc == CT_OK && model->optims[i]) {
            tensor_ctx octx = {optim_group, model->optims[i], model->nets[i]};
            rc = ct_net_each_param(model->nets[i], write_optim_tensor, &octx, err);
        }
    }
    if (rc == CT_OK) {
        /* One optimizer step count and type per checkpoint: every network's
         * optimizer of a family steps in lockstep with its own counter. */
        for (int i = 0; i < model->nnets; i++) {
            if (!model->optims[i])
                continue;
            char attr[64];
            snprintf(attr, sizeof attr, "step_%d", i);
            if (rc == CT_OK)
                rc = ct_h5_write_attr_int64(optim_group, attr, model->optims[i]->step, err);
            snprintf(attr, sizeof attr, "type_%d", i);
            if (rc == CT_OK)
                rc = ct_h5_write_attr_int64(optim_group, attr, (int64_t)model->optims[i]->cfg.type, err);
        }
        const struct {
            const char *name;
            int64_t value;
        } counters[] = {{"step", state->step},
                        {"epoch", state->epoch},
                        {"batch_in_epoch", state->batch_in_epoch},
                        {"epoch_samples", state->epoch_samples},
                        {"world_size", state->world_size}};
        for (size_t i = 0; rc == CT_OK && i < sizeof counters / sizeof counters[0]; i++)
            rc = ct_h5_write_attr_int64(state_group, counters[i].name, counters[i].value, err);
        if (rc == CT_OK)
            rc = ct_h5_write_attr_double(state_group, "epoch_loss_sum", state->epoch_loss_sum, err);
        if (rc == CT_OK)
            rc = ct_h5_write_attr_double(state_group, "epoch_seconds", state->epoch_seconds, err);
        if (rc == CT_OK)
            rc = ct_h5_write_string(state_group, "metrics", metrics ? metrics : "", err);
    }
    if (rc == CT_OK)
        rc = ct_h5_write_string(file, "job", job_yaml, err);
    if (state_group >= 0)
        H5Gclose(state_group);
    if (optim_group >= 0)
        H5Gclose(optim_group);
    if (group >= 0)
        H5Gclose(group);
    return rc;
}

/* Removes step-*.h5 files older than the newest `keep`. */
static void prune_checkpoints(const char *dir, unsigned keep)
{
    if (keep == 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    int64_t steps[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096) {
        long long step;
        char tail[8];
        if (sscanf(e->d_name, "step-%lld%7s", &step, tail) == 2 && strcmp(tail, ".h5") == 0)
            steps[n++] = step;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        size_t newer = 0;
        for (size_t j = 0; j < n; j++)
            newer += steps[j] > steps[i];
        if (newer >= keep) {
            char path[4200];
            snprintf(path, sizeof path, "%s/step-%lld.h5", dir, (long long)steps[i]);
            unlink(path);
        }
    }
}

int ct_checkpoint_write(const char *run_dir, const ct_model_state *model, const ct_train_state *state,
                        const char *job_yaml, const char *metrics, unsigned keep, char *path_out,
                        size_t path_size, ct_error *err)
{
    char dir[4096], final_path[4200], tmp_path[4300], name[64];
    snprintf(dir, sizeof dir, "%s/checkpoints", run_dir);
    if (ct_mkdirs(dir, err) != CT_OK)
        return CT_ERR;
    snprintf(name, sizeof name, "step-%lld.h5", (long long)state->step);
    snprintf(final_path, sizeof final_path, "%s/%s", dir, name);
    hid_t file = ct_h5_create_tmp(final_path, tmp_path, sizeof tmp_path, err);
    if (file < 0)
        return CT_ERR;
    if (write_contents(file, model, state, job_yaml, metrics, err) != CT_OK) {
        ct_h5_discard_tmp(file, tmp_path);
        return ct_fail_context(err, "checkpoint %s", final_path);
    }
    if (ct_h5_commit_tmp(file, tmp_path, final_path, err) != CT_OK)
        return ct_fail_context(err, "checkpoint %s", final_path);
    char pointer[80];
    snprintf(pointer, sizeof pointer, "%s\n", name);
    char latest[4200];
    snprintf(latest, sizeof latest, "%s/latest", dir);
    if (ct_file_write_atomic(latest, pointer, strlen(pointer), err) != CT_OK)
        return CT_ERR;
    prune_checkpoints(dir, keep);
    if (path_out)
        snprintf(path_out, path_size, "%s", final_path);
    return CT_OK;
}

/* ---- reading ---------------------------------------------------------- */

int ct_checkpoint_latest(const char *run_dir, char *path, size_t size, ct_error *err)
{
    char latest[4200];
    snprintf(latest, sizeof latest, "%s/checkpoints/latest", run_dir);
    struct stat st;
    if (stat(run_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ct_fail(err, "--resume %s: no such run directory", run_dir);
    FILE *f = fopen(latest, "r");
    if (!f)
        return ct_fail(err, "--resume %s: no checkpoint to resume from (%s: %s)", run_dir, latest, strerror(errno));
    char name[256] = "";
    char *line = fgets(name, sizeof name, f);
    fclose(f);
    if (!line)
        return ct_fail(err, "%s: empty checkpoint pointer", latest);
    name[strcspn(name, "\r\n")] = '\0';
    if (!name[0] || strchr(name, '/'))
        return ct_fail(err, "%s: expected a checkpoint file name, found '%s'", latest, name);
    snprintf(path, size, "%s/checkpoints/%s", run_dir, name);
    return CT_OK;
}

int ct_checkpoint_open(ct_checkpoint *ckpt, const char *path, ct_error *err)
{
    snprintf(ckpt->path, sizeof ckpt->path, "%s", path);
    ckpt->file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    return ckpt->file < 0 ? ct_fail_context(err, "checkpoint") : CT_OK;
}

void ct_checkpoint_close(ct_checkpoint *ckpt)
{
    if (ckpt->file >= 0)
        H5Fclose(ckpt->file);
    ckpt->file = -1;
}

int ct_checkpoint_read_text(const ct_checkpoint *ckpt, const char *name, char **text, ct_error *err)
{
    *text = NULL;
    if (H5Lexists(ckpt->file, name, H5P_DEFAULT) <= 0)
        return ct_fail(err, "%s: no %s dataset", ckpt->path, name);
    if (ct_h5_read_string(ckpt->file, name, text, err) != CT_OK)
        return ct_fail_context(err, "%s: %s", ckpt->path, name);
    return CT_OK;
}

/* Reads a tensor at `name` as `type` (HDF5 converts), whose shape must be `shape`. */
static int read_tensor(const ct_checkpoint *ckpt, const char *name, const ct_shape *shape, hid_t type, void *out,
                       ct_error *err)
{
    char shape_text[64], found_text[64];
    ct_shape_str(shape, shape_text, sizeof shape_text);
    if (H5Lexists(ckpt->file, name, H5P_DEFAULT) <= 0)
        return ct_fail(err, "%s: tensor %s is missing (expected shape %s)", ckpt->path, name, shape_text);
    hid_t set = H5Dopen2(ckpt->file, name, H5P_DEFAULT);
    if (set < 0)
        return ct_fail(err, "%s: %s is not a dataset", ckpt->path, name);
    hid_t space = H5Dget_space(set);
    ct_shape found = {0};
    hsize_t dims[8];
    int ndim = H5Sget_simple_extent_ndims(space);
    int rc = CT_OK;
    if (ndim < 0 || ndim > CT_MAX_DIMS) {
        rc = ct_fail(err, "%s: tensor %s has %d dimensions, expected shape %s", ckpt->path, name, ndim, shape_text);
    } else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        found.ndim = ndim;
        for (int d = 0; d < ndim; d++)
            found.dim[d] = (int64_t)dims[d];
        if (!ct_shape_equal(&found, shape))
            rc = ct_fail(err, "%s: tensor %s has shape %s, the model expects %s", ckpt->path, name,
                         ct_shape_str(&found, found_text, sizeof found_text), shape_text);
        else if (H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
            rc = ct_fail(err, "%s: cannot read tensor %s", ckpt->path, name);
    }
    H5Sclose(space);
    H5Dclose(set);
    return rc;
}

static int load_model_tensor(void *ctx, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    const ct_checkpoint *ckpt = ctx;
    char name[2 * CT_NAME_MAX + 8];
    char full[2 * CT_NAME_MAX];
    ct_param_full_name(layer, param, full, sizeof full);
    snprintf(name, sizeof name, "/model/%s", full);
    if (param->kind == CT_PARAM_COUNTER)
        return read_tensor(ckpt, name, &param->shape, H5T_NATIVE_INT64, param->count, err);
    return read_tensor(ckpt, name, &param->shape, H5T_NATIVE_FLOAT, param->data, err);
}

int ct_checkpoint_load_net(const ct_checkpoint *ckpt, ct_net *net, ct_error *err)
{
    return ct_net_each_param(net, load_model_tensor, (void *)ckpt, err);
}

typedef struct optim_load_ctx {
    const ct_checkpoint *ckpt;
    ct_optim *optim;
} optim_load_ctx;

static int load_optim_tensor(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    optim_load_ctx *ctx = ctx_;
    if (param->kind != CT_PARAM_WEIGHT)
        return CT_OK;
    char full[2 * CT_NAME_MAX], name[4 * CT_NAME_MAX];
    ct_param_full_name(layer, param, full, sizeof full);
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++) {
        const char *state_name = ct_optim_state_name(ctx->optim, which);
        if (!state_name)
            continue;
        snprintf(name, sizeof name, "/optimizer/%s/%s", full, state_name);
        if (read_tensor(ctx->ckpt, name, &param->shape, H5T_NATIVE_FLOAT, ctx->optim->state[which] + param->offset,
                        err) != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

int ct_checkpoint_load_optim(const ct_checkpoint *ckpt, int index, const ct_net *net, ct_optim *optim,
                             ct_error *err)
{
    char type_attr[32], step_attr[32];
    snprintf(type_attr, sizeof type_attr, "type_%d", index);
    snprintf(step_attr, sizeof step_attr, "step_%d", index);
    hid_t group = H5Lexists(ckpt->file, "optimizer", H5P_DEFAULT) > 0
                      ? H5Gopen2(ckpt->file, "optimizer", H5P_DEFAULT) : -1;
    if (group < 0)
        return ct_fail(err, "%s: no /optimizer group", ckpt->path);
    int64_t type = -1;
    int rc = ct_h5_attr_int64(group, type_attr, &type, err);
    if (rc == CT_OK && type != (int64_t)optim->cfg.type)
        rc = ct_fail(err, "%s: the checkpoint's optimizer is %s, the job's is %s", ckpt->path,
                     ct_optim_type_name((ct_optim_type)type), ct_optim_type_name(optim->cfg.type));
    if (rc == CT_OK)
        rc = ct_h5_attr_int64(group, step_attr, &optim->step, err);
    H5Gclose(group);
    if (rc != CT_OK)
        return ct_fail_context(err, "%s: /optimizer", ckpt->path);
    optim_load_ctx ctx = {ckpt, optim};
    return ct_net_each_param(net, load_optim_tensor, &ctx, err);
}

int ct_checkpoint_load_state(const ct_checkpoint *ckpt, ct_train_state *state, ct_error *err)
{
    hid_t group = H5Lexists(ckpt->file, "state", H5P_DEFAULT) > 0 ? H5Gopen2(ckpt->file, "state", H5P_DEFAULT)
                                                                  : -1;
    if (group < 0)
        return ct_fail(err, "%s: no /state group", ckpt->path);
    struct {
        const char *name;
        int64_t *value;
    } counters[] = {{"step", &state->step},
                    {"epoch", &state->epoch},
                    {"batch_in_epoch", &state->batch_in_epoch},
                    {"epoch_samples", &state->epoch_samples},
                    {"world_size", &state->world_size}};
    int rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < sizeof counters / sizeof counters[0]; i++)
        rc = ct_h5_attr_int64(group, counters[i].name, counters[i].value, err);
    if (rc == CT_OK)
        rc = ct_h5_attr_double(group, "epoch_loss_sum", &state->epoch_loss_sum, err);
    if (rc == CT_OK)
        rc = ct_h5_attr_double(group, "epoch_seconds", &state->epoch_seconds, err);
    if (rc != CT_OK)
        ct_fail_context(err, "%s: /state", ckpt->path);
    H5Gclose(group);
    return rc;
}
