/* ctrain eval CKPT [--data FILE.h5] [--split NAME] [--json] [--confusion]
 * [--confusion-png FILE]: evaluates a checkpoint (a file, a run's `latest`
 * pointer or its directory) on a split, every sample exactly once, at any
 * rank count; for a classifier, also its confusion matrix. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/commands/options.h"
#include "cluster/output/heatmap.h"
#include "cluster/run/restore.h"
#include "cluster/run/run.h"
#include "cluster/run/runtime.h"
#include "comm/agree.h"

typedef struct eval_args {
    const char *checkpoint;
    const char *data;
    const char *split;
    const char *confusion_png;
    bool json;
    bool confusion;
} eval_args;

static int parse_args(int argc, char **argv, eval_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    const ct_option options[] = {
        {"--data", &a->data, NULL},   {"--split", &a->split, NULL},         {"--json", NULL, &a->json},
        {"--confusion", NULL, &a->confusion}, {"--confusion-png", &a->confusion_png, NULL},
    };
    return ct_options_parse(argc, argv, options, 5, &a->checkpoint, "checkpoint", err);
}

/* The name of class k: the data file's, or its number (into buf). */
static const char *class_name(const ct_eval_result *r, int64_t k, char *buf, size_t size)
{
    const char *name = ct_shard_class_name(r->split, k);
    if (name)
        return name;
    snprintf(buf, size, "%lld", (long long)k);
    return buf;
}

/* The matrix with a row per true class, then each class's accuracy. */
static void print_confusion(const ct_eval_result *r)
{
    int64_t n = r->classes;
    char buf[32];
    int width = 8;
    for (int64_t k = 0; k < n; k++) {
        int w = (int)strlen(class_name(r, k, buf, sizeof buf));
        width = w > width ? w : width;
    }
    printf("confusion matrix (rows: true class, columns: predicted class)\n%*s", width, "");
    for (int64_t j = 0; j < n; j++)
        printf(" %*s", width, class_name(r, j, buf, sizeof buf));
    for (int64_t i = 0; i < n; i++) {
        printf("\n%*s", width, class_name(r, i, buf, sizeof buf));
        for (int64_t j = 0; j < n; j++)
            printf(" %*.0f", width, r->confusion[i * n + j]);
    }
    printf("\nper-class accuracy:");
    for (int64_t i = 0; i < n; i++) {
        double total = 0;
        for (int64_t j = 0; j < n; j++)
            total += r->confusion[i * n + j];
        printf("%s %s %.4f", i ? "," : "", class_name(r, i, buf, sizeof buf),
               total > 0 ? r->confusion[i * n + i] / total : 0.0);
    }
    printf("\n");
}

/* "loss=0.31 accuracy=0.89 samples=10000 split=test", or as JSON (with the
 * confusion matrix as a list of rows). */
static void print_result(const ct_eval_result *r, const char *split, bool json)
{
    if (json)
        printf("{\"split\": \"%s\"", split);
    for (int i = 0; i < r->n; i++)
        printf(json ? ", \"%s\": %.9g" : "%s=%.6f ", r->names[i], r->values[i]);
    if (!json) {
        printf("samples=%lld split=%s\n", (long long)r->samples, split);
        if (r->confusion)
            print_confusion(r);
        return;
    }
    printf(", \"samples\": %lld", (long long)r->samples);
    if (r->confusion) {
        char buf[32];
        printf(", \"classes\": [");
        for (int64_t k = 0; k < r->classes; k++)
            printf("%s\"%s\"", k ? ", " : "", class_name(r, k, buf, sizeof buf));
        printf("], \"confusion\": [");
        for (int64_t i = 0; i < r->classes; i++) {
            printf("%s[", i ? ", " : "");
            for (int64_t j = 0; j < r->classes; j++)
                printf("%s%.0f", j ? ", " : "", r->confusion[i * r->classes + j]);
            printf("]");
        }
        printf("]");
    }
    printf("}\n");
}

static int draw_confusion(const ct_eval_result *r, const eval_args *a, const char *split, ct_error *err)
{
    const char *labels[256];
    char names[256][32], title[512];
    if (r->classes > 256)
        return ct_fail(err, "--confusion-png: %lld classes are too many to draw (at most 256)", (long long)r->classes);
    for (int64_t k = 0; k < r->classes; k++)
        labels[k] = class_name(r, k, names[k], sizeof names[k]);
    snprintf(title, sizeof title, "confusion matrix of %s on /%s (%lld samples)", a->checkpoint, split,
             (long long)r->samples);
    return ct_heatmap_write_png(a->confusion_png, title, r->confusion, r->classes, labels, err);
}

static int evaluate(ct_run *run, const eval_args *a, ct_eval_result *result, ct_error *err)
{
    char origin[4200];
    ct_restore_source src = {a->checkpoint, NULL, a->data, a->split};
    run->eval_confusion = a->confusion || a->confusion_png;
    if (ct_restore_for_eval(run, &src, NULL, origin, sizeof origin, err) != CT_OK)
        return CT_ERR;
    if (!run->family->evaluate)
        return ct_fail(err, "eval: %s: a %s model has no evaluation of its own; score a GAN with `ctrain fid` "
                            "and look at it with `ctrain sample`", origin, run->family->name);
    if (run->family->evaluate(run, result, err) != CT_OK)
        return CT_ERR;
    if (run->eval_confusion && !result->confusion)
        return ct_fail(err, "eval: --confusion: %s: a %s has no classes to confuse", origin, run->family->name);
    int rc = CT_OK;
    if (a->confusion_png && run->world->rank == 0)
        rc = draw_confusion(result, a, run->job->data->test_split, err);
    return ct_agree_root(run->world, rc, 0, err);
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
    if (rc == CT_OK && world.rank == 0) {
        print_result(&result, run.job->data->test_split, args.json);
        if (args.confusion_png)
            printf("%s: the confusion matrix as a picture\n", args.confusion_png);
    }
    ct_run_free(&run);
    ct_world_finalize(&world);
    return status;
}
