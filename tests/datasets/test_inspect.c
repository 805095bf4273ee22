/* ct_inspect_file: the tree of groups, datasets and attributes; files with
 * hard links that make a graph (h5py_files.py make writes loops.h5 into
 * CT_H5PY_DIR). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/importers.h"
#include "tests/datasets/dstest.h"

#ifndef CT_H5PY_DIR
#error "CT_H5PY_DIR must name the directory h5py_files.py writes"
#endif

/* The tree ct_inspect_file prints for path (free() it). */
static char *inspect(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ct_error err = {{0}};
    if (ct_inspect_file(path, out, &err) != CT_OK)
        fail_msg("%s", err.msg);
    fclose(out);
    if (getenv("CT_TEST_VERBOSE"))
        fputs(text, stderr);
    return text;
}

static void test_inspect_tree(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    const char *path = d_path(dir, "small.h5");
    hid_t f = d_create(path);
    unsigned char px[4 * 2 * 3] = {0};
    int64_t lab[4] = {0, 1, 2, 0};
    float big[100] = {0};
    hsize_t dims[3] = {4, 2, 3}, chunk[3] = {2, 2, 3}, ldims[1] = {4}, bdims[1] = {100};
    hid_t d;
    d_write(f, "train/images", H5T_NATIVE_UINT8, 3, dims, chunk, 1, px, &d);
    d_attr_double(d, "scale", H5T_IEEE_F32LE, 0.5);
    H5Dclose(d);
    d_write(f, "train/labels", H5T_NATIVE_INT64, 1, ldims, NULL, 0, lab, &d);
    d_attr_int64(d, "num_classes", H5T_STD_I64LE, 3);
    const char *names[3] = {"cat", "dog", "say \"hi\""};
    d_attr_strings(d, "class_names", names, 3);
    H5Dclose(d);
    d_write(f, "test/series", H5T_NATIVE_FLOAT, 1, bdims, NULL, 0, big, &d);
    hsize_t adims[1] = {100};
    hid_t space = H5Screate_simple(1, adims, NULL);
    hid_t a = H5Acreate2(d, "vocabulary", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_FLOAT, big);
    H5Aclose(a);
    H5Sclose(space);
    H5Dclose(d);
    d_attr_string(f, "source", "made by test_inspect");
    H5Fclose(f);

    char *text = inspect(path);
    D_CHECK_MSG(text, "@source = \"made by test_inspect\"", "  test/\n", "  train/\n",
                "    images: uint8 [4, 2, 3], chunks [2, 2, 3], gzip 1, ", "      @scale = 0.5  (float32)",
                "    labels: int64 [4], contiguous, 32 bytes stored",
                "      @class_names = [\"cat\", \"dog\", \"say \\\"hi\\\"\"]  (string [3])",
                "      @num_classes = 3  (int64)", "      @vocabulary = (float32 [100])");
    /* groups and members in name order: test before train, images before labels */
    assert_true(strstr(text, "test/") < strstr(text, "train/"));
    assert_true(strstr(text, "images:") < strstr(text, "labels:"));
    free(text);

    const char *missing = d_path(dir, "none.h5");
    ct_error err = {{0}};
    assert_int_equal(ct_inspect_file(missing, stdout, &err), CT_ERR);
    D_CHECK_MSG(err.msg, missing, "no such file");
    d_rmtree(dir);
}

/* A group linked into itself and to the root, a dataset under two names:
 * each object is shown once, and each other link says where. */
static void test_inspect_hard_link_loops(void **state)
{
    (void)state;
    char *text = inspect(d_path(CT_H5PY_DIR, "loops.h5"));
    const char *want = "  alias: int32 [3], contiguous, 12 bytes stored\n"
                       "  g/\n"
                       "    loop -> /g (already shown)\n"
                       "    up -> / (already shown)\n"
                       "    x -> /alias (already shown)\n";
    if (!strstr(text, want))
        fail_msg("expected:\n%s\nfound:\n%s", want, text);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_tree),
        cmocka_unit_test(test_inspect_hard_link_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
