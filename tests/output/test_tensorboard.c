/* The TensorBoard writer: its messages and framing against records written
 * by another implementation, the file it creates, and its errors.
 * (test_tfevents.py reads whole files back with an independent reader.) */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/output/crc32c.h"
#include "cluster/output/tensorboard.h"
#include "cluster/output/tensorboard.pb-c.h"

/* Three records written by tensorboard_logger with TensorFlow's own protos
 * (TeamHG-Memex/tensorboard_logger, tests/test_tensorboard_logger.py,
 * test_serialization), all at wall_time 256.5: the file version, "v/1" = 1.5
 * at step 1, "v/22" = 16 at step 2. */
static const unsigned char golden_version[40] = {
    0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa3, 0x7f, 0x4b, 0x22, 0x09, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x70, 0x40, 0x1a, 0x0d, 0x62, 0x72, 0x61, 0x69, 0x6e,
    0x2e, 0x45, 0x76, 0x65, 0x6e, 0x74, 0x3a, 0x32, 0xbc, 0x98, 0x21, 0x2b,
};
static const unsigned char golden_v1[41] = {
    0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8b, 0xf1, 0x08, 0x28, 0x09, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x70, 0x40, 0x10, 0x01, 0x2a, 0x0c, 0x0a, 0x0a, 0x0a,
    0x03, 0x76, 0x2f, 0x31, 0x15, 0x00, 0x00, 0xc0, 0x3f, 0x2c, 0xec, 0xc0, 0x87,
};
static const unsigned char golden_v22[42] = {
    0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x9b, 0xd8, 0x2d, 0x09, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x70, 0x40, 0x10, 0x02, 0x2a, 0x0d, 0x0a, 0x0b, 0x0a,
    0x04, 0x76, 0x2f, 0x32, 0x32, 0x15, 0x00, 0x00, 0x80, 0x41, 0x8f, 0xa3, 0xb6, 0x88,
};

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ev packs to the record's data, and the record's CRCs are ours. */
static void check_record(const unsigned char *record, size_t record_size, const Tensorflow__Event *ev)
{
    size_t size = record_size - 16;
    assert_int_equal(record[0], size);
    assert_int_equal(tensorflow__event__get_packed_size(ev), size);
    unsigned char packed[64];
    assert_int_equal(tensorflow__event__pack(ev, packed), size);
    assert_memory_equal(packed, record + 12, size);
    assert_int_equal(ct_crc32c_mask(ct_crc32c(record, 8)), le32(record + 8));
    assert_int_equal(ct_crc32c_mask(ct_crc32c(record + 12, size)), le32(record + 12 + size));
}

static void check_scalar_record(const unsigned char *record, size_t record_size, const char *tag, int64_t step,
                                float value)
{
    Tensorflow__Summary__Value v = TENSORFLOW__SUMMARY__VALUE__INIT;
    v.tag = (char *)tag;
    v.value_case = TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
    v.simple_value = value;
    Tensorflow__Summary__Value *values[1] = {&v};
    Tensorflow__Summary summary = TENSORFLOW__SUMMARY__INIT;
    summary.n_value = 1;
    summary.value = values;
    Tensorflow__Event ev = TENSORFLOW__EVENT__INIT;
    ev.wall_time = 256.5;
    ev.step = step;
    ev.what_case = TENSORFLOW__EVENT__WHAT_SUMMARY;
    ev.summary = &summary;
    check_record(record, record_size, &ev);
}

static void test_records_match_another_writer(void **state)
{
    (void)state;
    Tensorflow__Event ev = TENSORFLOW__EVENT__INIT;
    ev.wall_time = 256.5;
    ev.what_case = TENSORFLOW__EVENT__WHAT_FILE_VERSION;
    ev.file_version = "brain.Event:2";
    check_record(golden_version, sizeof golden_version, &ev);
    check_scalar_record(golden_v1, sizeof golden_v1, "v/1", 1, 1.5f);
    check_scalar_record(golden_v22, sizeof golden_v22, "v/22", 2, 16.0f);
}

static char root[256];

static int make_root(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/ct_tb_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

static long long file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long long)st.st_size;
}

/* An event of file_version "brain.Event:2": 24 bytes of data, 40 framed. */
#define VERSION_RECORD 40

