/* Turning a job's model section into engine networks, optimizers and
 * learning-rate schedules; the networks of a run. */
#ifndef CT_CLUSTER_MODEL_H
#define CT_CLUSTER_MODEL_H

#include "engine/loss.h"
#include "engine/net.h"
#include "engine/optim.h"
#include "engine/schedule.h"
#include "jobs/job.h"

#define CT_MAX_NETS 8

/* The networks of a run, in a fixed order (checkpoints index optimizer
 * state by it), with what trains each one. */
typedef struct ct_model_state {
    int nnets;
    ct_net *nets[CT_MAX_NETS];              /* owned by the family */
    const char *names[CT_MAX_NETS];         /* the job's name for it: "encoder" */
    const Ctrain__Optimizer *sections[CT_MAX_NETS]; /* the optimizer section training it, or NULL */
    ct_optim *optims[CT_MAX_NETS];          /* owned by the run; NULL: frozen, or evaluation only */
    ct_lr_schedule schedules[CT_MAX_NETS];
    float clip_norm[CT_MAX_NETS];           /* optimizer.clip_grad_norm; 0: off */
    float clip_value[CT_MAX_NETS];          /* optimizer.clip_grad_value; 0: off */
    int grad_norm_metric[CT_MAX_NETS];      /* metric of the norm before clipping, or -1 */
} ct_model_state;

/* Builds network `index` of the job's model for inputs of in_shape and
 * batches of up to max_batch samples, and initialises its parameters from
 * the job seed (the same on every rank). prefix is "" for single-network
 * families. Errors name the layer (shape mismatches) and the job field. */
int ct_model_build_net(ct_net *net, const ct_job *job, size_t index, const char *prefix, ct_shape in_shape,
                       int64_t max_batch, ct_error *err);

ct_loss_type ct_model_loss(const ct_job *job);

/* The optimizer section that trains network `index` of the job: its own
 * (which took the job's values for what it does not say) or the job's. */
const Ctrain__Optimizer *ct_model_optimizer(const ct_job *job, size_t index);

/* The engine's configuration of an optimizer section. */
void ct_model_optim_config(const Ctrain__Optimizer *o, ct_optim_config *cfg);

/* The learning-rate schedule of an optimizer section for a run of `epochs`
 * epochs of steps_per_epoch steps (max_steps does not shorten it). */
void ct_model_lr_schedule(const Ctrain__Optimizer *o, uint32_t epochs, int64_t steps_per_epoch,
                          ct_lr_schedule *schedule);

#endif
