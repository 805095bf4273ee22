/* The data store under mpirun. Rank 0 writes small splits whose rows
 * identify themselves (input values, label, float targets and sequence
 * lengths are functions
 * of the row number), with row counts that the world size does not divide (and one of
 * fewer rows than ranks); every rank reads its shard, and over whole
 * epochs, for global batch sizes below, equal to and above the world size,
 * not divisible by it, and larger than the split, each rank's batch is
 * checked against an independent computation: rank r gets positions
 * [r*n/W, (r+1)*n/W) of the batch, each holding row ct_shuffle_at(order,
 * position), converted to float; and over the ranks every position of a
 * batch comes exactly once, and every row once per epoch. Both orders of
 * the two-slot prefetch are run: finish k, start k+1, then use k (the
 * training loop's: k must survive the start of k+1), and start k+1 before
 * finishing k. */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "comm/datastore.h"
#include "datasets/shard.h"
#include "engine/alloc.h"
#include "engine/shuffle.h"
#include "tests/comm/mpitest.h"

#define C 2
#define H 3
#define SAMPLE (C * H)
#define TARGETS 2 /* float targets per row */
#define SEED 20240611u

/* Stored value j of a row: uint8 images keep the row in value 0 (rows <
 * 256 here); float images store row*8 + j. Both are exact after the scale
 * (0.5) and offset (-1) the file sets. */
static double stored(bool float_images, int64_t row, int j)
{
    return float_images ? (double)(row * 8 + j) : (double)((row + 40 * j) % 256);
}

static float expected_input(bool float_images, int64_t row, int j)
{
    return (float)(stored(float_images, row, j) * 0.5 - 1.0);
}

/* Float target j of a row (exact in float32). */
static float expected_target(int64_t row, int j)
{
    return (float)row * 2.0f + (float)j + 0.25f;
}

/* The length of a row (its samples are [C, H]: C steps of H values). */
static int32_t expected_length(int64_t row)
{
    return (int32_t)(1 + row % C);
}

/* The row a batch's sample came from, read back from its first value. */
static int64_t decode_row(bool float_images, const float *sample)
{
    double v0 = ((double)sample[0] + 1.0) * 2.0;
    return (int64_t)(float_images ? v0 / 8.0 : v0);
}

static void write_split(const char *path, int64_t rows, bool float_images)
{
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    MT_REQUIRE(file >= 0);
    hid_t group = H5Gcreate2(file, "train", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[3] = {(hsize_t)rows, C, H};
    hid_t space = H5Screate_simple(3, dims, NULL);
    hid_t type = float_images ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT8;
    hid_t set = H5Dcreate2(group, "images", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    size_t values = (size_t)rows * SAMPLE;
    float *f = CT_ALLOC_ARRAY(float, values);
    unsigned char *u = CT_ALLOC_ARRAY(unsigned char, values);
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < SAMPLE; j++) {
            f[r * SAMPLE + j] = (float)stored(true, r, j);
            u[r * SAMPLE + j] = (unsigned char)stored(false, r, j);
        }
    MT_REQUIRE(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, float_images ? (void *)f : (void *)u) >= 0);
    hid_t scalar = H5Screate(H5S_SCALAR);
    const char *names[2] = {"scale", "offset"};
    double attrs[2] = {0.5, -1.0};
    for (int a = 0; a < 2; a++) {
        hid_t attr = H5Acreate2(set, names[a], H5T_NATIVE_DOUBLE, scalar, H5P_DEFAULT, H5P_DEFAULT);
        MT_REQUIRE(attr >= 0 && H5Awrite(attr, H5T_NATIVE_DOUBLE, &attrs[a]) >= 0);
        H5Aclose(attr);
    }
    H5Sclose(scalar);
    H5Dclose(set);
    H5Sclose(space);

    int64_t *labels = CT_ALLOC_ARRAY(int64_t, rows);
    for (int64_t r = 0; r < rows; r++)
        labels[r] = r % 10;
    hsize_t ldims[1] = {(hsize_t)rows};
    space = H5Screate_simple(1, ldims, NULL);
    set = H5Dcreate2(group, "labels", H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    MT_REQUIRE(H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels) >= 0);
    H5Dclose(set);
    H5Sclose(space);

    float *targets = CT_ALLOC_ARRAY(float, (size_t)rows * TARGETS);
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < TARGETS; j++)
            targets[r * TARGETS + j] = expected_target(r, j);
    hsize_t tdims[2] = {(hsize_t)rows, TARGETS};
    space = H5Screate_simple(2, tdims, NULL);
    set = H5Dcreate2(group, "targets", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    MT_REQUIRE(H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, targets) >= 0);
    H5Dclose(set);
    H5Sclose(space);

    int32_t *lengths = CT_ALLOC_ARRAY(int32_t, rows);
    for (int64_t r = 0; r < rows; r++)
        lengths[r] = expected_length(r);
    hsize_t ndims[1] = {(hsize_t)rows};
    space = H5Screate_simple(1, ndims, NULL);
    set = H5Dcreate2(group, "lengths", H5T_NATIVE_INT32, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    MT_REQUIRE(H5Dwrite(set, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, lengths) >= 0);
    H5Dclose(set);
    H5Sclose(space);
    ct_free(lengths);
    H5Gclose(group);
    MT_REQUIRE(H5Fclose(file) >= 0);
    ct_free(targets);
    ct_free(labels);
    ct_free(f);
    ct_free(u);
}

