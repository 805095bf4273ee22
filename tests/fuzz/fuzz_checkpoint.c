/* libFuzzer harness of the checkpoint reader: what `ctrain train --resume`
 * (ct_restore with resume, then ct_train_check_resumed), `--init-from`
 * (ct_restore of the weights) and `ctrain eval CKPT` (the checkpoint's
 * /job, the family's setup, ct_restore) do with a checkpoint file.
 *
 * Structure-aware, as fuzz_dataset.c: at start-up the harness trains
 * nothing but builds four small runs (an MLP classifier with batch norm
 * and Adam, a CNN classifier with SGD momentum, an autoencoder with
 * RMSprop, a GAN: two networks, two optimizers) on a tiny data file and
 * writes a real checkpoint of each with ct_checkpoint_write. The input then
 * says which template to start from and how to change it, with the HDF5
 * library:
 *   u8 template (% 4), u8 operations (% 9), each: u8 op (% 10) and its
 *   arguments: delete an object; replace a dataset by one of any type and
 *   shape (h5gen.h); change its shape keeping its type; change its type
 *   keeping its shape; set an attribute (a name the reader reads, or any);
 *   delete an attribute; replace /job or /state/metrics text (another
 *   template's job, an edit of this one, raw bytes, a fixed-length or
 *   non-string dataset); turn a dataset into a group or a group into a
 *   dataset; add a dataset; replace an object by a soft link;
 *   then u8 mode (% 3): resume, init-from, eval.
 * libhdf5 crashes in its own parser on malformed bytes, not ours to fix;
 * the files here are always valid HDF5, so the fuzzing reaches our checks.
 *
 * Checks: every error is CT_ERR with a message; a resumed position that
 * ct_train_check_resumed accepts lies within an epoch (the loop indexes the
 * shuffle with it); nothing leaks. The memory budget is 256 MiB (the node's
 * in ctrain): eval builds whatever model a changed /job describes.
 * CT_FUZZ_WRITE_SEEDS=DIR writes the seed corpus and exits. */
#include <cblas.h>
#include <sanitizer/lsan_interface.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster/run/restore.h"
#include "cluster/run/run.h"
#include "datasets/h5util.h"
#include "engine/alloc.h"
#include "tests/fuzz/h5gen.h"

#define NTEMPLATES 4
#define MAX_OBJECTS 96

static ct_world world;
static char data_path[600], ckpt_path[600];
static bool verbose; /* CT_FUZZ_VERBOSE=1: print what each restore says */

/* Jobs of the templates; %s is the data file. */
static const char *const template_jobs[NTEMPLATES] = {
    "name: mlp\nseed: 3\ndata: {path: '%s'}\nmodel:\n  family: classifier\n  loss: cross_entropy\n"
    "  networks:\n    - layers:\n        - flatten\n        - linear: {out_features: 6}\n"
    "        - batch_norm1d: {num_features: 6}\n        - relu\n        - dropout: {p: 0.1}\n"
    "        - linear: {out_features: 3}\n"
    "optimizer: {type: adam, lr: 0.01, clip_grad_norm: 1.0}\n"
    "train: {epochs: 2, batch_size: 4, eval_batch_size: 4}\noutput: {tensorboard: false, progress: none}\n",

    "name: cnn\nseed: 4\ndata: {path: '%s', augment: {horizontal_flip: {p: 0.5}}}\nmodel:\n  family: classifier\n"
    "  loss: cross_entropy\n  networks:\n    - layers:\n"
    "        - conv2d: {in_channels: 1, out_channels: 2, kernel_size: 3, padding: 1}\n"
    "        - batch_norm2d: {num_features: 2}\n        - relu\n        - max_pool2d: {kernel_size: 2}\n"
    "        - flatten\n        - linear: {in_features: 8, out_features: 3}\n"
    "optimizer: {type: sgd, lr: 0.1, momentum: 0.9}\n"
    "train: {epochs: 1, batch_size: 4, eval_batch_size: 3}\noutput: {tensorboard: false, progress: none}\n",

    "name: ae\nseed: 5\ndata: {path: '%s'}\nmodel:\n  family: autoencoder\n  loss: bce_with_logits\n"
    "  autoencoder: {latent_size: 2}\n  networks:\n    - name: encoder\n      layers:\n        - flatten\n"
    "        - linear: {in_features: 16, out_features: 2}\n    - name: decoder\n      layers:\n"
    "        - linear: {in_features: 2, out_features: 16}\n        - unflatten: {unflattened_size: [4, 4]}\n"
    "optimizer: {type: rmsprop, lr: 0.01}\n"
    "train: {epochs: 3, batch_size: 4}\noutput: {tensorboard: false, progress: none}\n",

    "name: gan\nseed: 6\ndata: {path: '%s', normalize: {mean: 0.5, std: 0.5}}\nmodel:\n  family: gan\n"
    "  gan: {latent_size: 3, loss: non_saturating}\n  networks:\n    - name: generator\n      layers:\n"
    "        - linear: {out_features: 16}\n        - tanh\n        - unflatten: {unflattened_size: [4, 4]}\n"
    "    - name: discriminator\n      layers:\n        - flatten\n        - linear: {out_features: 4}\n"
    "        - leaky_relu: {negative_slope: 0.2}\n        - linear: {out_features: 1}\n"
    "optimizer: {type: adam, lr: 0.0002, beta1: 0.5}\n"
    "train: {epochs: 1, batch_size: 4}\noutput: {tensorboard: false, progress: none}\n",
};

