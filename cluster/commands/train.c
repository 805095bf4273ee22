/* ctrain train [JOB.yaml] [--set PATH=VALUE]... [--run-dir DIR] [--resume RUN_DIR] [--init-from CKPT.h5] */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/commands/commands.h"
#include "cluster/run/restore.h"
#include "cluster/run/run.h"
#include "cluster/run/runtime.h"
#include "cluster/run/signals.h"
#include "comm/agree.h"
#include "comm/reduce.h"
#include "comm/watchdog.h"
#include "datasets/durable_file.h"
#include "engine/alloc.h"

typedef struct train_args {
    const char *job_path;
    const char *sets[64];
    size_t nsets;
    const char *run_dir;
    const char *resume;
    const char *init_from;
} train_args;

static int parse_args(int argc, char **argv, train_args *a, ct_error *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **target = NULL;
        if (strcmp(arg, "--set") == 0) {
            if (a->nsets == sizeof a->sets / sizeof a->sets[0])
                return ct_fail(err, "train: too many --set options (at most 64)");
            target = &a->sets[a->nsets++];
        } else if (strcmp(arg, "--run-dir") == 0) {
            target = &a->run_dir;
        } else if (strcmp(arg, "--resume") == 0) {
            target = &a->resume;
        } else if (strcmp(arg, "--init-from") == 0) {
            target = &a->init_from;
        } else if (arg[0] == '-') {
            return ct_fail(err, "train: unknown option '%s' (see 'ctrain help train')", arg);
        } else if (!a->job_path) {
            a->job_path = arg;
            continue;
        } else {
            return ct_fail(err, "train: unexpected argument '%s' (one job file only)", arg);
        }
        if (i + 1 >= argc)
            return ct_fail(err, "train: %s needs a value", arg);
        *target = argv[++i];
    }
    if (!a->job_path && !a->resume)
        return ct_fail(err, "train: no job file given (usage: ctrain train JOB.yaml [options])");
    if (a->resume && a->init_from)
        return ct_fail(err, "train: --resume and --init-from exclude each other");
    if (a->resume && a->run_dir)
        return ct_fail(err, "train: --resume continues in RUN_DIR; --run-dir is not allowed with it");
    return CT_OK;
}

/* Loads the job: the file given, or the resumed run's resolved job. */
static int load_job(ct_run *run, const train_args *a, char *origin, size_t size, ct_error *err)
{
    if (a->job_path)
        snprintf(origin, size, "%s", a->job_path);
    else
        snprintf(origin, size, "%s/job.yaml", a->resume);
    run->job_origin = origin;
    if (ct_job_load(origin, a->sets, a->nsets, &run->job, err) != CT_OK)
        return CT_ERR;
    run->job_yaml = ct_job_to_yaml(run->job);
    return CT_OK;
}

/* The text of a small file (a job.yaml), ct_malloc'ed, or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && size < (1L << 24) && fseek(f, 0, SEEK_SET) == 0) {
            text = CT_ALLOC_ARRAY(char, (size_t)size + 1);
            if (fread(text, 1, (size_t)size, f) != (size_t)size) {
                ct_free(text);
                text = NULL;
            }
        }
    }
    fclose(f);
    return text;
}

/* `ctrain train JOB --run-dir DIR` where DIR holds checkpoints of the same
 * job (its job.yaml is this run's resolved job, text for text) continues
 * them, as --resume DIR would: a batch script submitted again after a time
 * limit or a preemption picks up its run. Checkpoints of another job there
 * are an error. Rank 0 looks; every rank learns what it found. */
