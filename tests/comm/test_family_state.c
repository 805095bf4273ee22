/* A family's checkpoint state (cluster/run/family_state.h) under mpirun.
 * SHARED, ROWS and PER_RANK entries of every type are gathered on rank 0,
 * written into an HDF5 file, read back and scattered into zeroed arrays:
 * every rank gets exactly its own data back, and the file holds ROWS in
 * global row order (read with plain HDF5). Worlds of fewer ranks are
 * sub-communicators of the first n ranks, so that state written at one
 * world size is read at every other: ROWS and SHARED are handed out again
 * by the new partition; PER_RANK fails on every rank with a message that
 * says how many ranks wrote it. Missing datasets, wrong shapes and a
 * rank's count that differs from the file fail with messages naming them. */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "cluster/run/family_state.h"
#include "comm/agree.h"
#include "engine/alloc.h"
#include "tests/comm/mpitest.h"

typedef struct spec {
    const char *name;
    ct_state_kind kind;
    ct_state_type type;
    int64_t count;      /* SHARED: elements */
    int64_t total_rows; /* ROWS */
    int64_t row_elems;  /* ROWS */
} spec;

enum { SHARED_F64, SHARED_U8, ROWS_F32, ROWS_I64, ROWS_U8, REPLAY_I32, REPLAY_F32, STEPS_I64, NSPECS };

static const spec specs[NSPECS] = {
    [SHARED_F64] = {"shared_f64", CT_STATE_SHARED, CT_STATE_F64, 5, 0, 0},
    [SHARED_U8] = {"shared_u8", CT_STATE_SHARED, CT_STATE_U8, 7, 0, 0},
    [ROWS_F32] = {"rows_f32", CT_STATE_ROWS, CT_STATE_F32, 0, 10, 3},
    /* Fewer rows than ranks at 3: a rank holds none. */
    [ROWS_I64] = {"rows_i64", CT_STATE_ROWS, CT_STATE_I64, 0, 2, 3},
    [ROWS_U8] = {"rows_u8", CT_STATE_ROWS, CT_STATE_U8, 0, 11, 1},
    [REPLAY_I32] = {"replay_i32", CT_STATE_PER_RANK, CT_STATE_I32, 0, 0, 0},
    [REPLAY_F32] = {"replay_f32", CT_STATE_PER_RANK, CT_STATE_F32, 0, 0, 0},
    [STEPS_I64] = {"steps_i64", CT_STATE_PER_RANK, CT_STATE_I64, 0, 0, 0},
};

#define ALL_SPECS ((1u << NSPECS) - 1)
#define PER_RANK_SPECS (1u << REPLAY_I32 | 1u << REPLAY_F32 | 1u << STEPS_I64)

static size_t elem_bytes(ct_state_type t)
{
    return t == CT_STATE_F64 || t == CT_STATE_I64 ? 8 : t == CT_STATE_U8 ? 1 : 4;
}

static hid_t native(ct_state_type t)
{
    switch (t) {
    case CT_STATE_F32:
        return H5T_NATIVE_FLOAT;
    case CT_STATE_F64:
        return H5T_NATIVE_DOUBLE;
    case CT_STATE_I64:
        return H5T_NATIVE_INT64;
    case CT_STATE_I32:
        return H5T_NATIVE_INT32;
    case CT_STATE_U8:
        return H5T_NATIVE_UINT8;
    }
    return H5T_NATIVE_UINT8;
}

/* A rank's PER_RANK element count at world size `size`: different on every
 * rank, and none on the last of several. */
static int64_t per_rank_count(int which, int rank, int size)
{
    switch (which) {
    case REPLAY_I32:
        return 3 + 2 * rank;
    case REPLAY_F32:
        return size > 1 && rank == size - 1 ? 0 : 4;
    default:
        return 1;
    }
}

static int64_t first_row(const spec *s, int rank, int size)
{
    return (int64_t)rank * s->total_rows / size;
}

/* Elements of entry `which` on rank of size. */
static int64_t elements(int which, int rank, int size)
{
    const spec *s = &specs[which];
    if (s->kind == CT_STATE_SHARED)
        return s->count;
    if (s->kind == CT_STATE_ROWS)
        return (first_row(s, rank + 1, size) - first_row(s, rank, size)) * s->row_elems;
    return per_rank_count(which, rank, size);
}

