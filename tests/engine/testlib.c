#include "testlib.h"

#include <math.h>
#include <stdio.h>

void t_fill_normal(float *x, size_t n, float scale, ct_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * ct_rng_normal(rng);
}

void t_fill_uniform(float *x, size_t n, float lo, float hi, ct_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ct_rng_uniform_range(rng, lo, hi);
}

void t_check_close(double got, double want, double rtol, double atol, const char *what, long index)
{
    double diff = fabs(got - want);
    if (!(diff <= atol + rtol * fabs(want))) {
        print_error("%s[%ld]: got %.9g, want %.9g (diff %.3g, allowed %.3g)\n", what, index, got, want,
                    diff, atol + rtol * fabs(want));
        fail();
    }
}

void t_check_array(const float *got, const float *want, size_t n, double rtol, double atol, const char *what)
{
    for (size_t i = 0; i < n; i++)
        t_check_close(got[i], want[i], rtol, atol, what, (long)i);
}

void t_add_linear_act(ct_net *net, int64_t in, int64_t out, int act, float slope)
{
    ct_net_add(net, ct_linear_create(in, out, true), NULL);
    if (act >= 0)
        ct_net_add(net, ct_activation_create((ct_activation)act, slope), NULL);
}

void t_build(ct_net *net, int64_t in, int64_t max_batch)
{
    t_build_shape(net, ct_shape1(in), max_batch);
}

void t_build_shape(ct_net *net, ct_shape in, int64_t max_batch)
{
    ct_error err = {{0}};
    if (ct_net_build(net, in, max_batch, &err) != CT_OK) {
        print_error("ct_net_build: %s\n", err.msg);
        fail();
    }
}