static int auto_resume(ct_run *run, train_args *a, ct_error *err)
{
    int resume = 0, rc = CT_OK;
    if (run->world->rank == 0 && a->run_dir && !a->resume) {
        char path[4200];
        snprintf(path, sizeof path, "%s/checkpoints/latest", a->run_dir);
        if (access(path, F_OK) == 0) {
            snprintf(path, sizeof path, "%s/job.yaml", a->run_dir);
            char *text = read_text(path);
            if (text && strcmp(text, run->job_yaml) == 0)
                resume = 1;
            else
                rc = ct_fail(err, "--run-dir %s holds checkpoints of another job (%s is not the job %s and --set "
                                  "make): give this run another --run-dir, or continue that one with --resume %s",
                             a->run_dir, path, a->job_path, a->run_dir);
            ct_free(text);
        }
    }
    if (ct_agree_root(run->world, rc, 0, err) != CT_OK ||
        ct_broadcast_bytes(run->world, &resume, sizeof resume, 0, err) != CT_OK)
        return CT_ERR;
    if (!resume)
        return CT_OK;
    if (a->init_from)
        return ct_fail(err, "--run-dir %s holds checkpoints of this job, so the run continues from them: drop "
                            "--init-from %s", a->run_dir, a->init_from);
    a->resume = a->run_dir;
    a->run_dir = NULL;
    return CT_OK;
}

/* Picks the run directory on rank 0 and tells the others. */
static int choose_run_dir(ct_run *run, const train_args *a, ct_error *err)
{
    if (run->world->rank == 0) {
        if (a->resume || a->run_dir) {
            snprintf(run->run_dir, sizeof run->run_dir, "%s", a->resume ? a->resume : a->run_dir);
        } else {
            char stamp[32];
            time_t now = time(NULL);
            strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
            snprintf(run->run_dir, sizeof run->run_dir, "%s/%s-%s", run->job->output->runs_dir, run->job->name,
                     stamp);
            for (int n = 2; access(run->run_dir, F_OK) == 0; n++)
                snprintf(run->run_dir, sizeof run->run_dir, "%s/%s-%s-%d", run->job->output->runs_dir,
                         run->job->name, stamp, n);
        }
    }
    return ct_broadcast_bytes(run->world, run->run_dir, sizeof run->run_dir, 0, err);
}

/* Rank 0: creates the run directory and takes its lock (a second run
 * into it fails here, before it touches anything), clears what crashed
 * writers left, writes the resolved job (a resumed run's, with its new
 * --set overrides, so that the next resume keeps them) and opens
 * TensorBoard. */
static int prepare_run_dir(ct_run *run, bool resumed, ct_error *err)
{
    if (run->world->rank != 0)
        return CT_OK;
    char path[4300];
    if (ct_mkdirs(run->run_dir, err) != CT_OK || ct_dir_lock(run->run_dir, &run->run_dir_lock, err) != CT_OK)
        return CT_ERR;
    snprintf(path, sizeof path, "%s/checkpoints", run->run_dir);
    int stale = ct_remove_stale_tmp(run->run_dir) + ct_remove_stale_tmp(path);
    if (stale)
        ct_progress_line(&run->progress, "removed %d unfinished temporary file%s of an earlier run in %s", stale,
                         stale > 1 ? "s" : "", run->run_dir);
    snprintf(path, sizeof path, "%s/job.yaml", run->run_dir);
    if (ct_file_write_atomic(path, run->job_yaml, strlen(run->job_yaml), err) != CT_OK)
        return CT_ERR;
    if (!run->job->output->tensorboard)
        return CT_OK;
    snprintf(path, sizeof path, "%s/tensorboard", run->run_dir);
    if (ct_tb_open(&run->tb, path, err) != CT_OK)
        return CT_ERR;
    run->tb_open = true;
    return resumed ? ct_tb_session_start(&run->tb, run->state.step, err) : CT_OK;
}

/* Starts the run from a checkpoint: the resumed run's latest, or the
 * weights of --init-from (a checkpoint, its run directory or a PyTorch
 * state_dict export). Collective. */
static int restore(ct_run *run, const train_args *a, char *path, size_t size, ct_error *err)
{
    int rc = CT_OK;
    const char *option = a->resume ? "--resume" : "--init-from";
    if (run->world->rank == 0)
        rc = a->resume ? ct_checkpoint_latest(a->resume, path, size, err)
                       : ct_checkpoint_resolve(a->init_from, path, size, err);
    if (ct_agree_root(run->world, rc, 0, err) != CT_OK)
        return ct_fail_context(err, "%s", option);
    if (ct_broadcast_bytes(run->world, path, size, 0, err) != CT_OK)
        return CT_ERR;
    if (ct_restore(run, path, a->resume != NULL, err) != CT_OK)
        return ct_fail_context(err, "%s", option);
    return CT_OK;
}

