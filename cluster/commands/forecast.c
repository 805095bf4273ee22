/* ctrain forecast CKPT [--data FILE.h5] [--split NAME] [--period P]
 * [--out FILE.png] [--start ROW] [--days N] [--json]: a regressor's
 * forecasts of a series imported by `ctrain data import csv`, on a split
 * (test by default), every sample exactly once at any rank count: the mean
 * absolute error in the series' units (degrees for temperatures) beside two
 * baselines on the same samples, persistence (the window's last value for
 * every step ahead) and seasonal naive (the value P steps, a day of hours,
 * before each step ahead). With --out, N days of forecasts made a day
 * apart, from sample ROW on, against the truth. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/commands/options.h"
#include "cluster/families/families.h"
#include "cluster/families/supervised.h"
#include "cluster/output/chart.h"
#include "cluster/run/restore.h"
#include "cluster/run/runtime.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "datasets/series_scale.h"
#include "engine/alloc.h"

enum { MODEL, PERSISTENCE, SEASONAL, NPRED };
static const char *const pred_names[NPRED] = {"model", "persistence", "seasonal_naive"};

typedef struct forecast_args {
    const char *checkpoint, *data, *split, *out, *period_text, *start_text, *days_text;
    int64_t period, start, days;
    bool json;
} forecast_args;

typedef struct forecaster {
    ct_supervised *s;
    ct_series_scale scale;
    int64_t T, F, H; /* window steps, input features, horizon */
    int64_t period;
} forecaster;

static int parse_args(int argc, char **argv, forecast_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    const ct_option options[] = {
        {"--data", &a->data, NULL},           {"--split", &a->split, NULL}, {"--out", &a->out, NULL},
        {"--period", &a->period_text, NULL},  {"--start", &a->start_text, NULL},
        {"--days", &a->days_text, NULL},      {"--json", NULL, &a->json},
    };
    a->period = 24;
    a->days = 7;
    if (ct_options_parse(argc, argv, options, N_OPTIONS(options), &a->checkpoint, "checkpoint", err) != CT_OK ||
        ct_options_int("forecast", "--period", a->period_text, 1, INT32_MAX, &a->period, err) != CT_OK ||
        ct_options_int("forecast", "--start", a->start_text, 0, INT64_MAX, &a->start, err) != CT_OK ||
        ct_options_int("forecast", "--days", a->days_text, 1, 366, &a->days, err) != CT_OK)
        return CT_ERR;
    return CT_OK;
}

/* Sample i's value of the target column at window step t, in the series' units. */
static double past(const forecaster *f, const float *x, int64_t i, int64_t t)
{
    return x[(i * f->T + t) * f->F + f->scale.input_column] * f->scale.input_std + f->scale.input_mean;
}

/* The three predictions of step h ahead of sample i, whose model outputs are out. */
static void predict(const forecaster *f, const float *x, const float *out, int64_t i, int64_t h, double *pred)
{
    pred[MODEL] = out[i * f->H + h] * f->scale.target_std + f->scale.target_mean;
    pred[PERSISTENCE] = past(f, x, i, f->T - 1);
    pred[SEASONAL] = past(f, x, i, f->T + h - f->period * (h / f->period + 1));
}

static double truth(const forecaster *f, const ct_shard *test, int64_t row, int64_t h)
{
    return test->targets[row * f->H + h] * f->scale.target_std + f->scale.target_mean;
}

/* The sums of absolute errors: abs[p * H + h] for predictor p at step h. */
static int score(ct_run *run, forecaster *f, double *abs, ct_error *err)
{
    const ct_shard *test = &f->s->test;
    int64_t chunk = ct_family_eval_rows(run, test);
    for (int64_t row = 0; row < test->nrows; row += chunk) {
        int64_t n = test->nrows - row < chunk ? test->nrows - row : chunk;
        double loss = 0;
        ct_shard_rows_float(test, row, n, f->s->eval_x);
        const float *out = ct_supervised_eval(f->s, f->s->eval_x, row, n, &loss);
        for (int64_t i = 0; i < n; i++)
            for (int64_t h = 0; h < f->H; h++) {
                double pred[NPRED], y = truth(f, test, row + i, h);
                predict(f, f->s->eval_x, out, i, h, pred);
                for (int p = 0; p < NPRED; p++)
                    abs[p * f->H + h] += fabs(pred[p] - y);
            }
    }
    return ct_allreduce_doubles(run->world, abs, (int)(NPRED * f->H), err);
}