typedef struct template {
    char *job_text;           /* the job, as given */
    char *job_yaml;           /* resolved, as the checkpoint stores it */
    unsigned char *bytes;     /* the checkpoint file */
    size_t size;
    char objects[MAX_OBJECTS][160]; /* its groups and datasets, "/" first */
    int nobjects;
    ct_run run;               /* built from the job: what --resume and --init-from restore into */
    ct_train_state state;     /* the state it was written with */
} template;

static template templates[NTEMPLATES];

/* cluster/commands/main.c's, which the library leaves to the program
 * (runtime.c reports with it). */
int ct_report_error(const char *msg);
int ct_report_error(const char *msg)
{
    fprintf(stderr, "ctrain: error: %s\n", msg);
    return 1;
}

/* Attribute names the reader reads (and a few it does not). */
static const char *const attr_names[] = {
    "type_0", "step_0", "type_1", "step_1", "step", "epoch", "batch_in_epoch", "epoch_units", "world_size",
    "seed", "batch_size", "steps_per_epoch", "train_rows", "epoch_seconds", "names", "type_2",
};
#define NATTR_NAMES (sizeof attr_names / sizeof attr_names[0])
static const char *const new_names[] = {"0.weight", "1.bias", "1.running_mean", "1.num_batches_tracked",
                                        "momentum_buffer", "exp_avg", "exp_avg_sq", "square_avg", "x"};
#define NNEW_NAMES (sizeof new_names / sizeof new_names[0])

static void fail_setup(const char *what, const ct_error *err)
{
    fprintf(stderr, "fuzz_checkpoint: %s: %s\n", what, err ? err->msg : "");
    abort();
}

static herr_t collect(hid_t obj, const char *name, const H5O_info_t *info, void *data)
{
    (void)obj;
    template *t = data;
    if (t->nobjects < MAX_OBJECTS && (info->type == H5O_TYPE_GROUP || info->type == H5O_TYPE_DATASET))
        snprintf(t->objects[t->nobjects++], sizeof t->objects[0], "%s%s", strcmp(name, ".") ? "/" : "",
                 strcmp(name, ".") ? name : "/");
    return 0;
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        fail_setup(path, NULL);
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n);
    if (fread(b, 1, (size_t)n, in) != (size_t)n)
        fail_setup(path, NULL);
    fclose(in);
    *size = (size_t)n;
    return b;
}

/* Builds run from the job text as `ctrain train` does up to its restore. */
static int build_run(ct_run *run, const char *text, const char *origin, ct_error *err)
{
    ct_run_init(run, &world);
    run->job_origin = origin;
    if (ct_job_load_text(text, strlen(text), origin, &run->job, err) != CT_OK)
        return CT_ERR;
    run->job_yaml = ct_job_to_yaml(run->job);
    const ct_family *family;
    if (ct_family_for(run->job, &family, err) != CT_OK)
        return CT_ERR;
    run->family = family;
    if (family->setup(run, err) != CT_OK || ct_train_check(run, err) != CT_OK)
        return CT_ERR;
    return CT_OK;
}

