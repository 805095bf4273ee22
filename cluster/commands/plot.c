/* ctrain plot RUN_DIR... --out FILE.png [--metric NAME]... [--title TEXT]:
 * the curves of the runs' metrics.jsonl, one panel per metric, x the
 * training step, a line per run. Epoch records are lines with dots; step
 * records, where a run has them, a thin line (light under an epoch line).
 * A plain process: no MPI. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/output/chart.h"
#include "cluster/output/run_curves.h"
#include "engine/alloc.h"

#define MARGIN 14
#define PANEL_W 520 /* each metric's panel, its labels included */
#define PANEL_H 340

typedef struct plot_args {
    const char **runs, **metrics;
    int nruns, nmetrics;
    const char *out, *title;
} plot_args;

static int parse_args(int argc, char **argv, plot_args *a, ct_error *err)
{
    a->runs = CT_ALLOC_ARRAY(const char *, argc);
    a->metrics = CT_ALLOC_ARRAY(const char *, argc);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            a->runs[a->nruns++] = arg;
            continue;
        }
        const char **value;
        if (strcmp(arg, "--out") == 0)
            value = &a->out;
        else if (strcmp(arg, "--title") == 0)
            value = &a->title;
        else if (strcmp(arg, "--metric") == 0)
            value = &a->metrics[a->nmetrics++];
        else
            return ct_fail(err, "plot: unknown option '%s' (see 'ctrain help plot')", arg);
        if (i + 1 >= argc)
            return ct_fail(err, "plot: %s needs a value", arg);
        *value = argv[++i];
    }
    if (a->nruns == 0)
        return ct_fail(err, "plot: no RUN_DIR given (see 'ctrain help plot')");
    if (!a->out)
        return ct_fail(err, "plot: --out FILE.png is required");
    return CT_OK;
}

/* Counters and timings, not curves to show unasked. */
static bool bookkeeping(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "epoch") == 0 || strcmp(name, "seconds") == 0 ||
           (n >= 6 && strcmp(name + n - 6, "_per_s") == 0);
}

/* Adds name to names[*n] unless it is there. */
static void add_name(const char **names, int *n, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return;
    names[(*n)++] = name;
}

/* The names of the metrics of the runs, first seen first: every one, or
 * the ones a default plot shows (of epoch records, else of step records,
 * no bookkeeping). names holds room for all of them. */
static int metric_names(const ct_run_curves *runs, int nruns, bool shown, const char **names)
{
    int n = 0;
    for (int pass = 0; pass < 2 && n == 0; pass++)
        for (int k = 0; k < nruns; k++)
            for (int i = 0; i < runs[k].nmetrics; i++) {
                const ct_metric_curves *m = &runs[k].metrics[i];
                if (!shown || (!bookkeeping(m->name) && (pass == 0 ? m->epochs.n : m->steps.n) > 0))
                    add_name(names, &n, m->name);
            }
    return n;
}

/* The metrics to draw: --metric's, each of which some run must have, or
 * the default ones. */
static int choose_metrics(const plot_args *a, const ct_run_curves *runs, const char **names, int *n, ct_error *err)
{
    char found[600] = "";
    int all = metric_names(runs, a->nruns, false, names);
    for (int j = 0; j < all; j++)
        snprintf(found + strlen(found), sizeof found - strlen(found), "%s%s", j ? ", " : "", names[j]);
    if (all == 0)
        return ct_fail(err, "plot: the runs' metrics.jsonl files hold no metrics");
    *n = 0;
    for (int i = 0; i < a->nmetrics; i++) {
        bool has = false;
        for (int k = 0; k < a->nruns && !has; k++)
            has = ct_run_curves_find(&runs[k], a->metrics[i]) != NULL;
        if (!has)
            return ct_fail(err, "plot: --metric %s: no run has it (metrics found: %s)", a->metrics[i], found);
        add_name(names, n, a->metrics[i]);
    }
    if (a->nmetrics == 0)
        *n = metric_names(runs, a->nruns, true, names);
    if (*n == 0)
        return ct_fail(err, "plot: the runs' metrics.jsonl files hold bookkeeping only (%s): pick with --metric",
                       found);
    return CT_OK;
}

static ct_pen epoch_pen(ct_rgb color)
{
    return (ct_pen){color, 1.0, 2.0};
}

/* Light under an epoch line, so that the two tell apart; full alone. */
static ct_pen step_pen(ct_rgb color, bool under)
{
    return (ct_pen){color, under ? 0.35 : 1.0, 1.2};
}

#define EPOCH_DOT 3.0

/* The legend: the runs, and what the two kinds of line are when both show. */
static int legend(ct_canvas *c, int y, const ct_run_curves *runs, int nruns, bool both, int width)
{
    ct_legend_entry *e = CT_ALLOC_ARRAY(ct_legend_entry, nruns + 2);
    int n = 0;
    for (int k = 0; k < nruns; k++)
        e[n++] = (ct_legend_entry){runs[k].name, epoch_pen(ct_class_color(k)), EPOCH_DOT};
    if (both) {
        ct_rgb grey = {90, 90, 90}; /* darker than any run's colour */
        e[n++] = (ct_legend_entry){"epoch records", epoch_pen(grey), EPOCH_DOT};
        e[n++] = (ct_legend_entry){"step records", step_pen(grey, true), 0};
    }
    int h = ct_legend_draw(c, MARGIN, y, width, e, n);
    ct_free(e);
    return h;
}

