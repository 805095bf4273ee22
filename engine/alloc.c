#include "engine/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double budget = -1.0; /* < 0: unlimited */
static char budget_source[256];

void ct_alloc_set_budget(double bytes, const char *source)
{
    budget = bytes;
    snprintf(budget_source, sizeof budget_source, "%s", source ? source : "");
}

double ct_alloc_budget(void)
{
    return budget;
}

const char *ct_format_bytes(double bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 6) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

int ct_alloc_check(double bytes, const char *what, ct_error *err)
{
    if (budget < 0 || bytes <= budget)
        return CT_OK;
    char need[32], have[32];
    ct_format_bytes(bytes, need, sizeof need);
    ct_format_bytes(budget, have, sizeof have);
    return ct_fail(err, "%s needs %s of memory; %s %s available%s%s%s", what, need, have,
                   budget >= 2.0 ? "are" : "is", budget_source[0] ? " (" : "", budget_source,
                   budget_source[0] ? ")" : "");
}

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
