/* The generic training loop: epochs of steps from the family's source, the
 * family's step on each, the step's metrics and error agreed over the
 * ranks, evaluation, records (metrics.jsonl, TensorBoard, progress lines),
 * checkpoints. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cluster/run/run.h"
#include "cluster/run/signals.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "comm/watchdog.h"
#include "datasets/durable_file.h"
#include "engine/alloc.h"

/* What the loop keeps beside the run: timing of the log interval, this
 * rank's compute time in the epoch (its steps less their collectives), the
 * last epoch's totals for the summary. */
typedef struct loop_clock {
    int64_t interval_units;
    double interval_seconds;
    double epoch_compute;
    ct_metric_totals last_epoch;
    bool have_epoch;
} loop_clock;

static void append_jsonl(ct_run *run, const char *line)
{
    size_t old = run->metrics_jsonl ? strlen(run->metrics_jsonl) : 0;
    size_t add = strlen(line);
    run->metrics_jsonl = ct_realloc(run->metrics_jsonl, old + add + 2);
    memcpy(run->metrics_jsonl + old, line, add);
    run->metrics_jsonl[old + add] = '\n';
    run->metrics_jsonl[old + add + 1] = '\0';
}

/* Rewrites RUN_DIR/metrics.jsonl with the records so far (rank 0). */
static int write_jsonl(ct_run *run, ct_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.jsonl", run->run_dir);
    const char *text = run->metrics_jsonl ? run->metrics_jsonl : "";
    return ct_file_write_atomic(path, text, strlen(text), err);
}

/* A value a record carries beside the metrics. */
typedef struct named_value {
    const char *name;
    double value;
} named_value;

/* One record of the metrics in totals t: a metrics.jsonl line, TensorBoard
 * scalars "<type>/<name>" and, when `text` is not NULL, the same as
 * "name value" pairs for a progress line; extra[nextra] adds values to the
 * line and to TensorBoard. Rank 0. */
static int record(ct_run *run, const char *type, const ct_metric_totals *t, double per_s, double seconds,
                  const named_value *extra, int nextra, char *text, size_t text_size, ct_error *err)
{
    const ct_metrics *m = &run->metrics;
    char line[8192], rate_name[64], tag[128];
    per_s = round(per_s * 10.0) / 10.0; /* as printed, so TensorBoard shows the same */
    size_t at = (size_t)snprintf(line, sizeof line, "{\"type\": \"%s\", \"epoch\": %lld, \"step\": %lld", type,
                                 (long long)run->state.epoch + 1, (long long)run->state.step);
    size_t text_at = 0;
    if (text)
        text[0] = '\0';
    int rc = CT_OK;
    for (int id = 0; id < m->n; id++) {
        bool eval = m->defs[id].flags & CT_METRIC_EVAL;
        if ((eval && strcmp(type, "epoch") != 0) || !ct_metrics_has(m, t, id))
            continue;
        double v = ct_metrics_total(m, t, id);
        if (isfinite(v))
            at += (size_t)snprintf(line + at, sizeof line - at, ", \"%s\": %.9g", m->defs[id].name, v);
        else
            at += (size_t)snprintf(line + at, sizeof line - at, ", \"%s\": null", m->defs[id].name);
        if (text && text_at < text_size)
            text_at += (size_t)snprintf(text + text_at, text_size - text_at, "%s%s %.4f", text_at ? " " : "",
                                        m->defs[id].name, v);
        snprintf(tag, sizeof tag, "%s/%s", type, m->defs[id].name);
        if (rc == CT_OK && run->tb_open)
            rc = ct_tb_scalar(&run->tb, tag, run->state.step, (float)v, err);
    }
    snprintf(rate_name, sizeof rate_name, "%s_per_s", ct_source_units(&run->source));
    at += (size_t)snprintf(line + at, sizeof line - at, ", \"%s\": %.1f", rate_name, per_s);
    if (seconds >= 0)
        at += (size_t)snprintf(line + at, sizeof line - at, ", \"seconds\": %.3f", seconds);
    snprintf(tag, sizeof tag, "%s/%s", type, rate_name);
    if (rc == CT_OK && run->tb_open)
        rc = ct_tb_scalar(&run->tb, tag, run->state.step, (float)per_s, err);
    for (int i = 0; i < nextra; i++) {
        at += (size_t)snprintf(line + at, sizeof line - at, ", \"%s\": %.9g", extra[i].name, extra[i].value);
        snprintf(tag, sizeof tag, "%s/%s", type, extra[i].name);
        if (rc == CT_OK && run->tb_open)
            rc = ct_tb_scalar(&run->tb, tag, run->state.step, (float)extra[i].value, err);
    }
    snprintf(line + at, sizeof line - at, "}");
    if (rc == CT_OK && run->tb_open)
        rc = ct_tb_flush(&run->tb, err);
    append_jsonl(run, line);
    return rc;
}

