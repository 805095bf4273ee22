/* Prioritised replay across ranks: the one collective that makes the
 * shards one memory. */
#include <math.h>
#include <string.h>

#include "cluster/families/dqn.h"
#include "comm/reduce.h"

int ct_dqn_draw_prioritized(const ct_world *world, ct_replay *r, ct_dqn_batch *b, int64_t global_n, double beta,
                            uint64_t seed, int64_t update, uint64_t salt, double *mass, ct_error *err)
{
    int size = world->size, rank = world->rank;
    /* Every shard's total priority, then every shard's smallest: each rank
     * fills its own two slots of zeros, and the sum gathers them. */
    memset(mass, 0, 2 * (size_t)size * sizeof *mass);
    mass[rank] = ct_priority_total(&r->priorities);
    mass[size + rank] = ct_priority_min(&r->priorities);
    int rc = ct_allreduce_doubles(world, mass, 2 * size, err);
    if (rc == CT_OK) {
        double smallest = INFINITY;
        for (int k = 0; k < size; k++)
            smallest = fmin(smallest, mass[size + k]);
        ct_replay_sample_prioritized(r, b, global_n, mass, rank, size, smallest, beta, seed, update, salt);
    }
    return rc;
}
