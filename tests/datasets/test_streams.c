/* ct_streams: the windows of every world size, concatenated over the ranks,
 * are those of one rank and those computed here from the formulas the file
 * was written with; each rank reads only its streams' rows; every error.
 * Files are written with the HDF5 C API (dstest), and one by h5py
 * (huge.h5 in CT_H5PY_DIR, from h5py_files.py make). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datasets/streams.h"
#include "engine/alloc.h"
#include "tests/datasets/dstest.h"

#ifndef CT_H5PY_DIR
#error "CT_H5PY_DIR must name the directory h5py_files.py writes"
#endif

/* L = B*S + 3 rows: B = 4 streams of S = 23 rows, a tail of 3 dropped. */
enum { B = 4, S = 23, L = B * S + 3, BPTT = 5, WINDOWS = 5 /* ceil((S - 1) / BPTT) */, FS = 3, FB = 2 };

static int64_t token(int64_t row)
{
    return (row * 37 + 11) % 5000;
}

static float series(int64_t row, int64_t j)
{
    return (float)row * 0.5f - (float)j * 0.25f;
}

static unsigned char byte(int64_t row, int64_t j)
{
    return (unsigned char)((row * 7 + j * 3) % 256);
}

/* /seq/tokens int64 [L] (a bad id in the dropped tail), /seq/series float32
 * [L, FS] with scale 2 and offset -1, /seq/bytes uint8 [L, FB] with scale
 * 0.5 and offset 1, chunked; and datasets for the errors. */
static void write_file(const char *path)
{
    hid_t f = d_create(path);
    int64_t tok[L];
    float ser[L * FS];
    unsigned char by[L * FB];
    for (int64_t i = 0; i < L; i++) {
        tok[i] = token(i);
        for (int64_t j = 0; j < FS; j++)
            ser[i * FS + j] = series(i, j);
        for (int64_t j = 0; j < FB; j++)
            by[i * FB + j] = byte(i, j);
    }
    tok[B * S + 1] = -7; /* in the tail: never read */
    hsize_t dims[2] = {L, FS}, chunk[2] = {7, FS};
    hid_t d;
    d_write(f, "seq/tokens", H5T_NATIVE_INT64, 1, dims, chunk, 0, tok, NULL);
    d_write(f, "seq/series", H5T_NATIVE_FLOAT, 2, dims, chunk, 4, ser, &d);
    d_attr_double(d, "scale", H5T_IEEE_F64LE, 2.0);
    d_attr_double(d, "offset", H5T_IEEE_F32LE, -1.0);
    H5Dclose(d);
    dims[1] = chunk[1] = FB;
    d_write(f, "seq/bytes", H5T_NATIVE_UINT8, 2, dims, NULL, 0, by, &d);
    d_attr_double(d, "scale", H5T_IEEE_F32LE, 0.5);
    d_attr_double(d, "offset", H5T_IEEE_F32LE, 1.0);
    H5Dclose(d);

    tok[2 * S + 4] = -3; /* in stream 2 */
    d_write(f, "bad/negative", H5T_NATIVE_INT64, 1, dims, NULL, 0, tok, NULL);
    tok[2 * S + 4] = token(2 * S + 4);
    tok[S + 1] = (int64_t)1 << 31; /* in stream 1 */
    d_write(f, "bad/wide", H5T_NATIVE_INT64, 1, dims, NULL, 0, tok, NULL);
    ser[(3 * S + 2) * FS + 1] = NAN; /* in stream 3 */
    dims[1] = FS;
    d_write(f, "bad/nan", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, ser, NULL);
    hsize_t short_dims[1] = {9}, cube[3] = {L, 2, 2}, empty[2] = {L, 0};
    d_write(f, "bad/short", H5T_NATIVE_INT64, 1, short_dims, NULL, 0, tok, NULL);
    d_write(f, "bad/cube", H5T_NATIVE_FLOAT, 3, cube, NULL, 0, NULL, NULL);
    d_write(f, "bad/empty", H5T_NATIVE_FLOAT, 2, empty, NULL, 0, NULL, NULL);
    dims[1] = 2;
    d_write(f, "bad/int_pairs", H5T_NATIVE_INT16, 2, dims, NULL, 0, NULL, NULL);
    H5Fclose(f);
}

