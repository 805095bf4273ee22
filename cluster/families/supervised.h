/* One network trained on a dataset's (input, target) pairs with a loss
 * against the targets: what the classifier (integer labels) and the
 * regressor (float targets) share. A family built on it keeps its own
 * checks of the targets and its own evaluation. */
#ifndef CT_CLUSTER_FAMILIES_SUPERVISED_H
#define CT_CLUSTER_FAMILIES_SUPERVISED_H

#include <stdbool.h>

#include "cluster/run/family.h"
#include "engine/loss.h"

typedef struct ct_supervised {
    ct_run *run;
    ct_net net;
    ct_loss_type loss;   /* model.loss */
    int64_t out_size;    /* values of the network's output per sample */
    int loss_metric;     /* train_loss */
    ct_shard test;       /* this rank's shard of the evaluation split */
    float *dout;         /* [local batch, out_size] */
    float *eval_x;       /* [eval chunk, sample_size]: one evaluation chunk's inputs */
} ct_supervised;

/* A family's check of a split's targets against the built network (its
 * out_size known): labels within the classes, targets of the output's
 * shape. Local to the rank; errors name the file, split and dataset. */
typedef int (*ct_supervised_check_fn)(const ct_supervised *s, const ct_shard *shard, const char *split,
                                      ct_error *err);

/* Reads this rank's shards with the job's data.target (integer labels, or
 * float targets when float_targets), builds the job's one network, checks
 * both splits' targets with check, declares the metric train_loss and
 * registers the network (ct_family_add_net). Collective; s is zeroed by
 * the caller and freed with ct_supervised_free, also after a failure. */
int ct_supervised_setup(ct_run *run, ct_supervised *s, bool float_targets, ct_supervised_check_fn check,
                        ct_error *err);

/* One training step on this rank's part of the global batch: forward, the
 * loss against the batch's labels or float targets, backward, the update
 * (ct_family_update) and the step's train_loss. */
int ct_supervised_step(ct_supervised *s, const ct_step_input *in, ct_error *err);

/* The network's outputs [n, out_size] (valid until its next forward) on
 * rows [row, row + n) of the test split, whose inputs are x; adds the sum
 * of their losses to *loss_sum. */
const float *ct_supervised_eval(ct_supervised *s, const float *x, int64_t row, int64_t n, double *loss_sum);

void ct_supervised_free(ct_supervised *s);

#endif
