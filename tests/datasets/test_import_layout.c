/* The files of the text, fortunes and CSV importers, read back by the
 * readers that train on them: token streams (streams.h) and sample shards
 * (shard.h), on tiny inputs written here. test_import_corpora.py checks the
 * same importers on Debian's real files against Python's own reading. */
#include <stdio.h>
#include <string.h>

#include "datasets/importers.h"
#include "datasets/shard.h"
#include "datasets/streams.h"
#include "tests/datasets/dstest.h"

/* "ab\n" repeated: ids by sorted unit: '\n' 0, 'a' 1, 'b' 2. */
static void test_text_streams(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    char in[4096], out[4096];
    snprintf(in, sizeof in, "%s/t.txt", dir);
    snprintf(out, sizeof out, "%s/sub/t.h5", dir);
    d_write_text(in, "ab\nab\nab\nab\nab\n"); /* 15 bytes: 12 train, 3 test at 0.2 */
    const char *files[1] = {in};
    ct_error err = {{0}};
    if (ct_import_text(files, 1, 0.2, CT_UNIT_BYTE, out, NULL, &err) != CT_OK)
        fail_msg("%s", err.msg);
    ct_streams s;
    if (ct_streams_read(&s, out, "train", "tokens", 2, 3, 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(s.length, 12);
    assert_int_equal(s.dtype, CT_DTYPE_INT32);
    const int32_t want[3] = {1, 2, 0};
    for (int64_t i = 0; i < s.nrows; i++)
        assert_int_equal(((const int32_t *)s.values)[i], want[i % 3]);
    ct_streams_free(&s);
    if (ct_streams_read(&s, out, "test", "tokens", 1, 1, 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(s.length, 3);
    ct_streams_free(&s);
    d_rmtree(dir);
}

/* Two categories: the LM streams and the padded documents with labels. */
static void test_fortunes_streams_and_shards(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    char path[4096], out[4096];
    snprintf(path, sizeof path, "%s/one", dir);
    d_write_text(path, "a\n%\nbb\n%\nccc\n%\nd\n"); /* 4 fortunes, the 2nd a test one at 0.5 */
    snprintf(path, sizeof path, "%s/two", dir);
    d_write_text(path, "x\n%\n%\nyy"); /* an empty fortune, skipped; no newline at the end */
    snprintf(path, sizeof path, "%s/one.dat", dir);
    d_write_text(path, "ignored");
    snprintf(out, sizeof out, "%s/f.h5", dir);
    ct_fortunes_options o = {dir, NULL, 3, 0.5, CT_UNIT_BYTE};
    ct_error err = {{0}};
    if (ct_import_fortunes(&o, out, NULL, &err) != CT_OK)
        fail_msg("%s", err.msg);

    ct_shard s;
    if (ct_shard_read(&s, out, "docs/train", "inputs", "labels", 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    /* train: a, ccc (cut to 3), x; test: bb, d, yy */
    assert_int_equal(s.total_rows, 3);
    assert_int_equal(s.num_classes, 2);
    assert_int_equal(s.sample_shape.ndim, 1);
    assert_int_equal(s.sample_shape.dim[0], 3);
    float x[3];
    ct_shard_rows_float(&s, 1, 1, x); /* ids: \n 0, % 1, a 2, b 3, c 4, d 5, x 6, y 7 */
    assert_float_equal(x[0], 4.0f, 0);
    assert_float_equal(x[2], 4.0f, 0);
    assert_int_equal(s.labels[0], 0);
    assert_int_equal(s.labels[2], 1);
    ct_shard_free(&s);
    if (ct_shard_read(&s, out, "docs/test", "inputs", "lengths", 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(s.total_rows, 3);
    assert_int_equal(s.labels[0], 3); /* "bb\n" */
    assert_int_equal(s.labels[2], 2); /* "yy" */
    ct_shard_free(&s);

    ct_streams st;
    if (ct_streams_read(&st, out, "test", "tokens", 1, 4, 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    /* "bb\n%\nd\n%\nyy%\n" */
    const int32_t want[] = {3, 3, 0, 1, 0, 5, 0, 1, 0, 7, 7, 1, 0};
    assert_int_equal(st.length, sizeof want / sizeof want[0]);
    for (int64_t i = 0; i < st.length; i++)
        assert_int_equal(((const int32_t *)st.values)[i], want[i]);
    ct_streams_free(&st);
    d_rmtree(dir);
}

/* Windows of a 2-column series: inputs [n, window, 2], float targets. */
static void test_csv_shards(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    char in[4096], out[4096], text[4096] = "t,a,b\n";
    for (int r = 0; r < 20; r++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d,%d\n", r, r, r * r);
    snprintf(in, sizeof in, "%s/s.csv", dir);
    snprintf(out, sizeof out, "%s/s.h5", dir);
    d_write_text(in, text);
    ct_csv_options o = {in, "a,b", "b", 3, 2, 0.4};
    ct_error err = {{0}};
    if (ct_import_csv(&o, out, NULL, &err) != CT_OK)
        fail_msg("%s", err.msg);
    ct_shard s;
    if (ct_shard_read(&s, out, "train", "inputs", NULL, 0, 1, &err) != CT_OK ||
        ct_shard_read_targets(&s, out, "train", "inputs", "targets", &err) != CT_OK)
        fail_msg("%s", err.msg);
    /* 12 train rows: 12 - 3 - 2 + 1 = 8 windows */
    assert_int_equal(s.total_rows, 8);
    assert_int_equal(s.sample_shape.ndim, 2);
    assert_int_equal(s.sample_shape.dim[0], 3);
    assert_int_equal(s.sample_shape.dim[1], 2);
    assert_int_equal(s.target_size, 2);
    assert_int_equal(s.dtype, CT_DTYPE_FLOAT32);
    /* column a over rows 0..11: mean 5.5, std sqrt(143/12) */
    float x[6];
    ct_shard_rows_float(&s, 7, 1, x);
    assert_float_equal(x[4], (9.0 - 5.5) / 3.4520525, 1e-5);
    ct_shard_free(&s);
    d_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_streams),
        cmocka_unit_test(test_fortunes_streams_and_shards),
        cmocka_unit_test(test_csv_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
