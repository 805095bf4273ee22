/* Nearest neighbours in latent space (ctrain search): exact, Euclidean,
 * by blocks of queries with one matrix product per block. */
#ifndef CT_CLUSTER_NEIGHBOURS_H
#define CT_CLUSTER_NEIGHBOURS_H

#include <stdint.h>

/* The codes searched: x[n, d] with their squared norms. */
typedef struct ct_neighbours {
    const float *x; /* [n, d], borrowed */
    int64_t n, d;
    float *norms;   /* [n] */
    float *block;   /* [block rows, n]: the products of a block of queries */
} ct_neighbours;

void ct_neighbours_init(ct_neighbours *nb, const float *x, int64_t n, int64_t d);
void ct_neighbours_free(ct_neighbours *nb);

#define CT_NEIGHBOURS_BLOCK 64  /* queries per matrix product */
#define CT_NEIGHBOURS_MAX_K 256

/* For each query row q in [first, first + count) (count <=
 * CT_NEIGHBOURS_BLOCK), the k rows nearest to it other than itself
 * (1 <= k <= CT_NEIGHBOURS_MAX_K, k < n), nearest first: out[(q - first) *
 * k + i], and their distances in dist[...] (may be NULL). Ties go to the
 * lower row. */
void ct_neighbours_find(ct_neighbours *nb, int64_t first, int64_t count, int k, int64_t *out, float *dist);

/* Fraction of the k neighbours of every row with the same label as that
 * row, averaged over all rows. */
double ct_neighbours_hit_rate(ct_neighbours *nb, const int32_t *labels, int k);

#endif
