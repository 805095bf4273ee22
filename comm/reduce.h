/* Parameter broadcast, bucketed gradient allreduce and metric sums. */
#ifndef CT_COMM_REDUCE_H
#define CT_COMM_REDUCE_H

#include <stddef.h>

#include "comm/world.h"

/* Makes every rank's buf[n] equal to rank 0's (initial parameters). */
int ct_broadcast_floats(const ct_world *world, float *buf, size_t n, ct_error *err);

/* Makes every rank's buf[size] equal to `root`'s (plain structs, text). */
int ct_broadcast_bytes(const ct_world *world, void *buf, size_t size, int root, ct_error *err);

/* Sums buf[n] over all ranks, in place, as consecutive buckets of at most
 * bucket_floats elements, from the end of the buffer back (the order in
 * which backward finishes them). Blocking MPI_Allreduce per bucket: Open
 * MPI's nonblocking collectives (libnbc) progress only inside MPI calls, so
 * with nothing to overlap they were slower here (weak scaling of the MLP on
 * 2 ranks 1.5-1.66x with MPI_Iallreduce, 1.62-1.83x blocking). A failed
 * bucket does not stop the others: every rank makes the same calls, and
 * the first failure is returned (to be agreed on with ct_agree). */
int ct_allreduce_floats(const ct_world *world, float *buf, size_t n, size_t bucket_floats, ct_error *err);

/* Sums buf[n] of doubles over all ranks, in place (losses, counts). */
int ct_allreduce_doubles(const ct_world *world, double *buf, int n, ct_error *err);

/* One value per rank, summed up: its mean over the ranks, its largest
 * value and the rank that has it (the lowest such rank). */
typedef struct ct_spread {
    double mean, max;
    int max_rank;
} ct_spread;

int ct_spread_of(const ct_world *world, double value, ct_spread *out, ct_error *err);

#endif
