/* Shared helpers of the engine tests: random data, closeness checks with a
 * message that says where, and small networks. Linked into each test. */
#ifndef CT_TESTS_ENGINE_TESTLIB_H
#define CT_TESTS_ENGINE_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/layers.h"
#include "engine/net.h"
#include "engine/rng.h"

/* x[i] ~ N(0, scale^2) / U(lo, hi) from rng. */
void t_fill_normal(float *x, size_t n, float scale, ct_rng *rng);
void t_fill_uniform(float *x, size_t n, float lo, float hi, ct_rng *rng);

/* Fails the test unless |got - want| <= atol + rtol * |want|, printing
 * what/index and both values. NaN never passes. */
void t_check_close(double got, double want, double rtol, double atol, const char *what, long index);
/* The same over arrays of n elements. */
void t_check_array(const float *got, const float *want, size_t n, double rtol, double atol, const char *what);

/* Appends linear(in, out) followed by an activation (skipped when act < 0). */
void t_add_linear_act(ct_net *net, int64_t in, int64_t out, int act, float slope);

/* Builds net for per-sample input [in] and max_batch samples, failing the
 * test with the engine's message on error. */
void t_build(ct_net *net, int64_t in, int64_t max_batch);
/* The same for any per-sample input shape. */
void t_build_shape(ct_net *net, ct_shape in, int64_t max_batch);

#endif