typedef struct split_case {
    int64_t rows;
    bool float_images;
    bool labels;
    bool targets; /* float targets, read with ct_shard_read_targets */
    bool lengths; /* sequence lengths, read with ct_shard_read_lengths */
} split_case;

typedef struct epoch_check {
    const ct_world *w;
    const split_case *sc;
    const ct_shuffle *order;
    int64_t B;
    int64_t *seen;  /* [rows]: times each row came in this epoch, over the ranks */
    long *covered;  /* [B]: scratch, ranks holding each position of a batch */
    long *rows_at;  /* [B]: scratch, row + 1 at each position, summed over ranks */
} epoch_check;

/* Batch k of the epoch, as this rank holds it, against what it must be. */
static void check_batch(const epoch_check *c, int64_t k, const ct_batch *b)
{
    const ct_world *w = c->w;
    int64_t begin = k * c->B, end = begin + c->B < c->sc->rows ? begin + c->B : c->sc->rows, n = end - begin;
    int64_t lo = (int64_t)w->rank * n / w->size, hi = (int64_t)(w->rank + 1) * n / w->size;
    MT_CHECK_INT(b->global_n, n);
    MT_CHECK_INT(b->first_sample, lo);
    MT_CHECK_INT(b->n, hi - lo);
    MT_CHECK(c->sc->labels ? b->labels != NULL : b->labels == NULL);
    MT_CHECK(c->sc->targets ? b->targets != NULL : b->targets == NULL);
    MT_CHECK(c->sc->lengths ? b->lengths != NULL : b->lengths == NULL);
    long wrong_inputs = 0, wrong_labels = 0, wrong_targets = 0;
    for (int64_t p = lo; p < hi && b->n == hi - lo; p++) {
        int64_t row = ct_shuffle_at(c->order, begin + p);
        const float *x = b->inputs + (p - lo) * SAMPLE;
        for (int j = 0; j < SAMPLE; j++)
            wrong_inputs += x[j] != expected_input(c->sc->float_images, row, j);
        if (c->sc->labels)
            wrong_labels += b->labels[p - lo] != row % 10;
        for (int j = 0; c->sc->targets && j < TARGETS; j++)
            wrong_targets += b->targets[(p - lo) * TARGETS + j] != expected_target(row, j);
        if (c->sc->lengths)
            wrong_targets += b->lengths[p - lo] != expected_length(row);
    }
    mt_report(wrong_inputs == 0 && wrong_labels == 0 && wrong_targets == 0, __FILE__, __LINE__,
              "rows %lld, batch %lld (B %lld) positions [%lld, %lld): %ld input values, %ld labels and %ld targets "
              "or lengths wrong", (long long)c->sc->rows, (long long)k, (long long)c->B, (long long)lo, (long long)hi,
              wrong_inputs, wrong_labels, wrong_targets);

    /* The union over ranks, from what each rank holds, not from the rule. */
    memset(c->covered, 0, sizeof(long) * (size_t)c->B);
    memset(c->rows_at, 0, sizeof(long) * (size_t)c->B);
    for (int64_t i = 0; i < b->n; i++) {
        int64_t p = b->first_sample + i;
        if (p < 0 || p >= n)
            continue;
        c->covered[p]++;
        c->rows_at[p] += decode_row(c->sc->float_images, b->inputs + i * SAMPLE) + 1;
    }
    MPI_Allreduce(MPI_IN_PLACE, c->covered, (int)n, MPI_LONG, MPI_SUM, w->comm);
    MPI_Allreduce(MPI_IN_PLACE, c->rows_at, (int)n, MPI_LONG, MPI_SUM, w->comm);
    for (int64_t p = 0; p < n; p++) {
        mt_report(c->covered[p] == 1, __FILE__, __LINE__,
                  "rows %lld, batch %lld (B %lld): position %lld held by %ld ranks", (long long)c->sc->rows,
                  (long long)k, (long long)c->B, (long long)p, c->covered[p]);
        int64_t row = c->rows_at[p] - 1;
        if (c->covered[p] == 1 && row >= 0 && row < c->sc->rows)
            c->seen[row]++;
    }
}

