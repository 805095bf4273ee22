#include "engine/shuffle.h"

#include "engine/rng.h"

/* Stream ids with the top bit set are reserved for the engine (rng.h). */
#define CT_RNG_SHUFFLE_STREAM (UINT64_C(1) << 63)

void ct_shuffle_init(ct_shuffle *s, int64_t n, uint64_t seed, int64_t epoch)
{
    s->n = n > 0 ? n : 0;
    int bits = 0;
    while (bits < 63 && (UINT64_C(1) << bits) < (uint64_t)s->n)
        bits++;
    s->half_bits = (bits + 1) / 2;
    s->half_mask = (UINT64_C(1) << s->half_bits) - 1;
    ct_rng rng;
    ct_rng_seed(&rng, seed, CT_RNG_SHUFFLE_STREAM | (uint64_t)epoch);
    for (int r = 0; r < CT_SHUFFLE_ROUNDS; r++)
        s->keys[r] = ct_rng_next(&rng);
}

/* The round function: a keyed mix of the right half (splitmix64's
 * finaliser), cut to half_bits. */
static uint64_t round_function(uint64_t right, uint64_t key, uint64_t mask)
{
    uint64_t z = (right ^ key) + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return (z ^ (z >> 31)) & mask;
}

/* One pass of the Feistel network: a bijection of [0, 2^(2 half_bits)). */
static uint64_t permute_domain(const ct_shuffle *s, uint64_t x)
{
    uint64_t left = x >> s->half_bits, right = x & s->half_mask;
    for (int r = 0; r < CT_SHUFFLE_ROUNDS; r++) {
        uint64_t next = left ^ round_function(right, s->keys[r], s->half_mask);
        left = right;
        right = next;
    }
    return (left << s->half_bits) | right;
}

int64_t ct_shuffle_at(const ct_shuffle *s, int64_t position)
{
    /* Cycle-walking: the domain is at most 4n values, so a walk leaves
     * [0, n) fewer than 4 times on average; following the cycle of the
     * bijection from a point of [0, n) always comes back into it. */
    uint64_t x = (uint64_t)position;
    do
        x = permute_domain(s, x);
    while (x >= (uint64_t)s->n);
    return (int64_t)x;
}
