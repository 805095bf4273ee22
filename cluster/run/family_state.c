#include "cluster/run/family_state.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "comm/agree.h"
#include "datasets/h5util.h"
#include "datasets/shard.h"
#include "engine/alloc.h"

static size_t elem_size(ct_state_type t)
{
    switch (t) {
    case CT_STATE_F64:
    case CT_STATE_I64:
        return 8;
    case CT_STATE_F32:
    case CT_STATE_I32:
        return 4;
    case CT_STATE_U8:
        return 1;
    }
    return 1;
}

static hid_t h5_type(ct_state_type t)
{
    switch (t) {
    case CT_STATE_F64:
        return H5T_NATIVE_DOUBLE;
    case CT_STATE_I64:
        return H5T_NATIVE_INT64;
    case CT_STATE_F32:
        return H5T_NATIVE_FLOAT;
    case CT_STATE_I32:
        return H5T_NATIVE_INT32;
    case CT_STATE_U8:
        return H5T_NATIVE_UINT8;
    }
    return H5T_NATIVE_UINT8;
}

/* Elements per unit: a row for ROWS, one element otherwise. */
static int64_t unit_elems(const ct_state_entry *e)
{
    return e->kind == CT_STATE_ROWS ? e->row_elems : 1;
}

/* Rank r's rows of a ROWS entry at world size w. */
static int64_t rows_of(const ct_state_entry *e, int r, int w)
{
    return ct_shard_begin(e->total_rows, r + 1, w) - ct_shard_begin(e->total_rows, r, w);
}

int ct_state_declare(ct_state_table *t, const ct_state_entry *e, ct_error *err)
{
    if (!e->name[0])
        return ct_fail(err, "family state: an entry has no name");
    for (const char *c = e->name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return ct_fail(err, "family state '%s': names use letters, digits and '_'", e->name);
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->entries[i].name, e->name) == 0)
            return ct_fail(err, "family state '%s' is declared twice", e->name);
    if (t->n == CT_MAX_STATE_ENTRIES)
        return ct_fail(err, "family state '%s': at most %d entries", e->name, CT_MAX_STATE_ENTRIES);
    if (e->count < 0 || (e->kind == CT_STATE_ROWS && (e->row_elems < 1 || e->total_rows < 0)))
        return ct_fail(err, "family state '%s': negative or empty sizes", e->name);
    t->entries[t->n++] = *e;
    return CT_OK;
}

int ct_state_declare_array(ct_state_table *t, const char *name, ct_state_kind kind, ct_state_type type, void *data,
                           int64_t count, ct_error *err)
{
    ct_state_entry e = {.kind = kind, .type = type, .data = data, .count = count};
    if ((size_t)snprintf(e.name, sizeof e.name, "%s", name) >= sizeof e.name)
        return ct_fail(err, "family state '%s': a name of at most %zu characters", name, sizeof e.name - 1);
    return ct_state_declare(t, &e, err);
}

/* A contiguous MPI type of one unit of e. */
static MPI_Datatype unit_type(const ct_state_entry *e)
{
    MPI_Datatype type;
    MPI_Type_contiguous((int)(unit_elems(e) * (int64_t)elem_size(e->type)), MPI_BYTE, &type);
    MPI_Type_commit(&type);
    return type;
}

/* counts[r] units of rank r and their displacements; fails beyond int. */
static int layout(const int64_t *units, int world, int *counts, int *displs, const char *name, ct_error *err)
{
    int64_t at = 0;
    for (int r = 0; r < world; r++) {
        if (units[r] > INT_MAX || at > INT_MAX)
            return ct_fail(err, "family state '%s': %lld units at rank %d exceed MPI's int counts", name,
                           (long long)units[r], r);
        counts[r] = (int)units[r];
        displs[r] = (int)at;
        at += units[r];
    }
    return CT_OK;
}