/* One epoch of batches of B: prefetch_first starts batch k+1 before
 * finishing batch k; otherwise batch k is finished, k+1 started, then k is
 * checked (the training loop's order: k must survive the start of k+1). */
static void run_epoch(ct_datastore *ds, epoch_check *c, int64_t epoch, bool prefetch_first)
{
    ct_shuffle order;
    ct_shuffle_init(&order, c->sc->rows, SEED, epoch);
    c->order = &order;
    int64_t rows = c->sc->rows, B = c->B, K = (rows + B - 1) / B;
    memset(c->seen, 0, sizeof(int64_t) * (size_t)rows);
    ct_error err;
    MT_CHECK_INT(ct_datastore_start(ds, &order, 0, B < rows ? B : rows, &err), CT_OK);
    for (int64_t k = 0; k < K; k++) {
        mt_where("B %lld, epoch %lld, batch %lld of %lld, %s", (long long)B, (long long)epoch, (long long)k,
                 (long long)K, prefetch_first ? "started k+1 before finishing k" : "finished k before starting k+1");
        int64_t next_begin = (k + 1) * B, next_end = next_begin + B < rows ? next_begin + B : rows;
        const ct_batch *b = NULL;
        if (prefetch_first && k + 1 < K)
            MT_CHECK_INT(ct_datastore_start(ds, &order, next_begin, next_end, &err), CT_OK);
        if (prefetch_first && k == 0 && K > 1) {
            /* A third batch in flight is refused, on every rank alike. */
            MT_CHECK_INT(ct_datastore_start(ds, &order, 0, 1, &err), CT_ERR);
            MT_CHECK_MSG(err.msg, "both batch slots are in flight");
        }
        MT_CHECK_INT(ct_datastore_finish(ds, &b, &err), CT_OK);
        if (!prefetch_first && k + 1 < K)
            MT_CHECK_INT(ct_datastore_start(ds, &order, next_begin, next_end, &err), CT_OK);
        MT_REQUIRE(b != NULL);
        check_batch(c, k, b);
    }
    mt_where("B %lld, epoch %lld", (long long)B, (long long)epoch);
    for (int64_t r = 0; r < rows; r++)
        mt_report(c->seen[r] == 1, __FILE__, __LINE__, "rows %lld, B %lld, epoch %lld: row %lld came %lld times",
                  (long long)rows, (long long)B, (long long)epoch, (long long)r, (long long)c->seen[r]);
    /* Nothing is left in flight. */
    const ct_batch *none;
    MT_CHECK_INT(ct_datastore_finish(ds, &none, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "no batch was started");
}

static void check_shard(const ct_world *w, const split_case *sc, const ct_shard *s)
{
    int64_t first = (int64_t)w->rank * sc->rows / w->size, next = (int64_t)(w->rank + 1) * sc->rows / w->size;
    MT_CHECK_INT(s->total_rows, sc->rows);
    MT_CHECK_INT(s->first_row, first);
    MT_CHECK_INT(s->nrows, next - first);
    MT_CHECK_INT(s->sample_size, SAMPLE);
    long wrong = 0;
    float x[SAMPLE];
    for (int64_t r = 0; r < s->nrows; r++) {
        ct_shard_rows_float(s, r, 1, x);
        for (int j = 0; j < SAMPLE; j++)
            wrong += x[j] != expected_input(sc->float_images, first + r, j);
        for (int j = 0; sc->targets && j < TARGETS; j++)
            wrong += s->targets[r * TARGETS + j] != expected_target(first + r, j);
        if (sc->lengths)
            wrong += s->lengths[r] != expected_length(first + r);
    }
    MT_CHECK_INT(wrong, 0);
    MT_CHECK_INT(s->target_size, sc->targets ? TARGETS : 0);
}

static void test_split(const ct_world *w, const split_case *sc)
{
    char name[64], title[128];
    snprintf(name, sizeof name, "split_%lld_%s.h5", (long long)sc->rows, sc->float_images ? "f32" : "u8");
    snprintf(title, sizeof title, "%lld rows of %s%s%s%s", (long long)sc->rows, sc->float_images ? "float32" : "uint8",
             sc->labels ? "" : ", no labels", sc->targets ? ", float targets" : "", sc->lengths ? ", lengths" : "");
    mt_case_begin(title);
    const char *path = mt_path(name);
    if (w->rank == 0)
        write_split(path, sc->rows, sc->float_images);
    MPI_Barrier(w->comm);

    ct_shard shard = {0};
    ct_error err;
    int rc = ct_shard_read(&shard, path, "train", "images", sc->labels ? "labels" : NULL, w->rank, w->size, &err);
    if (rc == CT_OK && sc->targets)
        rc = ct_shard_read_targets(&shard, path, "train", "images", "targets", &err);
    if (rc == CT_OK && sc->lengths)
        rc = ct_shard_read_lengths(&shard, path, "train", "images", "lengths", &err);
    if (rc != CT_OK)
        fprintf(stderr, "rank %d: %s\n", w->rank, err.msg);
    MT_REQUIRE(rc == CT_OK);
    check_shard(w, sc, &shard);

    int64_t batches[] = {1, 2, 3, 7, 10, 64};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        int64_t B = batches[i];
        ct_datastore ds;
        MT_REQUIRE(ct_datastore_init(&ds, w, &shard, B, &err) == CT_OK);
        epoch_check c = {
            .w = w,
            .sc = sc,
            .B = B,
            .seen = CT_ALLOC_ARRAY(int64_t, sc->rows),
            .covered = CT_ALLOC_ARRAY(long, B),
            .rows_at = CT_ALLOC_ARRAY(long, B),
        };
        for (int64_t epoch = 0; epoch < 4; epoch++)
            run_epoch(&ds, &c, epoch, epoch % 2 == 1);

        /* A batch larger than the store was made for is refused. */
        mt_where("B %lld, after the epochs", (long long)B);
        ct_shuffle order;
        ct_shuffle_init(&order, sc->rows, SEED, 0);
        if (B + 1 <= sc->rows) {
            MT_CHECK_INT(ct_datastore_start(&ds, &order, 0, B + 1, &err), CT_ERR);
            MT_CHECK_MSG(err.msg, "expected 1..");
        }
        MT_CHECK_INT(ct_datastore_start(&ds, &order, 3, 3, &err), CT_ERR);
        ct_free(c.seen);
        ct_free(c.covered);
        ct_free(c.rows_at);
        ct_datastore_free(&ds);
    }
    ct_shard_free(&shard);
    mt_case_end();
}

