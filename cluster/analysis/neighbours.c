#include "cluster/analysis/neighbours.h"

#include <cblas.h>
#include <math.h>

#include "engine/alloc.h"

#define BLOCK_ROWS CT_NEIGHBOURS_BLOCK

void ct_neighbours_init(ct_neighbours *nb, const float *x, int64_t n, int64_t d)
{
    nb->x = x;
    nb->n = n;
    nb->d = d;
    nb->norms = CT_ALLOC_ARRAY(float, (size_t)n);
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++)
            s += (double)x[i * d + j] * x[i * d + j];
        nb->norms[i] = (float)s;
    }
    nb->block = CT_ALLOC_ARRAY(float, (size_t)BLOCK_ROWS * (size_t)n);
}

void ct_neighbours_free(ct_neighbours *nb)
{
    ct_free(nb->norms);
    ct_free(nb->block);
    nb->norms = nb->block = NULL;
}

/* Inserts (row, d2) into the sorted best[k] / best_d2[k] if it is nearer than
 * the last; *have counts the entries so far. */
static void keep_nearest(int64_t *best, float *best_d2, int *have, int k, int64_t row, float d2)
{
    if (*have == k && !(d2 < best_d2[k - 1]))
        return;
    int i = *have < k ? (*have)++ : k - 1;
    while (i > 0 && d2 < best_d2[i - 1]) {
        best[i] = best[i - 1];
        best_d2[i] = best_d2[i - 1];
        i--;
    }
    best[i] = row;
    best_d2[i] = d2;
}

void ct_neighbours_find(ct_neighbours *nb, int64_t first, int64_t count, int k, int64_t *out, float *dist)
{
    int64_t n = nb->n, d = nb->d;
    float best_d2[CT_NEIGHBOURS_MAX_K];
    /* block[q, j] = x_q . x_j; |x_q - x_j|^2 = |x_q|^2 + |x_j|^2 - 2 x_q . x_j */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)count, (int)n, (int)d, 1.0f, nb->x + first * d,
                (int)d, nb->x, (int)d, 0.0f, nb->block, (int)n);
    for (int64_t q = 0; q < count; q++) {
        int64_t *best = out + q * k;
        int have = 0;
        const float *dot = nb->block + q * n;
        float self = nb->norms[first + q];
        for (int64_t j = 0; j < n; j++)
            if (j != first + q)
                keep_nearest(best, best_d2, &have, k, j, self + nb->norms[j] - 2.0f * dot[j]);
        if (dist)
            for (int i = 0; i < k; i++)
                dist[q * k + i] = best_d2[i] > 0 ? sqrtf(best_d2[i]) : 0.0f;
    }
}

double ct_neighbours_hit_rate(ct_neighbours *nb, const int32_t *labels, int k)
{
    int64_t *found = CT_ALLOC_ARRAY(int64_t, (size_t)BLOCK_ROWS * (size_t)k);
    int64_t hits = 0;
    for (int64_t first = 0; first < nb->n; first += BLOCK_ROWS) {
        int64_t count = nb->n - first < BLOCK_ROWS ? nb->n - first : BLOCK_ROWS;
        ct_neighbours_find(nb, first, count, k, found, NULL);
        for (int64_t q = 0; q < count; q++)
            for (int i = 0; i < k; i++)
                hits += labels[found[q * k + i]] == labels[first + q];
    }
    ct_free(found);
    return nb->n > 0 ? (double)hits / ((double)nb->n * k) : 0;
}