static void make_template(int i, const char *dir)
{
    template *t = &templates[i];
    size_t len = strlen(template_jobs[i]) + strlen(data_path) + 1;
    t->job_text = malloc(len);
    snprintf(t->job_text, len, template_jobs[i], data_path);
    ct_error err;
    ct_run *run = &t->run;
    if (build_run(run, t->job_text, "template", &err) != CT_OK)
        fail_setup("template job", &err);
    t->job_yaml = ct_strdup(run->job_yaml);
    /* A position mid-way through the first epoch, as prepare() sets it. */
    ct_train_state *s = &run->state;
    s->steps_per_epoch = ct_source_steps_per_epoch(&run->source);
    s->seed = (int64_t)run->job->seed;
    s->batch_size = run->job->train->batch_size;
    s->train_rows = ct_source_rows(&run->source);
    s->world_size = 1;
    s->step = s->batch_in_epoch = 1;
    s->epoch_units = s->batch_size;
    s->epoch_seconds = 0.25;
    for (int m = 0; m < run->model.nnets; m++)
        if (run->model.optims[m])
            run->model.optims[m]->step = 1;
    run->metrics_jsonl = ct_strdup("{\"type\": \"step\", \"epoch\": 1, \"step\": 1, \"train_loss\": 1.5}\n");
    t->state = *s;
    char run_dir[700], path[800];
    snprintf(run_dir, sizeof run_dir, "%s/template-%d", dir, i);
    ct_state_image image = {0};
    ct_checkpoint_contents c = {&run->model, s, &run->metrics, run->job_yaml, run->metrics_jsonl,
                                &run->family_state_table, &image};
    if (ct_state_gather(&run->family_state_table, &world, &image, &err) != CT_OK ||
        ct_checkpoint_write(run_dir, &c, 0, path, sizeof path, &err) != CT_OK)
        fail_setup("template checkpoint", &err);
    ct_state_image_free(&image);
    t->bytes = read_all(path, &t->size);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, collect, t);
    H5Fclose(file);
}

