#include "engine/clip.h"

#include <math.h>

float ct_clip_grad_norm(float *g, size_t n, float max_norm)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)g[i] * (double)g[i];
    float norm = (float)sqrt(sum);
    float coef = max_norm / (norm + 1e-6f);
    if (coef < 1.0f)
        for (size_t i = 0; i < n; i++)
            g[i] *= coef;
    return norm;
}

void ct_clip_grad_value(float *g, size_t n, float clip_value)
{
    for (size_t i = 0; i < n; i++) {
        if (g[i] > clip_value)
            g[i] = clip_value;
        else if (g[i] < -clip_value)
            g[i] = -clip_value;
    }
}
