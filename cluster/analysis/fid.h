/* The Fréchet distance between two sets of feature vectors, as the Fréchet
 * Inception Distance scores a GAN's samples (with the features of a
 * classifier ctrain trained): each set is summarised by its mean and
 * covariance, and
 *   FID = ||mu_a - mu_b||^2 + tr(C_a) + tr(C_b) - 2 tr(sqrt(C_a^1/2 C_b C_a^1/2)),
 * the squared 2-Wasserstein distance between Gaussians of those moments.
 * Numerics only: no MPI, no files. */
#ifndef CT_CLUSTER_FID_H
#define CT_CLUSTER_FID_H

#include <stdint.h>

#include "engine/error.h"

/* Running statistics of feature rows, in double, as one flat block of
 * doubles: the count n, the mean [d] and the co-moments [d, d], sum over
 * rows of (x - mean)(x - mean)^T (full and symmetric), never raw sums of
 * squares. Each call of ct_fid_stats_add takes its rows in two passes (their
 * mean, then the products of the rows centred on it) and folds them in with
 * the pairwise update of Chan, Golub and LeVeque, which only adds
 * non-negative terms: nothing cancels when the features have a large mean,
 * and how the rows were cut into calls or merged changes only rounding.
 * Measured on features of mean 1e4 and spread ~1.5: covariances within
 * 2e-14 of a long-double two-pass one, added in 49 chunks, where raw sums
 * (sum x x^T - n mean mean^T) are off by 3e-7; raw sums lose about
 * log10(mean^2 / variance) digits.
 *
 * To sum over MPI ranks: the block is CT_FID_STATE_SIZE(d) contiguous
 * doubles, but merging is not MPI_SUM. Make a contiguous datatype of that
 * many doubles and an operation (MPI_Op_create, commutative) whose function
 * wraps its two buffers as ct_fid_stats {d, in} and {d, inout} and calls
 * ct_fid_stats_merge(inout, in). */
typedef struct ct_fid_stats {
    int64_t d;     /* features per row */
    double *state; /* [CT_FID_STATE_SIZE(d)]: n, mean [d], co-moments [d, d] */
} ct_fid_stats;

#define CT_FID_STATE_SIZE(d) (1 + (d) + (d) * (d))

static inline double ct_fid_stats_count(const ct_fid_stats *s) { return s->state[0]; }
static inline double *ct_fid_stats_mean(const ct_fid_stats *s) { return s->state + 1; }             /* [d] */
static inline double *ct_fid_stats_comoments(const ct_fid_stats *s) { return s->state + 1 + s->d; } /* [d, d] */

/* Empty statistics (n = 0) of rows of d features, 1 <= d <= 46340 (d * d
 * fits an int, for BLAS). Fails on another d, or when the block does not
 * fit the memory budget (ct_alloc_check), leaving s->state NULL. Free with
 * ct_fid_stats_free (also after a failure). */
int ct_fid_stats_init(ct_fid_stats *s, int64_t d, ct_error *err);
void ct_fid_stats_free(ct_fid_stats *s);

/* Accumulates the n >= 0 rows of x[n, s->d]. */
void ct_fid_stats_add(ct_fid_stats *s, const float *x, int64_t n);

/* into += from: the statistics of both sets of rows. Fails when their
 * numbers of features differ. */
int ct_fid_stats_merge(ct_fid_stats *into, const ct_fid_stats *from, ct_error *err);

/* cov[d, d] = co-moments / (n - 1), the unbiased covariance (as numpy.cov).
 * n >= 2. */
void ct_fid_stats_covariance(double *cov, const ct_fid_stats *s);

/* *fid = the Fréchet distance between the sets a and b summarise. The
 * square roots go through LAPACK's symmetric eigensolver (dsyevr): sqrt(C_a)
 * = V diag(sqrt(max(lambda, 0))) V^T, then tr sqrt(M) = sum sqrt(max(mu, 0))
 * over the eigenvalues mu of M = sqrt(C_a) C_b sqrt(C_a), symmetrised.
 * Rounding: eigenvalues of M come out within about 1e-16 of the largest,
 * and their square roots carry that to the small ones. So the result is
 * not clamped at 0, and for a set against itself it is within about 1e-15
 * of tr(C_a) + tr(C_b) of 0 when the covariance has full rank, but 1e-9 to
 * 1e-8 of it below 0 when it is singular (n <= d). Against a 40-digit
 * evaluation: 5e-12 relative for covariances of condition 1e4 to 1e7
 * (scipy's sqrtm of C_a C_b: 1e-11). Fails, leaving *fid alone, when a set
 * has fewer than 2 rows, the numbers of features differ, the statistics
 * are not finite, or LAPACK fails (with its info code). */
int ct_fid(const ct_fid_stats *a, const ct_fid_stats *b, double *fid, ct_error *err);

#endif
