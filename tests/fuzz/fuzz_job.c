/* libFuzzer harness of the job loader, as `ctrain train JOB --set ...` and
 * `ctrain job check` use it: ct_job_load on a file, then the --set
 * overrides.
 *
 * Input: the YAML text, then zero or more overrides, each after a NUL byte
 * ("name: x\n...\0train.epochs=3\0optimizer.lr=0.1"): a NUL cannot be in a
 * command-line argument, so every split is one `ctrain train` could be
 * given. At most 64 overrides, as `ctrain train` takes.
 *
 * Checks: a failure returns CT_ERR with a message and no job; a job that
 * loads emits YAML (ct_job_to_yaml: RUN_DIR/job.yaml, a checkpoint's /job)
 * that loads back to a job that emits the same text, byte for byte (what
 * a resume and `train --run-dir` compare). Everything is freed (LeakSanitizer). */
#include <stdint.h>
#include <string.h>

#include "engine/alloc.h"
#include "jobs/job.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_SETS 64

static char job_path[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(job_path, sizeof job_path, "%s/job.yaml", fz_scratch_dir("job"));
    return 0;
}

/* Checks a failed load: CT_ERR, no job, a message. */
static void check_failure(int rc, const ct_job *job, const ct_error *err)
{
    FZ_CHECK(rc == CT_ERR, "rc %d", rc);
    FZ_CHECK(job == NULL, "a failed load returned a job");
    FZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL && err->msg[0] != '\0', "no error message");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return -1;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t yaml_len = nul ? (size_t)(nul - data) : size;
    fz_write_file(job_path, data, yaml_len);

    /* The overrides, each NUL-terminated in one copy of the rest. */
    char *rest = NULL;
    const char *sets[MAX_SETS];
    size_t nsets = 0;
    if (nul) {
        size_t rest_len = size - yaml_len - 1;
        rest = ct_malloc(rest_len + 1);
        memcpy(rest, nul + 1, rest_len);
        rest[rest_len] = '\0';
        for (char *p = rest; nsets < MAX_SETS;) {
            sets[nsets++] = p;
            char *end = memchr(p, '\0', (size_t)(rest + rest_len - p));
            if (!end || end == rest + rest_len)
                break;
            p = end + 1;
        }
    }

    ct_job *job = NULL;
    ct_error err = {{0}};
    int rc = ct_job_load(job_path, sets, nsets, &job, &err);
    if (rc != CT_OK) {
        check_failure(rc, job, &err);
        ct_free(rest);
        return 0;
    }
    char *yaml = ct_job_to_yaml(job);
    FZ_CHECK(yaml != NULL, "ct_job_to_yaml returned NULL");
    ct_job *again = NULL;
    rc = ct_job_load_text(yaml, strlen(yaml), "<resolved job>", &again, &err);
    FZ_CHECK(rc == CT_OK, "the resolved job does not load back: %s\n--- resolved job:\n%s", err.msg, yaml);
    char *yaml_again = ct_job_to_yaml(again);
    FZ_CHECK(strcmp(yaml, yaml_again) == 0, "the resolved job changes when loaded back:\n--- first:\n%s\n--- then:\n%s",
             yaml, yaml_again);
    ct_free(yaml_again);
    ct_job_free(again);
    ct_free(yaml);
    ct_job_free(job);
    ct_free(rest);
    return 0;
}
