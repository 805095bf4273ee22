/* ct_shard: slice boundaries and owners, reading every layout written with
 * the HDF5 C API, scaling, and every error with its message. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datasets/shard.h"
#include "engine/alloc.h"
#include "tests/datasets/dstest.h"

/* ---- boundaries and owners ---- */

static void check_partition(int64_t n, int world)
{
    assert_int_equal(ct_shard_begin(n, 0, world), 0);
    assert_int_equal(ct_shard_begin(n, world, world), n);
    int64_t lo = n / world, hi = lo + (n % world != 0);
    for (int r = 0; r < world; r++) {
        int64_t b = ct_shard_begin(n, r, world), e = ct_shard_begin(n, r + 1, world);
        if (n <= INT64_MAX / world)
            assert_int_equal(b, (int64_t)r * n / world);
        assert_true(e - b >= lo && e - b <= hi);
    }
}

static void check_owners(int64_t n, int world)
{
    for (int64_t row = 0; row < n; row++) {
        int r = ct_shard_owner(row, n, world);
        assert_true(r >= 0 && r < world);
        assert_true(ct_shard_begin(n, r, world) <= row);
        assert_true(row < ct_shard_begin(n, r + 1, world));
    }
    assert_int_equal(ct_shard_owner(-1, n, world), -1);
    assert_int_equal(ct_shard_owner(n, n, world), -1);
}

static void test_begin_and_owner(void **state)
{
    (void)state;
    for (int64_t n = 0; n <= 70; n++)
        for (int world = 1; world <= 12; world++) {
            check_partition(n, world);
            check_owners(n, world); /* includes n < world: empty slices */
        }
    int64_t big[] = {60000, 10000, 1000003, (int64_t)1 << 40, ((int64_t)1 << 62) + 12345, INT64_MAX};
    int worlds[] = {1, 2, 3, 7, 64, 1000, 65537};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (size_t w = 0; w < sizeof worlds / sizeof worlds[0]; w++) {
            int64_t n = big[i];
            int world = worlds[w];
            check_partition(n, world);
            for (int r = 0; r < world; r += 1 + world / 50) { /* rows around each boundary */
                int64_t b = ct_shard_begin(n, r, world);
                for (int64_t row = b > 2 ? b - 2 : 0; row < n && row <= b + 2; row++) {
                    int o = ct_shard_owner(row, n, world);
                    assert_true(ct_shard_begin(n, o, world) <= row && row < ct_shard_begin(n, o + 1, world));
                }
            }
        }
    /* n < world: owner of each row is the unique rank with a non-empty slice holding it */
    assert_int_equal(ct_shard_owner(0, 2, 5), 2);
    assert_int_equal(ct_shard_owner(1, 2, 5), 4);
}

/* ---- reading ---- */

enum { NROWS = 17, H = 3, W = 4 };

static unsigned char pixel(int64_t row, int64_t j)
{
    return (unsigned char)((row * 13 + j * 7) % 256);
}

/* /train/images uint8 [n, H, W], /train/labels int64 row % 5 (num_classes 5),
 * /test/... with 3 rows; chunk_rows 0 = contiguous. */
static void write_u8_file(const char *path, int64_t n, int chunk_rows, int gzip)
{
    hid_t f = d_create(path);
    unsigned char *px = ct_malloc((size_t)n * H * W);
    int64_t *lab = ct_malloc((size_t)n * sizeof *lab);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < H * W; j++)
            px[i * H * W + j] = pixel(i, j);
        lab[i] = i % 5;
    }
    hsize_t dims[3] = {(hsize_t)n, H, W}, chunk[3] = {(hsize_t)chunk_rows, H, W};
    hsize_t ldims[1] = {(hsize_t)n}, lchunk[1] = {(hsize_t)chunk_rows};
    hid_t d;
    d_write(f, "/train/images", H5T_NATIVE_UINT8, 3, dims, chunk_rows ? chunk : NULL, gzip, px, NULL);
    d_write(f, "/train/labels", H5T_NATIVE_INT64, 1, ldims, chunk_rows ? lchunk : NULL, gzip, lab, &d);
    d_attr_int64(d, "num_classes", H5T_STD_I64LE, 5);
    H5Dclose(d);
    dims[0] = ldims[0] = 3;
    d_write(f, "/test/images", H5T_NATIVE_UINT8, 3, dims, NULL, 0, px, NULL);
    d_write(f, "/test/labels", H5T_NATIVE_INT64, 1, ldims, NULL, 0, lab, NULL);
    H5Fclose(f);
    ct_free(px);
    ct_free(lab);
}

