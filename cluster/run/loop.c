/* The generic training loop: epochs of global batches drawn from the
 * (seed, epoch) permutation, the family's step on each, the agreement on
 * errors and non-finite losses, evaluation, metrics, checkpoints. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datasets/durable_file.h"
#include "cluster/run/model.h"
#include "cluster/run/run.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "engine/alloc.h"

static int64_t batches_per_epoch(const ct_run *run)
{
    int64_t b = run->job->train->batch_size;
    return (run->train.total_rows + b - 1) / b;
}

static void batch_bounds(const ct_run *run, int64_t batch, int64_t *begin, int64_t *end)
{
    int64_t b = run->job->train->batch_size;
    *begin = batch * b;
    *end = *begin + b < run->train.total_rows ? *begin + b : run->train.total_rows;
}

/* Checkpoints on rank 0; every rank learns whether it worked. */
static int save_checkpoint(ct_run *run, ct_error *err)
{
    int rc = CT_OK;
    char path[4300] = "";
    if (run->world->rank == 0) {
        rc = ct_checkpoint_write(run->run_dir, &run->model, &run->state, run->job_yaml, run->metrics,
                                 run->job->checkpoint->keep, path, sizeof path, err);
    }
    return ct_agree(run->world, rc, err);
}

static void append_metrics(ct_run *run, const char *line)
{
    size_t old = run->metrics ? strlen(run->metrics) : 0;
    size_t add = strlen(line);
    run->metrics = ct_realloc(run->metrics, old + add + 2);
    memcpy(run->metrics + old, line, add);
    run->metrics[old + add] = '\n';
    run->metrics[old + add + 1] = '\0';
}

/* Evaluates, prints the epoch line and records it in metrics.jsonl. */
static int finish_epoch(ct_run *run, int64_t epochs, ct_eval_result *eval, ct_error *err)
{
    if (run->family->evaluate(run, eval, err) != CT_OK)
        return CT_ERR;
    ct_train_state *s = &run->state;
    double train_loss = s->epoch_samples ? s->epoch_loss_sum / (double)s->epoch_samples : NAN;
    double rate = s->epoch_seconds > 0 ? (double)s->epoch_samples / s->epoch_seconds : 0;
    /* Families without an accuracy (autoencoders) report losses only. */
    char accuracy_json[64] = "", accuracy_text[64] = "";
    if (eval->accuracy >= 0) {
        snprintf(accuracy_json, sizeof accuracy_json, ", \"test_accuracy\": %.6g", eval->accuracy);
        snprintf(accuracy_text, sizeof accuracy_text, " test_accuracy %.4f", eval->accuracy);
    }
    char line[512];
    snprintf(line, sizeof line,
             "{\"epoch\": %lld, \"step\": %lld, \"train_loss\": %.6g, \"test_loss\": %.6g%s, "
             "\"samples_per_s\": %.1f, \"seconds\": %.3f}",
             (long long)s->epoch + 1, (long long)s->step, train_loss, eval->loss, accuracy_json, rate,
             s->epoch_seconds);
    ct_progress_line(&run->progress, "epoch %lld/%lld step %lld train_loss %.4f test_loss %.4f%s %.0f samples/s %.1f s",
                     (long long)s->epoch + 1, (long long)epochs, (long long)s->step, train_loss, eval->loss,
                     accuracy_text, rate, s->epoch_seconds);
    int rc = CT_OK;
    if (run->world->rank == 0) {
        append_metrics(run, line);
        char path[4200];
        snprintf(path, sizeof path, "%s/metrics.jsonl", run->run_dir);
        rc = ct_file_write_atomic(path, run->metrics, strlen(run->metrics), err);
    }
    return ct_agree(run->world, rc, err);
}

static void start_epoch_counters(ct_train_state *s)
{
    s->batch_in_epoch = 0;
    s->epoch_loss_sum = 0;
    s->epoch_samples = 0;
    s->epoch_seconds = 0;
}

static bool reached_max_steps(const ct_run *run)
{
    int64_t max_steps = run->job->train->max_steps;
    return max_steps && run->state.step >= max_steps;
}

