/* The public job API: read the file, map its YAML onto Ctrain__Job, apply
 * the --set overrides, make the defaults explicit, check the ranges. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "jobs/job.h"
#include "jobs/job_internal.h"

int ct_pb_is_optional_section(const ProtobufCFieldDescriptor *f)
{
    return f == protobuf_c_message_descriptor_get_field_by_name(&ctrain__network__descriptor, "optimizer") ||
           f == protobuf_c_message_descriptor_get_field_by_name(&ctrain__data__descriptor, "augment") ||
           f == protobuf_c_message_descriptor_get_field_by_name(&ctrain__data__descriptor, "normalize") ||
           (f->type == PROTOBUF_C_TYPE_MESSAGE &&
            protobuf_c_message_descriptor_get_field_by_name(&ctrain__augment__descriptor, f->name) == f);
}

/* A network's optimizer section says what differs from the job's. */
static void inherit_optimizers(Ctrain__Job *job)
{
    if (!job->model || !job->optimizer)
        return;
    for (size_t i = 0; i < job->model->n_networks; i++)
        if (job->model->networks[i]->optimizer)
            ct_pb_fill_unset(&job->model->networks[i]->optimizer->base, &job->optimizer->base);
}

static int load(const char *text, size_t len, const char *origin, const char *const *overrides,
                size_t noverrides, ct_job **out, ct_error *err)
{
    *out = NULL;
    ct_marks marks = {0};
    ProtobufCMessage *job = ct_pb_new(&ctrain__job__descriptor);
    int rc = ct_yaml_load_message(text, len, origin, job, &marks, err);
    for (size_t i = 0; rc == CT_OK && i < noverrides; i++)
        rc = ct_pb_set(job, overrides[i], &marks, err);
    if (rc == CT_OK) {
        inherit_optimizers((Ctrain__Job *)job);
        ct_pb_resolve(job);
        rc = ct_job_check((const ct_job *)job, &marks, origin, err);
    }
    ct_marks_free(&marks);
    if (rc != CT_OK) {
        ct_pb_free(job);
        return rc;
    }
    *out = (ct_job *)job;
    return CT_OK;
}

/* The whole file in a NUL-terminated buffer (free with ct_free). */
static int read_file(const char *path, char **text, size_t *len, ct_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ct_fail(err, "%s: cannot open the job file: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = ct_malloc(cap);
    for (;;) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        buf = ct_realloc(buf, cap);
    }
    int failed = ferror(f), saved = errno;
    fclose(f);
    if (failed) {
        ct_free(buf);
        return ct_fail(err, "%s: cannot read the job file: %s", path, strerror(saved));
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return CT_OK;
}

int ct_job_load(const char *path, const char *const *overrides, size_t noverrides, ct_job **out,
                ct_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (read_file(path, &text, &len, err) != CT_OK)
        return CT_ERR;
    int rc = load(text, len, path, overrides, noverrides, out, err);
    ct_free(text);
    return rc;
}

int ct_job_load_text(const char *text, size_t len, const char *origin, ct_job **out, ct_error *err)
{
    return load(text, len, origin ? origin : "<job text>", NULL, 0, out, err);
}

char *ct_job_to_yaml(const ct_job *job)
{
    return ct_yaml_emit(&job->base);
}

void ct_job_free(ct_job *job)
{
    if (job)
        ct_pb_free(&job->base);
}