/* The store freed with a batch still in flight completes it first (no
 * request left behind; ASan and MPI_Finalize would see it). */
static void test_free_in_flight(const ct_world *w)
{
    mt_case_begin("free with a batch in flight");
    const char *path = mt_path("split_11_u8.h5");
    ct_shard shard = {0};
    ct_error err;
    MT_REQUIRE(ct_shard_read(&shard, path, "train", "images", "labels", w->rank, w->size, &err) == CT_OK);
    ct_datastore ds;
    MT_REQUIRE(ct_datastore_init(&ds, w, &shard, 4, &err) == CT_OK);
    ct_shuffle order;
    ct_shuffle_init(&order, shard.total_rows, SEED, 9);
    MT_CHECK_INT(ct_datastore_start(&ds, &order, 0, 4, &err), CT_OK);
    MT_CHECK_INT(ct_datastore_start(&ds, &order, 4, 8, &err), CT_OK);
    ct_datastore_free(&ds);
    MT_CHECK(ds.shard == NULL);
    ct_datastore_free(&ds); /* twice is harmless */
    MT_CHECK_INT(ct_datastore_init(&ds, w, &shard, 0, &err), CT_ERR);
    MT_CHECK_MSG(err.msg, "batch size");
    ct_shard_free(&shard);
    mt_case_end();
}

int main(int argc, char **argv)
{
    ct_world w;
    mt_init(&w, &argc, &argv);
    split_case cases[] = {
        {2, false, true, false, false},  {10, false, true, false, false}, {11, false, true, false, false},
        {97, false, true, false, false}, {11, true, true, false, false},  {97, true, false, false, false},
        {2, false, true, true, false},   {97, true, false, true, false},
        {11, false, true, false, true}, {97, true, true, true, true}, {2, true, false, false, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        test_split(&w, &cases[i]);
    test_free_in_flight(&w);
    return mt_finish(&w);
}
