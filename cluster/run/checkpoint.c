#include "cluster/run/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
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
        return CT_ERR; /* the error names the tensor */
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

/* The attributes of /state. */
typedef struct state_counter {
    const char *name;
    int64_t *value;
} state_counter;

static size_t state_counters(ct_train_state *s, state_counter *out)
{
    const state_counter all[] = {{"step", &s->step},
                                 {"epoch", &s->epoch},
                                 {"batch_in_epoch", &s->batch_in_epoch},
                                 {"epoch_units", &s->epoch_units},
                                 {"world_size", &s->world_size},
                                 {"seed", &s->seed},
                                 {"batch_size", &s->batch_size},
                                 {"steps_per_epoch", &s->steps_per_epoch},
                                 {"train_rows", &s->train_rows}};
    memcpy(out, all, sizeof all);
    return sizeof all / sizeof all[0];
}

/* /state/metric_names [n] and /state/metric_totals [4, n]: the epoch's sums
 * and weights, then the log interval's. */
static int write_metric_totals(hid_t group, const ct_metrics *m, ct_error *err)
{
    if (m->n == 0)
        return CT_OK;
    const char *names[CT_MAX_METRICS];
    double totals[4][CT_MAX_METRICS];
    for (int i = 0; i < m->n; i++) {
        names[i] = m->defs[i].name;
        totals[0][i] = m->epoch.sum[i];
        totals[1][i] = m->epoch.weight[i];
        totals[2][i] = m->interval.sum[i];
        totals[3][i] = m->interval.weight[i];
    }
    double packed[4 * CT_MAX_METRICS];
    for (int r = 0; r < 4; r++)
        memcpy(packed + r * m->n, totals[r], sizeof(double) * (size_t)m->n);
    hsize_t dims[2] = {4, (hsize_t)m->n};
    hid_t set = ct_h5_write_dataset(group, "metric_totals", H5T_NATIVE_DOUBLE, 2, dims, NULL, 0, packed, err);
    if (set < 0)
        return CT_ERR;
    int rc = ct_h5_write_attr_strings(set, "names", names, (size_t)m->n, err);
    H5Dclose(set);
    return rc;
}

static int write_optimizers(hid_t group, const ct_model_state *model, ct_error *err)
{
    int rc = CT_OK;
    for (int i = 0; rc == CT_OK && i < model->nnets; i++) {
        if (!model->optims[i])
            continue;
        tensor_ctx octx = {group, model->optims[i], model->nets[i]};
        rc = ct_net_each_param(model->nets[i], write_optim_tensor, &octx, err);
        char attr[64];
        snprintf(attr, sizeof attr, "step_%d", i);
        if (rc == CT_OK)
            rc = ct_h5_write_attr_int64(group, attr, model->optims[i]->step, err);
        snprintf(attr, sizeof attr, "type_%d", i);
        if (rc == CT_OK)
            rc = ct_h5_write_attr_int64(group, attr, (int64_t)model->optims[i]->cfg.type, err);
    }
    return rc;
}

