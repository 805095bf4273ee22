/* ct_shard_read on files written by h5py (h5py_files.py make, run by the
 * datasets_h5py_files fixture into CT_H5PY_DIR). The formulas repeat the
 * script's. Also the memory budget against sizes a file declares. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datasets/shard.h"
#include "engine/alloc.h"
#include "tests/datasets/dstest.h"

#ifndef CT_H5PY_DIR
#error "CT_H5PY_DIR must name the directory h5py_files.py writes"
#endif

static float pixel(int64_t i, int64_t j)
{
    return (float)((i * 31 + j * 7) % 256);
}

static float value(int64_t i, int64_t j)
{
    return (float)((double)i * 0.5 - (double)j * 0.001);
}

/* Every row of s as float32 (ct_free it). */
static float *read_floats(const ct_shard *s)
{
    float *x = ct_malloc((size_t)(s->nrows * s->sample_size) * sizeof *x);
    ct_shard_rows_float(s, 0, s->nrows, x);
    return x;
}

static void read_ok(ct_shard *s, const char *file, const char *split, int rank, int world)
{
    ct_error err = {{0}};
    if (ct_shard_read(s, d_path(CT_H5PY_DIR, file), split, "images", "labels", rank, world, &err) != CT_OK)
        fail_msg("%s", err.msg);
}

static void test_u8_nhw_contiguous(void **state)
{
    (void)state;
    for (int world = 1; world <= 3; world++) {
        int64_t next = 0;
        for (int r = 0; r < world; r++) {
            ct_shard s;
            read_ok(&s, "u8_nhw.h5", "train", r, world);
            assert_int_equal(s.total_rows, 50);
            assert_int_equal(s.first_row, next);
            assert_int_equal(s.sample_shape.ndim, 2);
            assert_int_equal(s.sample_shape.dim[0], 28);
            assert_int_equal(s.sample_size, 784);
            assert_int_equal(s.num_classes, 10); /* from class_names */
            assert_int_equal(s.dtype, CT_DTYPE_UINT8);
            float *x = read_floats(&s);
            for (int64_t i = 0; i < s.nrows; i++) {
                int64_t row = s.first_row + i;
                assert_int_equal(s.labels[i], row % 10);
                for (int64_t j = 0; j < 784; j++)
                    assert_float_equal(x[i * 784 + j], pixel(row, j) / 255.0f, 1e-7);
            }
            ct_free(x);
            next += s.nrows;
            ct_shard_free(&s);
        }
        assert_int_equal(next, 50);
    }
    ct_shard s;
    read_ok(&s, "u8_nhw.h5", "test", 0, 1);
    assert_int_equal(s.total_rows, 7);
    ct_shard_free(&s);
}

static void test_f32_nchw_gzip_shuffle(void **state)
{
    (void)state;
    for (int world = 1; world <= 4; world++)
        for (int r = 0; r < world; r++) {
            ct_shard s;
            read_ok(&s, "f32_nchw_gzip.h5", "train", r, world);
            assert_int_equal(s.total_rows, 37);
            assert_int_equal(s.sample_shape.ndim, 3);
            assert_int_equal(s.sample_shape.dim[0], 3);
            assert_int_equal(s.sample_shape.dim[2], 8);
            assert_int_equal(s.num_classes, 7); /* numpy int32 attribute */
            assert_int_equal(s.dtype, CT_DTYPE_FLOAT32);
            float *x = read_floats(&s);
            for (int64_t i = 0; i < s.nrows; i++) {
                int64_t row = s.first_row + i;
                assert_int_equal(s.labels[i], row % 7);
                for (int64_t j = 0; j < 192; j++)
                    assert_float_equal(x[i * 192 + j], value(row, j) * 0.5f + 0.25f, 1e-5);
            }
            ct_free(x);
            ct_shard_free(&s);
        }
}

static void test_auto_chunks_be_labels_float64(void **state)
{
    (void)state;
    ct_shard s;
    read_ok(&s, "u8_auto_chunks.h5", "train", 1, 3);
    assert_int_equal(s.first_row, 21);
    assert_int_equal(s.nrows, 21);
    assert_int_equal(s.num_classes, 4); /* four fixed-length names */
    float *x = read_floats(&s);
    for (int64_t i = 0; i < s.nrows; i++) {
        int64_t row = s.first_row + i;
        assert_int_equal(s.labels[i], row % 4);
        for (int64_t j = 0; j < 50; j++)
            assert_float_equal(x[i * 50 + j], pixel(row, j) / 255.0f, 1e-7);
    }
    ct_free(x);
    ct_shard_free(&s);

    read_ok(&s, "u8_auto_chunks.h5", "valid", 0, 1); /* float64 inputs, int8 labels */
    assert_int_equal(s.total_rows, 9);
    assert_int_equal(s.sample_size, 4);
    assert_int_equal(s.dtype, CT_DTYPE_FLOAT32);
    x = read_floats(&s);
    for (int64_t i = 0; i < 9; i++) {
        assert_int_equal(s.labels[i], i);
        for (int64_t j = 0; j < 4; j++)
            assert_float_equal(x[i * 4 + j], value(i, j), 1e-6);
    }
    ct_free(x);
    ct_shard_free(&s);
}

static void test_lzf_is_a_clear_error(void **state)
{
    (void)state;
    ct_shard s;
    ct_error err = {{0}};
    const char *path = d_path(CT_H5PY_DIR, "lzf.h5");
    assert_int_equal(ct_shard_read(&s, path, "train", "images", NULL, 0, 1, &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "/train/images", "stored with filter 32000 (lzf)", "compression='gzip'");
}

/* Splits that declare 2^40 rows and store none (h5py writes no data, so
 * the file is tiny) are refused before anything is allocated, with the
 * rows named: inputs first, then the int64 staging of the labels. */
static void test_declared_sizes_are_checked(void **state)
{
    (void)state;
    const char *path = d_path(CT_H5PY_DIR, "huge.h5");
    ct_shard s;
    ct_error err = {{0}};
    ct_alloc_set_budget(1024.0 * 1024 * 1024, "test budget");
    assert_int_equal(ct_shard_read(&s, path, "train", "images", "labels", 0, 1, &err), CT_ERR);
    D_CHECK_MSG(err.msg, path,
                "/train/images: rows [0, 1099511627776) of 784 bytes needs 784.0 TiB of memory; 1.0 GiB are "
                "available (test budget)");
    assert_int_equal(ct_shard_read(&s, path, "train", "images", NULL, 1, 2, &err), CT_ERR);
    D_CHECK_MSG(err.msg, path, "/train/images: rows [549755813888, 1099511627776) of 784 bytes needs 392.0 TiB");
    /* 1 TiB of inputs would fit this budget; 8 TiB of staged labels not,
     * and the inputs are not allocated either */
    ct_alloc_set_budget(2.0 * 1024 * 1024 * 1024 * 1024, "test budget");
    assert_int_equal(ct_shard_read(&s, path, "narrow", "images", "labels", 0, 1, &err), CT_ERR);
    D_CHECK_MSG(err.msg, path,
                "/narrow/labels: rows [0, 1099511627776) of 8 bytes needs 8.0 TiB of memory; 2.0 TiB are available");
    assert_null(s.values);
    ct_alloc_set_budget(-1, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u8_nhw_contiguous),
        cmocka_unit_test(test_f32_nchw_gzip_shuffle),
        cmocka_unit_test(test_auto_chunks_be_labels_float64),
        cmocka_unit_test(test_lzf_is_a_clear_error),
        cmocka_unit_test(test_declared_sizes_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