static void test_open_creates_the_named_file(void **state)
{
    (void)state;
    char dir[512], host[256], name[512];
    snprintf(dir, sizeof dir, "%s/run/tensorboard", root);
    ct_tb_writer w;
    ct_error err = {{0}};
    if (ct_tb_open(&w, dir, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(gethostname(host, sizeof host), 0);
    long long seconds = 0;
    assert_int_equal(sscanf(w.path + strlen(dir), "/events.out.tfevents.%lld.%511s", &seconds, name), 2);
    snprintf(host + strlen(host), sizeof host - strlen(host), ".%d", (int)getpid());
    assert_string_equal(name, host);
    assert_true(seconds > 1600000000);
    /* the first event is in the file already, while the writer is open */
    assert_int_equal(file_size(w.path), VERSION_RECORD);
    ct_tb_close(&w);
    assert_int_equal(file_size(w.path), VERSION_RECORD);
}

static void test_open_errors_name_the_path(void **state)
{
    (void)state;
    char file[300], dir[512];
    snprintf(file, sizeof file, "%s/plain-file", root);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/tensorboard", file);
    ct_tb_writer w;
    ct_error err = {{0}};
    assert_int_equal(ct_tb_open(&w, dir, &err), CT_ERR);
    assert_non_null(strstr(err.msg, dir));
    assert_non_null(strstr(err.msg, "plain-file: cannot create directory: a file of that name exists"));
    ct_tb_close(&w);
    assert_int_equal(ct_tb_open(&w, "", &err), CT_ERR);
    assert_non_null(strstr(err.msg, "empty directory name"));
    ct_tb_close(&w);
}

static void test_image_sizes_are_checked(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/images", root);
    ct_tb_writer w;
    ct_error err = {{0}};
    if (ct_tb_open(&w, dir, &err) != CT_OK)
        fail_msg("%s", err.msg);
    unsigned char png[8] = {0};
    assert_int_equal(ct_tb_image(&w, "samples/x", 3, png, sizeof png, 2, 2, 5, &err), CT_ERR);
    assert_non_null(strstr(err.msg, "'samples/x'"));
    assert_non_null(strstr(err.msg, "found 5 channels"));
    assert_int_equal(ct_tb_image(&w, "samples/x", 3, png, sizeof png, 0, 2, 3, &err), CT_ERR);
    assert_non_null(strstr(err.msg, "0 x 2 pixels"));
    assert_int_equal(ct_tb_image(&w, "samples/x", 3, png, 0, 2, 2, 3, &err), CT_ERR);
    assert_non_null(strstr(err.msg, "0 bytes"));
    if (ct_tb_flush(&w, &err) != CT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(file_size(w.path), VERSION_RECORD);
    ct_tb_close(&w);
}

/* A write that fails (here: the file size limit, as a full disk would) names
 * the file and the reason, leaves only whole records, and the writer goes
 * on once the file can grow again. */
static void test_failed_write_leaves_whole_records(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/full", root);
    ct_tb_writer w;
    ct_error err = {{0}};
    if (ct_tb_open(&w, dir, &err) != CT_OK)
        fail_msg("%s", err.msg);
    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = (struct rlimit){1000, old.rlim_max};
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    static unsigned char png[2000];
    int rc = ct_tb_image(&w, "big", 1, png, sizeof png, 10, 10, 1, &err);
    if (rc == CT_OK)
        rc = ct_tb_flush(&w, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(rc, CT_ERR);
    assert_non_null(strstr(err.msg, w.path));
    assert_non_null(strstr(err.msg, strerror(EFBIG)));
    assert_int_equal(file_size(w.path), VERSION_RECORD);

    if (ct_tb_scalar(&w, "loss", 1, 0.5f, &err) != CT_OK || ct_tb_flush(&w, &err) != CT_OK)
        fail_msg("%s", err.msg);
    /* "loss" at step 1: 26 bytes of data, as "v/1" above takes 25 */
    assert_int_equal(file_size(w.path), VERSION_RECORD + 16 + 26);
    ct_tb_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_match_another_writer),
        cmocka_unit_test(test_open_creates_the_named_file),
        cmocka_unit_test(test_open_errors_name_the_path),
        cmocka_unit_test(test_image_sizes_are_checked),
        cmocka_unit_test(test_failed_write_leaves_whole_records),
    };
    return cmocka_run_group_tests(tests, make_root, remove_root);
}
