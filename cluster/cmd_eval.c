/* ctrain eval CKPT.h5 [--data FILE.h5] [--split NAME] [--json]: evaluates a
 * checkpoint on a split, every sample exactly once, at any rank count. */
#include <stdio.h>
#include <string.h>

#include "cluster/commands.h"
#include "cluster/restore.h"
#include "cluster/run.h"
#include "cluster/runtime.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

typedef struct eval_args {
    const char *checkpoint;
    const char *data;
    const char *split;
    int json;
} eval_args;

static int parse_args(int argc, char **argv, eval_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            a->json = 1;
        } else if (strcmp(argv[i], "--data") == 0 || strcmp(argv[i], "--split") == 0) {
            if (i + 1 >= argc)
                return ct_fail(err, "eval: %s needs a value", argv[i]);
            *(strcmp(argv[i], "--data") == 0 ? &a->data : &a->split) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-') {
            return ct_fail(err, "eval: unknown option '%s' (see 'ctrain help eval')", argv[i]);
        } else if (!a->checkpoint) {
            a->checkpoint = argv[i];
        } else {
            return ct_fail(err, "eval: unexpected argument '%s'", argv[i]);
        }
    }
    if (!a->checkpoint)
        return ct_fail(err, "eval: no checkpoint given (usage: ctrain eval CKPT.h5 [--data FILE.h5] [--split test])");
    return CT_OK;
}

/* Sets a string field of a loaded job; protobuf-c's static default value
 * is shared and must not be freed. */
static void replace_string(char **field, const char *default_value, const char *value)
{
    if (*field != default_value)
        ct_free(*field);
    *field = ct_strdup(value);
}

/* Rank 0 reads the checkpoint's job; every rank parses the same text. */
static int load_job(ct_run *run, const eval_args *a, char *origin, size_t size, ct_error *err)
{
    char *text = NULL;
    int rc = CT_OK;
    if (run->world->rank == 0) {
        ct_checkpoint ckpt;
        rc = ct_checkpoint_open(&ckpt, a->checkpoint, err);
        if (rc == CT_OK)
            rc = ct_checkpoint_read_text(&ckpt, "/job", &text, err);
        ct_checkpoint_close(&ckpt);
    }
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    int64_t len = text ? (int64_t)strlen(text) : 0;
    if (ct_broadcast_bytes(run->world, &len, sizeof len, 0, err) != CT_OK)
        return CT_ERR;
    if (!text)
        text = ct_calloc((size_t)len + 1, 1);
    rc = ct_broadcast_bytes(run->world, text, (size_t)len, 0, err);
    snprintf(origin, size, "%s:/job", a->checkpoint);
    run->job_origin = origin;
    if (rc == CT_OK)
        rc = ct_job_load_text(text, (size_t)len, origin, &run->job, err);
    ct_free(text);
    if (rc != CT_OK)
        return CT_ERR;
    /* The flags replace the job's data file and split. */
    if (a->data)
        replace_string(&run->job->data->path, NULL, a->data);
    if (a->split)
        replace_string(&run->job->data->test_split, ctrain__data__test_split__default_value, a->split);
    return CT_OK;
}

static int evaluate(ct_run *run, const eval_args *a, ct_eval_result *result, ct_error *err)
{
    char origin[4200];
    if (load_job(run, a, origin, sizeof origin, err) != CT_OK)
        return CT_ERR;
    ct_runtime_set_blas_threads(run->world);
    run->eval_only = true;
    run->family = ct_family_for(run->job);
    if (run->family->setup(run, err) != CT_OK)
        return CT_ERR;
    if (ct_restore(run, a->checkpoint, false, err) != CT_OK)
        return CT_ERR;
    return run->family->evaluate(run, result, err);
}

int ct_cmd_eval(int argc, char **argv)
{
    ct_world world;
    ct_error err;
    if (ct_world_init(&world, &argc, &argv, &err) != CT_OK)
        return ct_report_error(err.msg);
    ct_run run;
    memset(&run, 0, sizeof run);
    run.world = &world;
    eval_args args;
    ct_eval_result result = {0, 0, 0};
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = evaluate(&run, &args, &result, &err);
    int status = rc == CT_OK ? 0 : ct_runtime_fail(&world, &err);
    if (rc == CT_OK && world.rank == 0) {
        const char *split = run.job->data->test_split;
        if (args.json)
            printf("{\"split\": \"%s\", \"loss\": %.6g, \"accuracy\": %.6g, \"samples\": %lld}\n", split,
                   result.loss, result.accuracy, (long long)result.samples);
        else
            printf("loss=%.6f accuracy=%.6f samples=%lld split=%s\n", result.loss, result.accuracy,
                   (long long)result.samples, split);
    }
    if (run.family)
        run.family->teardown(&run);
    if (run.job)
        ct_job_free(run.job);
    ct_world_finalize(&world);
    return status;
}
