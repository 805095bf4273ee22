#include "cluster/families/dqn_priority.h"

#include <math.h>
#include <string.h>

#include "engine/alloc.h"

void ct_priority_init(ct_priority_tree *t, int64_t capacity)
{
    t->leaves = 1;
    while (t->leaves < capacity)
        t->leaves *= 2;
    size_t nodes = 2 * (size_t)t->leaves;
    t->sum = CT_ALLOC_ARRAY(double, nodes);
    t->min = CT_ALLOC_ARRAY(double, nodes);
    for (size_t i = 0; i < nodes; i++)
        t->min[i] = INFINITY;
}

void ct_priority_set(ct_priority_tree *t, int64_t slot, double priority)
{
    int64_t i = t->leaves + slot;
    t->sum[i] = priority;
    t->min[i] = priority;
    /* Parents are recomputed from their children, not adjusted by a
     * difference: the tree is a function of its leaves, with no drift. */
    for (i /= 2; i >= 1; i /= 2) {
        t->sum[i] = t->sum[2 * i] + t->sum[2 * i + 1];
        t->min[i] = fmin(t->min[2 * i], t->min[2 * i + 1]);
    }
}

int64_t ct_priority_find(const ct_priority_tree *t, double mass)
{
    int64_t i = 1;
    while (i < t->leaves) {
        double left = t->sum[2 * i];
        /* Past the total, keep to the side that has mass. */
        if ((mass < left && left > 0) || t->sum[2 * i + 1] <= 0) {
            i = 2 * i;
        } else {
            mass -= left;
            i = 2 * i + 1;
        }
    }
    return i - t->leaves;
}

void ct_priority_free(ct_priority_tree *t)
{
    ct_free(t->sum);
    ct_free(t->min);
    memset(t, 0, sizeof *t);
}