static int write_contents(hid_t file, const ct_checkpoint_contents *c, ct_error *err)
{
    hid_t group = H5Gcreate2(file, "model", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t optim_group = H5Gcreate2(file, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t state_group = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (group < 0 || optim_group < 0 || state_group < 0) ? ct_fail(err, "cannot create groups") : CT_OK;
    for (int i = 0; rc == CT_OK && i < c->model->nnets; i++) {
        tensor_ctx ctx = {group, NULL, c->model->nets[i]};
        rc = ct_net_each_param(c->model->nets[i], write_model_tensor, &ctx, err);
    }
    if (rc == CT_OK)
        rc = write_optimizers(optim_group, c->model, err);
    state_counter counters[16];
    ct_train_state state = *c->state;
    size_t n = state_counters(&state, counters);
    for (size_t i = 0; rc == CT_OK && i < n; i++)
        rc = ct_h5_write_attr_int64(state_group, counters[i].name, *counters[i].value, err);
    if (rc == CT_OK)
        rc = ct_h5_write_attr_double(state_group, "epoch_seconds", state.epoch_seconds, err);
    if (rc == CT_OK)
        rc = ct_h5_write_string(state_group, "metrics", c->metrics_jsonl ? c->metrics_jsonl : "", err);
    if (rc == CT_OK)
        rc = write_metric_totals(state_group, c->metrics, err);
    if (rc == CT_OK && c->family && c->family->n)
        rc = ct_state_write(c->family, c->family_image, file, err);
    if (rc == CT_OK)
        rc = ct_h5_write_string(file, "job", c->job_yaml, err);
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

int ct_checkpoint_write(const char *run_dir, const ct_checkpoint_contents *c, unsigned keep, char *path_out,
                        size_t path_size, ct_error *err)
{
    char dir[4096], final_path[4200], tmp_path[4300], name[64];
    snprintf(dir, sizeof dir, "%s/checkpoints", run_dir);
    if (ct_mkdirs(dir, err) != CT_OK)
        return CT_ERR;
    snprintf(name, sizeof name, "step-%lld.h5", (long long)c->state->step);
    snprintf(final_path, sizeof final_path, "%s/%s", dir, name);
    hid_t file = ct_h5_create_tmp(final_path, tmp_path, sizeof tmp_path, err);
    if (file < 0)
        return CT_ERR;
    if (write_contents(file, c, err) != CT_OK) {
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

/* The checkpoint a `latest` pointer file names, as a path beside it. */
static int read_pointer(const char *pointer, char *path, size_t size, ct_error *err)
{
    FILE *f = fopen(pointer, "r");
    if (!f)
        return ct_fail(err, "%s: no checkpoint pointer: %s", pointer, strerror(errno));
    char name[256] = "";
    char *line = fgets(name, sizeof name, f);
    fclose(f);
    if (!line)
        return ct_fail(err, "%s: empty checkpoint pointer", pointer);
    name[strcspn(name, "\r\n")] = '\0';
    if (!name[0] || strchr(name, '/'))
        return ct_fail(err, "%s: expected a checkpoint file name, found '%s'", pointer, name);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", pointer);
    snprintf(path, size, "%s/%s", dirname(dir), name);
    return CT_OK;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int ct_checkpoint_latest(const char *run_dir, char *path, size_t size, ct_error *err)
{
    if (!is_dir(run_dir))
        return ct_fail(err, "%s: no such run directory", run_dir);
    char latest[4200];
    snprintf(latest, sizeof latest, "%s/checkpoints/latest", run_dir);
    if (!exists(latest))
        return ct_fail(err, "%s: no checkpoint in this run directory (no %s)", run_dir, latest);
    return read_pointer(latest, path, size, err);
}

int ct_checkpoint_resolve(const char *arg, char *path, size_t size, ct_error *err)
{
    char pointer[4200], base[4096];
    if (!exists(arg))
        return ct_fail(err, "%s: no such checkpoint, pointer or run directory", arg);
    if (is_dir(arg)) {
        snprintf(pointer, sizeof pointer, "%s/latest", arg);
        if (exists(pointer)) /* a run's checkpoints/ directory */
            return read_pointer(pointer, path, size, err);
        return ct_checkpoint_latest(arg, path, size, err);
    }
    snprintf(base, sizeof base, "%s", arg);
    if (strcmp(basename(base), "latest") == 0)
        return read_pointer(arg, path, size, err);
    if ((size_t)snprintf(path, size, "%s", arg) >= size)
        return ct_fail(err, "%s: path too long", arg);
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
    /* Adam divides by 1 - beta^step: a negative count would make it
     * divide by zero at the next step. */
    if (rc == CT_OK && optim->step < 0)
        rc = ct_fail(err, "attribute %s is %lld, expected a count of steps >= 0", step_attr, (long long)optim->step);
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
    state_counter counters[16];
    size_t n = state_counters(state, counters);
    int rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < n; i++)
        rc = ct_h5_attr_int64(group, counters[i].name, counters[i].value, err);
    if (rc == CT_OK)
        rc = ct_h5_attr_double(group, "epoch_seconds", &state->epoch_seconds, err);
    if (rc != CT_OK)
        ct_fail_context(err, "%s: /state (a checkpoint of an older ctrain?)", ckpt->path);
    H5Gclose(group);
    if (rc != CT_OK)
        return rc;
    /* A resumed run indexes the epoch's shuffle with the position: a
     * negative one would read before it. Counts are never negative, a
     * writer had ranks, and ct_train_check gave its epochs steps. */
    for (size_t i = 0; i < n; i++) {
        const char *name = counters[i].name;
        int64_t v = *counters[i].value, least = 0;
        if (strcmp(name, "seed") == 0)
            continue; /* the job's uint64 seed, any bits */
        if (strcmp(name, "world_size") == 0 || strcmp(name, "batch_size") == 0 ||
            strcmp(name, "steps_per_epoch") == 0)
            least = 1;
        if (v < least)
            return ct_fail(err, "%s: /state: attribute %s is %lld, expected at least %lld: a corrupt checkpoint?",
                           ckpt->path, name, (long long)v, (long long)least);
    }
    if (!isfinite(state->epoch_seconds) || state->epoch_seconds < 0)
        return ct_fail(err, "%s: /state: attribute epoch_seconds is %g, expected a finite time >= 0: a corrupt "
                            "checkpoint?", ckpt->path, state->epoch_seconds);
    return CT_OK;
}

int ct_checkpoint_load_metrics(const ct_checkpoint *ckpt, ct_metrics *m, ct_error *err)
{
    const char *name = "/state/metric_totals";
    if (H5Lexists(ckpt->file, "state", H5P_DEFAULT) <= 0 || H5Lexists(ckpt->file, name, H5P_DEFAULT) <= 0)
        return CT_OK; /* a run without metrics */
    hid_t set = H5Dopen2(ckpt->file, name, H5P_DEFAULT);
    if (set < 0)
        return ct_fail(err, "%s: cannot open %s", ckpt->path, name);
    char **names = NULL;
    size_t count = 0;
    int rc = ct_h5_attr_strings(set, "names", &names, &count, err);
    double *totals = NULL;
    if (rc == CT_OK) {
        hid_t space = H5Dget_space(set);
        hsize_t dims[2] = {0, 0};
        if (H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
            dims[0] != 4 || dims[1] != count)
            rc = ct_fail(err, "%s: %s: expected shape [4, %zu]", ckpt->path, name, count);
        H5Sclose(space);
    }
    if (rc == CT_OK) {
        totals = ct_malloc(sizeof(double) * 4 * (count ? count : 1));
        if (H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, totals) < 0)
            rc = ct_fail(err, "%s: cannot read %s", ckpt->path, name);
    }
    for (size_t i = 0; rc == CT_OK && i < count; i++) {
        int id = ct_metrics_find(m, names[i]);
        if (id < 0)
            continue;
        m->epoch.sum[id] = totals[i];
        m->epoch.weight[id] = totals[count + i];
        m->interval.sum[id] = totals[2 * count + i];
        m->interval.weight[id] = totals[3 * count + i];
    }
    ct_free(totals);
    if (names)
        ct_h5_free_strings(names, count);
    H5Dclose(set);
    return rc;
}