/* One dataset's windows over world ranks, concatenated in rank order:
 * inputs[w] [B, T, F], targets[w] (ids or values). */
typedef struct windows {
    float inputs[WINDOWS][B * BPTT * FS];
    int32_t ids[WINDOWS][B * BPTT];
    float values[WINDOWS][B * BPTT * FS];
    int64_t T[WINDOWS];
} windows;

static void read_windows(const char *path, const char *name, int world, windows *out)
{
    memset(out, 0, sizeof *out);
    for (int r = 0; r < world; r++) {
        ct_streams s;
        ct_error err = {{0}};
        if (ct_streams_read(&s, path, "seq", name, B, BPTT, r, world, &err) != CT_OK)
            fail_msg("world %d rank %d: %s", world, r, err.msg);
        /* this rank read its streams' rows, and only those */
        int64_t lo = B * r / world, hi = B * (r + 1) / world;
        assert_int_equal(s.length, L);
        assert_int_equal(s.streams, B);
        assert_int_equal(s.stream_rows, S);
        assert_int_equal(s.first_stream, lo);
        assert_int_equal(s.nstreams, hi - lo);
        assert_int_equal(s.first_row, lo * S);
        assert_int_equal(s.nrows, (hi - lo) * S);
        assert_int_equal(ct_streams_windows(&s), WINDOWS);
        int64_t F = s.features;
        for (int64_t w = 0; w < WINDOWS; w++) {
            float in[B * BPTT * FS], tv[B * BPTT * FS];
            int32_t ti[B * BPTT];
            int64_t T;
            bool ids = s.dtype == CT_DTYPE_INT32;
            ct_streams_window(&s, w, in, ids ? ti : NULL, ids ? NULL : tv, &T);
            out->T[w] = T;
            memcpy(out->inputs[w] + lo * T * F, in, (size_t)(s.nstreams * T * F) * sizeof *in);
            if (ids)
                memcpy(out->ids[w] + lo * T, ti, (size_t)(s.nstreams * T) * sizeof *ti);
            else
                memcpy(out->values[w] + lo * T * F, tv, (size_t)(s.nstreams * T * F) * sizeof *tv);
        }
        ct_streams_free(&s);
        assert_null(s.values);
    }
}

/* The value of feature j of row `row` of a dataset, as the reader should
 * give it. */
static float expected(const char *name, int64_t row, int64_t j)
{
    if (strcmp(name, "tokens") == 0)
        return (float)token(row);
    if (strcmp(name, "series") == 0)
        return series(row, j) * 2.0f - 1.0f;
    return (float)byte(row, j) * 0.5f + 1.0f;
}

/* Windows of one rank, computed from the formulas: stream b, position
 * w*BPTT + t holds row b*S + w*BPTT + t; the target is the next row. */
static void check_formulas(const char *name, int64_t F, const windows *got)
{
    for (int64_t w = 0; w < WINDOWS; w++) {
        int64_t T = w < WINDOWS - 1 ? BPTT : S - 1 - w * BPTT;
        assert_int_equal(got->T[w], T);
        for (int64_t b = 0; b < B; b++)
            for (int64_t t = 0; t < T; t++) {
                int64_t row = b * S + w * BPTT + t;
                for (int64_t j = 0; j < F; j++) {
                    int64_t k = (b * T + t) * F + j;
                    assert_float_equal(got->inputs[w][k], expected(name, row, j), 0);
                    if (F == 1 && strcmp(name, "tokens") == 0)
                        assert_int_equal(got->ids[w][k], token(row + 1));
                    else
                        assert_float_equal(got->values[w][k], expected(name, row + 1, j), 0);
                }
            }
    }
}

