/* Starting a run from a checkpoint: rank 0 reads it, every rank receives
 * the same tensors by broadcast (a checkpoint need not be on every node). */
#ifndef CT_CLUSTER_RESTORE_H
#define CT_CLUSTER_RESTORE_H

#include <stdbool.h>

#include "cluster/run/run.h"

/* Loads the networks' tensors from path (any HDF5 file with /model/<name>
 * datasets, e.g. a PyTorch state_dict export). With `resume`, also the
 * optimizers' state, the training position, the metrics so far and the
 * family's own state (run->state.world_size then says who wrote it).
 * Collective; errors name the file and tensor. */
int ct_restore(ct_run *run, const char *path, bool resume, ct_error *err);

/* What a command that uses a trained model (eval, reconstruct, embed,
 * search) starts from. */
typedef struct ct_restore_source {
    const char *checkpoint; /* a checkpoint file, a `latest` pointer or a run directory */
    const char *job;        /* a job file to use instead of the checkpoint's
                               /job (for a PyTorch state_dict export), or NULL */
    const char *data;       /* replaces data.path, or NULL */
    const char *split;      /* replaces data.test_split, or NULL */
} ct_restore_source;

/* Sets run up to evaluate a trained model: finds the checkpoint
 * (ct_checkpoint_resolve), loads the job (the checkpoint's, read by rank 0
 * and broadcast, or src->job), applies src->data and
 * src->split, checks that its family is `family` (any when NULL), runs the
 * family's setup with run->eval_only (which reads the evaluation split) and
 * loads the networks' tensors from the checkpoint. origin[size] receives
 * where the job came from (run->job_origin points at it). The caller sets
 * run->world (and run->eval_labels) first, and tears down run->family and
 * frees run->job after, also on error. Collective. */
int ct_restore_for_eval(ct_run *run, const ct_restore_source *src, const ct_family *family, char *origin,
                        size_t size, ct_error *err);

#endif