/* Reads /train over world ranks and checks that the slices, in rank order,
 * are the whole split in order, scaled by 1/255. */
static void check_union(const char *path, int64_t n, int world)
{
    int64_t next = 0;
    for (int r = 0; r < world; r++) {
        ct_shard s;
        ct_error err = {{0}};
        if (ct_shard_read(&s, path, "train", "images", "labels", r, world, &err) != CT_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(s.total_rows, n);
        assert_int_equal(s.first_row, next);
        assert_int_equal(s.first_row, ct_shard_begin(n, r, world));
        assert_int_equal(s.sample_shape.ndim, 2);
        assert_int_equal(s.sample_shape.dim[0], H);
        assert_int_equal(s.sample_shape.dim[1], W);
        assert_int_equal(s.sample_size, H * W);
        assert_int_equal(s.num_classes, 5);
        assert_non_null(s.labels);
        /* kept as stored: one byte a value */
        assert_int_equal(s.dtype, CT_DTYPE_UINT8);
        assert_int_equal(s.row_bytes, H * W);
        assert_float_equal(s.scale, 1.0f / 255.0f, 0);
        assert_float_equal(s.offset, 0.0f, 0);
        float *x = ct_malloc((size_t)s.nrows * H * W * sizeof *x);
        ct_shard_rows_float(&s, 0, s.nrows, x);
        for (int64_t i = 0; i < s.nrows; i++) {
            int64_t row = s.first_row + i;
            assert_int_equal(s.labels[i], row % 5);
            for (int64_t j = 0; j < H * W; j++) {
                assert_int_equal(ct_shard_row(&s, i)[j], pixel(row, j));
                float want = (float)pixel(row, j) * (1.0f / 255.0f);
                if (fabsf(x[i * H * W + j] - want) > 1e-7f)
                    fail_msg("world %d rank %d row %lld element %lld: got %g, want %g", world, r, (long long)row,
                             (long long)j, (double)x[i * H * W + j], (double)want);
            }
        }
        ct_free(x);
        next += s.nrows;
        ct_shard_free(&s);
        assert_null(s.values);
    }
    assert_int_equal(next, n);
}

static void test_union_contiguous(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "u8.h5");
    write_u8_file(path, NROWS, 0, 0);
    for (int world = 1; world <= 5; world++)
        check_union(path, NROWS, world);
    check_union(path, NROWS, 40); /* n < world: most ranks get no rows */
    d_rmtree(dir);
}

static void test_union_chunked_gzip(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "u8gz.h5");
    write_u8_file(path, 23, 4, 6);
    for (int world = 1; world <= 3; world++)
        check_union(path, 23, world);
    d_rmtree(dir);
}

static void test_other_split_and_no_target(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "u8.h5");
    write_u8_file(path, NROWS, 0, 0);
    ct_shard s;
    ct_error err = {{0}};
    if (ct_shard_read(&s, path, "/test/", "images", NULL, 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(s.total_rows, 3);
    assert_null(s.labels);
    assert_int_equal(s.num_classes, 0);
    float x[H * W];
    ct_shard_rows_float(&s, 0, 1, x);
    assert_float_equal(x[5], pixel(0, 5) / 255.0f, 1e-7);
    ct_shard_free(&s);
    d_rmtree(dir);
}

/* Rows from the middle of a shard, and rows copied out of it to a buffer
 * of any alignment (as the data store packs them for the wire). */
static void test_rows_and_copied_values(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "u8.h5");
    write_u8_file(path, NROWS, 0, 0);
    ct_shard s;
    ct_error err = {{0}};
    if (ct_shard_read(&s, path, "train", "images", NULL, 1, 2, &err) != CT_OK)
        fail_msg("%s", err.msg);
    float x[2 * H * W], y[2 * H * W];
    ct_shard_rows_float(&s, 3, 2, x);
    unsigned char wire[1 + 2 * H * W];
    memcpy(wire + 1, ct_shard_row(&s, 3), 2 * s.row_bytes);
    ct_shard_values_float(&s, wire + 1, 2, y);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < H * W; j++) {
            float want = (float)pixel(s.first_row + 3 + i, j) / 255.0f;
            assert_float_equal(x[i * H * W + j], want, 1e-7);
            assert_float_equal(y[i * H * W + j], want, 0);
        }
    ct_shard_free(&s);
    d_rmtree(dir);
}

