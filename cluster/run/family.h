/* What the model families (classifier.c, autoencoder.c, ...) share: reading
 * the shards, registering networks with their optimizers, the gradient sum
 * and update that end a step, evaluation in chunks. A family's own file
 * keeps only what makes it different: its networks, its loss, its step. */
#ifndef CT_CLUSTER_FAMILY_H
#define CT_CLUSTER_FAMILY_H

#include <stdbool.h>

#include "cluster/run/run.h"
#include "engine/net.h"
#include "engine/optim.h"

/* Reads this rank's shard of the training split into run->train (not when
 * run->eval_only) and of the evaluation split into *test: the job's input
 * dataset and, when target is not NULL, that dataset of labels. Checks that
 * both splits hold samples of one shape. Collective. */
int ct_family_read_shards(ct_run *run, ct_shard *test, const char *target, ct_error *err);

/* The input shape of the networks: the training split's samples (the
 * evaluation split's for `ctrain eval`). */
const ct_shape *ct_family_sample_shape(const ct_run *run, const ct_shard *test);

/* The most samples a network sees at once: this rank's part of a global
 * batch or one evaluation chunk, whichever is larger. */
int64_t ct_family_max_batch(const ct_run *run);

/* Appends a built network to run->model (nets[i], optims[i]) and, unless
 * run->eval_only, initialises optim for it from the job's optimizer section
 * (optim may be NULL then). Then every rank's parameters become rank 0's
 * (DESIGN.md: replicas start from rank 0's weights). Collective. */
int ct_family_add_net(ct_run *run, ct_net *net, ct_optim *optim, ct_error *err);

/* Ends a training step once backward has accumulated this rank's gradients:
 * sums every network's gradients over the ranks (one bucketed allreduce per
 * network, the last network first, as backward finishes it first) and
 * *loss (this rank's share of the global batch's mean loss), then steps every
 * optimizer, and gives every rank rank 0's buffers (batch norm statistics,
 * as PyTorch DDP). *loss is then the same on every rank. Collective. */
int ct_family_update(ct_run *run, double *loss, ct_error *err);

/* One chunk of an evaluation: rows [row, row + n) of test, whose inputs
 * are x [n, sample_size] (float32, converted from the shard). Adds the sum
 * of those samples' losses to sums[0] and, for families with an accuracy,
 * the number of correct ones to sums[1]. */
typedef void (*ct_eval_chunk_fn)(void *ctx, const ct_shard *test, const float *x, int64_t row, int64_t n,
                                 double *sums);

/* A buffer for one evaluation chunk's inputs, for ct_family_evaluate:
 * [min(train.eval_batch_size, test->nrows), sample_size] floats, owned by
 * the caller (ct_free). */
float *ct_family_eval_inputs(const ct_run *run, const ct_shard *test);

/* Evaluates every row of this rank's shard test, in chunks of at most
 * train.eval_batch_size rows converted into x (from ct_family_eval_inputs),
 * and sums over the ranks: every sample of the split counts exactly once at
 * any world size, with no padding. result->accuracy is -1 when has_accuracy
 * is false. Collective. */
int ct_family_evaluate(ct_run *run, const ct_shard *test, float *x, ct_eval_chunk_fn chunk, void *ctx,
                       bool has_accuracy, ct_eval_result *result, ct_error *err);

#endif
