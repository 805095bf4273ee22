/* ctrain eval CKPT [--data FILE.h5] [--split NAME] [--json]: evaluates a
 * checkpoint (a file, a run's `latest` pointer or its directory) on a split,
 * every sample exactly once, at any rank count. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/run/restore.h"
#include "cluster/run/run.h"
#include "cluster/run/runtime.h"

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

/* "loss=0.31 accuracy=0.89 samples=10000 split=test", or as JSON. */
static void print_result(const ct_eval_result *r, const char *split, bool json)
{
    if (json)
        printf("{\"split\": \"%s\"", split);
    for (int i = 0; i < r->n; i++)
        printf(json ? ", \"%s\": %.9g" : "%s=%.6f ", r->names[i], r->values[i]);
    if (json)
        printf(", \"samples\": %lld}\n", (long long)r->samples);
    else
        printf("samples=%lld split=%s\n", (long long)r->samples, split);
}

static int evaluate(ct_run *run, const eval_args *a, ct_eval_result *result, ct_error *err)
{
    char origin[4200];
    ct_restore_source src = {a->checkpoint, NULL, a->data, a->split};
    if (ct_restore_for_eval(run, &src, NULL, origin, sizeof origin, err) != CT_OK)
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
    ct_run_init(&run, &world);
    eval_args args;
    ct_eval_result result = {0};
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = evaluate(&run, &args, &result, &err);
    int status = rc == CT_OK ? 0 : ct_runtime_fail(&world, &err);
    if (rc == CT_OK && world.rank == 0)
        print_result(&result, run.job->data->test_split, args.json);
    ct_run_free(&run);
    ct_world_finalize(&world);
    return status;
}
