/* Starting a run from a checkpoint: rank 0 reads it, every rank receives
 * the same tensors by broadcast (a checkpoint need not be on every node). */
#ifndef CT_CLUSTER_RESTORE_H
#define CT_CLUSTER_RESTORE_H

#include <stdbool.h>

#include "cluster/run.h"

/* Loads the networks' tensors from path (any HDF5 file with /model/<name>
 * datasets, e.g. a PyTorch state_dict export). With `resume`, also the
 * optimizers' state, the training position and the metrics so far.
 * Collective; errors name the file and tensor. */
int ct_restore(ct_run *run, const char *path, bool resume, ct_error *err);

#endif
