#include "engine/shape.h"

#include <stdio.h>

int64_t ct_shape_numel(const ct_shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= s->dim[i];
    return n;
}

int ct_shape_equal(const ct_shape *a, const ct_shape *b)
{
    if (a->ndim != b->ndim)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->dim[i] != b->dim[i])
            return 0;
    return 1;
}

const char *ct_shape_str(const ct_shape *s, char *buf, size_t size)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < s->ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)s->dim[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

bool ct_shape_same_sample(const ct_shape *a, const ct_shape *b)
{
    int i = 0, j = 0;
    while (i < a->ndim - 1 && a->dim[i] == 1)
        i++;
    while (j < b->ndim - 1 && b->dim[j] == 1)
        j++;
    if (a->ndim - i != b->ndim - j)
        return false;
    for (; i < a->ndim; i++, j++)
        if (a->dim[i] != b->dim[j])
            return false;
    return true;
}
