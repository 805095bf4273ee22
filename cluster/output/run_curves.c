#define _XOPEN_SOURCE 700 /* realpath: the name of a run given as "." */
#include "cluster/output/run_curves.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster/output/jsonl.h"
#include "engine/alloc.h"

static void curve_add(ct_curve *c, double x, double y)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->x = ct_realloc(c->x, (size_t)c->cap * sizeof *c->x);
        c->y = ct_realloc(c->y, (size_t)c->cap * sizeof *c->y);
    }
    c->x[c->n] = x;
    c->y[c->n] = y;
    c->n++;
}

static int index_of(const ct_run_curves *r, const char *name)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (strcmp(r->metrics[i].name, name) == 0)
            return i;
    return -1;
}

const ct_metric_curves *ct_run_curves_find(const ct_run_curves *r, const char *name)
{
    int i = index_of(r, name);
    return i < 0 ? NULL : &r->metrics[i];
}

static ct_metric_curves *metric_of(ct_run_curves *r, const char *name)
{
    int i = index_of(r, name);
    if (i >= 0)
        return &r->metrics[i];
    r->metrics = ct_realloc(r->metrics, (size_t)(r->nmetrics + 1) * sizeof *r->metrics);
    ct_metric_curves *m = &r->metrics[r->nmetrics++];
    *m = (ct_metric_curves){ct_strdup(name), {0}, {0}};
    return m;
}

/* One line of metrics.jsonl: its numbers (null: NaN) at its step. */
static int add_record(void *ctx, const ct_json_object *record, ct_error *err)
{
    ct_run_curves *r = ctx;
    const ct_json_member *type = ct_json_get(record, "type"), *step = ct_json_get(record, "step");
    if (type && type->type != CT_JSON_STRING)
        return ct_fail(err, "expected \"type\" to be a string (\"step\" or \"epoch\")");
    if (type && strcmp(type->string, "step") != 0 && strcmp(type->string, "epoch") != 0)
        return CT_OK; /* records of other kinds are no curves */
    if (!step || step->type != CT_JSON_NUMBER || !isfinite(step->number))
        return ct_fail(err, "expected a record with a \"step\" number, found %s",
                       !step ? "none" : step->type == CT_JSON_NUMBER ? "a value that is not finite" : "another value");
    bool per_step = type && strcmp(type->string, "step") == 0;
    for (int i = 0; i < record->count; i++) {
        const ct_json_member *m = &record->members[i];
        if (m == type || m == step || (m->type != CT_JSON_NUMBER && m->type != CT_JSON_NULL))
            continue;
        ct_metric_curves *into = metric_of(r, m->key);
        curve_add(per_step ? &into->steps : &into->epochs, step->number, m->type == CT_JSON_NULL ? NAN : m->number);
    }
    return CT_OK;
}

int ct_run_curves_read(ct_run_curves *r, const char *dir, ct_error *err)
{
    char resolved[PATH_MAX], path[PATH_MAX + 32];
    if (!realpath(dir, resolved))
        return ct_fail(err, "%s: %s", dir, strerror(errno));
    r->name = ct_strdup(basename(resolved));
    snprintf(path, sizeof path, "%s/metrics.jsonl", dir);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return ct_fail(err, "%s: no metrics.jsonl in it (is it a run directory of 'ctrain train'?)", dir);
    return ct_jsonl_read(path, add_record, r, err);
}

void ct_run_curves_free(ct_run_curves *r)
{
    for (int i = 0; i < r->nmetrics; i++) {
        ct_metric_curves *m = &r->metrics[i];
        ct_free(m->name);
        ct_free(m->epochs.x);
        ct_free(m->epochs.y);
        ct_free(m->steps.x);
        ct_free(m->steps.y);
    }
    ct_free(r->metrics);
    ct_free(r->name);
    *r = (ct_run_curves){NULL, NULL, 0};
}
