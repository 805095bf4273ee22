#include "cluster/run/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "comm/watchdog.h"

void ct_metrics_init(ct_metrics *m)
{
    memset(m, 0, sizeof *m);
}

int ct_metrics_declare(ct_metrics *m, const char *name, ct_metric_reduce reduce, ct_metric_over_steps over_steps,
                       unsigned flags, int *id, ct_error *err)
{
    if (ct_metrics_find(m, name) >= 0)
        return ct_fail(err, "metric '%s' is declared twice", name);
    if (m->n == CT_MAX_METRICS || strlen(name) >= CT_METRIC_NAME_MAX)
        return ct_fail(err, "metric '%s': at most %d metrics of at most %d characters", name, CT_MAX_METRICS,
                       CT_METRIC_NAME_MAX - 1);
    ct_metric_def *d = &m->defs[m->n];
    snprintf(d->name, sizeof d->name, "%s", name);
    d->reduce = reduce;
    d->over_steps = over_steps;
    d->flags = flags;
    *id = m->n++;
    return CT_OK;
}

int ct_metrics_find(const ct_metrics *m, const char *name)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->defs[i].name, name) == 0)
            return i;
    return -1;
}

void ct_metrics_add(ct_metrics *m, int id, double value)
{
    if (m->defs[id].reduce == CT_REDUCE_MAX)
        m->local[id] = m->local_count[id] > 0 && m->local[id] >= value ? m->local[id] : value;
    else
        m->local[id] += value;
    m->local_count[id] += 1;
}

/* Folds a step's global value into totals t. */
static void accumulate(ct_metric_totals *t, int id, ct_metric_over_steps over, double value, double weight)
{
    switch (over) {
    case CT_OVER_STEPS_MEAN:
        t->sum[id] += value * weight;
        t->weight[id] += weight;
        return;
    case CT_OVER_STEPS_SUM:
        t->sum[id] += value;
        break;
    case CT_OVER_STEPS_LAST:
        t->sum[id] = value;
        break;
    case CT_OVER_STEPS_MAX:
        t->sum[id] = t->weight[id] > 0 && t->sum[id] >= value ? t->sum[id] : value;
        break;
    }
    t->weight[id] += 1;
}

int ct_metrics_reduce(ct_metrics *m, const ct_world *world, double weight, ct_error *err)
{
    /* Sums and counts of every metric in one buffer; maxima in another,
     * reduced only when some metric takes its maximum. */
    double sums[2 * CT_MAX_METRICS], maxima[CT_MAX_METRICS];
    bool any_max = false;
    for (int i = 0; i < m->n; i++) {
        bool is_max = m->defs[i].reduce == CT_REDUCE_MAX;
        any_max |= is_max;
        sums[i] = is_max ? 0.0 : m->local[i];
        sums[m->n + i] = m->local_count[i];
        maxima[i] = is_max && m->local_count[i] > 0 ? m->local[i] : -INFINITY;
    }
    ct_watch_enter("MPI_Allreduce of the step's metrics");
    int rc = MPI_Allreduce(MPI_IN_PLACE, sums, 2 * m->n, MPI_DOUBLE, MPI_SUM, world->comm);
    if (rc == MPI_SUCCESS && any_max)
        rc = MPI_Allreduce(MPI_IN_PLACE, maxima, m->n, MPI_DOUBLE, MPI_MAX, world->comm);
    ct_watch_leave();
    memset(m->local, 0, sizeof m->local);
    memset(m->local_count, 0, sizeof m->local_count);
    if (rc != MPI_SUCCESS)
        return ct_fail(err, "MPI_Allreduce of the step's metrics failed (code %d)", rc);
    const char *bad = NULL;
    for (int i = 0; i < m->n; i++) {
        const ct_metric_def *d = &m->defs[i];
        double count = sums[m->n + i];
        m->reported[i] = count > 0;
        if (!m->reported[i])
            continue;
        m->value[i] = d->reduce == CT_REDUCE_MAX ? maxima[i] : d->reduce == CT_REDUCE_MEAN ? sums[i] / count : sums[i];
        if ((d->flags & CT_METRIC_FINITE) && !isfinite(m->value[i]) && !bad)
            bad = d->name;
        accumulate(&m->epoch, i, d->over_steps, m->value[i], weight);
        accumulate(&m->interval, i, d->over_steps, m->value[i], weight);
    }
    if (bad)
        return ct_fail(err, "non-finite %s (%g)", bad, m->value[ct_metrics_find(m, bad)]);
    return CT_OK;
}

void ct_metrics_set_eval(ct_metrics *m, int id, double value)
{
    m->eval[id] = value;
    m->eval_set[id] = true;
}

bool ct_metrics_has(const ct_metrics *m, const ct_metric_totals *t, int id)
{
    if (m->defs[id].flags & CT_METRIC_EVAL)
        return m->eval_set[id];
    return t->weight[id] > 0;
}

double ct_metrics_total(const ct_metrics *m, const ct_metric_totals *t, int id)
{
    if (!ct_metrics_has(m, t, id))
        return NAN;
    if (m->defs[id].flags & CT_METRIC_EVAL)
        return (float)m->eval[id];
    double v = m->defs[id].over_steps == CT_OVER_STEPS_MEAN ? t->sum[id] / t->weight[id] : t->sum[id];
    return (float)v;
}

void ct_metrics_clear_totals(ct_metric_totals *t)
{
    memset(t, 0, sizeof *t);
}