static int gather_entry(const ct_state_entry *e, const ct_world *w, ct_state_image *img, int i, ct_error *err)
{
    size_t unit_bytes = (size_t)unit_elems(e) * elem_size(e->type);
    int64_t *units = CT_ALLOC_ARRAY(int64_t, w->size);
    if (e->kind == CT_STATE_ROWS)
        for (int r = 0; r < w->size; r++)
            units[r] = rows_of(e, r, w->size);
    else
        MPI_Gather(&e->count, 1, MPI_INT64_T, units, 1, MPI_INT64_T, 0, w->comm);
    int *counts = CT_ALLOC_ARRAY(int, w->size), *displs = CT_ALLOC_ARRAY(int, w->size);
    int rc = CT_OK;
    if (w->rank == 0) {
        int64_t total = 0;
        for (int r = 0; r < w->size; r++)
            total += e->kind == CT_STATE_SHARED ? (r == 0 ? units[0] : 0) : units[r];
        rc = layout(units, w->size, counts, displs, e->name, err);
        img->images[i] = ct_malloc((size_t)total * unit_bytes);
        img->counts[i] = units;
        units = NULL;
    }
    /* Every rank takes part, whatever rank 0 found: the error is agreed after. */
    int ok = rc == CT_OK;
    MPI_Bcast(&ok, 1, MPI_INT, 0, w->comm);
    if (ok && e->kind == CT_STATE_SHARED) {
        if (w->rank == 0)
            memcpy(img->images[i], e->data, (size_t)e->count * unit_bytes);
    } else if (ok) {
        MPI_Datatype type = unit_type(e);
        MPI_Gatherv(e->data, (int)(e->kind == CT_STATE_ROWS ? rows_of(e, w->rank, w->size) : e->count), type,
                    w->rank == 0 ? img->images[i] : NULL, counts, displs, type, 0, w->comm);
        MPI_Type_free(&type);
    }
    ct_free(units);
    ct_free(counts);
    ct_free(displs);
    return ct_agree(w, rc, err);
}

/* The sizes every rank declared fit together: a ROWS entry holds this
 * rank's share of its rows, a SHARED one as many values on every rank.
 * Collective. */
static int check_sizes(const ct_state_table *t, const ct_world *w, ct_error *err)
{
    int rc = CT_OK;
    for (int i = 0; i < t->n; i++) {
        const ct_state_entry *e = &t->entries[i];
        int64_t range[2] = {e->count, -e->count}; /* the smallest, and the largest negated */
        if (e->kind == CT_STATE_SHARED)
            MPI_Allreduce(MPI_IN_PLACE, range, 2, MPI_INT64_T, MPI_MIN, w->comm);
        if (rc != CT_OK)
            continue;
        if (e->kind == CT_STATE_ROWS && e->count != rows_of(e, w->rank, w->size))
            rc = ct_fail(err, "family state %s: this rank holds %lld rows of %lld, its share is %lld", e->name,
                         (long long)e->count, (long long)e->total_rows, (long long)rows_of(e, w->rank, w->size));
        else if (e->kind == CT_STATE_SHARED && range[0] != -range[1])
            rc = ct_fail(err, "family state %s: shared, but the ranks hold between %lld and %lld values", e->name,
                         (long long)range[0], (long long)-range[1]);
    }
    return ct_agree(w, rc, err);
}