/* Element i of entry `which` as the family holds it: for ROWS i is the
 * global element index, for PER_RANK the rank's own; stored into the
 * entry's type. Doubles that float cannot hold show an f64 stored as f32,
 * integers beyond 2^32 an i64 stored narrower. */
static double value(int which, int rank, int64_t i)
{
    const spec *s = &specs[which];
    double r = s->kind == CT_STATE_PER_RANK ? rank : 0;
    switch (s->type) {
    case CT_STATE_F64:
        return 1.0 / 3.0 + (double)i + 100.0 * which;
    case CT_STATE_F32:
        return 0.5 * (double)i + which + 1000.0 * r;
    case CT_STATE_I64:
        return (double)((int64_t)1 << 40) + 3.0 * (double)i + 1e6 * r;
    case CT_STATE_I32:
        return -(1000.0 * r + (double)i) - 7.0;
    case CT_STATE_U8:
        return (double)(((int64_t)i * 37 + (int64_t)r * 11 + which) % 256);
    }
    return 0;
}

static void set_elem(void *data, ct_state_type t, int64_t i, double v)
{
    switch (t) {
    case CT_STATE_F32:
        ((float *)data)[i] = (float)v;
        break;
    case CT_STATE_F64:
        ((double *)data)[i] = v;
        break;
    case CT_STATE_I64:
        ((int64_t *)data)[i] = (int64_t)v;
        break;
    case CT_STATE_I32:
        ((int32_t *)data)[i] = (int32_t)v;
        break;
    case CT_STATE_U8:
        ((uint8_t *)data)[i] = (uint8_t)v;
        break;
    }
}

static bool elem_equals(const void *data, ct_state_type t, int64_t i, double v)
{
    switch (t) {
    case CT_STATE_F32:
        return ((const float *)data)[i] == (float)v;
    case CT_STATE_F64:
        return ((const double *)data)[i] == v;
    case CT_STATE_I64:
        return ((const int64_t *)data)[i] == (int64_t)v;
    case CT_STATE_I32:
        return ((const int32_t *)data)[i] == (int32_t)v;
    case CT_STATE_U8:
        return ((const uint8_t *)data)[i] == (uint8_t)v;
    }
    return false;
}

/* The family's arrays and their table, for the entries in `mask`. */
typedef struct fixture {
    ct_state_table table;
    int which[NSPECS]; /* spec of each table entry */
    void *data[NSPECS];
    int rank, size;
} fixture;

/* Builds the entries of mask for rank of size, filled with their values
 * (fill) or zeroed. */
static void fixture_init(fixture *f, unsigned mask, int rank, int size, bool fill)
{
    memset(f, 0, sizeof *f);
    f->rank = rank;
    f->size = size;
    for (int w = 0; w < NSPECS; w++) {
        if (!(mask >> w & 1))
            continue;
        const spec *s = &specs[w];
        int64_t n = elements(w, rank, size);
        void *data = ct_calloc((size_t)n, elem_bytes(s->type));
        int64_t base = s->kind == CT_STATE_ROWS ? first_row(s, rank, size) * s->row_elems : 0;
        for (int64_t i = 0; fill && i < n; i++)
            set_elem(data, s->type, i, value(w, rank, base + i));
        ct_state_entry e = {.kind = s->kind, .type = s->type, .data = data};
        snprintf(e.name, sizeof e.name, "%s", s->name);
        e.count = s->kind == CT_STATE_ROWS ? n / s->row_elems : n;
        e.row_elems = s->row_elems;
        e.total_rows = s->total_rows;
        ct_error err;
        MT_REQUIRE(ct_state_declare(&f->table, &e, &err) == CT_OK);
        f->which[f->table.n - 1] = w;
        f->data[f->table.n - 1] = data;
    }
}

static void fixture_free(fixture *f)
{
    for (int i = 0; i < f->table.n; i++)
        ct_free(f->data[i]);
    memset(f, 0, sizeof *f);
}

