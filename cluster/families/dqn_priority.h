/* Priorities of a replay shard for proportional prioritised replay: a sum
 * tree and a min tree over the slots (power-of-two leaves, doubles), so that
 * a slot is found from a prefix sum of priorities in O(log capacity) and the
 * shard's total and smallest priority are read at the roots. No MPI. */
#ifndef CT_CLUSTER_DQN_PRIORITY_H
#define CT_CLUSTER_DQN_PRIORITY_H

#include <stdint.h>

typedef struct ct_priority_tree {
    int64_t leaves;  /* a power of two >= the capacity */
    double *sum;     /* [2 leaves]: node i's children are 2i and 2i + 1; leaf s at leaves + s */
    double *min;     /* [2 leaves]: as sum; empty slots hold +infinity */
} ct_priority_tree;

void ct_priority_init(ct_priority_tree *t, int64_t capacity);

/* Sets slot s's priority (already raised to alpha). */
void ct_priority_set(ct_priority_tree *t, int64_t slot, double priority);

static inline double ct_priority_total(const ct_priority_tree *t)
{
    return t->sum[1];
}

/* The smallest priority of a filled slot (+infinity when none). */
static inline double ct_priority_min(const ct_priority_tree *t)
{
    return t->min[1];
}

static inline double ct_priority_of(const ct_priority_tree *t, int64_t slot)
{
    return t->sum[t->leaves + slot];
}

/* The slot whose range [prefix before it, prefix + its priority) holds
 * mass, for 0 <= mass < total; a mass at or past the total (rounding) gives
 * the last slot with a priority. */
int64_t ct_priority_find(const ct_priority_tree *t, double mass);

void ct_priority_free(ct_priority_tree *t);

#endif
