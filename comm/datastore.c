#include "comm/datastore.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "comm/watchdog.h"
#include "engine/alloc.h"

void ct_batch_part(int64_t n, int rank, int world, int64_t *lo, int64_t *hi)
{
    *lo = ct_shard_begin(n, rank, world);
    *hi = ct_shard_begin(n, rank + 1, world);
}

/* Bytes of a row's float targets on the wire. */
static size_t target_bytes(const ct_shard *shard)
{
    return shard->targets ? (size_t)shard->target_size * sizeof(float) : 0;
}

/* Bytes of a row's length on the wire. */
static size_t length_bytes(const ct_shard *shard)
{
    return shard->lengths ? sizeof(int32_t) : 0;
}

static void slot_init(ct_datastore_slot *slot, int world, int64_t max_batch, int64_t max_local,
                      size_t row_bytes, const ct_shard *shard)
{
    /* A rank sends at most every row of a batch (all its destinations' parts). */
    slot->send = CT_ALLOC_ARRAY(unsigned char, (size_t)max_batch * row_bytes);
    slot->recv = CT_ALLOC_ARRAY(unsigned char, (size_t)max_local * row_bytes);
    slot->recv_index = CT_ALLOC_ARRAY(int64_t, max_local);
    slot->rows = CT_ALLOC_ARRAY(int64_t, max_batch);
    slot->send_counts = CT_ALLOC_ARRAY(int, world);
    slot->send_displs = CT_ALLOC_ARRAY(int, world);
    slot->recv_counts = CT_ALLOC_ARRAY(int, world);
    slot->recv_displs = CT_ALLOC_ARRAY(int, world);
    slot->batch.inputs = CT_ALLOC_ARRAY(float, (size_t)max_local * (size_t)shard->sample_size);
    slot->batch.labels = shard->labels ? CT_ALLOC_ARRAY(int32_t, max_local) : NULL;
    slot->batch.targets = shard->targets ? CT_ALLOC_ARRAY(float, (size_t)max_local * (size_t)shard->target_size)
                                         : NULL;
    slot->batch.lengths = shard->lengths ? CT_ALLOC_ARRAY(int32_t, max_local) : NULL;
    slot->pending = false;
}

int ct_datastore_init(ct_datastore *ds, const ct_world *world, const ct_shard *shard, int64_t max_batch,
                      ct_error *err)
{
    memset(ds, 0, sizeof *ds);
    if (max_batch < 1 || max_batch > (int64_t)1 << 30)
        return ct_fail(err, "data store: batch size must be in [1, 2^30], found %lld", (long long)max_batch);
    size_t row_bytes = shard->row_bytes + (shard->labels ? sizeof(int32_t) : 0) + target_bytes(shard) +
                       length_bytes(shard);
    if (row_bytes > INT_MAX)
        return ct_fail(err, "data store: samples of %zu bytes, expected at most %d (an MPI count)", row_bytes,
                       INT_MAX);
    int64_t max_local = (max_batch + world->size - 1) / world->size;
    /* Per slot: the rows sent and received, and the batch as floats (its targets too). */
    double slot_bytes = (double)(max_batch + max_local) * (double)row_bytes +
                        (double)max_local * ((double)shard->sample_size * sizeof(float) + (double)target_bytes(shard));
    char what[160];
    snprintf(what, sizeof what, "data store: 2 slots for batches of %lld samples of %lld values",
             (long long)max_batch, (long long)shard->sample_size);
    if (ct_alloc_check(2 * slot_bytes, what, err) != CT_OK)
        return CT_ERR;
    ds->world = world;
    ds->shard = shard;
    ds->max_batch = max_batch;
    ds->row_bytes = row_bytes;
    MPI_Type_contiguous((int)ds->row_bytes, MPI_BYTE, &ds->row_type);
    MPI_Type_commit(&ds->row_type);
    for (int s = 0; s < 2; s++)
        slot_init(&ds->slots[s], world->size, max_batch, max_local, ds->row_bytes, shard);
    return CT_OK;
}

/* Copies shard row `local_row` into a wire row: its values as the shard
 * keeps them (uint8 stays 1 byte a value), then its label, its targets
 * and its length. */
static void pack_row(const ct_datastore *ds, unsigned char *dst, int64_t local_row)
{
    const ct_shard *shard = ds->shard;
    memcpy(dst, ct_shard_row(shard, local_row), shard->row_bytes);
    dst += shard->row_bytes;
    if (shard->labels) {
        memcpy(dst, &shard->labels[local_row], sizeof(int32_t));
        dst += sizeof(int32_t);
    }
    if (shard->targets) {
        memcpy(dst, shard->targets + local_row * shard->target_size, target_bytes(shard));
        dst += target_bytes(shard);
    }
    if (shard->lengths)
        memcpy(dst, &shard->lengths[local_row], sizeof(int32_t));
}

/* Converts a wire row into batch position `position` as float32. */
static void unpack_row(const ct_datastore *ds, ct_batch *batch, int64_t position, const unsigned char *src)
{
    const ct_shard *shard = ds->shard;
    ct_shard_values_float(shard, src, 1, batch->inputs + position * shard->sample_size);
    src += shard->row_bytes;
    if (shard->labels) {
        memcpy(&batch->labels[position], src, sizeof(int32_t));
        src += sizeof(int32_t);
    }
    if (shard->targets) {
        memcpy(batch->targets + position * shard->target_size, src, target_bytes(shard));
        src += target_bytes(shard);
    }
    if (shard->lengths)
        memcpy(&batch->lengths[position], src, sizeof(int32_t));
}

