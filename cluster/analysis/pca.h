/* Principal components, to draw latent codes of more than two dimensions
 * in a plane (ctrain embed). */
#ifndef CT_CLUSTER_PCA_H
#define CT_CLUSTER_PCA_H

#include <stdint.h>

#include "engine/error.h"

/* Projects the rows of x[n, d] (centred) on their first k principal
 * components (k <= d): out[n, k]. The covariance is summed in double and
 * decomposed by LAPACK (dsyevr, only the k largest eigenpairs); each
 * component's sign makes its largest coefficient positive, so results do
 * not flip between runs. *explained (may be NULL) receives the fraction of
 * the total variance the k components hold. n >= 2. */
int ct_pca_project(float *out, const float *x, int64_t n, int64_t d, int k, double *explained, ct_error *err);

#endif
