/* Loading a job: YAML text mapped onto the Ctrain__Job protobuf message
 * (job.proto) by walking protobuf-c's descriptors, then --set overrides, then
 * the range checks the schema cannot express. Every error names the file,
 * line and column and the field path, says what was expected and what was
 * found, and suggests the nearest field name for an unknown key. */
#ifndef CT_JOBS_JOB_H
#define CT_JOBS_JOB_H

#include <stddef.h>

#include "engine/error.h"
#include "jobs/job.pb-c.h"

typedef Ctrain__Job ct_job;

/* The longest n-step return of model.dqn.n_step. */
#define CT_DQN_MAX_N_STEP 64

/* Loads and checks the job at path. overrides are "field.path=value"
 * strings (from --set), applied in order after the file, with the value
 * parsed as a YAML scalar: "train.epochs=3", "optimizer.type=adam",
 * "model.networks.0.layers.2.linear.out_features=64". The job is owned by
 * the caller: ct_job_free. */
int ct_job_load(const char *path, const char *const *overrides, size_t noverrides, ct_job **out,
                ct_error *err);

/* The same from YAML text in memory; origin names it in errors (a
 * checkpoint's stored job: "run/checkpoints/step-100.h5:/job"). */
int ct_job_load_text(const char *text, size_t len, const char *origin, ct_job **out, ct_error *err);

/* The resolved job (every field, defaults included) as YAML that
 * ct_job_load_text reads back to an equal job. Caller frees with ct_free. */
char *ct_job_to_yaml(const ct_job *job);

void ct_job_free(ct_job *job);

#endif