int ct_run_checkpoint(ct_run *run, ct_error *err)
{
    ct_state_image family = {0};
    ct_watch_enter("gathering the checkpoint's family state");
    int rc = ct_state_gather(&run->family_state_table, run->world, &family, err);
    ct_watch_leave();
    if (rc == CT_OK && run->world->rank == 0) {
        run->state.world_size = run->world->size;
        ct_checkpoint_contents c = {
            .model = &run->model,
            .state = &run->state,
            .metrics = &run->metrics,
            .job_yaml = run->job_yaml,
            .metrics_jsonl = run->metrics_jsonl,
            .family = &run->family_state_table,
            .family_image = &family,
        };
        rc = write_jsonl(run, err);
        if (rc == CT_OK)
            rc = ct_checkpoint_write(run->run_dir, &c, run->job->checkpoint->keep, NULL, 0, err);
    }
    ct_state_image_free(&family);
    return ct_agree_root(run->world, rc, 0, err);
}

/* Evaluates the held-out split (when the family can) into eval and the
 * metrics test_<name>. */
static int evaluate(ct_run *run, ct_eval_result *eval, ct_error *err)
{
    eval->n = 0;
    if (run->family->evaluate && run->family->evaluate(run, eval, err) != CT_OK)
        return CT_ERR;
    for (int i = 0; i < eval->n; i++) {
        char name[CT_METRIC_NAME_MAX];
        snprintf(name, sizeof name, "test_%s", eval->names[i]);
        int id = ct_metrics_find(&run->metrics, name);
        if (id < 0 && ct_metrics_declare(&run->metrics, name, CT_REDUCE_SUM, CT_OVER_STEPS_LAST,
                                         CT_METRIC_EVAL | CT_METRIC_SUMMARY, &id, err) != CT_OK)
            return CT_ERR;
        ct_metrics_set_eval(&run->metrics, id, eval->values[i]);
    }
    return CT_OK;
}

/* The ranks' compute time in the epoch, so that a straggler shows: as
 * values for the record (*n of them; seconds to the millisecond) and as the
 * epoch line's words (none on one rank). */
static int straggler_report(ct_run *run, const loop_clock *clock, named_value values[3], int *n, char *words,
                            size_t size, ct_error *err)
{
    *n = 0;
    words[0] = '\0';
    if (run->world->size == 1)
        return CT_OK;
    ct_spread compute;
    if (ct_spread_of(run->world, clock->epoch_compute, &compute, err) != CT_OK)
        return CT_ERR;
    values[0] = (named_value){"compute_seconds_mean", round(compute.mean * 1000) / 1000};
    values[1] = (named_value){"compute_seconds_max", round(compute.max * 1000) / 1000};
    values[2] = (named_value){"slowest_rank", compute.max_rank};
    *n = 3;
    snprintf(words, size, ", compute mean %.2f s, slowest rank %d %.2f s (%.2fx)", compute.mean, compute.max_rank,
             compute.max, compute.mean > 0 ? compute.max / compute.mean : 1.0);
    return CT_OK;
}

