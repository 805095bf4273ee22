/* Where a family's training steps come from (DESIGN.md, "Step sources"):
 *   DATASET  global batches of the shuffled training split, each rank's part
 *            gathered by the data store (comm/datastore.h), the exchange of
 *            the next batch running while this one is computed;
 *   STREAMS  windows of contiguous streams for truncated backprop through
 *            time (datasets/streams.h): each rank owns whole streams and
 *            read only their rows;
 *   NONE     no data (an environment-driven family): an epoch is
 *            train.steps_per_epoch steps.
 * The family fills in the kind and its data at setup; the loop drives it. */
#ifndef CT_CLUSTER_RUN_SOURCE_H
#define CT_CLUSTER_RUN_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "comm/datastore.h"
#include "datasets/augment.h"
#include "datasets/shard.h"
#include "datasets/streams.h"
#include "engine/shuffle.h"

typedef enum ct_source_kind { CT_SOURCE_DATASET, CT_SOURCE_STREAMS, CT_SOURCE_NONE } ct_source_kind;

/* One window of this rank's streams. */
typedef struct ct_window {
    int64_t n;             /* this rank's streams (may be 0) */
    int64_t first;         /* the global index of its first stream */
    int64_t T;             /* time steps in this window */
    int64_t features;      /* values per time step */
    float *inputs;         /* [n, T, features] */
    int32_t *target_ids;   /* [n, T] for token ids, else NULL */
    float *target_values;  /* [n, T, features] for a series, else NULL */
} ct_window;

/* What one training step is given. */
typedef struct ct_step_input {
    const ct_batch *batch;   /* DATASET: this rank's part of the global batch */
    const ct_window *window; /* STREAMS: this rank's streams */
    int64_t global_n;        /* samples (streams) of the step over all ranks; 1 for NONE */
    int64_t units;           /* what the speed counts: samples, tokens (streams x T), or 1 step */
    bool epoch_start;        /* the epoch's first step (streams reset their carried state) */
    int buffers_root;        /* the rank holding the most samples of the step (lowest on a tie) */
} ct_step_input;

typedef struct ct_source {
    ct_source_kind kind;
    int64_t batch_size;      /* DATASET: the global batch; STREAMS: the streams */
    bool drop_last;          /* DATASET: no short last batch */
    int64_t steps_per_epoch; /* NONE: from the job; the others compute it */
    ct_shard train;          /* DATASET: this rank's shard of the training split */
    ct_augment augment;      /* DATASET: what happens to training samples (data.augment) */
    ct_streams streams;      /* STREAMS */
    /* Set by ct_source_open. */
    const ct_world *world;
    ct_datastore ds;
    bool ds_open;
    ct_shuffle order;        /* DATASET: the epoch's shuffle */
    uint64_t seed;
    float *augment_scratch;  /* DATASET with augmentation: one sample */
    ct_window window;        /* STREAMS: the current window's buffers */
    int64_t epoch, next;     /* the epoch in progress and its next step */
    bool pending;            /* a batch exchange is in flight */
} ct_source;

/* What a step's speed counts: "samples", "tokens" or "steps". */
const char *ct_source_units(const ct_source *s);

/* Steps of an epoch: ceil(rows / batch) (floor with drop_last) for a
 * dataset, the windows of the streams, or the job's for NONE. */
int64_t ct_source_steps_per_epoch(const ct_source *s);

/* The size of the training data, which a resumed run must share with the
 * run it continues: the split's rows, the streams' length, or 0. */
int64_t ct_source_rows(const ct_source *s);

/* The samples of step `step` of an epoch over all ranks. */
int64_t ct_source_step_size(const ct_source *s, int64_t step);

/* The fewest samples any rank gets in a step that gives it any: the
 * check of batch norm's need for more than one value per channel. */
int64_t ct_source_min_local(const ct_source *s);

/* Allocates what the steps need (exchange slots, window buffers), within
 * the memory budget. Collective. */
int ct_source_open(ct_source *s, const ct_world *w, ct_error *err);

/* Starts epoch `epoch` at step `first_step` (a resumed run starts mid
 * epoch). Collective. */
int ct_source_start_epoch(ct_source *s, uint64_t seed, int64_t epoch, int64_t first_step, ct_error *err);

/* Completes the epoch's next step into *in and, when prefetch, starts the
 * exchange of the one after (which must exist). Collective; a failed
 * exchange is reported here, on every rank alike. */
int ct_source_next(ct_source *s, bool prefetch, ct_step_input *in, ct_error *err);

void ct_source_free(ct_source *s);

#endif
