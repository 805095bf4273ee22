/* Checkpoints: one HDF5 file per checkpoint, RUN_DIR/checkpoints/step-N.h5:
 *   /model/<state_dict name>            float32 (int64 for counters), PyTorch's shapes
 *   /optimizer/<tensor name>/<state>    momentum_buffer | exp_avg, exp_avg_sq | square_avg, grad_avg
 *   /optimizer (attributes)             type_<i>, step_<i> of network i's optimizer
 *   /state (attributes)                 step, epoch, batch_in_epoch, ... (ct_train_state)
 *   /state/metrics                      metrics.jsonl so far (string)
 *   /state/metric_names, metric_totals  the metrics' epoch and log-interval totals
 *   /family/...                         the family's own state (family_state.h)
 *   /job                                the resolved job (YAML string)
 * Rank 0 writes it to a temporary name, flushes, fsyncs and renames it, then
 * points RUN_DIR/checkpoints/latest at it the same way: a crash at any moment
 * leaves the previous checkpoint and pointer intact. */
#ifndef CT_CLUSTER_CHECKPOINT_H
#define CT_CLUSTER_CHECKPOINT_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/run/family_state.h"
#include "cluster/run/metrics.h"
#include "cluster/run/model.h"

/* Where training stands: enough to continue bitwise identically. The
 * shuffle is recomputed from (seed, epoch), so no RNG state is kept; what
 * the position in an epoch depends on is recorded, so that a resumed run
 * that changed it is refused instead of skipping or repeating samples. */
typedef struct ct_train_state {
    int64_t step;            /* training steps done */
    int64_t epoch;           /* epoch in progress, from 0 */
    int64_t batch_in_epoch;  /* steps of that epoch already done */
    int64_t epoch_units;     /* samples (tokens, steps) of those steps */
    double epoch_seconds;    /* training time spent on them */
    int64_t world_size;      /* ranks of the run that wrote it */
    /* What the position means: */
    int64_t seed;
    int64_t batch_size;      /* train.batch_size */
    int64_t steps_per_epoch;
    int64_t train_rows;      /* rows of the training split (0 without one) */
} ct_train_state;

/* Everything a checkpoint holds. */
typedef struct ct_checkpoint_contents {
    const ct_model_state *model;
    const ct_train_state *state;
    const ct_metrics *metrics;            /* their totals */
    const char *job_yaml;
    const char *metrics_jsonl;            /* may be NULL */
    const ct_state_table *family;         /* entries, and rank 0's gathered image of them */
    const ct_state_image *family_image;
} ct_checkpoint_contents;

/* Writes RUN_DIR/checkpoints/step-<step>.h5 atomically and updates latest;
 * removes the oldest step-*.h5 beyond `keep` (0 keeps all). Rank 0 only.
 * path_out (may be NULL) receives the file's path. Errors name the file. */
int ct_checkpoint_write(const char *run_dir, const ct_checkpoint_contents *c, unsigned keep, char *path_out,
                        size_t path_size, ct_error *err);

/* Finds the checkpoint RUN_DIR/checkpoints/latest points at. */
int ct_checkpoint_latest(const char *run_dir, char *path, size_t size, ct_error *err);

/* What a command was given as a checkpoint: a checkpoint file, the
 * `latest` pointer of a run, a run directory (its latest) or its
 * checkpoints/ directory. path[size] receives the checkpoint file. */
int ct_checkpoint_resolve(const char *arg, char *path, size_t size, ct_error *err);

typedef struct ct_checkpoint {
    char path[4096];
    hid_t file;
} ct_checkpoint;

int ct_checkpoint_open(ct_checkpoint *ckpt, const char *path, ct_error *err);
void ct_checkpoint_close(ct_checkpoint *ckpt);

/* Reads a string dataset (e.g. "/job", "/state/metrics"); caller ct_frees. */
int ct_checkpoint_read_text(const ct_checkpoint *ckpt, const char *name, char **text, ct_error *err);

/* Loads every tensor of net from /model by state_dict name, checking that
 * each exists with the same shape; names the tensor on a mismatch. Works on
 * any HDF5 file with /model/<name> datasets (a PyTorch state_dict export). */
int ct_checkpoint_load_net(const ct_checkpoint *ckpt, ct_net *net, ct_error *err);
/* Loads optimizer `index` of the model state (the optimizer of nets[index]). */
int ct_checkpoint_load_optim(const ct_checkpoint *ckpt, int index, const ct_net *net, ct_optim *optim,
                             ct_error *err);
int ct_checkpoint_load_state(const ct_checkpoint *ckpt, ct_train_state *state, ct_error *err);
/* Restores the totals of the metrics m declares, by name (a metric the
 * checkpoint lacks starts from nothing). */
int ct_checkpoint_load_metrics(const ct_checkpoint *ckpt, ct_metrics *m, ct_error *err);

#endif
