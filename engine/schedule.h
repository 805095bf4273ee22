/* Learning-rate schedules, as a pure function of the step: a resumed run
 * recomputes the rate instead of restoring it. */
#ifndef CT_ENGINE_SCHEDULE_H
#define CT_ENGINE_SCHEDULE_H

#include <stdint.h>

typedef enum ct_lr_schedule_type {
    CT_LR_CONSTANT,
    CT_LR_COSINE, /* base -> min over total_steps (CosineAnnealingLR per step) */
    CT_LR_STEP,   /* base * gamma^floor(step / step_every) (StepLR) */
} ct_lr_schedule_type;

typedef struct ct_lr_schedule {
    ct_lr_schedule_type type;
    float base_lr;
    float min_lr;        /* cosine */
    int64_t total_steps; /* cosine: steps of the whole run */
    int64_t step_every;  /* step: steps between decays */
    float gamma;         /* step: decay factor */
} ct_lr_schedule;

/* The learning rate of the optimizer step that follows `step` steps. */
float ct_lr_at(const ct_lr_schedule *schedule, int64_t step);

#endif