/* The days' forecasts (sample start + d*H for day d) against the truth. */
static int draw(const forecaster *f, const forecast_args *a, ct_error *err)
{
    const ct_shard *test = &f->s->test;
    int64_t n = a->days, steps = n * f->H;
    if (a->start + (n - 1) * f->H >= test->nrows)
        return ct_fail(err, "forecast: --start %lld --days %lld: needs samples up to %lld, but rank 0 holds %lld of "
                            "the split's %lld (fewer days, an earlier start, or fewer ranks)",
                       (long long)a->start, (long long)n, (long long)(a->start + (n - 1) * f->H),
                       (long long)test->nrows, (long long)test->total_rows);
    float *x = CT_ALLOC_ARRAY(float, (size_t)(f->T * f->F));
    double *hours = CT_ALLOC_ARRAY(double, steps), *y = CT_ALLOC_ARRAY(double, (NPRED + 1) * steps);
    for (int64_t d = 0; d < n; d++) {
        int64_t row = a->start + d * f->H;
        double loss = 0;
        ct_shard_rows_float(test, row, 1, x);
        const float *out = ct_supervised_eval(f->s, x, row, 1, &loss);
        for (int64_t h = 0; h < f->H; h++) {
            double pred[NPRED];
            predict(f, x, out, 0, h, pred);
            int64_t k = d * f->H + h;
            hours[k] = (double)k;
            y[k] = truth(f, test, row, h);
            for (int p = 0; p < NPRED; p++)
                y[(p + 1) * steps + k] = pred[p];
        }
    }
    ct_rgb colors[NPRED + 1] = {{0, 0, 0}, {31, 119, 180}, {255, 127, 14}, {44, 160, 44}};
    const char *names[NPRED + 1] = {"truth", "model", "persistence", "seasonal naive"};
    ct_chart_line lines[NPRED + 1];
    ct_legend_entry legend[NPRED + 1];
    for (int p = NPRED; p >= 0; p--) { /* truth and the model drawn last, over the baselines */
        ct_pen pen = {colors[p], p >= 2 ? 0.6 : 1.0, p >= 2 ? 1.2 : 2.0};
        lines[NPRED - p] = (ct_chart_line){hours, y + p * steps, steps, pen, 0};
        legend[p] = (ct_legend_entry){names[p], pen, 0};
    }
    char title[400], ylabel[96], xlabel[160];
    snprintf(title, sizeof title, "%lld days of %lld-step forecasts, one a day, from sample %lld of /%s",
             (long long)n, (long long)f->H, (long long)a->start, f->s->run->job->data->test_split);
    snprintf(ylabel, sizeof ylabel, "%s", f->scale.column);
    snprintf(xlabel, sizeof xlabel, "steps after the end of the first forecast's window");
    ct_chart chart = {xlabel, ylabel, lines, NPRED + 1};
    ct_canvas c;
    int width = 1000, margin = 14;
    ct_canvas_init(&c, width, 520, (ct_rgb){255, 255, 255});
    ct_canvas_text(&c, margin, margin, title, (ct_rgb){0, 0, 0}, 1.5);
    int top = margin + ct_canvas_text_height(&c, 1.5) + 6;
    top += ct_legend_draw(&c, margin, top, width - 2 * margin, legend, NPRED + 1) + 4;
    ct_chart_draw(&c, margin, top, width - 2 * margin, 520 - top - margin, &chart);
    int rc = ct_canvas_write_png(&c, a->out, err);
    ct_canvas_free(&c);
    ct_free(x);
    ct_free(hours);
    ct_free(y);
    return rc == CT_OK ? CT_OK : ct_fail_context(err, "forecast");
}

