/* Parity with PyTorch 1.13 for the optimizers and gradient clipping:
 * tests/fixtures/optim_parity.h5 (written by
 * tests/fixtures/make_optim_parity.py) holds, per case, the initial
 * parameters of a 5-7-3 MLP as one flat buffer (state_dict order), the
 * gradient PyTorch computed in each of several steps (before clipping), the
 * parameters after each step, and the optimizer state after the last one by
 * PyTorch's state key; the clipping cases add what clip_grad_norm_ returned
 * and the gradients after clipping. The case's attributes give the
 * optimizer and its arguments, so a case added to the script is tested
 * without touching this file.
 *
 * The engine, fed the same gradients, clips them (ct_clip_grad_norm,
 * ct_clip_grad_value) and steps (ct_optim_step) over the flat buffer, and
 * must match every value v of a tensor (0.weight, 0.bias, ...) within
 * |got - v| <= rtol (|v| + s), s the largest |v| in that tensor: relative,
 * with an absolute floor scaled to the tensor, so that state buffers of
 * magnitude 1e-4 (square_avg) are held to the same relative standard as
 * parameters of magnitude 0.5. rtol is 1e-6 for SGD and the clipped
 * gradients (a few float32 roundings per step; observed <= 1e-7), and 1e-6
 * relative for the norm clip_grad_norm_ returns. RMSprop gets 1e-5: PyTorch
 * rounds 1 - alpha from double (0.01f for alpha 0.99), the engine computes
 * 1.0f - alpha from the float alpha (0.0099999905), so square_avg is ~1e-6
 * relative apart by construction, right at the SGD tolerance (observed
 * <= 7e-7 in the units above); the centered variance square_avg - grad_avg^2
 * can amplify it by square_avg / variance (<= 1.6 in this fixture). Each
 * case prints its worst error in those units and where it was. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "engine/alloc.h"
#include "engine/clip.h"
#include "engine/optim.h"
#include "fixture.h"
#include "testlib.h"

#define SGD_RTOL 1e-6
#define RMSPROP_RTOL 1e-5
#define NORM_RTOL 1e-6

enum { MAX_TENSORS = 8 };

/* The flat layout the fixture's buffers share (root attributes). */
typedef struct {
    int ntensors;
    char names[MAX_TENSORS][32]; /* "0.weight", ... */
    size_t numel[MAX_TENSORS];
    size_t offset[MAX_TENSORS];
    size_t n; /* total floats */
} layout;

static bool has_link(hid_t g, const char *name)
{
    return H5Lexists(g, name, H5P_DEFAULT) > 0;
}

/* Reads dataset name of g, which must hold exactly count floats. */
static void read_floats(hid_t g, const char *name, float *buf, size_t count)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) {
        print_error("fixture has no dataset %s\n", name);
        fail();
    }
    hid_t space = H5Dget_space(d);
    hssize_t npoints = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    if (npoints != (hssize_t)count) {
        print_error("fixture dataset %s has %lld elements, expected %zu\n", name, (long long)npoints, count);
        fail();
    }
    assert_true(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
}

static double attr_double(hid_t g, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    if (a < 0) {
        print_error("fixture has no attribute %s\n", name);
        fail();
    }
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    return v;
}

static int64_t attr_int(hid_t g, const char *name)
{
    double v = attr_double(g, name);
    assert_true(v == floor(v));
    return (int64_t)v;
}

/* A string attribute (h5py writes variable-length UTF-8). */
static layout read_layout(hid_t f)
{
    layout l = {0};
    hid_t a = H5Aopen(f, "param_names", H5P_DEFAULT);
    assert_true(a >= 0);
    hid_t space = H5Aget_space(a);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    assert_true(count >= 1 && count <= MAX_TENSORS);
    l.ntensors = (int)count;
    char *names[MAX_TENSORS] = {0};
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    assert_true(H5Aread(a, type, names) >= 0);
    H5Tclose(type);
    H5Aclose(a);
    for (int t = 0; t < l.ntensors; t++) {
        snprintf(l.names[t], sizeof l.names[t], "%s", names[t]);
        H5free_memory(names[t]);
    }

    int64_t numel[MAX_TENSORS];
    a = H5Aopen(f, "param_numel", H5P_DEFAULT);
    assert_true(a >= 0);
    space = H5Aget_space(a);
    assert_int_equal(H5Sget_simple_extent_npoints(space), count);
    H5Sclose(space);
    assert_true(H5Aread(a, H5T_NATIVE_INT64, numel) >= 0);
    H5Aclose(a);
    for (int t = 0; t < l.ntensors; t++) {
        assert_true(numel[t] > 0);
        l.numel[t] = (size_t)numel[t];
        l.offset[t] = l.n;
        l.n += l.numel[t];
    }
    return l;
}

