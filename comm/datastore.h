/* The data store (LBANN's design, DESIGN.md "Reading"): each rank holds one
 * contiguous shard of a split in memory; a global batch is the rows at
 * positions [begin, end) of the epoch's shuffle (engine/shuffle.h, evaluated
 * at those positions only), split over the ranks as positions
 * [r*B/W, (r+1)*B/W); every rank packs the rows it owns that the others
 * need, and one MPI_Ialltoallv per batch moves them. Who needs which row
 * follows from the shuffle, which all ranks know, so there is no request
 * round. Batches are the same whatever the world size.
 *
 * Two batch slots let the exchange of batch k+1 run while batch k is
 * computed: ct_datastore_start(k+1) ... compute k ... ct_datastore_finish. */
#ifndef CT_COMM_DATASTORE_H
#define CT_COMM_DATASTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "comm/world.h"
#include "datasets/shard.h"
#include "engine/shuffle.h"

typedef struct ct_batch {
    int64_t n;            /* local samples */
    int64_t global_n;     /* samples in the whole global batch */
    int64_t first_sample; /* position of local sample 0 in the global batch */
    float *inputs;        /* [n, sample_size], converted from the shard's type */
    int32_t *labels;      /* [n] or NULL */
    float *targets;       /* [n, shard's target_size] float targets, or NULL */
    int32_t *lengths;     /* [n] real time steps of each sample (the shard's lengths), or NULL */
    const int64_t *rows;  /* [n]: the split's row of each sample */
} ct_batch;

typedef struct ct_datastore_slot {
    unsigned char *send;    /* packed rows for every destination */
    unsigned char *recv;    /* rows as they arrive, grouped by source */
    int64_t *rows;          /* [max_batch]: the split's row at each position of the batch */
    int64_t *recv_index;    /* recv row of each local position */
    int *send_counts, *send_displs, *recv_counts, *recv_displs; /* in rows */
    MPI_Request request;
    bool pending;
    int failure;            /* MPI error code of the start, or MPI_SUCCESS */
    ct_batch batch;
} ct_datastore_slot;

typedef struct ct_datastore {
    const ct_world *world;
    const ct_shard *shard;
    int64_t max_batch;  /* largest global batch */
    size_t row_bytes;   /* one row on the wire: values as the shard keeps them, then label, targets, length */
    MPI_Datatype row_type;
    ct_datastore_slot slots[2];
    int next_start;  /* slot the next start uses */
    int next_finish; /* slot the next finish completes */
} ct_datastore;

/* Allocates both slots for global batches of up to max_batch rows. */
int ct_datastore_init(ct_datastore *ds, const ct_world *world, const ct_shard *shard, int64_t max_batch,
                      ct_error *err);

/* Starts gathering this rank's part of the global batch of the rows at
 * positions [begin, end) of `order`. Collective: every rank calls it with
 * the same arguments. A failure of the exchange is returned by the finish
 * of this batch, so that every rank makes the same calls. */
int ct_datastore_start(ct_datastore *ds, const ct_shuffle *order, int64_t begin, int64_t end, ct_error *err);

/* Completes the oldest started batch; *batch points into the datastore and
 * stays valid until the slot is reused two starts later. When the exchange
 * failed, *batch is still set (its inputs stale) and the error returned, so
 * that the step runs its collectives and the failure is agreed after it. */
int ct_datastore_finish(ct_datastore *ds, const ct_batch **batch, ct_error *err);

/* This rank's positions [lo, hi) of a global batch of n samples. */
void ct_batch_part(int64_t n, int rank, int world, int64_t *lo, int64_t *hi);

void ct_datastore_free(ct_datastore *ds);

#endif
