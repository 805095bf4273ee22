/* The one allocation wrapper. Out-of-memory policy (as redis' zmalloc): print
 * how many bytes could not be had and abort(); under mpirun that takes the
 * whole job down at once. These functions therefore never return NULL. */
#ifndef CT_ENGINE_ALLOC_H
#define CT_ENGINE_ALLOC_H

#include <stddef.h>

#include "engine/error.h"

void *ct_malloc(size_t size);
void *ct_calloc(size_t count, size_t size); /* zeroed; checks count*size overflow */
void *ct_realloc(void *ptr, size_t size);
char *ct_strdup(const char *s);
void ct_free(void *ptr);

/* The memory budget: how many bytes the process may plan to use, so that a
 * size read from a file or a job is refused with a clear error before a
 * large allocation instead of aborting inside it. Unlimited until the
 * program sets it (cluster/ does, from the memory available on the node
 * divided among the ranks there); `source` says where the figure comes
 * from, for messages (copied, may be NULL). */
void ct_alloc_set_budget(double bytes, const char *source);
double ct_alloc_budget(void);

/* CT_OK when `bytes` fits the budget; otherwise fails with "<what> needs
 * 1.5 TiB of memory; 10.2 GiB are available (<source>)". */
int ct_alloc_check(double bytes, const char *what, ct_error *err);

/* Writes a byte count as people read it ("812 B", "1.5 GiB") into buf. */
const char *ct_format_bytes(double bytes, char *buf, size_t size);

/* Typed helpers: CT_ALLOC_ARRAY(float, n) -> zeroed float[n]. */
#define CT_ALLOC_ARRAY(type, n) ((type *)ct_calloc((size_t)(n), sizeof(type)))

#endif