/* Every entry holds exactly this rank's values. */
static void fixture_check(const fixture *f, const char *when)
{
    for (int i = 0; i < f->table.n; i++) {
        int w = f->which[i];
        const spec *s = &specs[w];
        int64_t n = elements(w, f->rank, f->size);
        int64_t base = s->kind == CT_STATE_ROWS ? first_row(s, f->rank, f->size) * s->row_elems : 0;
        int64_t wrong = 0, first = -1;
        for (int64_t k = 0; k < n; k++)
            if (!elem_equals(f->data[i], s->type, k, value(w, f->rank, base + k)) && wrong++ == 0)
                first = k;
        mt_report(wrong == 0, __FILE__, __LINE__, "%s: %s at world size %d: %lld of %lld values wrong, first %lld",
                  when, s->name, f->size, (long long)wrong, (long long)n, (long long)first);
    }
}

/* Rank 0 of w gathers f's state and writes it as /family of a new file. */
static void write_state(const ct_world *w, const fixture *f, const char *path)
{
    ct_state_image img;
    ct_error err;
    int rc = ct_state_gather(&f->table, w, &img, &err);
    mt_report(rc == CT_OK, __FILE__, __LINE__, "gather: %s", rc == CT_OK ? "" : err.msg);
    if (w->rank == 0 && rc == CT_OK) {
        hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        MT_REQUIRE(file >= 0);
        rc = ct_state_write(&f->table, &img, file, &err);
        mt_report(rc == CT_OK, __FILE__, __LINE__, "write: %s", rc == CT_OK ? "" : err.msg);
        MT_REQUIRE(H5Fclose(file) >= 0);
    }
    ct_state_image_free(&img);
}

/* Restores f's state from path as ct_restore does: rank 0 reads, the ranks
 * agree, every rank gets its part. Returns the agreed status. */
static int read_state(const ct_world *w, fixture *f, const char *path, ct_error *err)
{
    ct_state_image img = {0};
    int rc = CT_OK;
    if (w->rank == 0) {
        hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        MT_REQUIRE(file >= 0);
        rc = ct_state_read(&f->table, file, path, w->size, &img, err);
        H5Fclose(file);
    }
    rc = ct_agree(w, rc, err);
    if (rc == CT_OK)
        rc = ct_state_scatter(&f->table, w, &img, err);
    ct_state_image_free(&img);
    return rc;
}