int ct_state_gather(const ct_state_table *t, const ct_world *w, ct_state_image *img, ct_error *err)
{
    memset(img, 0, sizeof *img);
    img->world_size = w->size;
    if (check_sizes(t, w, err) != CT_OK)
        return CT_ERR;
    for (int i = 0; i < t->n; i++) {
        img->n = i + 1;
        if (gather_entry(&t->entries[i], w, img, i, err) != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

static int write_array(hid_t group, const char *name, ct_state_type type, const void *data, int rank,
                       const hsize_t *dims, ct_error *err)
{
    hid_t set = ct_h5_write_dataset(group, name, h5_type(type), rank, dims, NULL, 0, data, err);
    if (set < 0)
        return ct_fail_context(err, "family state %s", name);
    H5Dclose(set);
    return CT_OK;
}

int ct_state_write(const ct_state_table *t, const ct_state_image *img, hid_t file, ct_error *err)
{
    hid_t group = H5Gcreate2(file, "family", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0)
        return ct_fail(err, "cannot create group /family");
    int rc = CT_OK;
    for (int i = 0; rc == CT_OK && i < t->n; i++) {
        const ct_state_entry *e = &t->entries[i];
        if (e->kind == CT_STATE_SHARED) {
            hsize_t dims[1] = {(hsize_t)e->count};
            rc = write_array(group, e->name, e->type, img->images[i], 1, dims, err);
        } else if (e->kind == CT_STATE_ROWS) {
            hsize_t dims[2] = {(hsize_t)e->total_rows, (hsize_t)e->row_elems};
            rc = write_array(group, e->name, e->type, img->images[i], 2, dims, err);
        } else {
            const unsigned char *at = img->images[i];
            for (int r = 0; rc == CT_OK && r < img->world_size; r++) {
                char name[96];
                snprintf(name, sizeof name, "%s/rank%d", e->name, r);
                hsize_t dims[1] = {(hsize_t)img->counts[i][r]};
                rc = write_array(group, name, e->type, at, 1, dims, err);
                at += (size_t)img->counts[i][r] * elem_size(e->type);
            }
        }
    }
    H5Gclose(group);
    return rc;
}

/* Reads /family/<name> into a new buffer, checking its extent: want[rank]
 * (want NULL: any 1-D extent, returned in *elements). */
static int read_array(hid_t file, const char *path, const char *name, ct_state_type type, int rank,
                      const hsize_t *want, void **out, int64_t *elements, ct_error *err)
{
    char full[160];
    snprintf(full, sizeof full, "/family/%s", name);
    *out = NULL;
    if (H5Lexists(file, "family", H5P_DEFAULT) <= 0 || H5Lexists(file, full, H5P_DEFAULT) <= 0)
        return ct_fail(err, "%s: no family state %s: the checkpoint was not written by this family", path, full);
    hid_t set = H5Dopen2(file, full, H5P_DEFAULT);
    hid_t space = set >= 0 ? H5Dget_space(set) : -1;
    hsize_t dims[2] = {0, 0};
    int found_rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    int rc = CT_OK;
    if (set < 0) {
        rc = ct_fail(err, "%s: family state %s is not a dataset of %d dimensions (a group of per-rank state?)", path,
                     full, rank);
    } else if (found_rank != rank || found_rank < 1) {
        rc = ct_fail(err, "%s: family state %s has %d dimensions, expected %d", path, full, found_rank, rank);
    } else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        for (int d = 0; want && d < rank; d++)
            if (dims[d] != want[d])
                rc = ct_fail(err, "%s: family state %s has %llu values along dimension %d, this run has %llu: "
                             "the job or the world size differs from the run that wrote it",
                             path, full, (unsigned long long)dims[d], d, (unsigned long long)want[d]);
    }
    size_t n = rank == 2 ? (size_t)(dims[0] * dims[1]) : (size_t)dims[0];
    if (rc == CT_OK) {
        *out = ct_malloc(n * elem_size(type) + 1);
        if (H5Dread(set, h5_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
            rc = ct_fail(err, "%s: cannot read family state %s", path, full);
        if (elements)
            *elements = (int64_t)n;
    }
    if (space >= 0)
        H5Sclose(space);
    if (set >= 0)
        H5Dclose(set);
    if (rc != CT_OK) {
        ct_free(*out);
        *out = NULL;
    }
    return rc;
}

/* The ranks that wrote PER_RANK entry name: datasets rank0, rank1, ... */
static int ranks_written(hid_t file, const char *name)
{
    char full[160];
    int r = 0;
    for (;; r++) {
        snprintf(full, sizeof full, "/family/%s/rank%d", name, r);
        if (H5Lexists(file, "family", H5P_DEFAULT) <= 0 || H5Lexists(file, full, H5P_DEFAULT) <= 0)
            return r;
    }
}

static int read_per_rank(const ct_state_entry *e, hid_t file, const char *path, int world_size, ct_state_image *img,
                         int i, ct_error *err)
{
    char full[160];
    snprintf(full, sizeof full, "/family/%s", e->name);
    int written = ranks_written(file, e->name);
    if (written == 0)
        return ct_fail(err, "%s: no family state %s: the checkpoint was not written by this family", path, full);
    if (written != world_size)
        return ct_fail(err, "%s: family state %s was written by %d ranks; it can only be resumed by as many (this "
                       "run has %d)", path, full, written, world_size);
    img->counts[i] = CT_ALLOC_ARRAY(int64_t, world_size);
    void **parts = CT_ALLOC_ARRAY(void *, world_size);
    int64_t total = 0;
    int rc = CT_OK;
    for (int r = 0; rc == CT_OK && r < world_size; r++) {
        char name[96];
        snprintf(name, sizeof name, "%s/rank%d", e->name, r);
        rc = read_array(file, path, name, e->type, 1, NULL, &parts[r], &img->counts[i][r], err);
        total += img->counts[i][r];
    }
    if (rc == CT_OK) {
        unsigned char *all = ct_malloc((size_t)total * elem_size(e->type) + 1);
        size_t at = 0;
        for (int r = 0; r < world_size; r++) {
            size_t bytes = (size_t)img->counts[i][r] * elem_size(e->type);
            memcpy(all + at, parts[r], bytes);
            at += bytes;
        }
        img->images[i] = all;
    }
    for (int r = 0; r < world_size; r++)
        ct_free(parts[r]);
    ct_free(parts);
    return rc;
}

int ct_state_read(const ct_state_table *t, hid_t file, const char *path, int world_size, ct_state_image *img,
                  ct_error *err)
{
    memset(img, 0, sizeof *img);
    img->world_size = world_size;
    for (int i = 0; i < t->n; i++) {
        const ct_state_entry *e = &t->entries[i];
        img->n = i + 1;
        int rc;
        if (e->kind == CT_STATE_PER_RANK) {
            rc = read_per_rank(e, file, path, world_size, img, i, err);
        } else if (e->kind == CT_STATE_ROWS) {
            hsize_t want[2] = {(hsize_t)e->total_rows, (hsize_t)e->row_elems};
            rc = read_array(file, path, e->name, e->type, 2, want, &img->images[i], NULL, err);
        } else {
            hsize_t want[1] = {(hsize_t)e->count};
            rc = read_array(file, path, e->name, e->type, 1, want, &img->images[i], NULL, err);
        }
        if (rc != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

static int scatter_entry(ct_state_entry *e, const ct_world *w, const ct_state_image *img, int i, ct_error *err)
{
    size_t unit_bytes = (size_t)unit_elems(e) * elem_size(e->type);
    if (e->kind == CT_STATE_SHARED) {
        if (w->rank == 0)
            memcpy(e->data, img->images[i], (size_t)e->count * unit_bytes);
        MPI_Bcast(e->data, (int)((size_t)e->count * unit_bytes), MPI_BYTE, 0, w->comm);
        return CT_OK;
    }
    int64_t *units = CT_ALLOC_ARRAY(int64_t, w->size);
    if (e->kind == CT_STATE_ROWS)
        for (int r = 0; r < w->size; r++)
            units[r] = rows_of(e, r, w->size);
    else if (w->rank == 0)
        memcpy(units, img->counts[i], sizeof *units * (size_t)w->size);
    MPI_Bcast(units, w->size, MPI_INT64_T, 0, w->comm);
    int rc = CT_OK;
    if (units[w->rank] != (e->kind == CT_STATE_ROWS ? rows_of(e, w->rank, w->size) : e->count))
        rc = ct_fail(err, "family state %s: the checkpoint holds %lld values for this rank, the run has %lld", e->name,
                     (long long)units[w->rank], (long long)e->count);
    int *counts = CT_ALLOC_ARRAY(int, w->size), *displs = CT_ALLOC_ARRAY(int, w->size);
    if (rc == CT_OK)
        rc = layout(units, w->size, counts, displs, e->name, err);
    if (ct_agree(w, rc, err) == CT_OK) {
        MPI_Datatype type = unit_type(e);
        MPI_Scatterv(w->rank == 0 ? img->images[i] : NULL, counts, displs, type, e->data, counts[w->rank], type, 0,
                     w->comm);
        MPI_Type_free(&type);
    } else {
        rc = CT_ERR;
    }
    ct_free(units);
    ct_free(counts);
    ct_free(displs);
    return rc;
}

int ct_state_scatter(ct_state_table *t, const ct_world *w, const ct_state_image *img, ct_error *err)
{
    if (check_sizes(t, w, err) != CT_OK)
        return CT_ERR;
    for (int i = 0; i < t->n; i++)
        if (scatter_entry(&t->entries[i], w, img, i, err) != CT_OK)
            return CT_ERR;
    return CT_OK;
}

void ct_state_image_free(ct_state_image *img)
{
    for (int i = 0; i < img->n; i++) {
        ct_free(img->images[i]);
        ct_free(img->counts[i]);
    }
    memset(img, 0, sizeof *img);
}
