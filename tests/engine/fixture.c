#include "fixture.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/alloc.h"
#include "testlib.h"

hid_t ct_test_open_fixture(const char *name)
{
    const char *dir = getenv("CT_SOURCE_DIR");
    char path[4096];
    if (dir && dir[0])
        snprintf(path, sizeof path, "%s/tests/fixtures/%s.h5", dir, name);
    else
        snprintf(path, sizeof path, "%s/%s.h5", CT_FIXTURE_DIR, name);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        print_error("cannot open %s (regenerate it with /usr/bin/python3 tests/fixtures/make_%s.py)\n", path, name);
        fail();
    }
    return f;
}

bool ct_test_has(hid_t g, const char *name)
{
    return H5Lexists(g, name, H5P_DEFAULT) > 0;
}

int ct_test_dims(hid_t g, const char *name, hsize_t dims[8])
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) {
        print_error("fixture has no dataset %s\n", name);
        fail();
    }
    hid_t space = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(space);
    assert_true(rank >= 0 && rank <= 8);
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    H5Dclose(d);
    return rank;
}

void ct_test_read(hid_t g, const char *name, hid_t type, void *buf, size_t count)
{
    hsize_t dims[8];
    int rank = ct_test_dims(g, name, dims);
    hsize_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    if (n != count) {
        print_error("fixture dataset %s has %llu elements, expected %zu\n", name, (unsigned long long)n, count);
        fail();
    }
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    assert_true(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
}

float *ct_test_read_floats(hid_t g, const char *name, size_t *count)
{
    hsize_t dims[8];
    int rank = ct_test_dims(g, name, dims);
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    float *buf = CT_ALLOC_ARRAY(float, n);
    ct_test_read(g, name, H5T_NATIVE_FLOAT, buf, n);
    *count = n;
    return buf;
}

int64_t ct_test_attr_int(hid_t g, const char *name)
{
    int64_t v = 0;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    if (a < 0) {
        print_error("fixture case has no attribute %s\n", name);
        fail();
    }
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
    return v;
}

double ct_test_attr_double(hid_t g, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

void ct_test_attr_string(hid_t g, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    if (H5Aexists(g, name) <= 0)
        return;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    char *s = NULL;
    assert_true(H5Aread(a, type, &s) >= 0);
    snprintf(buf, size, "%s", s ? s : "");
    H5free_memory(s);
    H5Tclose(type);
    H5Aclose(a);
}

void ct_test_compare_dataset(ct_test_parity *p, hid_t g, const char *name, const float *got, size_t n,
                             const char *case_name)
{
    size_t count;
    float *want = ct_test_read_floats(g, name, &count);
    assert_int_equal(count, n);
    char what[160];
    snprintf(what, sizeof what, "%s/%s", case_name, name);
    t_check_array(got, want, n, p->rtol, p->atol, what);
    for (size_t i = 0; i < n; i++)
        if (fabsf(want[i]) >= 1e-3f) {
            double rel = fabs((double)got[i] - want[i]) / fabs((double)want[i]);
            p->worst_rel = rel > p->worst_rel ? rel : p->worst_rel;
        }
    ct_free(want);
}

typedef struct {
    hid_t g;
    const char *case_name;
    ct_test_parity *parity;
} case_ctx;

static int load_param(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)layer;
    (void)err;
    case_ctx *ctx = ctx_;
    char name[64];
    snprintf(name, sizeof name, "param.%s", param->suffix);
    if (!ct_test_has(ctx->g, name)) {
        print_error("%s: the engine has tensor %s, PyTorch does not\n", ctx->case_name, param->suffix);
        fail();
    }
    size_t n = (size_t)ct_shape_numel(&param->shape);
    if (param->kind == CT_PARAM_COUNTER)
        ct_test_read(ctx->g, name, H5T_NATIVE_INT64, param->count, n);
    else
        ct_test_read(ctx->g, name, H5T_NATIVE_FLOAT, param->data, n);
    /* The shape too, as load_state_dict checks it. */
    hsize_t dims[8];
    int rank = ct_test_dims(ctx->g, name, dims);
    assert_int_equal(rank, param->shape.ndim);
    for (int d = 0; d < rank; d++)
        assert_int_equal(dims[d], param->shape.dim[d]);
    return CT_OK;
}

static herr_t count_params(hid_t g, const char *name, const H5L_info_t *info, void *count)
{
    (void)g;
    (void)info;
    if (!strncmp(name, "param.", 6))
        ++*(int *)count;
    return 0;
}

void ct_test_load_params(hid_t g, ct_net *net, const char *case_name)
{
    case_ctx ctx = {g, case_name, NULL};
    ct_error err;
    assert_int_equal(ct_net_each_param(net, load_param, &ctx, &err), CT_OK);
    int in_fixture = 0;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, count_params, &in_fixture);
    assert_int_equal(in_fixture, net->layers[0]->nparams); /* no tensor PyTorch has and we lack */
}

static int check_param(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)layer;
    (void)err;
    case_ctx *ctx = ctx_;
    char name[64];
    size_t n = (size_t)ct_shape_numel(&param->shape);
    if (param->kind == CT_PARAM_WEIGHT) {
        snprintf(name, sizeof name, "grad.%s", param->suffix);
        ct_test_compare_dataset(ctx->parity, ctx->g, name, param->grad, n, ctx->case_name);
    } else if (param->kind == CT_PARAM_BUFFER) {
        snprintf(name, sizeof name, "after.%s", param->suffix);
        ct_test_compare_dataset(ctx->parity, ctx->g, name, param->data, n, ctx->case_name);
    } else { /* counters are exact */
        snprintf(name, sizeof name, "after.%s", param->suffix);
        int64_t want = -1;
        assert_int_equal(n, 1);
        ct_test_read(ctx->g, name, H5T_NATIVE_INT64, &want, 1);
        assert_int_equal(param->count[0], want);
    }
    return CT_OK;
}

void ct_test_check_params(ct_test_parity *p, hid_t g, ct_net *net, const char *case_name)
{
    case_ctx ctx = {g, case_name, p};
    ct_error err;
    assert_int_equal(ct_net_each_param(net, check_param, &ctx, &err), CT_OK);
}
