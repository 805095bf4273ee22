/* The shuffle of an epoch as a keyed bijection on [0, n): position i of
 * the epoch holds row ct_shuffle_at(s, i). Evaluated only where a batch
 * needs it, in O(1) expected time and no memory, so the order of a split
 * of any size costs nothing to hold (a stored permutation of 2^31 rows
 * takes 16 GB per rank). A balanced Feistel network of keyed rounds on the
 * smallest power-of-4 domain >= n, with cycle-walking back into [0, n)
 * (Black and Rogaway's construction); the keys come from (seed, epoch), so
 * every rank computes the same order. */
#ifndef CT_ENGINE_SHUFFLE_H
#define CT_ENGINE_SHUFFLE_H

#include <stdint.h>

/* Twelve rounds: with six, tiny domains are measurably biased (the
 * position-row chi-square of test_engine_shuffle over 20000 epochs of 10
 * rows reached 135-149 for 90 degrees of freedom; with twelve, 74-113). */
#define CT_SHUFFLE_ROUNDS 12

typedef struct ct_shuffle {
    int64_t n;
    int half_bits;     /* the domain is [0, 2^(2 half_bits)) */
    uint64_t half_mask;
    uint64_t keys[CT_SHUFFLE_ROUNDS];
} ct_shuffle;

/* The order of epoch `epoch` of n rows (n >= 0) under `seed`. */
void ct_shuffle_init(ct_shuffle *s, int64_t n, uint64_t seed, int64_t epoch);

/* The row at `position` (0 <= position < n). Each position maps to a
 * different row. */
int64_t ct_shuffle_at(const ct_shuffle *s, int64_t position);

#endif
