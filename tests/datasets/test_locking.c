/* Read-only opens do not take HDF5's file lock (flock), which fails on
 * parallel filesystems without flock (Lustre, NFS) and refuses readers
 * while any process holds the file open for writing. Here h5py holds the
 * file in mode "r+" (an exclusive lock) while the C reader and the
 * inspector read it. */
#define _POSIX_C_SOURCE 200809L /* popen, unsetenv, nanosleep */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datasets/h5util.h"
#include "datasets/importers.h"
#include "datasets/shard.h"
#include "tests/datasets/dstest.h"

#if !defined(CT_SYSTEM_PYTHON) || !defined(CT_H5PY_SCRIPT)
#error "CT_SYSTEM_PYTHON and CT_H5PY_SCRIPT must name python3 and h5py_files.py"
#endif

/* Starts h5py_files.py hold on path and waits until it holds the file. */
static FILE *hold(const char *path, const char *ready)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s' '%s' hold '%s' '%s'", CT_SYSTEM_PYTHON, CT_H5PY_SCRIPT, path, ready);
    FILE *child = popen(cmd, "w");
    if (!child)
        fail_msg("popen(%s) failed", cmd);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 3000 && access(ready, F_OK) != 0; i++)
        nanosleep(&tick, NULL);
    if (access(ready, F_OK) != 0)
        fail_msg("%s did not open the file within 30 s", cmd);
    return child;
}

static void test_read_while_a_writer_holds_the_file(void **state)
{
    (void)state;
    unsetenv("HDF5_USE_FILE_LOCKING"); /* the library's default: locking on */
    const char *dir = d_tmpdir();
    char path[4200], ready[4200];
    snprintf(path, sizeof path, "%s", d_path(dir, "held.h5"));
    snprintf(ready, sizeof ready, "%s", d_path(dir, "ready"));
    hid_t f = d_create(path);
    unsigned char px[6 * 4] = {0, 10, 20, 30};
    int32_t lab[6] = {0, 1, 0, 1, 0, 1};
    hsize_t dims[2] = {6, 4}, ldims[1] = {6};
    d_write(f, "train/images", H5T_NATIVE_UINT8, 2, dims, NULL, 0, px, NULL);
    d_write(f, "train/labels", H5T_NATIVE_INT32, 1, ldims, NULL, 0, lab, NULL);
    H5Fclose(f);

    FILE *child = hold(path, ready);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* the refusal below is expected */
    hid_t locked = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (locked >= 0) { /* nothing would refuse the reader here */
        H5Fclose(locked);
        pclose(child);
        d_rmtree(dir);
        skip();
    }
    ct_shard s;
    ct_error err = {{0}};
    if (ct_shard_read(&s, path, "train", "images", "labels", 0, 1, &err) != CT_OK)
        fail_msg("while h5py holds the file for writing: %s", err.msg);
    assert_int_equal(s.nrows, 6);
    assert_int_equal(ct_shard_row(&s, 0)[3], 30);
    assert_int_equal(s.labels[5], 1);
    ct_shard_free(&s);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc = ct_inspect_file(path, out, &err);
    fclose(out);
    if (rc != CT_OK)
        fail_msg("inspect while h5py holds the file for writing: %s", err.msg);
    D_CHECK_MSG(text, "images: uint8 [6, 4]", "labels: int32 [6]");
    free(text);
    /* a second writer is still refused, and told why */
    assert_true(ct_h5_open_file(path, H5F_ACC_RDWR, &err) < 0);
    D_CHECK_MSG(err.msg, path, "HDF5 cannot lock it: is another process writing it?");
    assert_int_equal(pclose(child), 0);
    d_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_while_a_writer_holds_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
