#include "engine/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "ctrain: out of memory allocating %zu bytes\n", size);
    abort();
}

void *ct_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *ct_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *ct_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *ct_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ct_malloc(n);
    memcpy(p, s, n);
    return p;
}

void ct_free(void *ptr)
{
    free(ptr);
}
