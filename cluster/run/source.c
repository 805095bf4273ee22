#include "cluster/run/source.h"

#include <string.h>

#include "engine/alloc.h"

int64_t ct_source_steps_per_epoch(const ct_source *s)
{
    switch (s->kind) {
    case CT_SOURCE_DATASET:
        return s->drop_last ? s->train.total_rows / s->batch_size
                            : (s->train.total_rows + s->batch_size - 1) / s->batch_size;
    case CT_SOURCE_STREAMS:
        return ct_streams_windows(&s->streams);
    case CT_SOURCE_NONE:
        return s->steps_per_epoch;
    }
    return 0;
}

const char *ct_source_units(const ct_source *s)
{
    return s->kind == CT_SOURCE_DATASET ? "samples" : s->kind == CT_SOURCE_STREAMS ? "tokens" : "steps";
}

int64_t ct_source_rows(const ct_source *s)
{
    return s->kind == CT_SOURCE_DATASET ? s->train.total_rows : s->kind == CT_SOURCE_STREAMS ? s->streams.length : 0;
}

int64_t ct_source_step_size(const ct_source *s, int64_t step)
{
    switch (s->kind) {
    case CT_SOURCE_DATASET: {
        int64_t left = s->train.total_rows - step * s->batch_size;
        return left < s->batch_size ? left : s->batch_size;
    }
    case CT_SOURCE_STREAMS:
        return s->streams.streams;
    case CT_SOURCE_NONE:
        return 1;
    }
    return 0;
}

/* The smallest non-empty part of n samples over the ranks, and the first
 * rank holding the largest. */
static void parts(int64_t n, int world, int64_t *smallest, int *largest_rank)
{
    int64_t best = -1;
    *smallest = 0;
    *largest_rank = 0;
    for (int r = 0; r < world; r++) {
        int64_t lo, hi;
        ct_batch_part(n, r, world, &lo, &hi);
        if (hi - lo > 0 && (*smallest == 0 || hi - lo < *smallest))
            *smallest = hi - lo;
        if (hi - lo > best) {
            best = hi - lo;
            *largest_rank = r;
        }
    }
}

int64_t ct_source_min_local(const ct_source *s)
{
    if (s->kind == CT_SOURCE_NONE)
        return 1;
    int world = s->world ? s->world->size : 1;
    int64_t steps = ct_source_steps_per_epoch(s), smallest, other;
    int root;
    /* Every step but maybe the last has the full size. */
    parts(ct_source_step_size(s, 0), world, &smallest, &root);
    if (steps > 1) {
        parts(ct_source_step_size(s, steps - 1), world, &other, &root);
        if (other && other < smallest)
            smallest = other;
    }
    return smallest;
}

int ct_source_open(ct_source *s, const ct_world *w, ct_error *err)
{
    s->world = w;
    s->pending = false;
    if (s->kind == CT_SOURCE_DATASET) {
        if (ct_datastore_init(&s->ds, w, &s->train, s->batch_size, err) != CT_OK)
            return CT_ERR;
        s->ds_open = true;
        if (ct_augment_active(&s->augment))
            s->augment_scratch = CT_ALLOC_ARRAY(float, (size_t)s->train.sample_size);
    } else if (s->kind == CT_SOURCE_STREAMS) {
        const ct_streams *st = &s->streams;
        double values = (double)st->nstreams * (double)st->bptt * (double)st->features;
        if (ct_alloc_check(8.0 * values, "the windows of the streams", err) != CT_OK)
            return CT_ERR;
        ct_window *win = &s->window;
        win->n = st->nstreams;
        win->first = st->first_stream;
        win->features = st->features;
        win->inputs = CT_ALLOC_ARRAY(float, (size_t)values);
        if (st->dtype == CT_DTYPE_INT32)
            win->target_ids = CT_ALLOC_ARRAY(int32_t, (size_t)(st->nstreams * st->bptt));
        else
            win->target_values = CT_ALLOC_ARRAY(float, (size_t)values);
    }
    return CT_OK;
}

static int start_batch(ct_source *s, int64_t step, ct_error *err)
{
    int64_t begin = step * s->batch_size;
    int64_t end = begin + ct_source_step_size(s, step);
    if (ct_datastore_start(&s->ds, &s->order, begin, end, err) != CT_OK)
        return CT_ERR;
    s->pending = true;
    return CT_OK;
}

int ct_source_start_epoch(ct_source *s, uint64_t seed, int64_t epoch, int64_t first_step, ct_error *err)
{
    s->epoch = epoch;
    s->next = first_step;
    s->seed = seed;
    if (s->kind != CT_SOURCE_DATASET || first_step >= ct_source_steps_per_epoch(s))
        return CT_OK;
    ct_shuffle_init(&s->order, s->train.total_rows, seed, epoch);
    return start_batch(s, first_step, err);
}

int ct_source_next(ct_source *s, bool prefetch, ct_step_input *in, ct_error *err)
{
    memset(in, 0, sizeof *in);
    in->epoch_start = s->next == 0;
    in->global_n = ct_source_step_size(s, s->next);
    in->units = in->global_n;
    int64_t smallest;
    parts(in->global_n, s->world->size, &smallest, &in->buffers_root);
    int64_t step = s->next++;
    switch (s->kind) {
    case CT_SOURCE_DATASET: {
        const ct_batch *batch = NULL;
        s->pending = false;
        int rc = ct_datastore_finish(&s->ds, &batch, err);
        if (prefetch && start_batch(s, step + 1, err) != CT_OK)
            rc = CT_ERR;
        if (rc == CT_OK && s->augment_scratch)
            ct_augment_apply(&s->augment, &s->train.sample_shape, batch->inputs, batch->n, batch->rows, s->seed,
                             s->epoch, s->augment_scratch);
        in->batch = batch;
        return rc;
    }
    case CT_SOURCE_STREAMS:
        ct_streams_window(&s->streams, step, s->window.inputs, s->window.target_ids, s->window.target_values,
                          &s->window.T);
        in->window = &s->window;
        in->units = in->global_n * s->window.T;
        return CT_OK;
    case CT_SOURCE_NONE:
        in->buffers_root = 0;
        return CT_OK;
    }
    return CT_OK;
}

void ct_source_free(ct_source *s)
{
    if (s->ds_open)
        ct_datastore_free(&s->ds);
    ct_shard_free(&s->train);
    ct_streams_free(&s->streams);
    ct_free(s->window.inputs);
    ct_free(s->window.target_ids);
    ct_free(s->window.target_values);
    ct_free(s->augment_scratch);
    memset(s, 0, sizeof *s);
}
