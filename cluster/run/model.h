/* Turning a job's model section into engine networks. */
#ifndef CT_CLUSTER_MODEL_H
#define CT_CLUSTER_MODEL_H

#include "engine/loss.h"
#include "engine/net.h"
#include "engine/optim.h"
#include "engine/schedule.h"
#include "jobs/job.h"

/* Builds network `index` of the job's model for inputs of in_shape and
 * batches of up to max_batch samples, and initialises its parameters from
 * the job seed (the same on every rank). prefix is "" for single-network
 * families. Errors name the layer (shape mismatches) and the job field. */
int ct_model_build_net(ct_net *net, const ct_job *job, size_t index, const char *prefix, ct_shape in_shape,
                       int64_t max_batch, ct_error *err);

ct_loss_type ct_model_loss(const ct_job *job);
void ct_model_optim_config(const ct_job *job, ct_optim_config *cfg);

/* The job's learning-rate schedule for a run of `epochs` epochs of
 * batches_per_epoch steps (max_steps does not shorten it). */
void ct_model_lr_schedule(const ct_job *job, int64_t batches_per_epoch, ct_lr_schedule *schedule);

#endif