/* Send side: for each destination in rank order, the rows of its part that
 * this rank owns, in position order. */
static void plan_sends(ct_datastore *ds, ct_datastore_slot *slot, const int64_t *rows, int64_t n)
{
    const ct_world *w = ds->world;
    const ct_shard *shard = ds->shard;
    int64_t packed = 0;
    for (int dest = 0; dest < w->size; dest++) {
        int64_t lo, hi;
        ct_batch_part(n, dest, w->size, &lo, &hi);
        slot->send_displs[dest] = (int)packed;
        for (int64_t p = lo; p < hi; p++) {
            if (ct_shard_owner(rows[p], shard->total_rows, w->size) != w->rank)
                continue;
            pack_row(ds, slot->send + (size_t)packed * ds->row_bytes, rows[p] - shard->first_row);
            packed++;
        }
        slot->send_counts[dest] = (int)(packed - slot->send_displs[dest]);
    }
}

/* Receive side: how many rows each source sends, and where each of this
 * rank's positions will find its row in the receive buffer. */
static void plan_receives(ct_datastore *ds, ct_datastore_slot *slot, const int64_t *rows, int64_t lo, int64_t hi)
{
    const ct_world *w = ds->world;
    int64_t total_rows = ds->shard->total_rows;
    memset(slot->recv_counts, 0, sizeof(int) * (size_t)w->size);
    for (int64_t p = lo; p < hi; p++)
        slot->recv_counts[ct_shard_owner(rows[p], total_rows, w->size)]++;
    int offset = 0;
    for (int src = 0; src < w->size; src++) {
        slot->recv_displs[src] = offset;
        offset += slot->recv_counts[src];
    }
    /* Reuse recv_counts as per-source cursors, then restore them. */
    for (int64_t p = lo; p < hi; p++) {
        int src = ct_shard_owner(rows[p], total_rows, w->size);
        slot->recv_index[p - lo] = slot->recv_displs[src]++;
    }
    for (int src = 0; src < w->size; src++)
        slot->recv_displs[src] -= slot->recv_counts[src];
}

int ct_datastore_start(ct_datastore *ds, const ct_shuffle *order, int64_t begin, int64_t end, ct_error *err)
{
    ct_datastore_slot *slot = &ds->slots[ds->next_start];
    if (slot->pending)
        return ct_fail(err, "data store: both batch slots are in flight; finish one first");
    int64_t n = end - begin;
    if (n < 1 || n > ds->max_batch)
        return ct_fail(err, "data store: batch of %lld rows, expected 1..%lld", (long long)n,
                       (long long)ds->max_batch);
    int64_t *rows = slot->rows;
    for (int64_t p = 0; p < n; p++)
        rows[p] = ct_shuffle_at(order, begin + p);
    int64_t lo, hi;
    ct_batch_part(n, ds->world->rank, ds->world->size, &lo, &hi);
    plan_sends(ds, slot, rows, n);
    plan_receives(ds, slot, rows, lo, hi);
    slot->batch.n = hi - lo;
    slot->batch.global_n = n;
    slot->batch.first_sample = lo;
    slot->batch.rows = rows + lo;

    slot->failure = MPI_Ialltoallv(slot->send, slot->send_counts, slot->send_displs, ds->row_type, slot->recv,
                                   slot->recv_counts, slot->recv_displs, ds->row_type, ds->world->comm,
                                   &slot->request);
    if (slot->failure != MPI_SUCCESS)
        slot->request = MPI_REQUEST_NULL;
    slot->pending = true;
    ds->next_start ^= 1;
    return CT_OK;
}

int ct_datastore_finish(ct_datastore *ds, const ct_batch **batch, ct_error *err)
{
    ct_datastore_slot *slot = &ds->slots[ds->next_finish];
    if (!slot->pending)
        return ct_fail(err, "data store: no batch was started");
    ct_watch_enter("MPI_Wait of the sample exchange (MPI_Ialltoallv)");
    int rc = MPI_Wait(&slot->request, MPI_STATUS_IGNORE);
    ct_watch_leave();
    slot->pending = false;
    ds->next_finish ^= 1;
    *batch = &slot->batch; /* even on failure: the step runs and the error is agreed after it */
    if (slot->failure != MPI_SUCCESS)
        return ct_fail(err, "data store: MPI_Ialltoallv of the sample exchange failed (code %d)", slot->failure);
    if (rc != MPI_SUCCESS)
        return ct_fail(err, "data store: MPI_Wait of the sample exchange failed (code %d)", rc);
    for (int64_t p = 0; p < slot->batch.n; p++)
        unpack_row(ds, &slot->batch, p, slot->recv + (size_t)slot->recv_index[p] * ds->row_bytes);
    return CT_OK;
}

static void slot_free(ct_datastore_slot *slot)
{
    if (slot->pending)
        MPI_Wait(&slot->request, MPI_STATUS_IGNORE);
    ct_free(slot->send);
    ct_free(slot->recv);
    ct_free(slot->recv_index);
    ct_free(slot->rows);
    ct_free(slot->send_counts);
    ct_free(slot->send_displs);
    ct_free(slot->recv_counts);
    ct_free(slot->recv_displs);
    ct_free(slot->batch.inputs);
    ct_free(slot->batch.labels);
    ct_free(slot->batch.targets);
    ct_free(slot->batch.lengths);
}

void ct_datastore_free(ct_datastore *ds)
{
    if (!ds->shard)
        return;
    for (int s = 0; s < 2; s++)
        slot_free(&ds->slots[s]);
    MPI_Type_free(&ds->row_type);
    ds->shard = NULL;
}