static void test_windows_at_every_world_size(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "seq.h5");
    write_file(path);
    const char *names[3] = {"tokens", "series", "bytes"};
    int64_t features[3] = {1, FS, FB};
    static windows one, many;
    for (int k = 0; k < 3; k++) {
        read_windows(path, names[k], 1, &one);
        check_formulas(names[k], features[k], &one);
        int worlds[3] = {2, 3, 5}; /* 5 > B: one rank owns no stream */
        for (int i = 0; i < 3; i++) {
            read_windows(path, names[k], worlds[i], &many);
            if (memcmp(&one, &many, sizeof one) != 0)
                fail_msg("%s: the windows of %d ranks differ from those of 1", names[k], worlds[i]);
        }
    }
    d_rmtree(dir);
}

static void test_kept_types(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "seq.h5");
    write_file(path);
    ct_streams s;
    ct_error err = {{0}};
    assert_int_equal(ct_streams_read(&s, path, "seq", "bytes", B, BPTT, 1, 2, &err), CT_OK);
    assert_int_equal(s.dtype, CT_DTYPE_UINT8); /* kept as stored */
    assert_int_equal(((unsigned char *)s.values)[1], byte(2 * S, 1));
    assert_float_equal(s.scale, 0.5f, 0);
    ct_streams_free(&s);
    assert_int_equal(ct_streams_read(&s, path, "seq", "series", B, BPTT, 0, 1, &err), CT_OK);
    assert_int_equal(s.dtype, CT_DTYPE_FLOAT32); /* scaled when read */
    assert_float_equal(s.scale, 1.0f, 0);
    assert_float_equal(s.offset, 0.0f, 0);
    ct_streams_free(&s);
    assert_int_equal(ct_streams_read(&s, path, "seq", "tokens", B, BPTT, 0, 1, &err), CT_OK);
    assert_int_equal(s.dtype, CT_DTYPE_INT32);
    assert_int_equal(((int32_t *)s.values)[S + 2], token(S + 2));
    ct_streams_free(&s);
    d_rmtree(dir);
}

/* Reads and expects failure; returns the message (static). */
static const char *read_fails(const char *path, const char *split, const char *name, int64_t streams, int64_t bptt,
                              int rank, int world)
{
    static ct_error err;
    ct_streams s;
    memset(&s, 0x5a, sizeof s);
    memset(&err, 0, sizeof err);
    if (ct_streams_read(&s, path, split, name, streams, bptt, rank, world, &err) == CT_OK)
        fail_msg("reading %s /%s/%s succeeded, expected an error", path, split, name);
    assert_null(s.values);
    return err.msg;
}

/* A bad value fails only the rank whose streams hold it: each rank reads
 * only its rows. */
static void test_bad_values_name_their_row(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "seq.h5");
    write_file(path);
    for (int r = 0; r < 2; r++) { /* rank 1 of 2 holds streams 2 and 3 */
        ct_streams s;
        ct_error err = {{0}};
        if (ct_streams_read(&s, path, "seq", "tokens", B, BPTT, r, 2, &err) != CT_OK)
            fail_msg("the bad id in the dropped tail was read: %s", err.msg);
        ct_streams_free(&s);
    }
    char row[32];
    snprintf(row, sizeof row, "row %d:", 2 * S + 4);
    D_CHECK_MSG(read_fails(path, "bad", "negative", B, BPTT, 1, 2), path, "/bad/negative", row,
                "expected a token id >= 0, found -3");
    ct_streams s;
    ct_error err = {{0}};
    assert_int_equal(ct_streams_read(&s, path, "bad", "negative", B, BPTT, 0, 2, &err), CT_OK);
    ct_streams_free(&s);
    snprintf(row, sizeof row, "row %d:", S + 1);
    D_CHECK_MSG(read_fails(path, "bad", "wide", B, BPTT, 0, 1), path, "/bad/wide", row,
                "expected a token id <= 2147483647, found 2147483648");
    snprintf(row, sizeof row, "row %d:", 3 * S + 2);
    D_CHECK_MSG(read_fails(path, "bad", "nan", B, BPTT, 2, 3), path, "/bad/nan", row, "expected finite values",
                "found nan (element 1 of the row)");
    d_rmtree(dir);
}