static void draw_panel(ct_canvas *c, int x, int y, const ct_run_curves *runs, int nruns, const char *name)
{
    ct_chart_line *lines = CT_ALLOC_ARRAY(ct_chart_line, 2 * nruns);
    int n = 0;
    for (int pass = 0; pass < 2; pass++) /* the step lines first, under the others */
        for (int k = 0; k < nruns; k++) {
            const ct_metric_curves *m = ct_run_curves_find(&runs[k], name);
            const ct_curve *cv = m ? (pass == 0 ? &m->steps : &m->epochs) : NULL;
            ct_rgb color = ct_class_color(k);
            if (cv && cv->n > 0)
                lines[n++] = (ct_chart_line){cv->x, cv->y, cv->n,
                                             pass == 0 ? step_pen(color, m->epochs.n > 0) : epoch_pen(color),
                                             pass == 0 ? 0 : EPOCH_DOT};
        }
    ct_chart chart = {"step", name, lines, n};
    ct_chart_draw(c, x, y, PANEL_W, PANEL_H, &chart);
    ct_free(lines);
}

static int draw(const plot_args *a, const ct_run_curves *runs, const char **names, int n, ct_error *err)
{
    bool steps = false, epochs = false;
    for (int k = 0; k < a->nruns; k++)
        for (int i = 0; i < runs[k].nmetrics; i++) {
            steps = steps || runs[k].metrics[i].steps.n > 0;
            epochs = epochs || runs[k].metrics[i].epochs.n > 0;
        }
    char title[300];
    if (a->title)
        snprintf(title, sizeof title, "%s", a->title);
    else if (a->nruns == 1)
        snprintf(title, sizeof title, "training curves of %.250s", runs[0].name);
    else
        snprintf(title, sizeof title, "training curves of %d runs", a->nruns);
    int cols = n == 1 ? 1 : n <= 4 ? 2 : 3, rows = (n + cols - 1) / cols;
    int width = 2 * MARGIN + cols * PANEL_W;

    ct_canvas c;
    ct_canvas_init(&c, 1, 1, (ct_rgb){255, 255, 255}); /* a dry run, for the legend's height */
    int title_h = ct_canvas_text_height(&c, 1.5), legend_y = MARGIN + title_h + 6;
    int top = legend_y + legend(&c, legend_y, runs, a->nruns, steps && epochs, width - 2 * MARGIN) + 4;
    ct_canvas_free(&c);

    ct_canvas_init(&c, width, top + rows * PANEL_H + MARGIN, (ct_rgb){255, 255, 255});
    ct_canvas_text(&c, MARGIN, MARGIN, title, (ct_rgb){0, 0, 0}, 1.5);
    legend(&c, legend_y, runs, a->nruns, steps && epochs, width - 2 * MARGIN);
    for (int i = 0; i < n; i++)
        draw_panel(&c, MARGIN + i % cols * PANEL_W, top + i / cols * PANEL_H, runs, a->nruns, names[i]);
    int rc = ct_canvas_write_png(&c, a->out, err);
    ct_canvas_free(&c);
    return rc == CT_OK ? CT_OK : ct_fail_context(err, "plot");
}

int ct_cmd_plot(int argc, char **argv)
{
    ct_error err;
    plot_args a = {0};
    ct_run_curves *runs = NULL;
    const char **names = NULL;
    int n = 0, rc = parse_args(argc, argv, &a, &err);
    if (rc == CT_OK)
        runs = CT_ALLOC_ARRAY(ct_run_curves, a.nruns);
    for (int k = 0; rc == CT_OK && k < a.nruns; k++)
        rc = ct_run_curves_read(&runs[k], a.runs[k], &err) == CT_OK ? CT_OK : ct_fail_context(&err, "plot");
    if (rc == CT_OK) {
        int all = 0;
        for (int k = 0; k < a.nruns; k++)
            all += runs[k].nmetrics;
        names = CT_ALLOC_ARRAY(const char *, all + a.nmetrics);
        rc = choose_metrics(&a, runs, names, &n, &err);
    }
    if (rc == CT_OK)
        rc = draw(&a, runs, names, n, &err);
    if (rc == CT_OK) {
        printf("%s: ", a.out);
        for (int i = 0; i < n; i++)
            printf("%s%s", i ? ", " : "", names[i]);
        printf(" of %d run%s\n", a.nruns, a.nruns == 1 ? "" : "s");
    }
    for (int k = 0; runs && k < a.nruns; k++)
        ct_run_curves_free(&runs[k]);
    ct_free(runs);
    ct_free(names);
    ct_free(a.runs);
    ct_free(a.metrics);
    return rc == CT_OK ? 0 : ct_report_error(err.msg);
}
