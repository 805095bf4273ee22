/* ct_import_fashion_mnist on tiny idx.gz files written here with zlib (good
 * and broken ones), and on Debian's real dataset-fashion-mnist files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/h5util.h"
#include "datasets/importers.h"
#include "datasets/shard.h"
#include "engine/alloc.h"
#include "tests/datasets/dstest.h"

#define IMAGES_MAGIC 0x00000803u
#define LABELS_MAGIC 0x00000801u

static const char *const class_names[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

static unsigned char pixel(int split, int64_t i, int64_t j)
{
    return (unsigned char)((split * 101 + i * 17 + j * 3) % 256);
}

/* Writes <prefix>-images-idx3-ubyte.gz with n 28x28 images and
 * <prefix>-labels-idx1-ubyte.gz with n labels (i*3 % 10). */
static void write_split(const char *dir, const char *prefix, int split, uint32_t n)
{
    char name[4096];
    unsigned char *px = ct_malloc((size_t)n * 784);
    unsigned char *lab = ct_malloc(n);
    for (uint32_t i = 0; i < n; i++) {
        for (int j = 0; j < 784; j++)
            px[(size_t)i * 784 + (size_t)j] = pixel(split, i, j);
        lab[i] = (unsigned char)(i * 3 % 10);
    }
    uint32_t idims[3] = {n, 28, 28}, ldims[1] = {n};
    snprintf(name, sizeof name, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    d_write_idx_gz(name, IMAGES_MAGIC, 3, idims, px, (size_t)n * 784);
    snprintf(name, sizeof name, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    d_write_idx_gz(name, LABELS_MAGIC, 1, ldims, lab, n);
    ct_free(px);
    ct_free(lab);
}

static void write_tiny_set(const char *dir)
{
    write_split(dir, "train", 0, 5);
    write_split(dir, "t10k", 1, 3);
}

/* Number of entries of dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_import_tiny(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    write_tiny_set(dir);
    const char *out = d_path(dir, "fm.h5");
    ct_error err = {{0}};
    char *log = NULL;
    size_t loglen = 0;
    FILE *progress = open_memstream(&log, &loglen);
    if (ct_import_fashion_mnist(dir, out, progress, &err) != CT_OK)
        fail_msg("%s", err.msg);
    fclose(progress);
    D_CHECK_MSG(log, "train-images-idx3-ubyte.gz: 5 images of 28x28", "t10k-labels-idx1-ubyte.gz: 3 labels",
                "wrote ");
    free(log);
    assert_int_equal(count_entries(dir), 5); /* 4 inputs + fm.h5: no temporary left */

    const char *splits[2] = {"train", "test"};
    int64_t rows[2] = {5, 3};
    for (int k = 0; k < 2; k++) {
        ct_shard s;
        if (ct_shard_read(&s, out, splits[k], "images", "labels", 0, 1, &err) != CT_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(s.total_rows, rows[k]);
        assert_int_equal(s.sample_shape.ndim, 2);
        assert_int_equal(s.sample_shape.dim[0], 28);
        assert_int_equal(s.sample_shape.dim[1], 28);
        assert_int_equal(s.num_classes, 10);
        assert_int_equal(s.dtype, CT_DTYPE_UINT8);
        float x[784];
        for (int64_t i = 0; i < s.nrows; i++) {
            assert_int_equal(s.labels[i], i * 3 % 10);
            ct_shard_rows_float(&s, i, 1, x);
            for (int64_t j = 0; j < 784; j++) {
                assert_int_equal(ct_shard_row(&s, i)[j], pixel(k, i, j));
                assert_float_equal(x[j], pixel(k, i, j) / 255.0f, 1e-7);
            }
        }
        ct_shard_free(&s);
    }

    /* attributes as the layout says */
    hid_t f = ct_h5_open_file(out, H5F_ACC_RDONLY, &err);
    assert_true(f >= 0);
    char *source = NULL;
    assert_int_equal(ct_h5_attr_string(f, "source", &source, &err), CT_OK);
    D_CHECK_MSG(source, "Fashion-MNIST", dir);
    ct_free(source);
    hid_t d = H5Dopen2(f, "/train/labels", H5P_DEFAULT);
    char **names;
    size_t n;
    assert_int_equal(ct_h5_attr_strings(d, "class_names", &names, &n, &err), CT_OK);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[i], class_names[i]);
    ct_h5_free_strings(names, n);
    int64_t nc;
    assert_int_equal(ct_h5_attr_int64(d, "num_classes", &nc, &err), CT_OK);
    assert_int_equal(nc, 10);
    H5Dclose(d);
    d = H5Dopen2(f, "/test/images", H5P_DEFAULT);
    double scale, offset;
    assert_int_equal(ct_h5_attr_double(d, "scale", &scale, &err), CT_OK);
    assert_int_equal(ct_h5_attr_double(d, "offset", &offset, &err), CT_OK);
    assert_float_equal(scale, 1.0 / 255.0, 1e-9);
    assert_float_equal(offset, 0.0, 0);
    H5Dclose(d);
    H5Fclose(f);
    d_rmtree(dir);
}

/* Imports from dir, expects failure with the given message parts, and no
 * output or temporary file left behind. */
static void import_fails(const char *dir, const char *part1, const char *part2)
{
    char out[4096];
    snprintf(out, sizeof out, "%s/out.h5", dir); /* d_path would recycle the caller's buffers */
    ct_error err = {{0}};
    int before = count_entries(dir);
    assert_int_equal(ct_import_fashion_mnist(dir, out, NULL, &err), CT_ERR);
    D_CHECK_MSG(err.msg, part1, part2, "importing Fashion-MNIST into");
    assert_int_equal(access(out, F_OK), -1);
    assert_int_equal(count_entries(dir), before);
}

static void test_import_bad_magic(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    write_tiny_set(dir);
    /* labels file carrying the images magic */
    uint32_t dims[1] = {3};
    unsigned char lab[3] = {0, 1, 2};
    const char *labels = d_path(dir, "t10k-labels-idx1-ubyte.gz");
    d_write_idx_gz(labels, IMAGES_MAGIC, 1, dims, lab, 3);
    char want[4300];
    snprintf(want, sizeof want, "%s: bad magic number 0x00000803: expected 0x00000801", labels);
    import_fails(dir, want, "labels");
    d_rmtree(dir);
}

static void test_import_truncated(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    write_tiny_set(dir);
    /* header says 5 images, data holds 3 */
    uint32_t dims[3] = {5, 28, 28};
    unsigned char *px = ct_calloc(3 * 784, 1);
    const char *images = d_path(dir, "train-images-idx3-ubyte.gz");
    d_write_idx_gz(images, IMAGES_MAGIC, 3, dims, px, 3 * 784);
    ct_free(px);
    import_fails(dir, images, "truncated: expected 3920 bytes of data for 5 images, found 2352");

    /* a gzip stream cut short */
    write_tiny_set(dir);
    struct stat st;
    assert_int_equal(stat(images, &st), 0);
    d_truncate(images, st.st_size / 2);
    import_fails(dir, images, "truncated");

    /* a damaged CRC at the end of the stream */
    write_tiny_set(dir);
    assert_int_equal(stat(images, &st), 0);
    FILE *fp = fopen(images, "r+b");
    assert_non_null(fp);
    fseek(fp, (long)st.st_size - 8, SEEK_SET);
    fputc(0x55 ^ 0xff, fp);
    fputc(0xaa, fp);
    fclose(fp);
    import_fails(dir, images, "corrupt gzip data (zlib: incorrect data check)");

    /* cut inside the header */
    write_tiny_set(dir);
    const char *labels = d_path(dir, "train-labels-idx1-ubyte.gz");
    d_write_idx_gz(labels, LABELS_MAGIC, 0, dims, NULL, 0);
    import_fails(dir, labels, "truncated: expected an idx header of 8 bytes, found 4");

    /* not gzip data at all, and garbage after the images */
    write_tiny_set(dir);
    d_write_text(labels, "");
    import_fails(dir, labels, "truncated");
    write_tiny_set(dir);
    uint32_t ldims[1] = {5};
    unsigned char lab[6] = {0, 1, 2, 3, 4, 5};
    d_write_idx_gz(labels, LABELS_MAGIC, 1, ldims, lab, 6);
    import_fails(dir, labels, "expected 5 labels, found more data after them");
    d_rmtree(dir);
}

static void test_import_inconsistent(void **state)
{
    (void)state;
    const char *dir = d_tmpdir();
    write_tiny_set(dir);
    const char *labels = d_path(dir, "train-labels-idx1-ubyte.gz");
    const char *images = d_path(dir, "train-images-idx3-ubyte.gz");
    uint32_t ldims[1] = {4};
    unsigned char lab[5] = {0, 1, 2, 3, 11};
    d_write_idx_gz(labels, LABELS_MAGIC, 1, ldims, lab, 4);
    import_fails(dir, "has 4 labels but", "has 5 images: expected the same count");

    ldims[0] = 5;
    d_write_idx_gz(labels, LABELS_MAGIC, 1, ldims, lab, 5);
    import_fails(dir, labels, "label 4: expected 0 to 9, found 11");

    write_tiny_set(dir);
    uint32_t idims[3] = {2, 27, 28};
    unsigned char *px = ct_calloc(2 * 27 * 28, 1);
    d_write_idx_gz(images, IMAGES_MAGIC, 3, idims, px, 2 * 27 * 28);
    ct_free(px);
    import_fails(dir, images, "expected 28x28 images, found 27x28");

    write_tiny_set(dir);
    remove(d_path(dir, "t10k-images-idx3-ubyte.gz"));
    char want[4300];
    snprintf(want, sizeof want, "%s: no such file", d_path(dir, "t10k-images-idx3-ubyte.gz"));
    import_fails(dir, want, "");

    /* output directory missing */
    ct_error err = {{0}};
    assert_int_equal(ct_import_fashion_mnist(dir, d_path(dir, "no/such/dir/out.h5"), NULL, &err), CT_ERR);
    D_CHECK_MSG(err.msg, "no/such/dir/out.h5", "cannot create it");
    d_rmtree(dir);
}

/* Debian's dataset-fashion-mnist: installed in CI, so never skipped. */
static void test_import_debian_fashion_mnist(void **state)
{
    (void)state;
    const char *files[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                            "t10k-labels-idx1-ubyte.gz"};
    for (int i = 0; i < 4; i++)
        if (access(d_path(CT_FASHION_MNIST_DIR, files[i]), R_OK) != 0)
            fail_msg("%s is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
                     d_path(CT_FASHION_MNIST_DIR, files[i]));
    const char *dir = d_tmpdir();
    const char *out = d_path(dir, "fashion-mnist.h5");
    ct_error err = {{0}};
    if (ct_import_fashion_mnist(CT_FASHION_MNIST_DIR, out, NULL, &err) != CT_OK)
        fail_msg("%s", err.msg);
    const char *splits[2] = {"train", "test"};
    int64_t rows[2] = {60000, 10000};
    for (int k = 0; k < 2; k++) {
        ct_shard s;
        if (ct_shard_read(&s, out, splits[k], "images", "labels", 0, 1, &err) != CT_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(s.total_rows, rows[k]);
        assert_int_equal(s.nrows, rows[k]);
        assert_int_equal(s.sample_size, 784);
        assert_int_equal(s.num_classes, 10);
        int64_t hist[10] = {0};
        for (int64_t i = 0; i < s.nrows; i++) {
            assert_true(s.labels[i] >= 0 && s.labels[i] < 10);
            hist[s.labels[i]]++;
        }
        for (int c = 0; c < 10; c++)
            if (hist[c] != rows[k] / 10)
                fail_msg("/%s: class %d (%s) has %lld samples, expected %lld", splits[k], c, class_names[c],
                         (long long)hist[c], (long long)(rows[k] / 10));
        /* kept as the file's bytes: 47 MB for /train, not 188 MB of floats */
        assert_int_equal(s.dtype, CT_DTYPE_UINT8);
        assert_int_equal(s.row_bytes, 784);
        unsigned lo = 255, hi = 0;
        double sum = 0;
        for (int64_t i = 0; i < s.nrows * 784; i++) {
            lo = s.values[i] < lo ? s.values[i] : lo;
            hi = s.values[i] > hi ? s.values[i] : hi;
            sum += s.values[i];
        }
        assert_int_equal(lo, 0);
        assert_int_equal(hi, 255);
        float x[784];
        ct_shard_rows_float(&s, s.nrows - 1, 1, x);
        for (int64_t j = 0; j < 784; j++)
            assert_float_equal(x[j], ct_shard_row(&s, s.nrows - 1)[j] / 255.0f, 1e-7);
        double mean = sum / 255.0 / (double)(s.nrows * 784);
        assert_true(mean > 0.27 && mean < 0.30); /* Fashion-MNIST's mean pixel is 0.286 */
        ct_shard_free(&s);
    }
#ifdef CT_SYSTEM_PYTHON
    /* and h5py reads the file as the layout says */
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' '%s' check-fashion '%s'", CT_SYSTEM_PYTHON, CT_H5PY_SCRIPT, out);
    if (system(cmd) != 0)
        fail_msg("h5py check failed: %s", cmd);
#endif
    d_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_tiny),
        cmocka_unit_test(test_import_bad_magic),
        cmocka_unit_test(test_import_truncated),
        cmocka_unit_test(test_import_inconsistent),
        cmocka_unit_test(test_import_debian_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
