/* Gradient clipping over one flat gradient buffer, as torch.nn.utils does
 * it (PyTorch 1.13). Run after the gradients are summed over the ranks, so
 * every replica clips alike. */
#ifndef CT_ENGINE_CLIP_H
#define CT_ENGINE_CLIP_H

#include <stddef.h>

/* clip_grad_norm_(norm_type=2): returns the 2-norm of g[n] before
 * clipping (summed in double); when max_norm / (norm + 1e-6) < 1, every
 * gradient is multiplied by that factor. A non-finite norm leaves g as it
 * is: the caller reports it and the step's non-finite check stops the run. */
float ct_clip_grad_norm(float *g, size_t n, float max_norm);

/* clip_grad_value_: clamps every gradient to [-clip_value, clip_value]
 * (NaN stays NaN). */
void ct_clip_grad_value(float *g, size_t n, float clip_value);

#endif
