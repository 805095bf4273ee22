/* The one allocation wrapper. Out-of-memory policy (as redis' zmalloc): print
 * how many bytes could not be had and abort(); under mpirun that takes the
 * whole job down at once. These functions therefore never return NULL. */
#ifndef CT_ENGINE_ALLOC_H
#define CT_ENGINE_ALLOC_H

#include <stddef.h>

void *ct_malloc(size_t size);
void *ct_calloc(size_t count, size_t size); /* zeroed; checks count*size overflow */
void *ct_realloc(void *ptr, size_t size);
char *ct_strdup(const char *s);
void ct_free(void *ptr);

/* Typed helpers: CT_ALLOC_ARRAY(float, n) -> zeroed float[n]. */
#define CT_ALLOC_ARRAY(type, n) ((type *)ct_calloc((size_t)(n), sizeof(type)))

#endif
