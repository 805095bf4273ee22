/* Per-sample tensor shapes (the batch dimension is never part of a ct_shape). */
#ifndef CT_ENGINE_SHAPE_H
#define CT_ENGINE_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_MAX_DIMS 4

typedef struct ct_shape {
    int ndim;
    int64_t dim[CT_MAX_DIMS];
} ct_shape;

static inline ct_shape ct_shape1(int64_t a) { return (ct_shape){1, {a, 0, 0, 0}}; }
static inline ct_shape ct_shape2(int64_t a, int64_t b) { return (ct_shape){2, {a, b, 0, 0}}; }
static inline ct_shape ct_shape3(int64_t a, int64_t b, int64_t c) { return (ct_shape){3, {a, b, c, 0}}; }
static inline ct_shape ct_shape4(int64_t a, int64_t b, int64_t c, int64_t d) { return (ct_shape){4, {a, b, c, d}}; }

/* Number of elements (1 for a 0-dim shape). */
int64_t ct_shape_numel(const ct_shape *s);

/* Whether two per-sample shapes hold the same values in the same order:
 * equal once leading 1s are dropped ([1, 28, 28] and [28, 28]). */
bool ct_shape_same_sample(const ct_shape *a, const ct_shape *b);
int ct_shape_equal(const ct_shape *a, const ct_shape *b);
/* Writes "[1, 28, 28]" into buf; returns buf. */
const char *ct_shape_str(const ct_shape *s, char *buf, size_t size);

#endif