/* float32 [N, 1, 5, 6] chunked, scale 2 and offset -1 attributes, int8 labels
 * with class_names (3 names). */
static void test_float_nchw_scaled(void **state)
{
    (void)state;
    enum { N = 11, S = 30 };
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "f32.h5");
    hid_t f = d_create(path);
    float x[N * S];
    int8_t lab[N];
    for (int i = 0; i < N * S; i++)
        x[i] = (float)i * 0.25f - 3.0f;
    for (int i = 0; i < N; i++)
        lab[i] = (int8_t)(i % 3);
    hsize_t dims[4] = {N, 1, 5, 6}, chunk[4] = {2, 1, 5, 6}, ldims[1] = {N};
    hid_t d;
    d_write(f, "train/x", H5T_NATIVE_FLOAT, 4, dims, chunk, 1, x, &d);
    d_attr_double(d, "scale", H5T_IEEE_F64LE, 2.0);
    d_attr_double(d, "offset", H5T_IEEE_F32LE, -1.0);
    H5Dclose(d);
    d_write(f, "train/y", H5T_NATIVE_INT8, 1, ldims, NULL, 0, lab, &d);
    const char *names[3] = {"cat", "dog", "bird"};
    d_attr_strings(d, "class_names", names, 3);
    H5Dclose(d);
    H5Fclose(f);

    for (int world = 1; world <= 3; world++)
        for (int r = 0; r < world; r++) {
            ct_shard s;
            ct_error err = {{0}};
            if (ct_shard_read(&s, path, "train", "x", "y", r, world, &err) != CT_OK)
                fail_msg("%s", err.msg);
            assert_int_equal(s.sample_shape.ndim, 3);
            assert_int_equal(s.sample_shape.dim[0], 1);
            assert_int_equal(s.sample_shape.dim[1], 5);
            assert_int_equal(s.sample_shape.dim[2], 6);
            assert_int_equal(s.num_classes, 3);
            /* float32 is kept with scale and offset applied: converting is a copy */
            assert_int_equal(s.dtype, CT_DTYPE_FLOAT32);
            assert_int_equal(s.row_bytes, S * sizeof(float));
            assert_float_equal(s.scale, 1.0f, 0);
            assert_float_equal(s.offset, 0.0f, 0);
            float got[N * S];
            ct_shard_rows_float(&s, 0, s.nrows, got);
            for (int64_t i = 0; i < s.nrows * S; i++)
                assert_float_equal(got[i], x[s.first_row * S + i] * 2.0f - 1.0f, 1e-6);
            for (int64_t i = 0; i < s.nrows; i++)
                assert_int_equal(s.labels[i], lab[s.first_row + i]);
            ct_shard_free(&s);
        }
    d_rmtree(dir);
}

/* uint8 with explicit scale 1 (raw byte values), big-endian uint16 labels,
 * rank-1 inputs (a scalar per sample). */