/* The worst error of a comparison, in the units the tolerance is stated in:
 * |got - want| / (|want| + s). */
typedef struct {
    double err;
    char where[128];
} worst;

static void note(worst *w, double err, const char *what, const char *tensor, long index)
{
    if (err > w->err) {
        w->err = err;
        snprintf(w->where, sizeof w->where, "%s: %s[%ld]", what, tensor, index);
    }
}

/* Compares got[n] with want[n] tensor by tensor: |got - want| <= rtol (|want|
 * + s), s the tensor's largest |want|. what ("params after step 3") names
 * the array in messages. */
static void compare(const layout *l, const float *got, const float *want, double rtol, const char *case_name,
                    const char *what, worst *w)
{
    for (int t = 0; t < l->ntensors; t++) {
        const float *g = got + l->offset[t], *v = want + l->offset[t];
        double s = 0;
        for (size_t i = 0; i < l->numel[t]; i++)
            s = fmax(s, fabs((double)v[i]));
        char label[192];
        snprintf(label, sizeof label, "%s: %s, %s", case_name, what, l->names[t]);
        for (size_t i = 0; i < l->numel[t]; i++) {
            t_check_close(g[i], v[i], rtol, rtol * s, label, (long)i);
            double denom = fabs((double)v[i]) + s;
            note(w, denom > 0 ? fabs((double)g[i] - v[i]) / denom : 0, what, l->names[t], (long)i);
        }
    }
}

/* What the cases must cover between them. */
enum {
    SEEN_SGD_DAMPENING = 1 << 0,
    SEEN_SGD_NESTEROV = 1 << 1,
    SEEN_SGD_PLAIN = 1 << 2,
    SEEN_RMSPROP_PLAIN = 1 << 3,
    SEEN_RMSPROP_MOMENTUM = 1 << 4,
    SEEN_RMSPROP_CENTERED_MOMENTUM = 1 << 5,
    SEEN_RMSPROP_CENTERED = 1 << 6,
    SEEN_WEIGHT_DECAY = 1 << 7,
    SEEN_CLIP_NORM_BITES = 1 << 8,
    SEEN_CLIP_NORM_LOOSE = 1 << 9,
    SEEN_CLIP_VALUE = 1 << 10,
    SEEN_ALL = (1 << 11) - 1
};

typedef struct {
    layout l;
    int cases;
    unsigned seen;
} run_log;

static ct_optim_config config_of(hid_t g, const char *case_name, unsigned *seen)
{
    char type[16];
    ct_test_attr_string(g, "optimizer", type, sizeof type);
    assert_true(type[0] != '\0'); /* the case names its optimizer */
    ct_optim_config c = {.lr = (float)attr_double(g, "lr"),
                         .weight_decay = (float)attr_double(g, "weight_decay"),
                         .momentum = (float)attr_double(g, "momentum")};
    if (!strcmp(type, "sgd")) {
        c.type = CT_OPTIM_SGD;
        c.dampening = (float)attr_double(g, "dampening");
        c.nesterov = attr_int(g, "nesterov") != 0;
        *seen |= c.nesterov ? SEEN_SGD_NESTEROV
                 : c.momentum > 0 && c.dampening > 0 ? SEEN_SGD_DAMPENING
                 : c.momentum == 0 ? SEEN_SGD_PLAIN
                                   : 0;
    } else if (!strcmp(type, "rmsprop")) {
        c.type = CT_OPTIM_RMSPROP;
        c.alpha = (float)attr_double(g, "alpha");
        c.eps = (float)attr_double(g, "eps");
        c.centered = attr_int(g, "centered") != 0;
        *seen |= c.centered ? (c.momentum > 0 ? SEEN_RMSPROP_CENTERED_MOMENTUM : SEEN_RMSPROP_CENTERED)
                            : (c.momentum > 0 ? SEEN_RMSPROP_MOMENTUM : SEEN_RMSPROP_PLAIN);
    } else {
        print_error("%s: unknown optimizer '%s'\n", case_name, type);
        fail();
    }
    if (c.weight_decay > 0)
        *seen |= SEEN_WEIGHT_DECAY;
    return c;
}

static herr_t count_links(hid_t g, const char *name, const H5L_info_t *info, void *count)
{
    (void)g;
    (void)name;
    (void)info;
    ++*(int *)count;
    return 0;
}

