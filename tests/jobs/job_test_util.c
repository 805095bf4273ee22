#include "job_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static ct_error last;

ct_job *ct_test_load(const char *yaml)
{
    ct_job *job = NULL;
    ct_error err = {{0}};
    if (ct_job_load_text(yaml, strlen(yaml), "t.yaml", &job, &err) != CT_OK)
        fail_msg("load failed: %s\nYAML:\n%s", err.msg, yaml);
    assert_non_null(job);
    return job;
}

const char *ct_test_load_fail(const char *yaml)
{
    ct_job *job = (ct_job *)&last; /* poison: must come back NULL */
    memset(&last, 0, sizeof last);
    if (ct_job_load_text(yaml, strlen(yaml), "t.yaml", &job, &last) != CT_ERR)
        fail_msg("load succeeded, expected an error\nYAML:\n%s", yaml);
    assert_null(job);
    assert_true(last.msg[0] != '\0');
    return last.msg;
}

char *ct_test_temp_file(const char *text)
{
    char tmpl[] = "/tmp/ct_test_job_XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_true(write(fd, text, n) == (ssize_t)n);
    close(fd);
    char *path = malloc(sizeof tmpl);
    memcpy(path, tmpl, sizeof tmpl);
    return path;
}

ct_job *ct_test_load_set(const char *yaml, const char *const *sets, size_t nsets, const char **msg)
{
    char *path = ct_test_temp_file(yaml);
    ct_job *job = NULL;
    memset(&last, 0, sizeof last);
    int rc = ct_job_load(path, sets, nsets, &job, &last);
    unlink(path);
    free(path);
    *msg = last.msg;
    if (rc != CT_OK) {
        assert_null(job);
        return NULL;
    }
    assert_non_null(job);
    return job;
}

const char *ct_test_source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("CT_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

uint8_t *ct_test_pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_int_equal(protobuf_c_message_pack(m, buf), *len);
    return buf;
}