static void test_explicit_scale_and_label_types(void **state)
{
    (void)state;
    enum { N = 9 };
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "types.h5");
    hid_t f = d_create(path);
    unsigned char px[N];
    uint16_t lab[N];
    for (int i = 0; i < N; i++) {
        px[i] = (unsigned char)(250 + i % 6);
        lab[i] = (uint16_t)(1000 + i);
    }
    hsize_t dims[1] = {N};
    hid_t d;
    d_write(f, "train/v", H5T_NATIVE_UINT8, 1, dims, NULL, 0, px, &d);
    d_attr_double(d, "scale", H5T_IEEE_F32LE, 1.0);
    H5Dclose(d);
    hid_t be16 = H5Tcopy(H5T_STD_U16BE);
    hid_t space = H5Screate_simple(1, dims, NULL);
    d = H5Dcreate2(f, "train/l", be16, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, lab);
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(be16);
    H5Fclose(f);

    ct_shard s;
    ct_error err = {{0}};
    if (ct_shard_read(&s, path, "train", "v", "l", 1, 2, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(s.first_row, 4);
    assert_int_equal(s.nrows, 5);
    assert_int_equal(s.sample_shape.ndim, 0);
    assert_int_equal(s.sample_size, 1);
    assert_int_equal(s.num_classes, 0);
    float got[5];
    ct_shard_rows_float(&s, 0, 5, got);
    for (int i = 0; i < 5; i++) {
        assert_float_equal(got[i], (float)px[4 + i], 0);
        assert_int_equal(s.labels[i], 1004 + i);
    }
    ct_shard_free(&s);
    d_rmtree(dir);
}

/* ---- errors ---- */

/* Reads and expects failure; returns the message (static). */
static const char *read_fails(const char *path, const char *split, const char *input, const char *target, int rank,
                              int world)
{
    static ct_error err;
    ct_shard s;
    memset(&s, 0x5a, sizeof s);
    memset(&err, 0, sizeof err);
    int rc = ct_shard_read(&s, path, split, input, target, rank, world, &err);
    if (rc == CT_OK)
        fail_msg("reading %s /%s/%s succeeded, expected an error", path, split, input);
    assert_int_equal(rc, CT_ERR);
    assert_null(s.values); /* nothing left allocated on failure */
    assert_null(s.labels);
    assert_true(err.msg[0] != '\0');
    return err.msg;
}

static void test_error_missing_file_and_not_hdf5(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *missing = d_path(dir, "x.h5");
    const char *m = read_fails(missing, "train", "images", "labels", 0, 1);
    char want[4200];
    snprintf(want, sizeof want, "%s: no such file", missing);
    D_CHECK_MSG(m, want);

    const char *text = d_path(dir, "notes.h5");
    d_write_text(text, "this is not HDF5\n");
    m = read_fails(text, "train", "images", "labels", 0, 1);
    D_CHECK_MSG(m, text, "not an HDF5 file");

    const char *empty = d_path(dir, "empty.h5");
    d_write_text(empty, "");
    D_CHECK_MSG(read_fails(empty, "train", "images", NULL, 0, 1), empty, "not an HDF5 file");

    D_CHECK_MSG(read_fails(dir, "train", "images", NULL, 0, 1), dir, "is a directory");
    d_rmtree(dir);
}

static void test_error_truncated_and_corrupt(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "t.h5");
    write_u8_file(path, 400, 0, 0);
    d_truncate(path, 3000); /* superblock intact, data and metadata cut */
    D_CHECK_MSG(read_fails(path, "train", "images", "labels", 0, 1), path, "truncated or corrupt", "truncated file");

    /* A chunked, compressed dataset whose first chunk is overwritten. */
    const char *gz = d_path(dir, "gz.h5");
    write_u8_file(gz, 400, 50, 6);
    hid_t f = H5Fopen(gz, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/train/images", H5P_DEFAULT);
    hsize_t offset[3];
    unsigned mask;
    haddr_t addr;
    hsize_t size;
    hid_t space = H5Dget_space(d);
    assert_true(H5Dget_chunk_info(d, space, 0, offset, &mask, &addr, &size) >= 0);
    H5Sclose(space);
    H5Dclose(d);
    H5Fclose(f);
    FILE *fp = fopen(gz, "r+b");
    assert_non_null(fp);
    fseek(fp, (long)addr, SEEK_SET);
    for (hsize_t i = 0; i < size; i++)
        fputc(0xff, fp);
    fclose(fp);
    D_CHECK_MSG(read_fails(gz, "train", "images", "labels", 0, 2), gz, "/train/images", "cannot read rows [0, 200)",
                "truncated or corrupt");
    d_rmtree(dir);
}

static void test_error_missing_group_and_dataset(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "u8.h5");
    write_u8_file(path, NROWS, 0, 0);
    D_CHECK_MSG(read_fails(path, "valid", "images", "labels", 0, 1), path, "no group /valid",
                "contains: test, train");
    D_CHECK_MSG(read_fails(path, "train", "pixels", "labels", 0, 1), path, "no dataset /train/pixels",
                "group /train contains: images, labels");
    D_CHECK_MSG(read_fails(path, "train", "images", "targets", 0, 1), path, "no dataset /train/targets",
                "images, labels");
    /* a group where a dataset is expected, and the other way round */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hsize_t dims[1] = {NROWS};
    d_write(f, "/train/sub/a", H5T_NATIVE_FLOAT, 1, dims, NULL, 0, NULL, NULL);
    H5Fclose(f);
    D_CHECK_MSG(read_fails(path, "train", "sub", NULL, 0, 1), path, "/train/sub is a group, expected a dataset");
    D_CHECK_MSG(read_fails(path, "train/images", "x", NULL, 0, 1), path,
                "/train/images is a dataset, expected a group");
    d_rmtree(dir);
}