/* Rank 0: dataset `name` of file as type t, with its extent in dims. */
static void *read_plain(hid_t file, const char *name, ct_state_type t, int *rank, hsize_t dims[2])
{
    dims[0] = dims[1] = 0;
    *rank = -1;
    if (H5Lexists(file, "family", H5P_DEFAULT) <= 0 || H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t space = H5Dget_space(set);
    *rank = H5Sget_simple_extent_ndims(space);
    if (*rank < 1 || *rank > 2) {
        H5Sclose(space);
        H5Dclose(set);
        return NULL;
    }
    H5Sget_simple_extent_dims(space, dims, NULL);
    size_t n = (size_t)dims[0] * (*rank == 2 ? (size_t)dims[1] : 1);
    void *data = ct_calloc(n ? n : 1, elem_bytes(t));
    MT_CHECK(H5Dread(set, native(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Sclose(space);
    H5Dclose(set);
    return data;
}

/* Rank 0: the file holds every entry in its documented layout, ROWS in
 * global row order and PER_RANK one dataset per writing rank. */
static void check_file(const char *path, int writers)
{
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    MT_REQUIRE(file >= 0);
    for (int w = 0; w < NSPECS; w++) {
        const spec *s = &specs[w];
        int parts = s->kind == CT_STATE_PER_RANK ? writers : 1;
        for (int r = 0; r < parts; r++) {
            char name[128];
            if (s->kind == CT_STATE_PER_RANK)
                snprintf(name, sizeof name, "/family/%s/rank%d", s->name, r);
            else
                snprintf(name, sizeof name, "/family/%s", s->name);
            int rank;
            hsize_t dims[2];
            void *data = read_plain(file, name, s->type, &rank, dims);
            mt_report(data != NULL, __FILE__, __LINE__, "%s: no 1- or 2-D dataset %s", path, name);
            if (!data)
                continue;
            int64_t n;
            if (s->kind == CT_STATE_ROWS) {
                MT_CHECK_INT(rank, 2);
                MT_CHECK_INT(dims[0], s->total_rows);
                MT_CHECK_INT(dims[1], s->row_elems);
                n = s->total_rows * s->row_elems;
            } else {
                n = s->kind == CT_STATE_SHARED ? s->count : per_rank_count(w, r, writers);
                MT_CHECK_INT(rank, 1);
                MT_CHECK_INT(dims[0], n);
            }
            int64_t wrong = 0;
            for (int64_t i = 0; i < n && (int64_t)dims[0] * (rank == 2 ? (int64_t)dims[1] : 1) == n; i++)
                wrong += !elem_equals(data, s->type, i, value(w, r, i));
            mt_report(wrong == 0, __FILE__, __LINE__, "%s: %s: %lld values wrong", path, name, (long long)wrong);
            ct_free(data);
        }
    }
    /* No dataset for a rank that did not write. */
    char extra[128];
    snprintf(extra, sizeof extra, "/family/%s/rank%d", specs[REPLAY_I32].name, writers);
    MT_CHECK(H5Lexists(file, extra, H5P_DEFAULT) == 0);
    H5Fclose(file);
}

static void test_round_trip(const ct_world *w)
{
    mt_case_begin("round trip at this world size");
    fixture saved, restored;
    fixture_init(&saved, ALL_SPECS, w->rank, w->size, true);
    const char *path = mt_path("round_trip.h5");
    write_state(w, &saved, path);
    /* Gathering leaves the family's arrays as they were. */
    fixture_check(&saved, "after gather");
    MPI_Barrier(w->comm);
    if (w->rank == 0)
        check_file(path, w->size);

    fixture_init(&restored, ALL_SPECS, w->rank, w->size, false);
    ct_error err;
    int rc = read_state(w, &restored, path, &err);
    mt_report(rc == CT_OK, __FILE__, __LINE__, "restore: %s", rc == CT_OK ? "" : err.msg);
    fixture_check(&restored, "restored");
    fixture_free(&saved);
    fixture_free(&restored);
    mt_case_end();
}

/* Written by the first s ranks, read by the first t, for every s and t. */
static void test_other_world_sizes(const ct_world *w)
{
    mt_case_begin("written at one world size, read at another");
    for (int s = 1; s <= w->size; s++) {
        char name[64];
        snprintf(name, sizeof name, "written_by_%d.h5", s);
        const char *path = mt_path(name);
        mt_where("written by %d ranks", s);
        ct_world writers = mt_sub_world(w, s);
        if (writers.comm != MPI_COMM_NULL) {
            fixture saved;
            fixture_init(&saved, ALL_SPECS, writers.rank, writers.size, true);
            write_state(&writers, &saved, path);
            fixture_free(&saved);
        }
        mt_sub_world_free(&writers);
        MPI_Barrier(w->comm);
        if (w->rank == 0)
            check_file(path, s);

        for (int t = 1; t <= w->size; t++) {
            mt_where("written by %d ranks, read by %d", s, t);
            ct_world readers = mt_sub_world(w, t);
            if (readers.comm != MPI_COMM_NULL) {
                /* ROWS and SHARED follow the readers' partition. */
                fixture restored;
                fixture_init(&restored, ALL_SPECS & ~PER_RANK_SPECS, readers.rank, readers.size, false);
                ct_error err;
                int rc = read_state(&readers, &restored, path, &err);
                mt_report(rc == CT_OK, __FILE__, __LINE__, "written by %d, read by %d: %s", s, t,
                          rc == CT_OK ? "" : err.msg);
                fixture_check(&restored, "rows and shared, other world size");
                fixture_free(&restored);

                /* PER_RANK only at the size that wrote it; else every
                 * rank fails with the same message, none hangs. */
                fixture_init(&restored, ALL_SPECS, readers.rank, readers.size, false);
                rc = read_state(&readers, &restored, path, &err);
                if (s == t) {
                    mt_report(rc == CT_OK, __FILE__, __LINE__, "written and read by %d: %s", s,
                              rc == CT_OK ? "" : err.msg);
                    fixture_check(&restored, "everything, same world size");
                } else {
                    char written[64], has[64];
                    snprintf(written, sizeof written, "written by %d ranks", s);
                    snprintf(has, sizeof has, "this run has %d", t);
                    MT_CHECK_INT(rc, CT_ERR);
                    MT_CHECK_MSG(err.msg, path, "/family/replay_i32", written, has);
                    /* Only rank 0 reads, so the others name it. */
                    MT_CHECK((strncmp(err.msg, "rank 0: ", 8) == 0) == (t > 1));
                }
                fixture_free(&restored);
            }
            mt_sub_world_free(&readers);
        }
    }
    mt_case_end();
}

/* Restoring a table that differs from the file: every rank fails with the
 * message rank 0 (or the rank that found it) gives. */
static void expect_failure(const ct_world *w, fixture *f, const char *path, int failing_rank, const char *what,
                           const char *detail)
{
    ct_error err;
    int rc = read_state(w, f, path, &err);
    MT_CHECK_INT(rc, CT_ERR);
    if (rc != CT_ERR)
        return;
    MT_CHECK_MSG(err.msg, what, detail);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "rank %d: ", failing_rank);
    MT_CHECK((strncmp(err.msg, prefix, strlen(prefix)) == 0) == (w->size > 1));
}

/* A one-entry fixture: spec `which` with some fields changed. */
static void single(fixture *f, const ct_world *w, int which, const char *name, ct_state_kind kind, int64_t count,
                   int64_t total_rows, int64_t row_elems)
{
    memset(f, 0, sizeof *f);
    f->rank = w->rank;
    f->size = w->size;
    ct_state_entry e = {.kind = kind, .type = specs[which].type, .count = count, .row_elems = row_elems,
                        .total_rows = total_rows};
    snprintf(e.name, sizeof e.name, "%s", name);
    int64_t n = kind == CT_STATE_ROWS ? count * row_elems : count;
    e.data = ct_calloc((size_t)(n > 0 ? n : 1), elem_bytes(e.type));
    ct_error err;
    MT_REQUIRE(ct_state_declare(&f->table, &e, &err) == CT_OK);
    f->which[0] = which;
    f->data[0] = e.data;
}

static void test_errors(const ct_world *w)
{
    mt_case_begin("missing and mismatched state");
    const char *path = mt_path("round_trip.h5"), *bare = mt_path("no_family.h5");
    if (w->rank == 0) {
        hid_t file = H5Fcreate(bare, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        MT_REQUIRE(file >= 0);
        H5Fclose(file);
    }
    MPI_Barrier(w->comm);
    fixture f;

    single(&f, w, SHARED_F64, "absent", CT_STATE_SHARED, 5, 0, 0);
    expect_failure(w, &f, path, 0, path, "no family state /family/absent");
    fixture_free(&f);

    fixture_init(&f, ALL_SPECS, w->rank, w->size, false);
    expect_failure(w, &f, bare, 0, bare, "no family state /family/shared_f64");
    fixture_free(&f);

    /* A missing PER_RANK entry is missing, whatever the world size. */
    single(&f, w, REPLAY_I32, "absent_replay", CT_STATE_PER_RANK, 3, 0, 0);
    expect_failure(w, &f, path, 0, path, "no family state /family/absent_replay");
    fixture_free(&f);

    single(&f, w, SHARED_F64, "shared_f64", CT_STATE_SHARED, 6, 0, 0);
    expect_failure(w, &f, path, 0, "/family/shared_f64", "has 5 values along dimension 0, this run has 6");
    fixture_free(&f);

    int64_t rows = specs[ROWS_F32].total_rows, mine = (w->rank + 1) * rows / w->size - w->rank * rows / w->size;
    single(&f, w, ROWS_F32, "rows_f32", CT_STATE_ROWS, mine, rows, 4);
    expect_failure(w, &f, path, 0, "/family/rows_f32", "has 3 values along dimension 1, this run has 4");
    fixture_free(&f);

    rows = 12;
    mine = (w->rank + 1) * rows / w->size - w->rank * rows / w->size;
    single(&f, w, ROWS_F32, "rows_f32", CT_STATE_ROWS, mine, rows, 3);
    expect_failure(w, &f, path, 0, "/family/rows_f32", "has 10 values along dimension 0, this run has 12");
    fixture_free(&f);

    single(&f, w, ROWS_F32, "rows_f32", CT_STATE_SHARED, 30, 0, 0);
    expect_failure(w, &f, path, 0, "/family/rows_f32", "has 2 dimensions, expected 1");
    fixture_free(&f);

    single(&f, w, SHARED_F64, "shared_f64", CT_STATE_ROWS, w->rank == 0 ? 5 : 0, 5, 1);
    expect_failure(w, &f, path, 0, "/family/shared_f64", "has 1 dimensions, expected 2");
    fixture_free(&f);

    /* Kept per rank when written (a group of datasets), shared now. */
    single(&f, w, REPLAY_I32, "replay_i32", CT_STATE_SHARED, 3, 0, 0);
    expect_failure(w, &f, path, 0, "/family/replay_i32", "is not a dataset");
    fixture_free(&f);

    /* Shared when written, kept per rank now. */
    single(&f, w, SHARED_F64, "shared_f64", CT_STATE_PER_RANK, 5, 0, 0);
    expect_failure(w, &f, path, 0, path, "/family/shared_f64");
    fixture_free(&f);

    /* Same world size, but the last rank's replay holds one more element
     * than it wrote: found when the state is handed out, by that rank. */
    int last = w->size - 1;
    int64_t written = per_rank_count(REPLAY_I32, w->rank, w->size);
    int64_t last_written = per_rank_count(REPLAY_I32, last, w->size);
    single(&f, w, REPLAY_I32, "replay_i32", CT_STATE_PER_RANK, written + (w->rank == last), 0, 0);
    char holds[96];
    snprintf(holds, sizeof holds, "holds %lld values for this rank, the run has %lld", (long long)last_written,
             (long long)last_written + 1);
    expect_failure(w, &f, path, last, "replay_i32", holds);
    fixture_free(&f);
    mt_case_end();
}

static void test_declare(const ct_world *w)
{
    (void)w;
    mt_case_begin("declare");
    ct_state_table t = {0};
    float x[4] = {0};
    ct_error err;
    ct_state_entry e = {.name = "bad-name", .kind = CT_STATE_SHARED, .type = CT_STATE_F32, .data = x, .count = 4};
    MT_CHECK_INT(ct_state_declare(&t, &e, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "bad-name", "letters, digits and '_'");
    e.name[0] = '\0';
    MT_CHECK_INT(ct_state_declare(&t, &e, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "no name");
    snprintf(e.name, sizeof e.name, "ok_1");
    MT_CHECK_INT(ct_state_declare(&t, &e, &err), CT_OK);
    MT_CHECK_INT(ct_state_declare(&t, &e, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "ok_1", "declared twice");
    ct_state_entry rows = {.name = "rows", .kind = CT_STATE_ROWS, .type = CT_STATE_F32, .data = x, .count = 1,
                           .row_elems = 0, .total_rows = 1};
    MT_CHECK_INT(ct_state_declare(&t, &rows, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "'rows'", "empty sizes");
    for (int i = 1; i < CT_MAX_STATE_ENTRIES; i++) {
        snprintf(e.name, sizeof e.name, "entry_%d", i);
        MT_CHECK_INT(ct_state_declare(&t, &e, &err), CT_OK);
    }
    snprintf(e.name, sizeof e.name, "one_too_many");
    MT_CHECK_INT(ct_state_declare(&t, &e, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "one_too_many", "at most");
    MT_CHECK_INT(t.n, CT_MAX_STATE_ENTRIES);
    mt_case_end();
}

int main(int argc, char **argv)
{
    ct_world w;
    mt_init(&w, &argc, &argv);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    test_declare(&w);
    test_round_trip(&w);
    test_other_world_sizes(&w);
    test_errors(&w);
    return mt_finish(&w);
}