/* Checks the model and the data: a regressor whose samples are [T, F]
 * windows and outputs [H], and the series' scaling. */
static int prepare(ct_run *run, forecaster *f, ct_error *err)
{
    f->s = ct_regressor_of(run);
    const ct_shard *test = &f->s->test;
    const Ctrain__Data *d = run->job->data;
    if (test->sample_shape.ndim != 2)
        return ct_fail(err, "forecast: %s: /%s/%s: expected windows [N, T, F], found samples of %lld dimensions",
                       d->path, d->test_split, d->input, (long long)test->sample_shape.ndim);
    f->T = test->sample_shape.dim[0];
    f->F = test->sample_shape.dim[1];
    f->H = f->s->out_size;
    if (f->period > f->T)
        return ct_fail(err, "forecast: --period %lld: longer than the windows of %lld steps, which the seasonal "
                            "naive baseline looks back into", (long long)f->period, (long long)f->T);
    return ct_series_scale_read(d->path, d->test_split, d->input, d->target, &f->scale, err);
}

static void print_result(const forecaster *f, const double *abs, int64_t samples, const char *split, bool json)
{
    double mae[NPRED], first[NPRED], last[NPRED];
    for (int p = 0; p < NPRED; p++) {
        double sum = 0;
        for (int64_t h = 0; h < f->H; h++)
            sum += abs[p * f->H + h];
        mae[p] = sum / (double)(samples * f->H);
        first[p] = abs[p * f->H] / (double)samples;
        last[p] = abs[p * f->H + f->H - 1] / (double)samples;
    }
    if (json) {
        printf("{\"split\": \"%s\", \"samples\": %lld, \"horizon\": %lld", split, (long long)samples,
               (long long)f->H);
        for (int p = 0; p < NPRED; p++)
            printf(", \"%s_mae\": %.9g, \"%s_mae_first\": %.9g, \"%s_mae_last\": %.9g", pred_names[p], mae[p],
                   pred_names[p], first[p], pred_names[p], last[p]);
        printf("}\n");
        return;
    }
    printf("mean absolute error of %s on %lld samples of /%s, %lld steps ahead each (first step, last step):\n",
           f->scale.column, (long long)samples, split, (long long)f->H);
    for (int p = 0; p < NPRED; p++)
        printf("  %-15s %.4f (%.4f, %.4f)\n", pred_names[p], mae[p], first[p], last[p]);
}

static int run_forecast(ct_run *run, const forecast_args *a, forecaster *f, double **abs, ct_error *err)
{
    char origin[4200];
    ct_restore_source src = {a->checkpoint, NULL, a->data, a->split};
    if (ct_restore_for_eval(run, &src, &ct_regressor_family, origin, sizeof origin, err) != CT_OK)
        return CT_ERR;
    f->period = a->period;
    if (ct_agree(run->world, prepare(run, f, err), err) != CT_OK)
        return CT_ERR;
    *abs = CT_ALLOC_ARRAY(double, NPRED * f->H);
    if (score(run, f, *abs, err) != CT_OK)
        return CT_ERR;
    int rc = a->out && run->world->rank == 0 ? draw(f, a, err) : CT_OK;
    return ct_agree_root(run->world, rc, 0, err);
}

int ct_cmd_forecast(int argc, char **argv)
{
    ct_world world;
    ct_error err;
    if (ct_world_init(&world, &argc, &argv, &err) != CT_OK)
        return ct_report_error(err.msg);
    ct_run run;
    ct_run_init(&run, &world);
    forecast_args args;
    forecaster f = {0};
    double *abs = NULL;
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = run_forecast(&run, &args, &f, &abs, &err);
    int status = rc == CT_OK ? 0 : ct_runtime_fail(&world, &err);
    if (rc == CT_OK && world.rank == 0) {
        print_result(&f, abs, f.s->test.total_rows, run.job->data->test_split, args.json);
        if (args.out)
            printf("%s: %lld days of forecasts against the truth\n", args.out, (long long)args.days);
    }
    ct_free(abs);
    ct_run_free(&run);
    ct_world_finalize(&world);
    return status;
}
