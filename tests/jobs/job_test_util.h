/* Helpers shared by the jobs/ tests. */
#ifndef CT_TESTS_JOBS_JOB_TEST_UTIL_H
#define CT_TESTS_JOBS_JOB_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/job.h"

/* Fails the test unless needle occurs in msg, printing both. */
#define assert_has(msg, needle)                                                                    \
    do {                                                                                           \
        const char *m_ = (msg), *n_ = (needle);                                                    \
        if (!strstr(m_, n_))                                                                       \
            fail_msg("expected \"%s\" in the message:\n  %s", n_, m_);                             \
    } while (0)

/* A small valid job, to build test YAML on. */
#define CT_TEST_MINIMAL "data: {path: d.h5}\nmodel:\n  networks:\n    - layers: [relu]\n"

/* Loads yaml (origin "t.yaml"); the test fails with the loader's message
 * unless it succeeds. Free with ct_job_free. */
ct_job *ct_test_load(const char *yaml);

/* Loads yaml (origin "t.yaml") expecting failure; returns the message (a
 * static buffer, valid until the next call). */
const char *ct_test_load_fail(const char *yaml);

/* Writes text to a new temporary file; returns its path (free with free(),
 * remove with unlink()). */
char *ct_test_temp_file(const char *text);

/* ct_job_load of yaml written to a temporary file, with overrides. On
 * success returns the job; on failure NULL and the message in *msg (static). */
ct_job *ct_test_load_set(const char *yaml, const char *const *sets, size_t nsets, const char **msg);

/* $CT_SOURCE_DIR/rel (static buffer). */
const char *ct_test_source_path(const char *rel);

/* Packs a message into a new buffer (free with free()). */
uint8_t *ct_test_pack(const ProtobufCMessage *m, size_t *len);

#endif
