/* Data reader benchmark: how fast the data store delivers global batches
 * (shard read once, then one all-to-all exchange per batch), with no
 * training. Run under mpirun; rank 0 prints batches/s and samples/s.
 * Usage: bench_datastore FILE.h5 BATCH_SIZE BATCHES */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "comm/datastore.h"
#include "engine/alloc.h"
#include "engine/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    ct_world world;
    ct_error err;
    if (argc != 4 || ct_world_init(&world, &argc, &argv, &err) != CT_OK) {
        fprintf(stderr, "usage: bench_datastore FILE.h5 BATCH_SIZE BATCHES\n");
        return 2;
    }
    int64_t batch = atoll(argv[2]), batches = atoll(argv[3]);
    ct_shard shard = {0};
    double t0 = now();
    if (ct_shard_read(&shard, argv[1], "train", "images", "labels", world.rank, world.size, &err) != CT_OK) {
        fprintf(stderr, "bench_datastore: %s\n", err.msg);
        ct_world_abort(&world, 1);
    }
    double t_read = now() - t0;
    ct_datastore ds;
    if (ct_datastore_init(&ds, &world, &shard, batch, &err) != CT_OK) {
        fprintf(stderr, "bench_datastore: %s\n", err.msg);
        ct_world_abort(&world, 1);
    }
    ct_shuffle order;
    int64_t per_epoch = shard.total_rows / batch;
    MPI_Barrier(world.comm);
    t0 = now();
    for (int64_t b = 0; b < batches; b++) {
        int64_t k = b % per_epoch;
        if (k == 0)
            ct_shuffle_init(&order, shard.total_rows, 1, b / per_epoch);
        const ct_batch *got;
        if (ct_datastore_start(&ds, &order, k * batch, (k + 1) * batch, &err) != CT_OK ||
            ct_datastore_finish(&ds, &got, &err) != CT_OK) {
            fprintf(stderr, "bench_datastore: %s\n", err.msg);
            ct_world_abort(&world, 1);
        }
    }
    MPI_Barrier(world.comm);
    double dt = now() - t0;
    if (world.rank == 0)
        printf("datastore: %d ranks, shard read %.3f s (%.0f rows/s per rank), %lld global batches of %lld: "
               "%.0f batches/s, %.0f samples/s\n",
               world.size, t_read, (double)shard.nrows / t_read, (long long)batches, (long long)batch,
               (double)batches / dt, (double)(batches * batch) / dt);
    ct_datastore_free(&ds);
    ct_shard_free(&shard);
    ct_world_finalize(&world);
    return 0;
}
