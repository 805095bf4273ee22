/* What the model families (families/) share: reading the shards,
 * registering networks with their optimizers, declaring metrics, the
 * gradient sum and update that end a group of passes, evaluation in chunks.
 * A family's own file keeps only what makes it different: its networks,
 * its losses, its step. */
#ifndef CT_CLUSTER_FAMILY_H
#define CT_CLUSTER_FAMILY_H

#include <stdbool.h>

#include "cluster/run/run.h"
#include "engine/net.h"
#include "engine/optim.h"

/* Reads this rank's shard of the training split into run->source (a
 * dataset source of train.batch_size; not when run->eval_only) and of the
 * evaluation split into *test: the job's input dataset and, when target is
 * not NULL, that dataset of labels, and the job's data.lengths when it
 * names one (each sample's real time steps, checked in [1, T]). Checks
 * that both splits hold samples of one shape. Collective. */
int ct_family_read_shards(ct_run *run, ct_shard *test, const char *target, ct_error *err);

/* Reads the float targets (the job's data.target dataset) of the shards
 * ct_family_read_shards read: the training split's (not when
 * run->eval_only) and the evaluation split's into test. Collective. */
int ct_family_read_targets(ct_run *run, ct_shard *test, ct_error *err);

/* Every label of the shard must be one of `classes` classes, and the
 * file's num_classes, when it has one, must be that count, which `source`
 * says where it comes from ("the network's last layer has 10 outputs").
 * Errors name the file, split and row. */
int ct_family_check_labels(const ct_run *run, const ct_shard *shard, const char *split, int64_t classes,
                           const char *source, ct_error *err);

/* The input shape of the networks: the training split's samples (the
 * evaluation split's for `ctrain eval`). */
const ct_shape *ct_family_sample_shape(const ct_run *run, const ct_shard *test);

/* The most samples a network sees at once: this rank's part of a global
 * batch when training (evaluation then runs in chunks of that size at
 * most), train.eval_batch_size when only evaluating. */
int64_t ct_family_max_batch(const ct_run *run);

/* Appends a built network to run->model. Unless run->eval_only or the
 * network is frozen (trainable false: a DQN's target network, which no
 * optimizer and no weight decay touch), it gets an optimizer from the
 * section that trains network spec_index of the job (its own or the
 * job's), with that section's clipping. Then every rank's parameters become
 * rank 0's (replicas start from rank 0's weights). Collective. */
int ct_family_add_net(ct_run *run, ct_net *net, size_t spec_index, bool trainable, ct_error *err);

/* Ends a group of passes once backward has accumulated this rank's
 * gradients of the networks in `nets` (bit i: run->model.nets[i]): sums
 * their gradients over the ranks (one bucketed allreduce per network, the
 * last network first, as backward finishes it first), clips them as their
 * sections say (reporting the norm before clipping), and steps their
 * optimizers. Other networks are left alone, gradients included. Every
 * rank makes the same collective calls even when one fails; the failure
 * is returned, for the step's agreement. Collective. */
int ct_family_update(ct_run *run, unsigned nets, ct_error *err);

/* The bit of network i for ct_family_update. */
static inline unsigned ct_net_bit(int i)
{
    return 1u << i;
}

/* Declares a metric of the family (cluster/run/metrics.h). */
int ct_family_metric(ct_run *run, const char *name, ct_metric_reduce reduce, ct_metric_over_steps over,
                     unsigned flags, int *id, ct_error *err);

/* One chunk of an evaluation: rows [row, row + n) of test, whose inputs
 * are x [n, sample_size] (float32, converted from the shard). Adds the sum
 * of those samples' losses to sums[0] and, for families with a second
 * result, the sum of its per-sample values to sums[1] (1 for a correct
 * sample: accuracy; a sample's mean absolute error: MAE). */
typedef void (*ct_eval_chunk_fn)(void *ctx, const ct_shard *test, const float *x, int64_t row, int64_t n,
                                 double *sums);

/* Rows in one evaluation chunk: train.eval_batch_size, but no more than
 * the networks were built for (ct_family_max_batch) nor the shard holds. */
int64_t ct_family_eval_rows(const ct_run *run, const ct_shard *test);

/* A buffer for one evaluation chunk's inputs, for ct_family_evaluate:
 * [ct_family_eval_rows, sample_size] floats, owned by the caller (ct_free). */
float *ct_family_eval_inputs(const ct_run *run, const ct_shard *test);

/* Evaluates every row of this rank's shard test, in chunks of
 * ct_family_eval_rows rows converted into x (from ct_family_eval_inputs),
 * and sums over the ranks: every sample of the split counts exactly once
 * at any world size, with no padding. The result is "loss" (the mean
 * loss) and, when `second` is not NULL ("accuracy", "mae"), the mean of the
 * chunks' sums[1] under that name. Collective. */
int ct_family_evaluate(ct_run *run, const ct_shard *test, float *x, ct_eval_chunk_fn chunk, void *ctx,
                       const char *second, ct_eval_result *result, ct_error *err);

#endif
