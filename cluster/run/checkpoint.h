/* Checkpoints: one HDF5 file per checkpoint, RUN_DIR/checkpoints/step-N.h5:
 *   /model/<state_dict name>            float32, PyTorch's shapes
 *   /optimizer/<tensor name>/<state>    momentum_buffer | exp_avg, exp_avg_sq
 *   /optimizer (attributes)             type, step
 *   /state (attributes)                 step, epoch, batch_in_epoch, ...
 *   /state/metrics                      metrics.jsonl so far (string)
 *   /job                                the resolved job (YAML string)
 * Rank 0 writes it to a temporary name, flushes, fsyncs and renames it, then
 * points RUN_DIR/checkpoints/latest at it the same way: a crash at any moment
 * leaves the previous checkpoint and pointer intact. */
#ifndef CT_CLUSTER_CHECKPOINT_H
#define CT_CLUSTER_CHECKPOINT_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/net.h"
#include "engine/optim.h"

/* Where training stands: enough to continue bitwise identically. The
 * shuffle order is recomputed from (seed, epoch), so no RNG state is kept. */
typedef struct ct_train_state {
    int64_t step;           /* optimizer steps done */
    int64_t epoch;          /* epoch in progress, from 0 */
    int64_t batch_in_epoch; /* batches of that epoch already done */
    double epoch_loss_sum;  /* over those batches: mean loss x batch size */
    int64_t epoch_samples;  /* samples in those batches */
    double epoch_seconds;   /* training time spent on them */
    int64_t world_size;     /* ranks that wrote it (information) */
} ct_train_state;

/* The networks and optimizers of a model family, in a fixed order. */
typedef struct ct_model_state {
    int nnets;
    ct_net *nets[4];
    ct_optim *optims[4]; /* optims[i] updates nets[i]; NULL for none */
} ct_model_state;

/* Writes RUN_DIR/checkpoints/step-<step>.h5 atomically and updates latest;
 * removes the oldest step-*.h5 beyond `keep` (0 keeps all). Rank 0 only.
 * path_out (may be NULL) receives the file's path. */
int ct_checkpoint_write(const char *run_dir, const ct_model_state *model, const ct_train_state *state,
                        const char *job_yaml, const char *metrics, unsigned keep, char *path_out,
                        size_t path_size, ct_error *err);

/* Finds the checkpoint RUN_DIR/checkpoints/latest points at. */
int ct_checkpoint_latest(const char *run_dir, char *path, size_t size, ct_error *err);

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

#endif
