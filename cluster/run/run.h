/* A training run: everything the generic loop (loop.c) and a model family
 * (classifier.c, ...) share. One per process; rank 0 alone writes files. */
#ifndef CT_CLUSTER_RUN_H
#define CT_CLUSTER_RUN_H

#include <stdbool.h>

#include "cluster/run/checkpoint.h"
#include "cluster/output/progress.h"
#include "comm/datastore.h"
#include "comm/world.h"
#include "engine/schedule.h"
#include "jobs/job.h"

typedef struct ct_run ct_run;

/* Evaluation of one split: sums over every sample exactly once. */
typedef struct ct_eval_result {
    double loss;       /* mean loss per sample */
    double accuracy;   /* fraction correct; < 0 when the family has none */
    int64_t samples;
} ct_eval_result;

/* A model family: how to set up, take one step and evaluate. */
typedef struct ct_family {
    const char *name;
    /* Reads the data, builds networks and optimizers into run->model.
     * Collective: returns the same status on every rank. */
    int (*setup)(ct_run *run, ct_error *err);
    /* One optimizer step on the global batch whose local part is `batch`:
     * forward, backward, gradient allreduce, update. *loss receives the
     * global batch's mean loss (identical on every rank). */
    int (*step)(ct_run *run, const ct_batch *batch, double *loss, ct_error *err);
    /* Evaluates the held-out split (collective). */
    int (*evaluate)(ct_run *run, ct_eval_result *result, ct_error *err);
    void (*teardown)(ct_run *run);
} ct_family;

struct ct_run {
    ct_world *world;
    ct_job *job;
    char *job_yaml;          /* resolved job, stored in checkpoints */
    const char *job_origin;  /* file (or checkpoint) the job came from */
    char run_dir[4096];
    const ct_family *family;
    void *family_state;      /* the family's own struct */

    ct_model_state model;
    ct_lr_schedule lr_schedule;
    ct_train_state state;
    bool eval_only;          /* `ctrain eval`: no training split, no optimizer */
    bool eval_labels;        /* with eval_only: families that train without labels read
                                the split's too (ctrain embed, search) */
    ct_shard train;          /* this rank's shard of the training split */
    ct_progress progress;
    char *metrics;           /* metrics.jsonl so far (rank 0) */
};

/* A run with nothing in it yet, on an initialised world. */
void ct_run_init(ct_run *run, ct_world *world);

/* Frees whatever a run holds (the family's state, the training shard, the
 * job, metrics); safe on a run that failed at any point of its set-up. */
void ct_run_free(ct_run *run);

/* The family a job asks for. */
const ct_family *ct_family_for(const ct_job *job);

extern const ct_family ct_classifier_family;
extern const ct_family ct_autoencoder_family;

/* Runs the epochs from run->state to the job's end (or max_steps),
 * checkpointing and reporting as the job says. Collective. */
int ct_train_loop(ct_run *run, ct_error *err);

#endif