/* Evaluates, lets the family show its epoch, and records the epoch. */
static int finish_epoch(ct_run *run, loop_clock *clock, ct_eval_result *eval, ct_error *err)
{
    ct_train_state *s = &run->state;
    ct_metrics *m = &run->metrics;
    if (evaluate(run, eval, err) != CT_OK)
        return CT_ERR;
    int rc = run->family->end_epoch ? run->family->end_epoch(run, err) : CT_OK;
    if (ct_agree(run->world, rc, err) != CT_OK)
        return CT_ERR;
    named_value timing[3];
    int ntiming;
    char timing_words[256];
    if (straggler_report(run, clock, timing, &ntiming, timing_words, sizeof timing_words, err) != CT_OK)
        return CT_ERR;
    clock->epoch_compute = 0;
    double per_s = s->epoch_seconds > 0 ? (double)s->epoch_units / s->epoch_seconds : 0;
    if (run->world->rank == 0) {
        char text[2048];
        rc = record(run, "epoch", &m->epoch, per_s, s->epoch_seconds, timing, ntiming, text, sizeof text, err);
        ct_progress_line(&run->progress, "epoch %lld/%lld step %lld %s %.0f %s/s %.1f s%s", (long long)s->epoch + 1,
                         (long long)run->job->train->epochs, (long long)s->step, text, per_s,
                         ct_source_units(&run->source), s->epoch_seconds, timing_words);
        if (rc == CT_OK)
            rc = write_jsonl(run, err);
    }
    clock->last_epoch = m->epoch;
    clock->have_epoch = true;
    return ct_agree_root(run->world, rc, 0, err);
}

static bool reached_max_steps(const ct_run *run)
{
    int64_t max_steps = run->job->train->max_steps;
    return max_steps && run->state.step >= max_steps;
}

/* Batch norm statistics move with each rank's own samples; as PyTorch DDP
 * (broadcast_buffers), every rank takes those of one rank after a step, so
 * that the replicas, their evaluations and the checkpoint agree: the rank
 * that saw the most samples (rank 0 when all saw as many), never a rank
 * that saw none. */
static int share_buffers(ct_run *run, int root, ct_error *err)
{
    int rc = CT_OK;
    for (int i = 0; rc == CT_OK && i < run->model.nnets; i++) {
        ct_net *net = run->model.nets[i];
        if (net->nbuffers)
            rc = ct_broadcast_bytes(run->world, net->buffers, net->nbuffers * sizeof *net->buffers, root, err);
        if (rc == CT_OK && net->ncounters)
            rc = ct_broadcast_bytes(run->world, net->counters, net->ncounters * sizeof *net->counters, root, err);
    }
    return rc;
}

/* The progress bar's text: the latest values of the metrics marked for it. */
static void bar_text(const ct_run *run, double per_s, char *buf, size_t size)
{
    const ct_metrics *m = &run->metrics;
    size_t at = 0;
    buf[0] = '\0';
    for (int id = 0; id < m->n && at < size; id++)
        if ((m->defs[id].flags & CT_METRIC_PROGRESS) && m->reported[id])
            at += (size_t)snprintf(buf + at, size - at, "%s %.4f ", m->defs[id].name, m->value[id]);
    if (at < size)
        snprintf(buf + at, size - at, "%.0f %s/s", per_s, ct_source_units(&run->source));
}

/* One step: the source's input, the family's step, the buffers, the
 * metrics and the agreement, every rank making the same collective calls
 * whatever fails. */
static int run_step(ct_run *run, bool prefetch, int64_t *units, ct_error *err)
{
    ct_step_input in;
    for (int i = 0; i < run->model.nnets; i++)
        if (run->model.optims[i])
            run->model.optims[i]->cfg.lr = ct_lr_at(&run->model.schedules[i], run->state.step);
    int rc = ct_source_next(&run->source, prefetch, &in, err);
    ct_error step_err;
    if (run->family->step(run, &in, &step_err) != CT_OK && rc == CT_OK) {
        *err = step_err;
        rc = CT_ERR;
    }
    ct_error later;
    if (share_buffers(run, in.buffers_root, &later) != CT_OK && rc == CT_OK) {
        *err = later;
        rc = CT_ERR;
    }
    if (ct_metrics_reduce(&run->metrics, run->world, (double)in.global_n, &later) != CT_OK && rc == CT_OK) {
        /* Every rank sees the same non-finite value. */
        ct_train_state *s = &run->state;
        ct_fail(err, "%s at step %lld (epoch %lld, step %lld of it); lower optimizer.lr, clip the gradients "
                     "(optimizer.clip_grad_norm) or check the data",
                later.msg, (long long)s->step + 1, (long long)s->epoch + 1, (long long)s->batch_in_epoch + 1);
        rc = CT_ERR;
    }
    *units = in.units;
    return ct_agree(run->world, rc, err);
}

