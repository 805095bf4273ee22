/* Contiguous streams of one sequence, for truncated backprop through time:
 * the step source of the sequence families (DESIGN.md "Step sources"), as
 * PyTorch's word_language_model `batchify`. A split's sequence dataset of L
 * rows is cut into B streams of S = floor(L / B) rows: stream b is rows
 * [b*S, (b+1)*S), and the tail L - B*S is dropped. Rank r of W owns whole
 * streams, [B*r/W, B*(r+1)/W) (ct_shard_begin: the split of ct_batch_part;
 * a rank may own none when B < W), and reads only their rows, with one
 * hyperslab read.
 *
 * An epoch is ceil((S - 1) / bptt) windows. Window w covers positions
 * [w*bptt, w*bptt + T) of every stream, T = min(bptt, S - 1 - w*bptt): the
 * inputs are the rows at those positions, the targets the rows one later,
 * so a hidden state carried from window w to w + 1 follows each stream.
 *
 * The dataset holds either
 *  - token ids: integer [L] of any type (`tokens`), each >= 0 and < 2^31,
 *    kept as int32; inputs are the ids as floats (exact below 2^24; an
 *    embedding layer reads them), targets the int32 ids; or
 *  - a series: float [L, F] (or [L], F = 1), kept as float32 with the
 *    `scale` and `offset` attributes applied when read, or uint8 [L, F],
 *    kept as uint8 and converted with its scale and offset (defaults 1/255
 *    and 0) per window; targets are float32 rows.
 * Rank and world are plain ints: no MPI here. */
#ifndef CT_DATASETS_STREAMS_H
#define CT_DATASETS_STREAMS_H

#include <stdint.h>

#include "datasets/rows.h"
#include "engine/error.h"

typedef struct ct_streams {
    int64_t length;       /* L: rows of the dataset */
    int64_t streams;      /* B: streams over all ranks */
    int64_t stream_rows;  /* S = floor(L / B) */
    int64_t bptt;         /* the longest window */
    int64_t first_stream; /* this rank's first stream */
    int64_t nstreams;     /* this rank's streams (0 when it owns none) */
    int64_t first_row;    /* first_stream * S: the first row this rank read */
    int64_t nrows;        /* nstreams * S: the rows this rank read */
    int64_t features;     /* F: values per row (1 for token ids) */
    ct_dtype dtype;       /* CT_DTYPE_INT32 for token ids, else UINT8 or FLOAT32 */
    void *values;         /* [nrows, features] of dtype */
    float scale, offset;  /* a uint8 value is x*scale + offset; else 1 and 0 */
} ct_streams;

/* Reads this rank's streams of /<split>/<dataset> in path, cut into
 * `streams` streams for windows of at most bptt rows. Errors, each before
 * anything is allocated and naming the file and dataset: bptt < 1, streams
 * < 1, streams too short ("streams of S rows are too short for bptt N",
 * with L and B: each stream needs at least 2 rows), a dataset of another
 * type or shape, rows that do not fit the memory budget (engine/alloc.h);
 * then, naming the row in the file: a token id < 0 or >= 2^31, a
 * non-finite series value. Also those of ct_shard_read for the file itself.
 * On error s holds nothing. */
int ct_streams_read(ct_streams *s, const char *path, const char *split, const char *dataset, int64_t streams,
                    int64_t bptt, int rank, int world, ct_error *err);

/* Windows per epoch: ceil((S - 1) / bptt). */
int64_t ct_streams_windows(const ct_streams *s);

/* Window w (0 <= w < ct_streams_windows) of this rank's streams, in stream
 * order: *T = its length; inputs [nstreams, *T, features] as float32;
 * targets, the rows one later, into target_ids [nstreams, *T] for token ids
 * (target_values NULL), or target_values [nstreams, *T, features] for a
 * series (target_ids NULL). Buffers of [nstreams, bptt, ...] fit every
 * window. */
void ct_streams_window(const ct_streams *s, int64_t w, float *inputs, int32_t *target_ids, float *target_values,
                       int64_t *T);

void ct_streams_free(ct_streams *s);

#endif
