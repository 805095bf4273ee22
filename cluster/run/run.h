/* A training run: everything the generic loop (loop.c) and a model family
 * (families/) share. One per process; rank 0 alone writes files.
 *
 * A family (DESIGN.md, "Families beyond one network and one dataset")
 * declares at setup its networks (ct_family_add_net: each with its own
 * optimizer, or frozen), its metrics (run->metrics), where its steps come
 * from (run->source) and its own checkpoint state (run->family_state_table).
 * Each step then runs as many passes as it needs and ends each group of
 * them with ct_family_update on the networks it trains. */
#ifndef CT_CLUSTER_RUN_H
#define CT_CLUSTER_RUN_H

#include <stdbool.h>

#include "cluster/output/png.h"
#include "cluster/output/progress.h"
#include "cluster/output/tensorboard.h"
#include "cluster/run/checkpoint.h"
#include "cluster/run/family_state.h"
#include "cluster/run/metrics.h"
#include "cluster/run/model.h"
#include "cluster/run/source.h"
#include "comm/world.h"
#include "jobs/job.h"

typedef struct ct_run ct_run;

/* The results of one evaluation of a split, named ("loss", "accuracy"):
 * every sample counted exactly once. The loop reports them per epoch as
 * test_<name>; `ctrain eval` prints them as <name>=. */
#define CT_MAX_EVAL_VALUES 8
typedef struct ct_eval_result {
    int n;
    const char *names[CT_MAX_EVAL_VALUES];
    double values[CT_MAX_EVAL_VALUES];
    int64_t samples;
    const ct_shard *split;     /* this rank's part of the split (class names) */
    int64_t classes;           /* with a confusion matrix (run->eval_confusion): its side */
    const double *confusion;   /* [classes, classes]: samples of true class i predicted as j, or NULL */
} ct_eval_result;

/* A model family: how to set up, take one step and evaluate. */
typedef struct ct_family {
    const char *name;
    /* Reads the data, builds networks into run->model (ct_family_add_net),
     * declares metrics, the step source and family state. Collective:
     * returns the same status on every rank. */
    int (*setup)(ct_run *run, ct_error *err);
    /* One training step on what the source gives: forward and backward
     * passes, ct_family_update of the networks trained, and this rank's
     * contributions to the step's metrics (ct_metrics_add). The loop agrees
     * on the returned status. */
    int (*step)(ct_run *run, const ct_step_input *in, ct_error *err);
    /* Evaluates the held-out split, the same result on every rank; the
     * names of the results stay valid for the run. Collective. */
    int (*evaluate)(ct_run *run, ct_eval_result *result, ct_error *err);
    /* Optional (may be NULL): what the family shows at the end of an
     * epoch (pictures: ct_run_picture). Collective. */
    int (*end_epoch)(ct_run *run, ct_error *err);
    void (*teardown)(ct_run *run);
} ct_family;

struct ct_run {
    ct_world *world;
    ct_job *job;
    char *job_yaml;          /* resolved job, stored in checkpoints and RUN_DIR/job.yaml */
    const char *job_origin;  /* file (or checkpoint) the job came from */
    char run_dir[4096];
    const ct_family *family;
    void *family_state;      /* the family's own struct */

    ct_model_state model;
    ct_train_state state;
    ct_metrics metrics;
    int train_loss_metric;   /* the metric named by the progress bar, or -1 */
    ct_source source;
    ct_state_table family_state_table;
    bool eval_only;          /* `ctrain eval` and the tools: no training split, no optimizer */
    bool eval_labels;        /* with eval_only: families that train without labels read
                                the split's too (ctrain embed, search) */
    bool eval_confusion;     /* evaluations of a classifier count (true, predicted) pairs */
    int buffers_root;        /* the rank whose batch norm statistics all take after a step */
    ct_progress progress;
    char *metrics_jsonl;     /* metrics.jsonl so far (rank 0) */
    ct_tb_writer tb;         /* rank 0, when output.tensorboard */
    bool tb_open;
    int run_dir_lock;        /* rank 0: the open RUN_DIR/.lock while it trains, else -1 */
    int stop_signal;         /* the signal the ranks agreed to stop on (signals.h), or 0 */
};

/* A run with nothing in it yet, on an initialised world. */
void ct_run_init(ct_run *run, ct_world *world);

/* Frees whatever a run holds (the family's state, the model's optimizers,
 * the source, the job, metrics); safe on a run that failed at any point of
 * its set-up. */
void ct_run_free(ct_run *run);

/* The family a job asks for; fails naming model.family when this build
 * has no trainer for it (families/registry.c). */
int ct_family_for(const ct_job *job, const ct_family **family, ct_error *err);

/* Checks what the job asks of training before anything is written: an
 * epoch that has steps, batch norm that sees at least 2 samples per rank
 * at every step (at this world size); declares the clipping metrics (before
 * a resumed run's metric totals are loaded). After the family's setup, before
 * any restore. */
int ct_train_check(ct_run *run, ct_error *err);

/* Checks that a restored position can be continued: a resumed run keeps
 * its seed, batch size and training data, and its position lies within an
 * epoch. After the restore, before the run directory is written. */
int ct_train_check_resumed(const ct_run *run, ct_error *err);

/* Runs the epochs from run->state to the job's end (or max_steps),
 * checkpointing and reporting as the job says. Collective. */
int ct_train_loop(ct_run *run, ct_error *err);

/* Writes a checkpoint of the run now (rank 0 writes, every rank takes
 * part). Collective. */
int ct_run_checkpoint(ct_run *run, ct_error *err);

/* Writes a picture of the run: to RUN_DIR/<file> as PNG (its directory is
 * created) and, with TensorBoard on, as image `tag` at the current step.
 * Rank 0 only. */
int ct_run_picture(ct_run *run, const char *file, const char *tag, const ct_canvas *picture, ct_error *err);

#endif