static void test_errors(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "seq.h5");
    write_file(path);
    D_CHECK_MSG(read_fails(path, "seq", "tokens", B, 0, 0, 1), path, "/seq/tokens", "bptt 0",
                "expected windows of at least 1 row");
    D_CHECK_MSG(read_fails(path, "seq", "tokens", 0, BPTT, 0, 1), path, "/seq/tokens", "0 streams",
                "expected at least 1");
    D_CHECK_MSG(read_fails(path, "bad", "short", 5, 3, 0, 1), path, "/bad/short",
                "streams of 1 row are too short for bptt 3", "9 rows cut into 5 streams", "at least 2 rows");
    D_CHECK_MSG(read_fails(path, "seq", "tokens", L, BPTT, 0, 1), path, "streams of 1 row are too short");
    D_CHECK_MSG(read_fails(path, "bad", "cube", B, BPTT, 0, 1), path, "/bad/cube",
                "expected integer token ids [L], or a series [L, F] of float32 or uint8", "found float32 [95, 2, 2]");
    D_CHECK_MSG(read_fails(path, "bad", "int_pairs", B, BPTT, 0, 1), path, "/bad/int_pairs", "found int16 [95, 2]");
    D_CHECK_MSG(read_fails(path, "bad", "empty", B, BPTT, 0, 1), path, "/bad/empty",
                "expected series rows with at least one value", "[95, 0]");
    D_CHECK_MSG(read_fails(path, "seq", "words", B, BPTT, 0, 1), path, "no dataset /seq/words",
                "bytes, series, tokens");
    D_CHECK_MSG(read_fails(path, "seq", "tokens", B, BPTT, 3, 3), path, "rank 3 of world 3");
    D_CHECK_MSG(read_fails(d_path(dir, "none.h5"), "seq", "tokens", B, BPTT, 0, 1), "none.h5: no such file");

    /* the budget, before anything is allocated: rank 1 of 2 would stage
     * streams 2 and 3, rows [46, 92), as int64 */
    ct_alloc_set_budget(100, "test budget");
    D_CHECK_MSG(read_fails(path, "seq", "tokens", B, BPTT, 1, 2), path,
                "/seq/tokens: rows [46, 92) of 8 bytes needs 368 B of memory; 100 B are available (test budget)");
    D_CHECK_MSG(read_fails(path, "seq", "series", B, BPTT, 0, 1), path,
                "/seq/series: rows [0, 92) of 12 bytes needs 1.1 KiB");
    ct_alloc_set_budget(-1, NULL);
    d_rmtree(dir);
}

/* A file made by h5py declares 2^40 tokens and stores none. */
static void test_declared_size_is_checked(void **state)
{
    (void)state;
    const char *path = d_path(CT_H5PY_DIR, "huge.h5");
    ct_alloc_set_budget(1024.0 * 1024 * 1024, "test budget");
    D_CHECK_MSG(read_fails(path, "text", "tokens", 4, 35, 1, 2), path,
                "/text/tokens: rows [549755813888, 1099511627776) of 8 bytes needs 4.0 TiB of memory; 1.0 GiB are "
                "available (test budget)");
    ct_alloc_set_budget(-1, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_at_every_world_size),
        cmocka_unit_test(test_kept_types),
        cmocka_unit_test(test_bad_values_name_their_row),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_declared_size_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
