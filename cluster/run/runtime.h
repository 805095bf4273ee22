/* Process set-up shared by the commands that run under MPI. */
#ifndef CT_CLUSTER_RUNTIME_H
#define CT_CLUSTER_RUNTIME_H

#include "comm/world.h"

/* OpenBLAS threads per rank, unless OPENBLAS_NUM_THREADS is set: the cores
 * of this process's CPU affinity when the launcher pinned it (mpirun's
 * binding, srun --cpu-bind), else the node's cores divided among the ranks
 * on the node. Returns the count used; *cores (may be NULL) receives the
 * cores the process may run on. */
int ct_runtime_set_blas_threads(const ct_world *world, int *cores);

/* Sets the engine's memory budget (engine/alloc.h) to this rank's share of
 * the memory available on the node: MemAvailable of /proc/meminfo, or the
 * room left under a cgroup v2 memory limit when that is smaller, divided
 * among the ranks on the node. Leaves it unlimited when neither can be
 * read. */
void ct_runtime_set_memory_budget(const ct_world *world);

/* Rank 0 prints err and every rank returns 1: the exit path of a collective
 * failure. */
int ct_runtime_fail(const ct_world *world, const ct_error *err);

#endif