static void run_case(hid_t g, const char *case_name, run_log *log)
{
    const layout *l = &log->l;
    const size_t n = l->n;
    ct_optim_config cfg = config_of(g, case_name, &log->seen);
    const double rtol = cfg.type == CT_OPTIM_RMSPROP ? RMSPROP_RTOL : SGD_RTOL;
    const int64_t steps = attr_int(g, "steps");
    assert_true(steps >= 5 && steps <= 100);
    char clip[16];
    ct_test_attr_string(g, "clip", clip, sizeof clip); /* "" (absent) fails below */
    const bool clip_norm = !strcmp(clip, "norm"), clip_value = !strcmp(clip, "value");
    assert_true(clip_norm || clip_value || !strcmp(clip, "none"));
    float max_norm = clip_norm ? (float)attr_double(g, "max_norm") : 0;
    float clip_to = clip_value ? (float)attr_double(g, "clip_value") : 0;

    const size_t all = (size_t)steps * n;
    float *params = CT_ALLOC_ARRAY(float, n), *grad = CT_ALLOC_ARRAY(float, n);
    float *grads = CT_ALLOC_ARRAY(float, all), *after = CT_ALLOC_ARRAY(float, all);
    float *clipped = NULL, *total_norm = NULL, *state = CT_ALLOC_ARRAY(float, n);
    read_floats(g, "init", params, n);
    read_floats(g, "grads", grads, all);
    read_floats(g, "params", after, all);
    if (clip_norm || clip_value) {
        clipped = CT_ALLOC_ARRAY(float, all);
        read_floats(g, "clipped", clipped, all);
    }
    if (clip_norm) {
        total_norm = CT_ALLOC_ARRAY(float, (size_t)steps);
        read_floats(g, "total_norm", total_norm, (size_t)steps);
    }

    ct_optim opt;
    ct_error err;
    if (ct_optim_init(&opt, &cfg, n, &err) != CT_OK) {
        print_error("%s: ct_optim_init: %s\n", case_name, err.msg);
        fail();
    }
    worst w_params = {0}, w_grads = {0}, w_state = {0};
    double w_norm = 0;
    int bites = 0, clamped_steps = 0;
    char what[160];
    for (int64_t k = 0; k < steps; k++) {
        memcpy(grad, grads + (size_t)k * n, n * sizeof *grad);
        if (clip_norm) {
            float norm = ct_clip_grad_norm(grad, n, max_norm);
            snprintf(what, sizeof what, "%s: clip_grad_norm_ result", case_name);
            t_check_close(norm, total_norm[k], NORM_RTOL, 0, what, (long)k);
            w_norm = fmax(w_norm, fabs((double)norm - total_norm[k]) / total_norm[k]);
            bites += norm > max_norm;
        } else if (clip_value) {
            ct_clip_grad_value(grad, n, clip_to);
            size_t changed = 0;
            for (size_t i = 0; i < n; i++)
                changed += grad[i] != grads[(size_t)k * n + i];
            clamped_steps += changed > 0 && changed < n;
        }
        if (clipped) {
            snprintf(what, sizeof what, "clipped gradient in step %lld", (long long)k + 1);
            compare(l, grad, clipped + (size_t)k * n, SGD_RTOL, case_name, what, &w_grads);
        }
        ct_optim_step(&opt, params, grad);
        snprintf(what, sizeof what, "params after step %lld", (long long)k + 1);
        compare(l, params, after + (size_t)k * n, rtol, case_name, what, &w_params);
    }
    assert_int_equal(opt.step, steps);

    /* The state, by PyTorch's keys: every buffer the engine keeps must be in
     * the fixture, and the fixture must hold no other. */
    hid_t sg = H5Gopen2(g, "state", H5P_DEFAULT);
    assert_true(sg >= 0);
    int in_fixture = 0, in_engine = 0;
    assert_true(H5Literate(sg, H5_INDEX_NAME, H5_ITER_INC, NULL, count_links, &in_fixture) >= 0);
    char names[128] = "";
    for (int which = 0; which < CT_OPTIM_MAX_STATES; which++) {
        const char *name = ct_optim_state_name(&opt, which);
        if (!name) {
            assert_null(opt.state[which]);
            continue;
        }
        if (!has_link(sg, name)) {
            print_error("%s: the engine keeps state %s, PyTorch does not\n", case_name, name);
            fail();
        }
        assert_non_null(opt.state[which]);
        read_floats(sg, name, state, n);
        snprintf(what, sizeof what, "state %s", name);
        compare(l, opt.state[which], state, rtol, case_name, what, &w_state);
        in_engine++;
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", in_engine > 1 ? "," : "", name);
    }
    if (in_fixture != in_engine) {
        print_error("%s: PyTorch keeps %d state tensors, the engine %d (%s)\n", case_name, in_fixture, in_engine,
                    names);
        fail();
    }
    H5Gclose(sg);

    print_message("  %-34s %lld steps, tol %.0e; worst: params %.2g (%s), state [%s] %.2g (%s)\n", case_name,
                  (long long)steps, rtol, w_params.err, w_params.err > 0 ? w_params.where : "exact", names,
                  w_state.err, w_state.err > 0 ? w_state.where : "exact");
    if (clip_norm) {
        log->seen |= bites == steps ? SEEN_CLIP_NORM_BITES : bites == 0 ? SEEN_CLIP_NORM_LOOSE : 0;
        print_message("  %-34s clipped in %d/%lld steps, tol %.0e; worst: norm %.2g, gradients %.2g (%s)\n", "",
                      bites, (long long)steps, NORM_RTOL, w_norm, w_grads.err,
                      w_grads.err > 0 ? w_grads.where : "exact");
    } else if (clip_value) {
        log->seen |= clamped_steps == steps ? SEEN_CLIP_VALUE : 0;
        print_message("  %-34s clamped some gradients in %d/%lld steps; worst: gradients %.2g\n", "", clamped_steps,
                      (long long)steps, w_grads.err);
    }

    ct_optim_free(&opt);
    ct_free(params);
    ct_free(grad);
    ct_free(grads);
    ct_free(after);
    ct_free(clipped);
    ct_free(total_norm);
    ct_free(state);
}