static int train(ct_run *run, train_args *a, ct_error *err)
{
    char origin[4200], checkpoint[4300] = "";
    /* A directory another run is writing is refused at once, not after
     * the data and model have been read (ct_dir_lock takes the lock later,
     * once every input has been checked). */
    const char *dir = a->resume ? a->resume : a->run_dir;
    int rc = run->world->rank == 0 && dir ? ct_dir_check_unlocked(dir, err) : CT_OK;
    if (ct_agree_root(run->world, rc, 0, err) != CT_OK ||
        ct_agree(run->world, load_job(run, a, origin, sizeof origin, err), err) != CT_OK ||
        auto_resume(run, a, err) != CT_OK)
        return CT_ERR;
    if (ct_agree(run->world, ct_watchdog_start(run->world, run->job->train->collective_timeout_s, err), err) != CT_OK)
        return CT_ERR;
    char placement[1024];
    ct_world_placement(run->world, placement, sizeof placement);
    int cores, threads = ct_runtime_set_blas_threads(run->world, &cores);
    ct_runtime_set_memory_budget(run->world);
    ct_progress_init(&run->progress, run->job->output->progress, run->world->rank == 0,
                     strcmp(run->world->launcher, "single-node") != 0);
    if (ct_agree(run->world, ct_family_for(run->job, &run->family, err), err) != CT_OK)
        return ct_fail_context(err, "%s", origin);
    /* Every input (job, data, model, the checkpoint to start from) is
     * checked before anything is written: a job that fails leaves no run
     * directory behind. */
    if (run->family->setup(run, err) != CT_OK)
        return CT_ERR;
    if (ct_agree(run->world, ct_train_check(run, err), err) != CT_OK)
        return CT_ERR;
    if ((a->resume || a->init_from) && restore(run, a, checkpoint, sizeof checkpoint, err) != CT_OK)
        return CT_ERR;
    if (ct_agree(run->world, ct_train_check_resumed(run, err), err) != CT_OK)
        return CT_ERR;
    if (choose_run_dir(run, a, err) != CT_OK)
        return CT_ERR;
    if (ct_agree(run->world, prepare_run_dir(run, a->resume != NULL, err), err) != CT_OK)
        return CT_ERR;
    ct_progress_line(&run->progress,
                     "ctrain %s: job %s (%s), %d rank%s (%s) on %s, %d BLAS thread%s per rank (%d core%s each), "
                     "run directory %s",
                     CTRAIN_VERSION, run->job->name, run->family->name, run->world->size,
                     run->world->size > 1 ? "s" : "", run->world->launcher, placement, threads, threads > 1 ? "s" : "", cores,
                     cores > 1 ? "s" : "", run->run_dir);
    if (a->resume)
        ct_progress_line(&run->progress, "resuming from %s: epoch %lld, step %lld (written by %lld rank%s)",
                         checkpoint, (long long)run->state.epoch + 1, (long long)run->state.step,
                         (long long)run->state.world_size, run->state.world_size > 1 ? "s" : "");
    else if (a->init_from)
        ct_progress_line(&run->progress, "weights initialised from %s", checkpoint);
    return ct_train_loop(run, err);
}

int ct_cmd_train(int argc, char **argv)
{
    ct_world world;
    ct_error err;
    if (ct_world_init(&world, &argc, &argv, &err) != CT_OK)
        return ct_report_error(err.msg);
    ct_run run;
    ct_run_init(&run, &world);
    train_args args;
    ct_signals_install();
    int rc = parse_args(argc, argv, &args, &err);
    if (rc == CT_OK)
        rc = train(&run, &args, &err);
    int status = rc != CT_OK ? ct_runtime_fail(&world, &err) : run.stop_signal ? CT_EXIT_RESUMABLE : 0;
    ct_watchdog_stop();
    ct_run_free(&run);
    ct_world_finalize(&world);
    return status;
}
