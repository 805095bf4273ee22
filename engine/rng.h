/* Deterministic random numbers (xoshiro256**, seeded through splitmix64).
 * Every stream is derived from the job seed plus a stream id, so the same
 * seed gives the same numbers on every rank and every run. */
#ifndef CT_ENGINE_RNG_H
#define CT_ENGINE_RNG_H

#include <stdint.h>

typedef struct ct_rng {
    uint64_t s[4];
} ct_rng;

/* Stream ids with the top bit set are reserved for the engine:
 * ct_shuffle uses (1 << 63) | epoch, ct_rng_seed_sample the ids with
 * the top two bits set. */
void ct_rng_seed(ct_rng *rng, uint64_t seed, uint64_t stream);

/* Seeds rng for the randomness of one sample in one step: the stream is a
 * hash of (step, global sample index, salt), so it does not depend on how a
 * batch is split over ranks. salt tells users apart (dropout: a hash of the
 * layer's name). */
void ct_rng_seed_sample(ct_rng *rng, uint64_t seed, int64_t step, int64_t sample, uint64_t salt);
/* A 64-bit salt for a name (FNV-1a): a layer's or a pass's purpose
 * ("gan.d_fake"), so that different users of one sample's randomness
 * draw different numbers. */
uint64_t ct_salt(const char *name);

uint64_t ct_rng_next(ct_rng *rng);
/* Uniform in [0, 1) with 24 random bits. */
float ct_rng_uniform(ct_rng *rng);
/* Uniform in [lo, hi). */
float ct_rng_uniform_range(ct_rng *rng, float lo, float hi);
/* Standard normal (Box-Muller). */
float ct_rng_normal(ct_rng *rng);
/* Uniform integer in [0, n), without modulo bias. */
uint64_t ct_rng_below(ct_rng *rng, uint64_t n);

#endif