static herr_t visit_case(hid_t root, const char *name, const H5L_info_t *info, void *log)
{
    (void)info;
    hid_t g = H5Gopen2(root, name, H5P_DEFAULT);
    assert_true(g >= 0);
    run_case(g, name, log);
    ((run_log *)log)->cases++;
    H5Gclose(g);
    return 0;
}

static void test_optimizers_and_clipping_match_pytorch(void **state)
{
    (void)state;
    hid_t f = ct_test_open_fixture("optim_parity");
    run_log log = {.l = read_layout(f)};
    assert_true(H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, NULL, visit_case, &log) >= 0);
    if (log.seen != SEEN_ALL) {
        print_error("the fixture's cases do not cover everything (seen 0x%x of 0x%x: see SEEN_* in %s)\n", log.seen,
                    (unsigned)SEEN_ALL, __FILE__);
        fail();
    }
    assert_true(log.cases >= 9);
    H5Fclose(f);
}

typedef struct {
    const layout *l;
    int index;
} layout_ctx;

static int check_layout(void *ctx_, const ct_layer *layer, const ct_param *param, ct_error *err)
{
    (void)err;
    layout_ctx *ctx = ctx_;
    if (param->kind != CT_PARAM_WEIGHT)
        return CT_OK;
    char name[128];
    ct_param_full_name(layer, param, name, sizeof name);
    int t = ctx->index++;
    assert_true(t < ctx->l->ntensors);
    assert_string_equal(name, ctx->l->names[t]);
    assert_int_equal(param->offset, ctx->l->offset[t]);
    assert_int_equal((size_t)ct_shape_numel(&param->shape), ctx->l->numel[t]);
    return CT_OK;
}

/* The fixture's flat layout is the engine's: the same network puts the same
 * tensors at the same offsets of net->params (so the optimizer sees what it
 * sees in training). */
static void test_fixture_layout_is_the_engines(void **state)
{
    (void)state;
    hid_t f = ct_test_open_fixture("optim_parity");
    layout l = read_layout(f);
    ct_net net;
    ct_net_init(&net, "");
    t_add_linear_act(&net, attr_int(f, "in_features"), attr_int(f, "hidden"), CT_ACT_TANH, 0);
    t_add_linear_act(&net, attr_int(f, "hidden"), attr_int(f, "out_features"), -1, 0);
    t_build(&net, attr_int(f, "in_features"), 1);
    layout_ctx ctx = {&l, 0};
    ct_error err;
    assert_int_equal(ct_net_each_param(&net, check_layout, &ctx, &err), CT_OK);
    assert_int_equal(ctx.index, l.ntensors);
    assert_int_equal(net.nparams, l.n);
    ct_net_free(&net);
    H5Fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_layout_is_the_engines),
        cmocka_unit_test(test_optimizers_and_clipping_match_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