/* After a step: the periodic record, the bar, a checkpoint when due. */
static int after_step(ct_run *run, loop_clock *clock, int64_t steps, ct_error *err)
{
    const Ctrain__Train *t = run->job->train;
    ct_train_state *s = &run->state;
    int rc = CT_OK;
    double per_s = clock->interval_seconds > 0 ? (double)clock->interval_units / clock->interval_seconds : 0;
    if (t->log_every_steps && s->step % t->log_every_steps == 0) {
        if (run->world->rank == 0) {
            char text[2048];
            rc = record(run, "step", &run->metrics.interval, per_s, -1, NULL, 0, text, sizeof text, err);
            if (ct_progress_shows_lines(&run->progress))
                ct_progress_line(&run->progress, "epoch %lld/%lld step %lld %s %.0f %s/s", (long long)s->epoch + 1,
                                 (long long)t->epochs, (long long)s->step, text, per_s,
                                 ct_source_units(&run->source));
        }
        ct_metrics_clear_totals(&run->metrics.interval);
        clock->interval_units = 0;
        clock->interval_seconds = 0;
        if (ct_agree_root(run->world, rc, 0, err) != CT_OK)
            return CT_ERR;
    }
    char text[512];
    bar_text(run, per_s, text, sizeof text);
    ct_progress_bar(&run->progress, s->epoch, t->epochs, s->batch_in_epoch, steps, text);
    uint64_t every = run->job->checkpoint->every_steps;
    bool epoch_end = s->batch_in_epoch == steps;
    if (every && (uint64_t)s->step % every == 0 && !epoch_end && !reached_max_steps(run))
        return ct_run_checkpoint(run, err);
    return CT_OK;
}

/* Runs the rest of the current epoch; *stopped is set when max_steps hit. */
static int run_epoch(ct_run *run, loop_clock *clock, bool *stopped, ct_error *err)
{
    const Ctrain__Train *t = run->job->train;
    ct_train_state *s = &run->state;
    int64_t steps = ct_source_steps_per_epoch(&run->source);
    if (reached_max_steps(run)) {
        *stopped = true;
        return CT_OK;
    }
    if (ct_agree(run->world, ct_source_start_epoch(&run->source, run->job->seed, s->epoch, s->batch_in_epoch, err),
                 err) != CT_OK)
        return CT_ERR;
    while (s->batch_in_epoch < steps) {
        ct_watch_step(s->step + 1);
        double t0 = ct_now(), waited0 = ct_watch_collective_seconds();
        bool last = s->batch_in_epoch + 1 == steps || (t->max_steps && s->step + 1 >= t->max_steps);
        int64_t units;
        if (run_step(run, !last, &units, err) != CT_OK)
            return CT_ERR;
        double dt = ct_now() - t0;
        clock->epoch_compute += dt - (ct_watch_collective_seconds() - waited0);
        s->step++;
        s->batch_in_epoch++;
        s->epoch_units += units;
        s->epoch_seconds += dt;
        clock->interval_units += units;
        clock->interval_seconds += dt;
        if (after_step(run, clock, steps, err) != CT_OK)
            return CT_ERR;
        /* A signal stops the run mid-epoch; at an epoch's last step it waits
         * for the epoch's evaluation and record, one step later. */
        if (s->batch_in_epoch < steps && ct_signals_agree(run->world, &run->stop_signal, err) != CT_OK)
            return CT_ERR;
        if (run->stop_signal && s->batch_in_epoch < steps) {
            *stopped = true;
            return CT_OK;
        }
        if (reached_max_steps(run) && s->batch_in_epoch < steps) {
            *stopped = true;
            return CT_OK;
        }
    }
    return CT_OK;
}

/* A resumed run must continue the run it resumes: the same shuffle, batch
 * and data, or the position in the epoch would skip or repeat samples. */
