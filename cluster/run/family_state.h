/* A family's own state in checkpoints (DESIGN.md, "Family state in
 * checkpoints"): arrays the family declares at setup (a replay memory,
 * environment states, hidden state carried from one window to the next),
 * saved under /family/<name> with everything else and restored by
 * --resume, so that a resumed run continues bitwise.
 *
 * Three kinds, by how the array is spread over the ranks:
 *   SHARED    the same on every rank: rank 0's is saved, every rank gets it
 *             back; /family/<name> [count].
 *   ROWS      one global array of total_rows rows, rank r holding rows
 *             [ct_shard_begin(total_rows, r, W), ct_shard_begin(.., r+1, W))
 *             (streams of a language model): gathered in row order into
 *             /family/<name> [total_rows, row_elems] and handed out again by
 *             the same rule at any world size.
 *   PER_RANK  each rank's own (a replay shard): /family/<name>/rank<r>
 *             [count of that rank]; restorable only at the world size that
 *             wrote it.
 * Rank 0 gathers every array (ct_state_gather) and writes it into the
 * checkpoint file it is writing; on restore it reads them (ct_state_read)
 * and hands every rank its part (ct_state_scatter). */
#ifndef CT_CLUSTER_RUN_FAMILY_STATE_H
#define CT_CLUSTER_RUN_FAMILY_STATE_H

#include <hdf5.h>
#include <stdint.h>

#include "comm/world.h"
#include "engine/error.h"

#define CT_MAX_STATE_ENTRIES 32

typedef enum ct_state_kind { CT_STATE_SHARED, CT_STATE_ROWS, CT_STATE_PER_RANK } ct_state_kind;
typedef enum ct_state_type { CT_STATE_F32, CT_STATE_F64, CT_STATE_I64, CT_STATE_I32, CT_STATE_U8 } ct_state_type;

typedef struct ct_state_entry {
    char name[64];       /* dataset name under /family: letters, digits, '_' */
    ct_state_kind kind;
    ct_state_type type;
    void *data;          /* this rank's array, owned by the family */
    int64_t count;       /* SHARED, PER_RANK: elements here; ROWS: rows here */
    int64_t row_elems;   /* ROWS: elements per row */
    int64_t total_rows;  /* ROWS: rows over all ranks */
} ct_state_entry;

typedef struct ct_state_table {
    int n;
    ct_state_entry entries[CT_MAX_STATE_ENTRIES];
} ct_state_table;

/* Rank 0's copy of every entry, gathered or read: images[i] holds entry
 * i's whole array (ROWS: all rows; PER_RANK: rank after rank) and
 * counts[i][r] the elements of rank r (PER_RANK). */
typedef struct ct_state_image {
    int n;
    void *images[CT_MAX_STATE_ENTRIES];
    int64_t *counts[CT_MAX_STATE_ENTRIES];
    int world_size;
} ct_state_image;

/* Declares an entry (copied). Fails on a bad name, a second entry of that
 * name, or a full table. For ROWS, count must be this rank's share of
 * total_rows by the rule above. */
int ct_state_declare(ct_state_table *t, const ct_state_entry *e, ct_error *err);

/* Declares a SHARED or PER_RANK array of count elements. */
int ct_state_declare_array(ct_state_table *t, const char *name, ct_state_kind kind, ct_state_type type, void *data,
                           int64_t count, ct_error *err);

/* Collects every entry on rank 0 into img (other ranks' img stays empty).
 * Fails on every rank when a rank's ROWS count is not its share, or the
 * ranks hold SHARED entries of different sizes. Collective. */
int ct_state_gather(const ct_state_table *t, const ct_world *w, ct_state_image *img, ct_error *err);

/* Rank 0: writes img as group /family of file. */
int ct_state_write(const ct_state_table *t, const ct_state_image *img, hid_t file, ct_error *err);

/* Rank 0: reads every entry of t from /family of file (path names it in
 * errors) into img, checking shapes against the entries: a missing
 * dataset, another shape, or PER_RANK state written by another number of
 * ranks than world_size are errors that say so. */
int ct_state_read(const ct_state_table *t, hid_t file, const char *path, int world_size, ct_state_image *img,
                  ct_error *err);

/* Gives every rank its part of rank 0's img (read by ct_state_read).
 * Collective. */
int ct_state_scatter(ct_state_table *t, const ct_world *w, const ct_state_image *img, ct_error *err);

void ct_state_image_free(ct_state_image *img);

#endif
