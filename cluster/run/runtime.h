/* Process set-up shared by the commands that run under MPI. */
#ifndef CT_CLUSTER_RUNTIME_H
#define CT_CLUSTER_RUNTIME_H

#include "comm/world.h"

/* OpenBLAS threads per rank = cores on the node / ranks on the node, unless
 * OPENBLAS_NUM_THREADS is set. Returns the count used. */
int ct_runtime_set_blas_threads(const ct_world *world);

/* Rank 0 prints err and every rank returns 1: the exit path of a collective
 * failure. */
int ct_runtime_fail(const ct_world *world, const ct_error *err);

#endif
