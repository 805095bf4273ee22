/* exp, sigmoid and tanh as straight-line float code that gcc vectorizes
 * (libm's expf and tanhf are calls, which keep a loop scalar without
 * -ffast-math). Cody-Waite range reduction and the Cephes minimax
 * polynomials; tests/engine/test_recurrent.c measures them against libm
 * (a few ulp). Large inputs saturate; NaN in gives NaN out. */
#ifndef CT_ENGINE_VMATH_H
#define CT_ENGINE_VMATH_H

#include <stdint.h>
#include <string.h>

/* e^x for x in [-87, 88], clamped to it (0 and inf are never produced). */
static inline float ct_vexpf(float x)
{
    float c = x > -87.0f ? x : -87.0f; /* NaN too: the conversion of k stays defined */
    c = c < 88.0f ? c : 88.0f;
    /* c = k ln2 + r, |r| <= ln2 / 2; k rounded by the 1.5 * 2^23 trick. */
    float k = (c * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = c - k * 0.693359375f;
    r = r + k * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* 2^k from its exponent bits (k in [-126, 127]: a normal float). */
    int32_t bits = ((int32_t)k + 127) * 8388608;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x != x ? x : p * scale;
}

/* 1 / (1 + e^-x). */
static inline float ct_vsigmoidf(float x)
{
    return 1.0f / (1.0f + ct_vexpf(-x));
}

/* tanh x: an odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) above
 * (both evaluated, one selected, so that the loop stays branch-free). */
static inline float ct_vtanhf(float x)
{
    float a = x < 0.0f ? -x : x;
    float z = x * x;
    float small = -5.70498872745e-3f;
    small = small * z + 2.06390887954e-2f;
    small = small * z - 5.37397155531e-2f;
    small = small * z + 1.33314422036e-1f;
    small = small * z - 3.33332819422e-1f;
    small = small * z * x + x;
    float large = 1.0f - 2.0f / (ct_vexpf(2.0f * a) + 1.0f);
    large = x < 0.0f ? -large : large;
    return a < 0.625f ? small : large;
}

#endif
