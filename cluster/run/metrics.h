/* Named metrics of a run. A family declares what it reports (d_loss,
 * g_loss, d_real; episode_return, epsilon); during a step every rank adds
 * its contributions, one allreduce per step makes them global, and the
 * loop aggregates them over the steps of a log interval and of an epoch,
 * for metrics.jsonl, the progress lines, TensorBoard and the summary.
 * Evaluation results are set once per epoch. Values are kept in double and
 * emitted at float32 precision, the precision of TensorBoard's scalars. */
#ifndef CT_CLUSTER_RUN_METRICS_H
#define CT_CLUSTER_RUN_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "comm/world.h"
#include "engine/error.h"

#define CT_MAX_METRICS 24
#define CT_METRIC_NAME_MAX 48

/* How the contributions of the ranks to one step combine. */
typedef enum ct_metric_reduce {
    CT_REDUCE_SUM,  /* the sum of all contributions (a loss share per rank) */
    CT_REDUCE_MEAN, /* the mean of all contributions (one per episode, say) */
    CT_REDUCE_MAX,
} ct_metric_reduce;

/* How the steps of an interval (an epoch, a log interval) combine. */
typedef enum ct_metric_over_steps {
    CT_OVER_STEPS_MEAN, /* weighted by each step's weight (its global batch) */
    CT_OVER_STEPS_SUM,
    CT_OVER_STEPS_LAST,
    CT_OVER_STEPS_MAX,
} ct_metric_over_steps;

enum {
    CT_METRIC_FINITE = 1,   /* a non-finite value stops the run (losses, norms) */
    CT_METRIC_PROGRESS = 2, /* shown on the live progress bar */
    CT_METRIC_EVAL = 4,     /* an evaluation result: set per epoch, not per step */
    CT_METRIC_SUMMARY = 8,  /* shown on the final `done:` line */
};

typedef struct ct_metric_def {
    char name[CT_METRIC_NAME_MAX]; /* JSON key and TensorBoard tag: "train_loss" */
    ct_metric_reduce reduce;
    ct_metric_over_steps over_steps;
    unsigned flags;
} ct_metric_def;

/* One aggregation over steps (an epoch, a log interval): restored from
 * checkpoints, so a resumed run reports what an uninterrupted one does. */
typedef struct ct_metric_totals {
    double sum[CT_MAX_METRICS];    /* sum of value (x weight for MEAN), or the last / largest value */
    double weight[CT_MAX_METRICS]; /* MEAN: sum of the weights; others: steps that reported */
} ct_metric_totals;

typedef struct ct_metrics {
    int n;
    ct_metric_def defs[CT_MAX_METRICS];
    /* This step: local contributions, then (after ct_metrics_reduce) the
     * global value and whether any rank reported it. */
    double local[CT_MAX_METRICS];
    double local_count[CT_MAX_METRICS];
    double value[CT_MAX_METRICS];
    bool reported[CT_MAX_METRICS];
    ct_metric_totals epoch, interval;
    double eval[CT_MAX_METRICS]; /* CT_METRIC_EVAL values of the last evaluation */
    bool eval_set[CT_MAX_METRICS];
} ct_metrics;

void ct_metrics_init(ct_metrics *m);

/* Declares a metric; returns its id, or fails when the name is taken or
 * there are CT_MAX_METRICS already. */
int ct_metrics_declare(ct_metrics *m, const char *name, ct_metric_reduce reduce, ct_metric_over_steps over_steps,
                       unsigned flags, int *id, ct_error *err);

/* The id of a declared metric, or -1. */
int ct_metrics_find(const ct_metrics *m, const char *name);

/* Adds this rank's contribution to metric id in the current step. */
void ct_metrics_add(ct_metrics *m, int id, double value);

/* Makes the step's values global (one allreduce for the sums and counts,
 * one for maxima when a metric needs it), adds them to the epoch and
 * interval totals with the step's weight, and clears the contributions.
 * Fails, identically on every rank, when a CT_METRIC_FINITE metric is not
 * finite, naming it. Collective. */
int ct_metrics_reduce(ct_metrics *m, const ct_world *world, double weight, ct_error *err);

/* Sets an evaluation result (the same on every rank). */
void ct_metrics_set_eval(ct_metrics *m, int id, double value);

/* The value of metric id over the given totals (NAN when no step reported
 * it), rounded to float32. */
double ct_metrics_total(const ct_metrics *m, const ct_metric_totals *t, int id);

/* Whether metric id has a value in the totals (or, for evaluation
 * metrics, was evaluated). */
bool ct_metrics_has(const ct_metrics *m, const ct_metric_totals *t, int id);

void ct_metrics_clear_totals(ct_metric_totals *t);

#endif