static void test_error_shapes_and_types(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "bad.h5");
    hid_t f = d_create(path);
    int16_t i16[20] = {0};
    float f32[20] = {0};
    unsigned char u8[20] = {0};
    int32_t i32[20] = {0};
    hsize_t d10[1] = {10}, d9[1] = {9}, d10x2[2] = {10, 2}, d0x4[2] = {0, 4}, d4x0[2] = {4, 0};
    d_write(f, "s/images", H5T_NATIVE_UINT8, 0, NULL, NULL, 0, u8, NULL); /* scalar */
    d_write(f, "s/i16", H5T_NATIVE_INT16, 1, d10, NULL, 0, i16, NULL);
    d_write(f, "s/u8", H5T_NATIVE_UINT8, 2, d10x2, NULL, 0, u8, NULL);
    d_write(f, "s/flab", H5T_NATIVE_FLOAT, 1, d10, NULL, 0, f32, NULL);
    d_write(f, "s/lab2", H5T_NATIVE_INT32, 2, d10x2, NULL, 0, i32, NULL);
    d_write(f, "s/lab9", H5T_NATIVE_INT32, 1, d9, NULL, 0, i32, NULL);
    d_write(f, "s/empty", H5T_NATIVE_FLOAT, 2, d0x4, NULL, 0, NULL, NULL);
    d_write(f, "s/nothing", H5T_NATIVE_FLOAT, 2, d4x0, NULL, 0, NULL, NULL);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 8);
    char strings[10][8] = {{0}};
    d_write(f, "s/str", str, 1, d10, NULL, 0, strings, NULL);
    H5Tclose(str);
    hid_t d;
    d_write(f, "s/badscale", H5T_NATIVE_UINT8, 2, d10x2, NULL, 0, u8, &d);
    d_attr_string(d, "scale", "0.5");
    H5Dclose(d);
    d_write(f, "s/labnc", H5T_NATIVE_INT32, 1, d10, NULL, 0, i32, &d);
    d_attr_int64(d, "num_classes", H5T_STD_I32LE, 4);
    const char *names[3] = {"a", "b", "c"};
    d_attr_strings(d, "class_names", names, 3);
    H5Dclose(d);
    H5Fclose(f);

    D_CHECK_MSG(read_fails(path, "s", "images", NULL, 0, 1), path, "/s/images", "expected inputs of shape [N, ...]",
                "found scalar (rank 0)");
    D_CHECK_MSG(read_fails(path, "s", "i16", NULL, 0, 1), path, "/s/i16", "expected inputs of type uint8 or float32",
                "found int16");
    D_CHECK_MSG(read_fails(path, "s", "str", NULL, 0, 1), path, "/s/str", "found string");
    D_CHECK_MSG(read_fails(path, "s", "u8", "flab", 0, 1), path, "/s/flab", "expected integer labels",
                "found float32");
    D_CHECK_MSG(read_fails(path, "s", "u8", "lab2", 0, 1), path, "/s/lab2", "expected labels of shape [N]",
                "found [10, 2]");
    D_CHECK_MSG(read_fails(path, "s", "u8", "lab9", 0, 1), path, "/s/lab9 has 9 rows but /s/u8 has 10",
                "expected the same first dimension");
    D_CHECK_MSG(read_fails(path, "s", "empty", NULL, 0, 1), path, "/s/empty", "expected at least one row",
                "empty split", "[0, 4]");
    D_CHECK_MSG(read_fails(path, "s", "nothing", NULL, 0, 1), path, "/s/nothing",
                "expected samples with at least one value, found shape [4, 0]");
    D_CHECK_MSG(read_fails(path, "s", "badscale", NULL, 0, 1), path, "/s/badscale", "attribute scale",
                "expected one number, found string");
    D_CHECK_MSG(read_fails(path, "s", "u8", "labnc", 0, 1), path, "/s/labnc", "num_classes is 4",
                "class_names has 3");
    D_CHECK_MSG(read_fails(path, "s", "u8", NULL, 2, 2), path, "rank 2 of world 2");
    D_CHECK_MSG(read_fails(path, "s", "u8", NULL, 0, 0), path, "rank 0 of world 0");
    d_rmtree(dir);
}

