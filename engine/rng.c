/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
#include "engine/rng.h"

#include <math.h>

/* Stream ids with the top bit set are reserved for the engine itself:
 * ct_shuffle uses (1 << 63) | epoch, per-sample streams have the top two
 * bits set (epochs stay below 2^62, so the two never meet). */
#define CT_RNG_SAMPLE_STREAMS (UINT64_C(3) << 62)

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void ct_rng_seed(ct_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Hash the seed, then offset by the stream, so that (seed, stream) pairs
     * that differ in either give unrelated splitmix64 sequences. */
    uint64_t x = seed;
    uint64_t h = splitmix64(&x);
    x = h ^ (stream * UINT64_C(0xD1B54A32D192ED03));
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]))
        rng->s[0] = 1; /* the one state xoshiro cannot leave */
}

void ct_rng_seed_sample(ct_rng *rng, uint64_t seed, int64_t step, int64_t sample, uint64_t salt)
{
    uint64_t x = salt;
    uint64_t h = splitmix64(&x);
    x = h ^ (uint64_t)step;
    h = splitmix64(&x);
    x = h ^ (uint64_t)sample;
    h = splitmix64(&x);
    ct_rng_seed(rng, seed, CT_RNG_SAMPLE_STREAMS | h);
}

uint64_t ct_salt(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * UINT64_C(0x100000001b3);
    return h;
}

uint64_t ct_rng_next(ct_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float ct_rng_uniform(ct_rng *rng)
{
    return (float)(ct_rng_next(rng) >> 40) * (1.0f / 16777216.0f);
}

float ct_rng_uniform_range(ct_rng *rng, float lo, float hi)
{
    float r = lo + (hi - lo) * ct_rng_uniform(rng);
    return r < hi ? r : lo; /* rounding can reach hi; keep the interval half-open */
}

float ct_rng_normal(ct_rng *rng)
{
    /* u1 in (0, 1] so that log(u1) is finite; 53-bit uniforms in double. */
    double u1 = 1.0 - (double)(ct_rng_next(rng) >> 11) * 0x1.0p-53;
    double u2 = (double)(ct_rng_next(rng) >> 11) * 0x1.0p-53;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

uint64_t ct_rng_below(ct_rng *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Reject the top 2^64 mod n values, so that r % n is uniform. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t r = ct_rng_next(rng);
        if (r >= threshold)
            return r % n;
    }
}
