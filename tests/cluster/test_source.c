/* The step sources of the loop: steps per epoch, the size of each step and
 * its parts over the ranks (for any world size: these are functions of the
 * layout), and one process driving a stream source and an empty one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "singleton.h"

#include "cluster/run/source.h"
#include "datasets/h5util.h"

/* A dataset source of `rows` rows over a world of `size` ranks (only its
 * layout: nothing is read). */
static ct_source dataset(int64_t rows, int64_t batch, bool drop_last, ct_world *w, int size)
{
    ct_source s = {0};
    s.kind = CT_SOURCE_DATASET;
    s.train.total_rows = rows;
    s.batch_size = batch;
    s.drop_last = drop_last;
    *w = ct_test_world;
    w->size = size;
    s.world = w;
    return s;
}

static void test_dataset_layout(void **state)
{
    (void)state;
    ct_world w;
    ct_source s = dataset(4001, 100, false, &w, 2);
    assert_int_equal(ct_source_steps_per_epoch(&s), 41);
    assert_int_equal(ct_source_step_size(&s, 0), 100);
    assert_int_equal(ct_source_step_size(&s, 40), 1); /* the short last batch */
    assert_int_equal(ct_source_rows(&s), 4001);
    assert_string_equal(ct_source_units(&s), "samples");
    assert_int_equal(ct_source_min_local(&s), 1); /* the last batch gives one rank 1 sample */
    s.drop_last = true;
    assert_int_equal(ct_source_steps_per_epoch(&s), 40);
    assert_int_equal(ct_source_min_local(&s), 50);
    s = dataset(4000, 3, false, &w, 2); /* parts 1 and 2 */
    assert_int_equal(ct_source_min_local(&s), 1);
    s = dataset(4000, 2, false, &w, 3); /* B < W: one rank gets nothing, two get one */
    assert_int_equal(ct_source_min_local(&s), 1);
    s = dataset(3996, 12, false, &w, 3); /* 333 full batches of 4 + 4 + 4 */
    assert_int_equal(ct_source_min_local(&s), 4);
    s = dataset(50, 100, true, &w, 1);
    assert_int_equal(ct_source_steps_per_epoch(&s), 0); /* nothing to train: the loop refuses it */
}

/* A token file: tokens[i] = i % 97, L rows. */
static void write_tokens(const char *path, int64_t length)
{
    ct_error err;
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(file >= 0);
    int32_t *tokens = malloc(sizeof *tokens * (size_t)length);
    for (int64_t i = 0; i < length; i++)
        tokens[i] = (int32_t)(i % 97);
    hsize_t dims[1] = {(hsize_t)length};
    hid_t set = ct_h5_write_dataset(file, "train/tokens", H5T_NATIVE_INT32, 1, dims, NULL, 0, tokens, &err);
    assert_true(set >= 0);
    H5Dclose(set);
    H5Fclose(file);
    free(tokens);
}

static void test_streams(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/ct_test_source_%d.h5", (int)getpid());
    write_tokens(path, 103); /* 4 streams of 25 rows: windows of 10, 10, 4 */
    ct_source s = {0};
    ct_error err;
    s.kind = CT_SOURCE_STREAMS;
    if (ct_streams_read(&s.streams, path, "train", "tokens", 4, 10, 0, 1, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(ct_source_open(&s, &ct_test_world, &err), CT_OK);
    assert_int_equal(ct_source_steps_per_epoch(&s), 3);
    assert_string_equal(ct_source_units(&s), "tokens");
    assert_int_equal(ct_source_start_epoch(&s, 1, 0, 1, &err), CT_OK); /* resumed at step 1 */
    const int64_t lengths[2] = {10, 4};
    for (int step = 1; step < 3; step++) {
        ct_step_input in;
        assert_int_equal(ct_source_next(&s, step < 2, &in, &err), CT_OK);
        assert_false(in.epoch_start);
        assert_int_equal(in.global_n, 4);
        assert_int_equal(in.window->T, lengths[step - 1]);
        assert_int_equal(in.units, 4 * lengths[step - 1]);
        /* stream b, position p of window w: row b*25 + w*10 + p; its target the next row */
        for (int b = 0; b < 4; b++)
            for (int64_t p = 0; p < in.window->T; p++) {
                int64_t row = b * 25 + step * 10 + p;
                assert_int_equal((int)in.window->inputs[b * in.window->T + p], row % 97);
                assert_int_equal(in.window->target_ids[b * in.window->T + p], (row + 1) % 97);
            }
    }
    assert_int_equal(ct_source_start_epoch(&s, 1, 1, 0, &err), CT_OK);
    ct_step_input in;
    assert_int_equal(ct_source_next(&s, true, &in, &err), CT_OK);
    assert_true(in.epoch_start); /* the carried state resets here */
    ct_source_free(&s);
    unlink(path);
}

static void test_none(void **state)
{
    (void)state;
    ct_source s = {0};
    ct_error err;
    s.kind = CT_SOURCE_NONE;
    s.steps_per_epoch = 5;
    assert_int_equal(ct_source_open(&s, &ct_test_world, &err), CT_OK);
    assert_int_equal(ct_source_steps_per_epoch(&s), 5);
    assert_int_equal(ct_source_min_local(&s), 1);
    assert_string_equal(ct_source_units(&s), "steps");
    assert_int_equal(ct_source_start_epoch(&s, 1, 0, 0, &err), CT_OK);
    ct_step_input in;
    assert_int_equal(ct_source_next(&s, true, &in, &err), CT_OK);
    assert_null(in.batch);
    assert_null(in.window);
    assert_int_equal(in.global_n, 1);
    assert_int_equal(in.buffers_root, 0);
    ct_source_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_layout),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, ct_test_start_mpi, ct_test_stop_mpi);
}