static void test_error_values(void **state)
{
    (void)state;
    enum { N = 10, S = 6 };
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "values.h5");
    hid_t f = d_create(path);
    float x[N * S], xinf[N * S], clean[N * S];
    for (int i = 0; i < N * S; i++)
        x[i] = xinf[i] = clean[i] = (float)i;
    x[7 * S + 3] = NAN;
    xinf[2 * S + 5] = -INFINITY;
    int64_t neg[N], big[N], ok[N];
    for (int i = 0; i < N; i++)
        neg[i] = big[i] = ok[i] = i % 3;
    neg[6] = -1;
    big[8] = 3;
    hsize_t dims[2] = {N, S}, ldims[1] = {N};
    d_write(f, "train/nan", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, x, NULL);
    d_write(f, "train/inf", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, xinf, NULL);
    hid_t d;
    d_write(f, "train/big", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, clean, NULL);
    d_write(f, "train/overflow", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, clean, &d);
    d_attr_double(d, "scale", H5T_IEEE_F32LE, 3e38);
    H5Dclose(d);
    d_write(f, "train/neg", H5T_NATIVE_INT64, 1, ldims, NULL, 0, neg, NULL);
    d_write(f, "train/ok", H5T_NATIVE_INT64, 1, ldims, NULL, 0, ok, NULL);
    d_write(f, "train/big_label", H5T_NATIVE_INT64, 1, ldims, NULL, 0, big, &d);
    d_attr_int64(d, "num_classes", H5T_STD_U8LE, 3);
    H5Dclose(d);
    H5Fclose(f);

    /* rank 1 of 2 holds rows 5..9: the row is given as an absolute row */
    D_CHECK_MSG(read_fails(path, "train", "nan", "ok", 1, 2), path, "/train/nan", "row 7:", "expected finite values",
                "found nan", "element 3");
    /* the NaN is not in rank 0's rows */
    ct_shard s;
    ct_error err = {{0}};
    assert_int_equal(ct_shard_read(&s, path, "train", "nan", "ok", 0, 2, &err), CT_OK);
    ct_shard_free(&s);
    D_CHECK_MSG(read_fails(path, "train", "inf", NULL, 0, 3), path, "/train/inf", "row 2:", "found -inf");
    D_CHECK_MSG(read_fails(path, "train", "overflow", NULL, 0, 1), path, "/train/overflow", "found inf",
                "after scale and offset");
    D_CHECK_MSG(read_fails(path, "train", "big", "neg", 0, 1), path, "/train/neg", "row 6:", "found -1");
    D_CHECK_MSG(read_fails(path, "train", "big", "neg", 1, 2), path, "/train/neg", "row 6:", "found -1");
    D_CHECK_MSG(read_fails(path, "train", "big", "big_label", 1, 2), path, "/train/big_label", "row 8:",
                "expected a label in [0, 3)", "num_classes 3", "found 3");
    d_rmtree(dir);
}

/* ct_shard_read_targets: each rank's rows of float targets (float64 read
 * as float32, as stored: a scale attribute is not applied), their shape per
 * sample ([N] is one value), and every error with its message. */
