/* Prioritised draws over the world's replay shards, for
 * test_dqn_replay.py: dqn_replay_dump N UPDATES BATCH ALPHA BETA, under
 * mpirun -np W. Transition g of N (g's obs is g) lives on the rank whose
 * part of N holds it (ct_batch_part), with priority p_g = 1 + g % 7 raised
 * to ALPHA, the smallest being 1. UPDATES draws of a global batch of BATCH
 * go through ct_dqn_draw_prioritized, as the family's updates do; rank 0
 * prints, per transition, "g p_g^alpha times_drawn weight" (the weight it
 * got when drawn, 0 if never) summed over the ranks. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#include "cluster/families/dqn.h"
#include "comm/datastore.h"
#include "comm/reduce.h"
#include "engine/alloc.h"
#include "engine/rng.h"

int main(int argc, char **argv)
{
    ct_world world;
    ct_error err;
    if (ct_world_init(&world, &argc, &argv, &err) != CT_OK) {
        fprintf(stderr, "dqn_replay_dump: %s\n", err.msg);
        return 1;
    }
    if (argc != 6) {
        fprintf(stderr, "usage: dqn_replay_dump N UPDATES BATCH ALPHA BETA\n");
        ct_world_finalize(&world);
        return 2;
    }
    int64_t n = atoll(argv[1]), updates = atoll(argv[2]), batch = atoll(argv[3]), lo, hi;
    Ctrain__Prioritized prioritized = CTRAIN__PRIORITIZED__INIT;
    prioritized.alpha = strtof(argv[4], NULL);
    double beta = atof(argv[5]);
    ct_batch_part(n, world.rank, world.size, &lo, &hi);
    ct_replay r;
    ct_replay_init(&r, hi > lo ? hi - lo : 1, 1, &prioritized);
    for (int64_t g = lo; g < hi; g++) {
        float obs = (float)g;
        ct_replay_add(&r, &obs, 0, 0.0f, &obs, 0.0f);
        ct_priority_set(&r.priorities, g - lo, pow(1.0 + (double)(g % 7), prioritized.alpha));
    }
    ct_dqn_batch b;
    ct_dqn_batch_alloc(&b, batch, 1);
    double *seen = CT_ALLOC_ARRAY(double, 2 * (size_t)n); /* [n] times drawn, [n] weight */
    double *mass = CT_ALLOC_ARRAY(double, 2 * (size_t)world.size);
    int rc = CT_OK;
    for (int64_t u = 0; u < updates && rc == CT_OK; u++) {
        rc = ct_dqn_draw_prioritized(&world, &r, &b, batch, beta, 5, u, ct_salt("dqn.replay"), mass,
                                     &err);
        for (int64_t j = 0; j < b.n; j++) {
            int64_t g = (int64_t)b.obs[j];
            seen[g] += 1;
            seen[n + g] = b.weights[j];
        }
    }
    if (rc == CT_OK)
        rc = ct_allreduce_doubles(&world, seen, (int)(2 * n), &err);
    if (rc != CT_OK)
        fprintf(stderr, "dqn_replay_dump: %s\n", err.msg);
    for (int64_t g = 0; g < n && rc == CT_OK && world.rank == 0; g++)
        printf("%lld %.17g %.17g %.9g\n", (long long)g, pow(1.0 + (double)(g % 7), prioritized.alpha), seen[g],
               seen[n + g]);
    ct_free(seen);
    ct_free(mass);
    ct_dqn_batch_free(&b);
    ct_replay_free(&r);
    ct_world_finalize(&world);
    return rc == CT_OK ? 0 : 1;
}
