#include "engine/schedule.h"

#include <math.h>

float ct_lr_at(const ct_lr_schedule *s, int64_t step)
{
    switch (s->type) {
    case CT_LR_COSINE: {
        if (s->total_steps <= 0 || step >= s->total_steps)
            return s->min_lr;
        double progress = (double)step / (double)s->total_steps;
        return (float)(s->min_lr + 0.5 * (s->base_lr - s->min_lr) * (1.0 + cos(3.14159265358979323846 * progress)));
    }
    case CT_LR_STEP:
        if (s->step_every <= 0)
            return s->base_lr;
        return (float)(s->base_lr * pow(s->gamma, (double)(step / s->step_every)));
    case CT_LR_CONSTANT:
    default:
        return s->base_lr;
    }
}