static void test_float_targets(void **state)
{
    (void)state;
    enum { N = 7 };
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "targets.h5");
    hid_t f = d_create(path);
    float x[N * 2] = {0};
    double t[N * 6];
    int64_t ints[N * 2] = {0};
    for (int i = 0; i < N * 6; i++)
        t[i] = 0.5 * i - 3;
    hsize_t dx[2] = {N, 2}, d1[1] = {N}, d23[3] = {N, 2, 3}, d6x2[2] = {6, 2}, dn0[2] = {N, 0};
    d_write(f, "s/x", H5T_NATIVE_FLOAT, 2, dx, NULL, 0, x, NULL);
    hid_t d;
    d_write(f, "s/t23", H5T_NATIVE_DOUBLE, 3, d23, NULL, 0, t, &d);
    d_attr_double(d, "scale", H5T_IEEE_F32LE, 10);
    H5Dclose(d);
    d_write(f, "s/t1", H5T_NATIVE_DOUBLE, 1, d1, NULL, 0, t, NULL);
    d_write(f, "s/ints", H5T_NATIVE_INT64, 2, dx, NULL, 0, ints, NULL);
    d_write(f, "s/short", H5T_NATIVE_DOUBLE, 2, d6x2, NULL, 0, t, NULL);
    d_write(f, "s/none", H5T_NATIVE_DOUBLE, 2, dn0, NULL, 0, NULL, NULL);
    t[5 * 6 + 4] = NAN;
    d_write(f, "s/nan", H5T_NATIVE_DOUBLE, 3, d23, NULL, 0, t, NULL);
    H5Fclose(f);

    ct_error err = {{0}};
    for (int world = 1; world <= 3; world++)
        for (int r = 0; r < world; r++) {
            ct_shard s;
            assert_int_equal(ct_shard_read(&s, path, "s", "x", NULL, r, world, &err), CT_OK);
            assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "t23", &err), CT_OK);
            assert_int_equal(s.target_size, 6);
            assert_true(ct_shape_equal(&s.target_shape, &(ct_shape){2, {2, 3, 0, 0}}));
            for (int64_t i = 0; i < s.nrows * 6; i++)
                assert_true(s.targets[i] == (float)(0.5 * (double)(s.first_row * 6 + i) - 3));
            assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "t1", &err), CT_OK);
            assert_int_equal(s.target_size, 1);
            assert_true(ct_shape_equal(&s.target_shape, &(ct_shape){1, {1, 0, 0, 0}}));
            for (int64_t i = 0; i < s.nrows; i++)
                assert_true(s.targets[i] == (float)(0.5 * (double)(s.first_row + i) - 3));
            /* A failed read leaves the shard without targets. */
            assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "ints", &err), CT_ERR);
            assert_null(s.targets);
            assert_int_equal(s.target_size, 0);
            ct_shard_free(&s);
        }

    ct_shard s;
    assert_int_equal(ct_shard_read(&s, path, "s", "x", NULL, 1, 2, &err), CT_OK);
    assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "ints", &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "/s/ints", "expected float targets", "found int64", "labels train a classifier");
    assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "short", &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "/s/short has 6 rows but /s/x has 7", "expected the same first dimension");
    assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "none", &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "/s/none", "at least one value per sample", "[7, 0]");
    assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "absent", &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "no dataset /s/absent");
    /* Rank 1 of 2 holds rows 3..6: the NaN's row is given as in the file. */
    assert_int_equal(ct_shard_read_targets(&s, path, "s", "x", "nan", &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "/s/nan", "row 5:", "expected finite values", "found nan", "element 4");
    ct_shard_free(&s);
    d_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_begin_and_owner),
        cmocka_unit_test(test_union_contiguous),
        cmocka_unit_test(test_union_chunked_gzip),
        cmocka_unit_test(test_other_split_and_no_target),
        cmocka_unit_test(test_rows_and_copied_values),
        cmocka_unit_test(test_float_nchw_scaled),
        cmocka_unit_test(test_explicit_scale_and_label_types),
        cmocka_unit_test(test_error_missing_file_and_not_hdf5),
        cmocka_unit_test(test_error_truncated_and_corrupt),
        cmocka_unit_test(test_error_missing_group_and_dataset),
        cmocka_unit_test(test_error_shapes_and_types),
        cmocka_unit_test(test_error_values),
        cmocka_unit_test(test_float_targets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