static void write_data_file(void)
{
    ct_error err;
    hid_t file = H5Fcreate(data_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    for (int split = 0; split < 2; split++) {
        uint8_t images[8 * 16], labels[8];
        for (int i = 0; i < 8 * 16; i++)
            images[i] = (uint8_t)(i * 37 + split);
        for (int i = 0; i < 8; i++)
            labels[i] = (uint8_t)(i % 3);
        char name[32];
        hsize_t idims[3] = {8, 4, 4}, ldims[1] = {8};
        snprintf(name, sizeof name, "%s/images", split ? "test" : "train");
        hid_t d = ct_h5_write_dataset(file, name, H5T_NATIVE_UINT8, 3, idims, NULL, 0, images, &err);
        H5Dclose(d);
        snprintf(name, sizeof name, "%s/labels", split ? "test" : "train");
        d = ct_h5_write_dataset(file, name, H5T_NATIVE_UINT8, 1, ldims, NULL, 0, labels, &err);
        if (d < 0 || ct_h5_write_attr_int64(d, "num_classes", 3, &err) != CT_OK)
            fail_setup("data file", &err);
        H5Dclose(d);
    }
    H5Fclose(file);
}

/* ---- changing a checkpoint ------------------------------------------- */

static const char *pick_object(fz *f, const template *t)
{
    return t->objects[fz_u8(f) % t->nobjects];
}

/* Removes the link at path (not the root). */
static void remove_object(hid_t file, const char *path)
{
    if (strcmp(path, "/") != 0 && H5Lexists(file, path, H5P_DEFAULT) > 0)
        H5Ldelete(file, path, H5P_DEFAULT);
}

static hid_t link_props(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

/* Recreates dataset path with a new shape (keep_type) or type (else). */
static void change_dataset(hid_t file, const char *path, bool keep_type, fz *f)
{
    if (strcmp(path, "/") == 0 || H5Lexists(file, path, H5P_DEFAULT) <= 0)
        return;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return;
    hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t dims[8] = {0};
    if (rank > 0 && rank <= 8)
        H5Sget_simple_extent_dims(space, dims, NULL);
    if (rank < 0 || rank > 8)
        rank = 0;
    H5Sclose(space);
    H5Dclose(d);
    hid_t new_type = type;
    if (keep_type) {
        /* One change of the shape: a dimension +-1, 0 or any, one more or
         * one fewer, or the dimensions reversed. */
        unsigned how = fz_u8(f) % 6, at = rank ? fz_u8(f) % (unsigned)rank : 0;
        if (how == 0 && rank)
            dims[at] += 1;
        else if (how == 1 && rank)
            dims[at] -= dims[at] > 0;
        else if (how == 2 && rank)
            dims[at] = gen_dim(fz_u8(f));
        else if (how == 3 && rank < 6)
            dims[rank++] = 1 + fz_u8(f) % 4;
        else if (how == 4 && rank)
            rank--;
        else
            for (int i = 0; i < rank / 2; i++) {
                hsize_t x = dims[i];
                dims[i] = dims[rank - 1 - i];
                dims[rank - 1 - i] = x;
            }
    } else {
        new_type = gen_type(fz_u8(f), f);
    }
    remove_object(file, path);
    space = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t lcpl = link_props();
    d = H5Dcreate2(file, path, new_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) {
        gen_values(f, d, new_type, rank ? gen_points(rank, dims) : 1, false);
        H5Dclose(d);
    }
    H5Pclose(lcpl);
    H5Sclose(space);
    if (new_type != type)
        H5Tclose(new_type);
    H5Tclose(type);
}

/* Replaces the text dataset at path (/job or /state/metrics). */
static void change_text(hid_t file, const char *path, const template *t, fz *f)
{
    unsigned how = fz_u8(f) % 6;
    ct_error err;
    char *text = NULL;
    if (how == 0) { /* another template's job */
        text = ct_strdup(templates[fz_u8(f) % NTEMPLATES].job_yaml);
    } else if (how == 1 || how == 2) { /* bytes over or into this one's job */
        size_t len = strlen(t->job_yaml), at = (size_t)fz_u64(f, 2) % (len + 1), n;
        const uint8_t *b = fz_bytes(f, fz_u8(f) % 32, &n);
        text = ct_malloc(len + n + 1);
        memcpy(text, t->job_yaml, len + 1);
        if (how == 1) {
            for (size_t i = 0; i < n && at + i < len; i++)
                text[at + i] = b[i] ? (char)b[i] : ' ';
        } else {
            memmove(text + at + n, text + at, len - at + 1);
            for (size_t i = 0; i < n; i++)
                text[at + i] = b[i] ? (char)b[i] : ' ';
        }
    } else if (how == 3) { /* raw bytes */
        size_t n;
        const uint8_t *b = fz_bytes(f, fz_u8(f), &n);
        text = ct_malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            text[i] = b[i] ? (char)b[i] : '\n';
        text[n] = '\0';
    }
    remove_object(file, path);
    if (text) {
        ct_h5_write_string(file, path, text, &err);
        ct_free(text);
        return;
    }
    hid_t lcpl = link_props();
    if (how == 4) { /* a fixed-length string, maybe an array of them */
        hid_t type = H5Tcopy(H5T_C_S1);
        size_t len = strlen(t->job_yaml);
        H5Tset_size(type, len ? len : 1);
        hsize_t n = 1 + fz_u8(f) % 2;
        hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
        hid_t d = H5Dcreate2(file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (d >= 0) {
            char *buf = ct_calloc((size_t)n, len ? len : 1);
            for (hsize_t i = 0; i < n; i++)
                memcpy(buf + i * len, t->job_yaml, len);
            H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            ct_free(buf);
            H5Dclose(d);
        }
        H5Sclose(space);
        H5Tclose(type);
    } else { /* anything */
        hid_t d = gen_dataset(file, path, f);
        if (d >= 0)
            H5Dclose(d);
    }
    H5Pclose(lcpl);
}

static void apply_op(hid_t file, const template *t, fz *f)
{
    unsigned op = fz_u8(f) % 10;
    const char *path = pick_object(f, t);
    hid_t lcpl = link_props();
    switch (op) {
    case 0:
        remove_object(file, path);
        break;
    case 1: {
        remove_object(file, path);
        hid_t d = gen_dataset(file, path, f);
        if (d >= 0)
            H5Dclose(d);
        break;
    }
    case 2:
    case 3:
        change_dataset(file, path, op == 2, f);
        break;
    case 4: {
        char name[32];
        fz_name(f, attr_names, NATTR_NAMES, name, sizeof name);
        hid_t obj = H5Oopen(file, path, H5P_DEFAULT);
        if (obj >= 0) {
            gen_attribute(obj, name, f);
            H5Oclose(obj);
        }
        break;
    }
    case 5: {
        hid_t obj = H5Oopen(file, path, H5P_DEFAULT);
        if (obj >= 0) {
            H5O_info_t info;
            unsigned which = fz_u8(f);
            if (H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) >= 0 && info.num_attrs > 0)
                H5Adelete_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, which % info.num_attrs, H5P_DEFAULT);
            H5Oclose(obj);
        }
        break;
    }
    case 6:
        change_text(file, fz_u8(f) & 1 ? "/state/metrics" : "/job", t, f);
        break;
    case 7: {
        H5O_info_t info;
        if (strcmp(path, "/") == 0 || H5Oget_info_by_name2(file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
            break;
        remove_object(file, path);
        if (info.type == H5O_TYPE_DATASET) {
            hid_t g = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            if (g >= 0)
                H5Gclose(g);
        } else {
            hsize_t one = 1;
            hid_t space = H5Screate_simple(1, &one, NULL);
            hid_t d = H5Dcreate2(file, path, H5T_NATIVE_FLOAT, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            if (d >= 0)
                H5Dclose(d);
            H5Sclose(space);
        }
        break;
    }
    case 8: {
        unsigned sel = fz_u8(f);
        char name[64], full[240];
        if (sel < NNEW_NAMES)
            snprintf(name, sizeof name, "%s", new_names[sel]);
        else
            fz_string(f, name, sizeof name);
        snprintf(full, sizeof full, "%s/%s", strcmp(path, "/") ? path : "", name[0] ? name : "_");
        hid_t d = gen_dataset(file, full, f);
        if (d >= 0)
            H5Dclose(d);
        break;
    }
    case 9: {
        const char *target = pick_object(f, t);
        remove_object(file, path);
        if (strcmp(path, "/") != 0)
            H5Lcreate_soft(fz_u8(f) & 1 ? target : "/no/such/object", file, path, lcpl, H5P_DEFAULT);
        break;
    }
    }
    H5Pclose(lcpl);
}

/* ---- reading it ------------------------------------------------------- */

static void check_error(int rc, const ct_error *err)
{
    if (verbose)
        fprintf(stderr, "fuzz_checkpoint: %s\n", err->msg);
    FZ_CHECK(rc == CT_ERR, "rc %d", rc);
    FZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) && err->msg[0], "an error without a message");
}

/* --resume (resume) or --init-from into the template's run, as
 * cluster/commands/train.c's restore() and the checks around it. */
static void restore_into(template *t, bool resume)
{
    ct_run *run = &t->run;
    run->state = (ct_train_state){0}; /* a fresh run's */
    ct_error err = {{0}};
    int rc = ct_restore(run, ckpt_path, resume, &err);
    if (rc == CT_OK)
        rc = ct_train_check_resumed(run, &err);
    if (rc != CT_OK) {
        check_error(rc, &err);
        return;
    }
    const ct_train_state *s = &run->state;
    if (verbose)
        fprintf(stderr, "fuzz_checkpoint: restored (resume %d): step %lld epoch %lld batch %lld\n", resume,
                (long long)s->step, (long long)s->epoch, (long long)s->batch_in_epoch);
    if (!resume)
        return;
    /* The loop starts epoch `epoch` at step `batch_in_epoch` of the shuffle. */
    int64_t steps = ct_source_steps_per_epoch(&run->source);
    FZ_CHECK(s->step >= 0 && s->epoch >= 0 && s->batch_in_epoch >= 0 && s->batch_in_epoch <= steps,
             "accepted position: step %lld, epoch %lld, batch_in_epoch %lld of %lld", (long long)s->step,
             (long long)s->epoch, (long long)s->batch_in_epoch, (long long)steps);
    FZ_CHECK(s->epoch_units >= 0 && s->world_size >= 1, "accepted epoch_units %lld, world_size %lld",
             (long long)s->epoch_units, (long long)s->world_size);
}

/* `ctrain eval CKPT --data DATA`: ct_restore_for_eval, but with the
 * harness's memory budget (it sets the node's) and the BLAS threads left
 * alone. */
static void eval(void)
{
    ct_run run;
    ct_run_init(&run, &world);
    ct_error err = {{0}};
    char checkpoint[4300], origin[4400];
    char *text = NULL;
    int rc = ct_checkpoint_resolve(ckpt_path, checkpoint, sizeof checkpoint, &err);
    ct_checkpoint ckpt = {.file = -1};
    if (rc == CT_OK)
        rc = ct_checkpoint_open(&ckpt, checkpoint, &err);
    if (rc == CT_OK)
        rc = ct_checkpoint_read_text(&ckpt, "/job", &text, &err);
    ct_checkpoint_close(&ckpt);
    snprintf(origin, sizeof origin, "%s:/job", checkpoint);
    run.job_origin = origin;
    if (rc == CT_OK)
        rc = ct_job_load_text(text, strlen(text), origin, &run.job, &err);
    ct_free(text);
    if (rc == CT_OK) { /* --data */
        ct_free(run.job->data->path);
        run.job->data->path = ct_strdup(data_path);
        run.eval_only = true;
        const ct_family *family;
        rc = ct_family_for(run.job, &family, &err);
        if (rc == CT_OK) {
            run.family = family;
            rc = family->setup(&run, &err);
        }
    }
    if (rc == CT_OK)
        rc = ct_restore(&run, checkpoint, false, &err);
    if (rc != CT_OK)
        check_error(rc, &err);
    else if (verbose)
        fprintf(stderr, "fuzz_checkpoint: evaluated\n");
    ct_run_free(&run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return -1;
    fz f = {data, size};
    template *t = &templates[fz_u8(&f) % NTEMPLATES];
    fz_write_file(ckpt_path, t->bytes, t->size);
    unsigned nops = fz_u8(&f) % 9;
    if (nops) {
        hid_t file = H5Fopen(ckpt_path, H5F_ACC_RDWR, H5P_DEFAULT);
        FZ_CHECK(file >= 0, "cannot reopen the template");
        for (unsigned i = 0; i < nops; i++)
            apply_op(file, t, &f);
        H5Fclose(file);
    }
    unsigned mode = fz_u8(&f) % 3;
    if (mode == 2)
        eval();
    else
        restore_into(t, mode == 0);
    return 0;
}

/* ---- the seed corpus -------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fz_write_file(path, b, n);
}

/* Each template unchanged in each mode, and a few changes that the reader
 * must refuse: a missing tensor, a reshaped one, a negative position. */
static void write_seeds(const char *dir)
{
    mkdir(dir, 0777);
    static const char *const modes[] = {"resume", "init", "eval"};
    for (int t = 0; t < NTEMPLATES; t++)
        for (int m = 0; m < 3; m++) {
            uint8_t b[3] = {(uint8_t)t, 0, (uint8_t)m};
            char name[64];
            snprintf(name, sizeof name, "template%d_%s", t, modes[m]);
            write_seed(dir, name, b, sizeof b);
        }
    /* Template 0, object 3: delete it; reshape it; then resume. */
    const uint8_t del[] = {0, 1, 0, 3, 0};
    write_seed(dir, "template0_delete", del, sizeof del);
    const uint8_t reshape[] = {0, 1, 2, 4, 0, 0, 0};
    write_seed(dir, "template0_reshape", reshape, sizeof reshape);
    /* Template 2: /state's batch_in_epoch = -1 (special value 2), resume. */
    uint8_t neg[] = {2, 1, 4, 0, 6, GEN_I64, 0, 3, 0, 2, 0};
    for (int i = 0; i < templates[2].nobjects; i++)
        if (strcmp(templates[2].objects[i], "/state") == 0)
            neg[3] = (uint8_t)i;
    write_seed(dir, "template2_negative_position", neg, sizeof neg);
    /* Template 3 evaluated with the job of template 0. */
    const uint8_t job[] = {3, 1, 6, 0, 0, 0, 2};
    write_seed(dir, "template3_other_job", job, sizeof job);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ct_error err;
    /* What MPI's start-up keeps is not ours (and its stacks, through
     * libraries without frame pointers, escape tests/lsan.supp). */
    __lsan_disable();
    int rc = ct_world_init(&world, NULL, NULL, &err);
    __lsan_enable();
    if (rc != CT_OK)
        fail_setup("MPI", &err);
    verbose = getenv("CT_FUZZ_VERBOSE") != NULL;
    gen_quiet();
    gen_keep_free_lists();
    openblas_set_num_threads(1);
    ct_alloc_set_budget(256.0 * 1024 * 1024, "the fuzz harness's 256 MiB");
    const char *dir = fz_scratch_dir("checkpoint");
    snprintf(data_path, sizeof data_path, "%s/data.h5", dir);
    snprintf(ckpt_path, sizeof ckpt_path, "%s/step-1.h5", dir);
    write_data_file();
    for (int i = 0; i < NTEMPLATES; i++)
        make_template(i, dir);
    const char *seeds = getenv("CT_FUZZ_WRITE_SEEDS");
    if (seeds) {
        write_seeds(seeds);
        _exit(0); /* no leak check of MPI's start-up */
    }
    return 0;
}