static int check_resumed(const ct_run *run, ct_error *err)
{
    const ct_train_state *s = &run->state;
    const struct {
        const char *what;
        int64_t was, now;
    } same[] = {
        {"seed", s->seed, (int64_t)run->job->seed},
        {"train.batch_size", s->batch_size, run->job->train->batch_size},
        {"rows of the training data", s->train_rows, ct_source_rows(&run->source)},
        {"steps in an epoch", s->steps_per_epoch, ct_source_steps_per_epoch(&run->source)},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        if (same[i].was != same[i].now)
            return ct_fail(err, "%s: the checkpoint was written with %s %lld, this run has %lld: a resumed run "
                                "must keep the seed, batch size and training data it started with (to change "
                                "them, start a new run from the checkpoint's weights with --init-from)",
                           run->job_origin, same[i].what, (long long)same[i].was, (long long)same[i].now);
    return CT_OK;
}

int ct_train_check(ct_run *run, ct_error *err)
{
    const Ctrain__Train *t = run->job->train;
    ct_source *src = &run->source;
    src->world = run->world; /* the split over the ranks, before ct_source_open */
    int64_t steps = ct_source_steps_per_epoch(src);
    if (steps < 1) {
        if (src->kind == CT_SOURCE_NONE)
            return ct_fail(err, "%s: train.steps_per_epoch: the %s family reads no dataset: set the steps of an "
                                "epoch (>= 1)", run->job_origin, run->family->name);
        return ct_fail(err, "%s: train.batch_size %lld with drop_last leaves no batch in the %lld rows of /%s",
                       run->job_origin, (long long)t->batch_size, (long long)ct_source_rows(src),
                       run->job->data->train_split);
    }
    int64_t need = 1;
    const char *who = NULL;
    for (int i = 0; i < run->model.nnets; i++)
        if (ct_net_min_train_batch(run->model.nets[i]) > need) {
            need = ct_net_min_train_batch(run->model.nets[i]);
            who = run->model.names[i];
        }
    if (ct_source_min_local(src) < need) {
        /* A full batch's parts hold floor or ceil of batch/world samples. */
        int world = run->world->size;
        int64_t full = ct_source_step_size(src, 0), full_min = full >= world ? full / world : 1;
        char what[sizeof err->msg];
        snprintf(what, sizeof what, "%s: network %s has batch normalisation over one value per channel, which "
                 "needs %lld samples per rank in training (PyTorch refuses fewer too)", run->job_origin, who,
                 (long long)need);
        if (full_min < need)
            return ct_fail(err, "%s, but train.batch_size %lld over %d ranks gives a rank %lld at every step: set "
                                "a batch size of at least %lld (%lld per rank)",
                           what, (long long)t->batch_size, world, (long long)full_min, (long long)(need * world),
                           (long long)need);
        return ct_fail(err, "%s, but the last batch of an epoch (%lld of the %lld rows) gives a rank %lld: set "
                            "train.drop_last: true, or a batch size that leaves every rank at least %lld of it",
                       what, (long long)ct_source_step_size(src, steps - 1), (long long)ct_source_rows(src),
                       (long long)ct_source_min_local(src), (long long)need);
    }
    /* The clipping metrics are declared before a resumed run's metric
     * totals are loaded, so that their sums over the epoch and the log
     * interval carry on. */
    ct_model_state *m = &run->model;
    int clipped = 0;
    for (int i = 0; i < m->nnets; i++)
        clipped += m->optims[i] && m->clip_norm[i] > 0;
    for (int i = 0; i < m->nnets; i++) {
        if (!m->optims[i] || m->clip_norm[i] <= 0)
            continue;
        char name[CT_METRIC_NAME_MAX];
        snprintf(name, sizeof name, clipped > 1 ? "%s_grad_norm" : "grad_norm", m->names[i]);
        if (ct_metrics_declare(&run->metrics, name, CT_REDUCE_MAX, CT_OVER_STEPS_MEAN, CT_METRIC_FINITE,
                               &m->grad_norm_metric[i], err) != CT_OK)
            return CT_ERR;
    }
    return CT_OK;
}

int ct_train_check_resumed(const ct_run *run, ct_error *err)
{
    const ct_train_state *s = &run->state;
    int64_t steps = ct_source_steps_per_epoch(&run->source);
    bool resumed = s->step > 0 || s->epoch > 0;
    if (resumed && check_resumed(run, err) != CT_OK)
        return CT_ERR;
    if (s->batch_in_epoch > steps)
        return ct_fail(err, "%s: the checkpoint's position (epoch %lld, step %lld) lies beyond the %lld steps of an "
                            "epoch", run->job_origin, (long long)s->epoch + 1, (long long)s->batch_in_epoch,
                       (long long)steps);
    return CT_OK;
}

/* What the loop needs before the first step, once ct_train_check and
 * ct_train_check_resumed have passed: the position's bookkeeping and the
 * learning-rate schedules. */
static void prepare(ct_run *run)
{
    const Ctrain__Train *t = run->job->train;
    ct_source *src = &run->source;
    int64_t steps = ct_source_steps_per_epoch(src);
    ct_train_state *s = &run->state;
    s->seed = (int64_t)run->job->seed;
    s->batch_size = t->batch_size;
    s->train_rows = ct_source_rows(src);
    s->steps_per_epoch = steps;
    s->world_size = run->world->size;
    ct_model_state *m = &run->model;
    for (int i = 0; i < m->nnets; i++)
        if (m->optims[i])
            ct_model_lr_schedule(m->sections[i], t->epochs, steps, &m->schedules[i]);
}

static void print_summary(const ct_run *run, const loop_clock *clock, const ct_eval_result *eval, double seconds)
{
    const ct_train_state *s = &run->state;
    const ct_metrics *m = &run->metrics;
    ct_progress_end((ct_progress *)&run->progress);
    if (run->world->rank != 0)
        return;
    printf("done: %lld epochs, %lld steps, %.1f s", (long long)s->epoch, (long long)s->step, seconds);
    const char *separator = ",";
    for (int id = 0; id < m->n; id++)
        if ((m->defs[id].flags & CT_METRIC_SUMMARY) && ct_metrics_has(m, &clock->last_epoch, id)) {
            printf("%s %s %.4f", separator, m->defs[id].name, ct_metrics_total(m, &clock->last_epoch, id));
            separator = "";
        }
    if (eval->n)
        printf(" (%lld samples)", (long long)eval->samples);
    printf(", run directory %s\n", run->run_dir);
    fflush(stdout);
}

static void print_stopped(const ct_run *run)
{
    ct_progress_end((ct_progress *)&run->progress);
    if (run->world->rank != 0)
        return;
    char name[32];
    printf("stopped by %s at epoch %lld, step %lld: checkpoint %s/checkpoints/step-%lld.h5; resume with "
           "`ctrain train --resume %s` (exit status %d: stopped, resumable)\n",
           ct_signal_name(run->stop_signal, name, sizeof name), (long long)run->state.epoch + 1,
           (long long)run->state.step, run->run_dir, (long long)run->state.step, run->run_dir, CT_EXIT_RESUMABLE);
    fflush(stdout);
}

int ct_train_loop(ct_run *run, ct_error *err)
{
    const Ctrain__Train *t = run->job->train;
    ct_train_state *s = &run->state;
    prepare(run);
    if (ct_agree(run->world, ct_source_open(&run->source, run->world, err), err) != CT_OK)
        return CT_ERR;
    loop_clock clock = {0};
    ct_eval_result eval = {0};
    bool stopped = false, evaluated = false;
    int rc = CT_OK;
    double t_start = ct_now();
    int64_t first_step = s->step;
    while (rc == CT_OK && !stopped && s->epoch < (int64_t)t->epochs) {
        rc = run_epoch(run, &clock, &stopped, err);
        if (rc != CT_OK || stopped)
            break;
        rc = finish_epoch(run, &clock, &eval, err);
        evaluated = true;
        s->epoch++;
        s->batch_in_epoch = 0;
        s->epoch_units = 0;
        s->epoch_seconds = 0;
        ct_metrics_clear_totals(&run->metrics.epoch);
        bool done = s->epoch >= (int64_t)t->epochs || reached_max_steps(run);
        uint64_t every = run->job->checkpoint->every_steps;
        bool due = every && (uint64_t)s->step % every == 0;
        if (rc == CT_OK && (run->job->checkpoint->every_epoch || done || due))
            rc = ct_run_checkpoint(run, err);
        stopped = reached_max_steps(run);
    }
    if (rc == CT_OK && stopped && s->batch_in_epoch > 0 && s->step > first_step)
        rc = ct_run_checkpoint(run, err); /* stopped mid-epoch by max_steps or a signal: keep the position */
    if (rc == CT_OK && run->stop_signal) {
        print_stopped(run);
        return CT_OK;
    }
    if (rc == CT_OK && !evaluated) {
        /* No epoch ended in this run: evaluate once for the summary. */
        rc = evaluate(run, &eval, err);
        clock.last_epoch = run->metrics.epoch;
    }
    if (rc == CT_OK)
        print_summary(run, &clock, &eval, ct_now() - t_start);
    return rc;
}