/* Runs the rest of the current epoch; *stopped is set when max_steps hit. */
static int run_epoch(ct_run *run, ct_datastore *ds, const int64_t *perm, bool *stopped, ct_error *err)
{
    const Ctrain__Train *t = run->job->train;
    ct_train_state *s = &run->state;
    int64_t batches = batches_per_epoch(run);
    int64_t begin, end;
    if (reached_max_steps(run)) {
        *stopped = true;
        return CT_OK;
    }
    if (s->batch_in_epoch < batches) {
        batch_bounds(run, s->batch_in_epoch, &begin, &end);
        if (ct_datastore_start(ds, perm, begin, end, err) != CT_OK)
            return CT_ERR;
    }
    while (s->batch_in_epoch < batches) {
        double t0 = ct_now();
        const ct_batch *batch;
        if (ct_datastore_finish(ds, &batch, err) != CT_OK)
            return CT_ERR;
        bool last = s->batch_in_epoch + 1 == batches || (t->max_steps && s->step + 1 >= t->max_steps);
        if (!last) {
            batch_bounds(run, s->batch_in_epoch + 1, &begin, &end);
            if (ct_datastore_start(ds, perm, begin, end, err) != CT_OK)
                return CT_ERR;
        }
        float lr = ct_lr_at(&run->lr_schedule, s->step);
        for (int i = 0; i < run->model.nnets; i++)
            if (run->model.optims[i])
                run->model.optims[i]->cfg.lr = lr;
        double loss;
        int rc = run->family->step(run, batch, &loss, err);
        if (ct_agree(run->world, rc, err) != CT_OK)
            return CT_ERR;
        if (!isfinite(loss))
            return ct_fail(err, "non-finite loss (%g) at step %lld (epoch %lld, batch %lld); "
                                "lower optimizer.lr or check the data",
                           loss, (long long)s->step + 1, (long long)s->epoch + 1, (long long)s->batch_in_epoch + 1);
        s->step++;
        s->batch_in_epoch++;
        s->epoch_loss_sum += loss * (double)batch->global_n;
        s->epoch_samples += batch->global_n;
        s->epoch_seconds += ct_now() - t0;
        ct_progress_step(&run->progress, s->epoch, t->epochs, s->batch_in_epoch, batches, s->step, loss,
                         s->epoch_seconds > 0 ? (double)s->epoch_samples / s->epoch_seconds : 0,
                         t->log_every_steps);
        uint64_t every = run->job->checkpoint->every_steps;
        bool epoch_end = s->batch_in_epoch == batches;
        if (every && (uint64_t)s->step % every == 0 && !epoch_end && !reached_max_steps(run)) {
            if (save_checkpoint(run, err) != CT_OK)
                return CT_ERR;
        }
        if (reached_max_steps(run) && !epoch_end) {
            *stopped = true;
            return CT_OK;
        }
    }
    return CT_OK;
}

int ct_train_loop(ct_run *run, ct_error *err)
{
    const Ctrain__Train *t = run->job->train;
    ct_train_state *s = &run->state;
    if (s->batch_in_epoch > batches_per_epoch(run))
        return ct_fail(err, "%s: the checkpoint's position (epoch %lld, batch %lld) lies beyond the %lld batches of "
                            "an epoch of /%s (%lld rows): the training split changed since the checkpoint",
                       run->job->data->path, (long long)s->epoch + 1, (long long)s->batch_in_epoch,
                       (long long)batches_per_epoch(run), run->job->data->train_split,
                       (long long)run->train.total_rows);
    ct_model_lr_schedule(run->job, batches_per_epoch(run), &run->lr_schedule);
    ct_datastore ds;
    if (ct_agree(run->world, ct_datastore_init(&ds, run->world, &run->train, t->batch_size, err), err) != CT_OK)
        return CT_ERR;
    int64_t *perm = CT_ALLOC_ARRAY(int64_t, run->train.total_rows);
    ct_eval_result eval = {NAN, -1, 0};
    bool stopped = false;
    int rc = CT_OK;
    double t_start = ct_now();
    int64_t first_step = s->step;
    while (rc == CT_OK && !stopped && s->epoch < (int64_t)t->epochs) {
        ct_permutation(perm, run->train.total_rows, run->job->seed, s->epoch);
        rc = run_epoch(run, &ds, perm, &stopped, err);
        if (rc != CT_OK || stopped)
            break;
        rc = finish_epoch(run, t->epochs, &eval, err);
        s->epoch++;
        start_epoch_counters(s);
        bool done = s->epoch >= (int64_t)t->epochs || reached_max_steps(run);
        uint64_t every = run->job->checkpoint->every_steps;
        bool due = every && (uint64_t)s->step % every == 0;
        if (rc == CT_OK && (run->job->checkpoint->every_epoch || done || due))
            rc = save_checkpoint(run, err);
        stopped = reached_max_steps(run);
    }
    if (rc == CT_OK && stopped && s->batch_in_epoch > 0 && s->step > first_step)
        rc = save_checkpoint(run, err); /* stopped mid-epoch by max_steps: keep the position */
    if (rc == CT_OK && eval.samples == 0)
        rc = run->family->evaluate(run, &eval, err);
    if (rc == CT_OK) {
        ct_progress_end(&run->progress);
        if (run->world->rank == 0) {
            printf("done: %lld epochs, %lld steps, %.1f s, test_loss %.4f", (long long)s->epoch, (long long)s->step,
                   ct_now() - t_start, eval.loss);
            if (eval.accuracy >= 0)
                printf(" test_accuracy %.4f", eval.accuracy);
            printf(" (%lld samples), run directory %s\n", (long long)eval.samples, run->run_dir);
        }
    }
    ct_free(perm);
    ct_datastore_free(&ds);
    return rc;
}
