/* The image layers (conv2d, conv_transpose2d, pools, upsample) and the
 * reshapes: convolutions against naive loops, batches larger than the
 * convolutions' scratch chunk, PyTorch's default initialisation, shapes,
 * and build errors that name the layer and show the formula. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "testlib.h"

/* Builds a one-layer net for per-sample input `in`; returns the message of
 * the build error ("" on success) in a static buffer. */
static const char *build_error(ct_layer *l, ct_shape in)
{
    static ct_error err;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_linear_create(0, ct_shape_numel(&in), true), NULL); /* so that the layer is number 2 */
    ct_net_add(&net, ct_reshape_create(in), NULL);
    ct_net_add(&net, l, NULL);
    err.msg[0] = '\0';
    ct_net_build(&net, ct_shape1(3), 1, &err);
    ct_net_free(&net);
    return err.msg;
}

static void test_build_errors_name_the_layer(void **state)
{
    (void)state;
    assert_string_equal(build_error(ct_conv2d_create(3, 8, 3, 1, 1, true), ct_shape3(1, 28, 28)),
                        "layer 2 (conv2d): expects 3 input channels, found 1 (input shape [1, 28, 28])");
    assert_string_equal(build_error(ct_conv2d_create(0, 8, 5, 1, 0, true), ct_shape3(2, 4, 9)),
                        "layer 2 (conv2d): output height (4 + 2*0 - 5)/1 + 1 = 0 is not positive");
    assert_string_equal(build_error(ct_conv2d_create(0, 8, 3, 2, 0, true), ct_shape3(2, 9, 1)),
                        "layer 2 (conv2d): output width (1 + 2*0 - 3)/2 + 1 = 0 is not positive");
    assert_string_equal(build_error(ct_conv2d_create(0, 8, 3, 0, 0, true), ct_shape3(2, 9, 9)),
                        "layer 2 (conv2d): stride must be >= 1, found 0");
    assert_string_equal(build_error(ct_conv2d_create(0, 8, 3, 1, 0, true), ct_shape1(12)),
                        "layer 2 (conv2d): expects an image input [C, H, W] or [H, W], found shape [12]");
    assert_string_equal(build_error(ct_conv2d_create(0, 0, 3, 1, 0, true), ct_shape2(5, 5)),
                        "layer 2 (conv2d): out_channels must be >= 1, found 0");
    assert_string_equal(build_error(ct_conv_transpose2d_create(0, 1, 3, 2, 5, 1, true), ct_shape3(4, 2, 7)),
                        "layer 2 (conv_transpose2d): output height (2 - 1)*2 - 2*5 + 3 + 1 = -4 is not positive");
    assert_string_equal(build_error(ct_conv_transpose2d_create(0, 1, 3, 2, 1, 2, true), ct_shape3(4, 2, 7)),
                        "layer 2 (conv_transpose2d): output_padding must be >= 0 and smaller than stride 2, found 2");
    assert_string_equal(build_error(ct_conv_transpose2d_create(16, 1, 3, 2, 1, 1, true), ct_shape3(32, 7, 7)),
                        "layer 2 (conv_transpose2d): expects 16 input channels, found 32 (input shape [32, 7, 7])");
    assert_string_equal(build_error(ct_max_pool2d_create(2, 0, 2), ct_shape3(1, 8, 8)),
                        "layer 2 (max_pool2d): padding 2 is more than half of kernel_size 2");
    assert_string_equal(build_error(ct_avg_pool2d_create(0, 0, 0), ct_shape3(1, 8, 8)),
                        "layer 2 (avg_pool2d): kernel_size must be >= 1, found 0");
    assert_string_equal(build_error(ct_max_pool2d_create(3, 0, 0), ct_shape3(1, 2, 8)),
                        "layer 2 (max_pool2d): output height (2 + 2*0 - 3)/3 + 1 = 0 is not positive");
    assert_string_equal(build_error(ct_upsample_create(0), ct_shape3(1, 2, 8)),
                        "layer 2 (upsample): scale_factor must be >= 1, found 0");
    assert_string_equal(build_error(ct_upsample_create(2), ct_shape1(8)),
                        "layer 2 (upsample): expects an input [C, L] or [C, H, W], found shape [8]");
    assert_string_equal(build_error(ct_reshape_create(ct_shape2(5, 5)), ct_shape3(1, 4, 6)),
                        "layer 2 (reshape): shape [5, 5] has 25 elements, the input has 24 (input shape [1, 4, 6])");
    assert_string_equal(build_error(ct_reshape_create(ct_shape2(5, -1)), ct_shape3(1, 4, 6)),
                        "layer 2 (reshape): shape [5, -1] does not fit 24 elements (input shape [1, 4, 6])");
    assert_string_equal(build_error(ct_reshape_create(ct_shape2(-1, -1)), ct_shape3(1, 4, 6)),
                        "layer 2 (reshape): shape [-1, -1]: every dimension must be >= 1, or one of them -1");
    assert_string_equal(build_error(ct_unflatten_create(ct_shape2(2, 3)), ct_shape2(4, 6)),
                        "layer 2 (unflatten): shape [2, 3] has 6 elements, the input has 4 (input shape [4, 6])");
    assert_string_equal(build_error(ct_unflatten_create(ct_shape3(2, 2, 1)), ct_shape3(4, 2, 3)),
                        "layer 2 (unflatten): the output would have 5 dimensions; at most 4 are supported");
}

static void test_output_shapes(void **state)
{
    (void)state;
    const struct {
        ct_layer *l;
        ct_shape in, out;
    } cases[] = {
        {ct_conv2d_create(1, 16, 3, 2, 1, true), ct_shape3(1, 28, 28), ct_shape3(16, 14, 14)},
        {ct_conv2d_create(0, 4, 3, 1, 0, true), ct_shape2(28, 28), ct_shape3(4, 26, 26)}, /* [H, W]: one channel */
        {ct_conv2d_create(0, 2, 4, 3, 2, false), ct_shape3(1, 9, 8), ct_shape3(2, 4, 3)},
        {ct_conv_transpose2d_create(32, 16, 3, 2, 1, 1, true), ct_shape3(32, 7, 7), ct_shape3(16, 14, 14)},
        {ct_conv_transpose2d_create(0, 1, 3, 2, 1, 0, true), ct_shape3(16, 7, 7), ct_shape3(1, 13, 13)},
        {ct_conv_transpose2d_create(0, 3, 4, 3, 2, 2, true), ct_shape2(3, 4), ct_shape3(3, 8, 11)},
        {ct_max_pool2d_create(2, 0, 0), ct_shape3(3, 7, 5), ct_shape3(3, 3, 2)},
        {ct_max_pool2d_create(2, 0, 0), ct_shape2(7, 5), ct_shape2(3, 2)},
        {ct_avg_pool2d_create(3, 2, 1), ct_shape3(2, 7, 5), ct_shape3(2, 4, 3)},
        {ct_upsample_create(2), ct_shape3(2, 3, 4), ct_shape3(2, 6, 8)},
        {ct_upsample_create(3), ct_shape2(2, 5), ct_shape2(2, 15)},
        {ct_flatten_create(), ct_shape3(32, 7, 7), ct_shape1(1568)},
        {ct_reshape_create(ct_shape3(32, -1, 7)), ct_shape1(1568), ct_shape3(32, 7, 7)},
        {ct_unflatten_create(ct_shape2(-1, 2)), ct_shape2(6, 5), ct_shape3(3, 2, 5)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_net net;
        ct_net_init(&net, "");
        ct_net_add(&net, cases[i].l, NULL);
        t_build_shape(&net, cases[i].in, 2);
        char got[64], want[64];
        ct_shape_str(ct_net_out_shape(&net), got, sizeof got);
        ct_shape_str(&cases[i].out, want, sizeof want);
        if (strcmp(got, want)) {
            print_error("case %zu (%s): output shape %s, expected %s\n", i, cases[i].l->ops->type, got, want);
            fail();
        }
        ct_net_free(&net);
    }
}

/* y[i, o, oy, ox] of nn.Conv2d, in double. */
static double conv_at(const float *x, const float *w, const float *b, int64_t ic, int64_t h, int64_t wd, int64_t k,
                      int64_t s, int64_t p, int64_t i, int64_t o, int64_t oy, int64_t ox)
{
    double sum = b ? b[o] : 0.0;
    for (int64_t c = 0; c < ic; c++)
        for (int64_t ki = 0; ki < k; ki++)
            for (int64_t kj = 0; kj < k; kj++) {
                int64_t iy = oy * s - p + ki, ix = ox * s - p + kj;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                    sum += (double)x[((i * ic + c) * h + iy) * wd + ix] * w[((o * ic + c) * k + ki) * k + kj];
            }
    return sum;
}

static void check_conv_naive(int64_t n, int64_t ic, int64_t h, int64_t wd, int64_t oc, int64_t k, int64_t s,
                             int64_t p)
{
    ct_rng rng;
    ct_rng_seed(&rng, (uint64_t)(ic * 100 + k * 10 + s), 0);
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_conv2d_create(ic, oc, k, s, p, true), NULL);
    t_build_shape(&net, ct_shape3(ic, h, wd), n);
    t_fill_normal(net.params, net.nparams, 1.0f, &rng);
    const ct_shape *out = ct_net_out_shape(&net);
    int64_t oh = out->dim[1], ow = out->dim[2];
    float *x = CT_ALLOC_ARRAY(float, n * ic * h * wd);
    t_fill_normal(x, (size_t)(n * ic * h * wd), 1.0f, &rng);
    const float *y = ct_net_forward(&net, x, n, NULL);
    const float *w = net.layers[0]->params[0].data, *b = net.layers[0]->params[1].data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t o = 0; o < oc; o++)
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    int64_t at = ((i * oc + o) * oh + oy) * ow + ox;
                    t_check_close(y[at], conv_at(x, w, b, ic, h, wd, k, s, p, i, o, oy, ox), 1e-5, 1e-5,
                                  "conv2d y", (long)at);
                }
    ct_free(x);
    ct_net_free(&net);
}

static void test_conv2d_against_naive(void **state)
{
    (void)state;
    check_conv_naive(2, 3, 7, 5, 4, 3, 1, 1);
    check_conv_naive(3, 2, 8, 9, 5, 3, 2, 1);
    check_conv_naive(1, 1, 6, 6, 2, 5, 1, 2);
    check_conv_naive(2, 4, 5, 7, 3, 2, 3, 0);
    check_conv_naive(2, 3, 4, 4, 2, 4, 1, 3); /* padding larger than half the kernel */
}

/* conv_transpose2d is the adjoint of conv2d with the same weight: for any
 * x and u, <convT(x), u> = <x, conv(u)> (no bias). */
static void check_adjoint(int64_t ic, int64_t oc, int64_t h, int64_t wd, int64_t k, int64_t s, int64_t p, int64_t op)
{
    ct_rng rng;
    ct_rng_seed(&rng, (uint64_t)(h * 10 + wd), 1);
    ct_net tnet, cnet;
    ct_net_init(&tnet, "");
    ct_net_add(&tnet, ct_conv_transpose2d_create(ic, oc, k, s, p, op, false), NULL);
    t_build_shape(&tnet, ct_shape3(ic, h, wd), 1);
    const ct_shape *tout = ct_net_out_shape(&tnet);
    ct_net_init(&cnet, "");
    ct_net_add(&cnet, ct_conv2d_create(oc, ic, k, s, p, false), NULL);
    t_build_shape(&cnet, *tout, 1);
    assert_int_equal(ct_net_out_shape(&cnet)->dim[1], h);
    assert_int_equal(ct_net_out_shape(&cnet)->dim[2], wd);
    /* conv's weight [ic, oc, k, k] is convT's weight read as [out_c, in_c, k, k]. */
    t_fill_normal(tnet.params, tnet.nparams, 1.0f, &rng);
    memcpy(cnet.params, tnet.params, tnet.nparams * sizeof *tnet.params);
    int64_t xn = ic * h * wd, un = ct_shape_numel(tout);
    float *x = CT_ALLOC_ARRAY(float, xn), *u = CT_ALLOC_ARRAY(float, un);
    t_fill_normal(x, (size_t)xn, 1.0f, &rng);
    t_fill_normal(u, (size_t)un, 1.0f, &rng);
    const float *tx = ct_net_forward(&tnet, x, 1, NULL), *cu = ct_net_forward(&cnet, u, 1, NULL);
    double a = 0.0, b = 0.0;
    for (int64_t i = 0; i < un; i++)
        a += (double)tx[i] * u[i];
    for (int64_t i = 0; i < xn; i++)
        b += (double)x[i] * cu[i];
    t_check_close(a, b, 1e-5, 1e-5, "<convT x, u> = <x, conv u>", (long)(k * 10 + s));
    ct_free(x);
    ct_free(u);
    ct_net_free(&tnet);
    ct_net_free(&cnet);
}

static void test_conv_transpose2d_is_the_adjoint(void **state)
{
    (void)state;
    check_adjoint(3, 2, 4, 3, 3, 2, 1, 1);
    check_adjoint(2, 3, 5, 4, 3, 2, 1, 0);
    check_adjoint(1, 2, 3, 4, 4, 3, 2, 2);
    check_adjoint(2, 2, 3, 5, 2, 1, 0, 0);
}

/* Forward and backward over a batch that spans several scratch chunks
 * match the same samples run one at a time. per_sample: the floats of
 * scratch one sample needs. */
static void check_chunks(ct_layer *big, ct_layer *one, ct_shape in, int64_t n, size_t per_sample)
{
    ct_rng rng;
    ct_rng_seed(&rng, 5, 5);
    ct_net a, b;
    ct_net_init(&a, "");
    ct_net_add(&a, big, NULL);
    t_build_shape(&a, in, n);
    ct_net_init(&b, "");
    ct_net_add(&b, one, NULL);
    t_build_shape(&b, in, 1);
    /* The scratch holds less than half of the batch: three chunks or more. */
    assert_true(a.layers[0]->workspace_fixed * 2 < (size_t)n * per_sample);
    ct_net_init_params(&a, &rng);
    memcpy(b.params, a.params, a.nparams * sizeof *a.params);
    int64_t in_size = ct_shape_numel(&in), out_size = ct_shape_numel(ct_net_out_shape(&a));
    float *x = CT_ALLOC_ARRAY(float, n * in_size), *dy = CT_ALLOC_ARRAY(float, n * out_size);
    float *dx = CT_ALLOC_ARRAY(float, n * in_size), *dx1 = CT_ALLOC_ARRAY(float, in_size);
    t_fill_normal(x, (size_t)(n * in_size), 1.0f, &rng);
    t_fill_normal(dy, (size_t)(n * out_size), 1.0f, &rng);
    const float *y = ct_net_forward(&a, x, n, NULL);
    float *ya = CT_ALLOC_ARRAY(float, n * out_size);
    memcpy(ya, y, (size_t)(n * out_size) * sizeof *ya);
    ct_net_zero_grads(&a);
    ct_net_backward(&a, x, dy, n, dx);
    ct_net_zero_grads(&b);
    for (int64_t i = 0; i < n; i++) {
        const float *y1 = ct_net_forward(&b, x + i * in_size, 1, NULL);
        t_check_array(ya + i * out_size, y1, (size_t)out_size, 1e-5, 1e-5, "chunked y");
        ct_net_backward(&b, x + i * in_size, dy + i * out_size, 1, dx1);
        t_check_array(dx + i * in_size, dx1, (size_t)in_size, 1e-5, 1e-5, "chunked dx");
    }
    /* Sums of 120k products of order 1, in float, in two orders. */
    t_check_array(a.grads, b.grads, a.nparams, 1e-4, 2e-3, "chunked grads");
    ct_free(x);
    ct_free(dy);
    ct_free(dx);
    ct_free(dx1);
    ct_free(ya);
    ct_net_free(&a);
    ct_net_free(&b);
}

static void test_batches_larger_than_a_chunk(void **state)
{
    (void)state;
    /* (72 + 8) * 4096 floats per sample: 12 samples per 4M-float chunk. */
    check_chunks(ct_conv2d_create(8, 8, 3, 1, 1, true), ct_conv2d_create(8, 8, 3, 1, 1, true), ct_shape3(8, 64, 64),
                 30, (72 + 8) * 4096);
    check_chunks(ct_conv_transpose2d_create(8, 8, 3, 1, 1, 0, true),
                 ct_conv_transpose2d_create(8, 8, 3, 1, 1, 0, true), ct_shape3(8, 64, 64), 30, (8 + 72) * 4096);
}

/* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, with PyTorch's
 * fan_in: in_c*k*k for Conv2d, weight.size(1)*k*k = out_c*k*k for
 * ConvTranspose2d. */
static void check_init(ct_layer *l, ct_shape in, double fan_in)
{
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, l, NULL);
    t_build_shape(&net, in, 1);
    ct_rng rng;
    ct_rng_seed(&rng, 3, 0);
    ct_net_init_params(&net, &rng);
    double bound = 1.0 / sqrt(fan_in), lo = 0.0, hi = 0.0, sum2 = 0.0;
    for (size_t i = 0; i < net.nparams; i++) {
        assert_true(fabs(net.params[i]) <= bound);
        lo = net.params[i] < lo ? net.params[i] : lo;
        hi = net.params[i] > hi ? net.params[i] : hi;
        sum2 += (double)net.params[i] * net.params[i];
    }
    assert_true(hi > 0.95 * bound && lo < -0.95 * bound); /* the bound is used, not a smaller one */
    assert_true(fabs(sum2 / (double)net.nparams - bound * bound / 3.0) < 0.1 * bound * bound);
    ct_net_free(&net);
}

static void test_init_is_pytorch_default(void **state)
{
    (void)state;
    check_init(ct_conv2d_create(16, 32, 3, 1, 1, true), ct_shape3(16, 8, 8), 16 * 9);
    check_init(ct_conv2d_create(3, 64, 5, 1, 1, true), ct_shape3(3, 8, 8), 3 * 25);
    check_init(ct_conv_transpose2d_create(32, 16, 3, 2, 1, 1, true), ct_shape3(32, 7, 7), 16 * 9);
    check_init(ct_conv_transpose2d_create(4, 64, 3, 2, 1, 1, true), ct_shape3(4, 7, 7), 64 * 9);
}

/* Max pooling sends a window's gradient to its first maximum, as PyTorch. */
static void test_max_pool_ties(void **state)
{
    (void)state;
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_max_pool2d_create(2, 0, 0), NULL);
    t_build_shape(&net, ct_shape2(2, 4), 1);
    const float x[8] = {1, 3, 2, 2, 3, 0, 2, 2}, dy[2] = {10, 20};
    float dx[8];
    const float *y = ct_net_forward(&net, x, 1, NULL);
    assert_float_equal(y[0], 3.0f, 0);
    assert_float_equal(y[1], 2.0f, 0);
    ct_net_backward(&net, x, dy, 1, dx);
    const float want[8] = {0, 10, 20, 0, 0, 0, 0, 0};
    t_check_array(dx, want, 8, 0, 0, "max_pool2d ties dx");
    ct_net_free(&net);
}

/* The 2x2, stride-2 windows (their own fast path) pick what a scan of each
 * window picks: the first maximum, or the first NaN; seen through backward,
 * which sends each window's gradient to the element picked. */
static void test_max_pool_2x2_picks_as_the_scan(void **state)
{
    (void)state;
    enum { C = 3, H = 6, W = 8, OH = 3, OW = 4 };
    ct_net net;
    ct_net_init(&net, "");
    ct_net_add(&net, ct_max_pool2d_create(2, 0, 0), NULL);
    t_build_shape(&net, ct_shape3(C, H, W), 1);
    ct_rng rng;
    ct_rng_seed(&rng, 4, 0);
    float x[C * H * W], dy[C * OH * OW], dx[C * H * W], want_dx[C * H * W] = {0};
    for (int i = 0; i < C * H * W; i++)
        x[i] = (float)ct_rng_below(&rng, 4); /* many ties */
    x[1] = NAN;
    x[W + 3] = NAN; /* two NaNs in one window: the first wins */
    x[2 * W + 2] = NAN;
    for (int i = 0; i < C * OH * OW; i++)
        dy[i] = (float)(i + 1);
    const float *y = ct_net_forward(&net, x, 1, NULL);
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                int best = -1;
                for (int k = 0; k < 4 && best < 0; k++) { /* the first NaN */
                    int at = c * H * W + (2 * oy + k / 2) * W + 2 * ox + k % 2;
                    if (isnan(x[at]))
                        best = at;
                }
                if (best < 0) { /* the first maximum */
                    best = c * H * W + 2 * oy * W + 2 * ox;
                    for (int k = 1; k < 4; k++) {
                        int at = c * H * W + (2 * oy + k / 2) * W + 2 * ox + k % 2;
                        if (x[at] > x[best])
                            best = at;
                    }
                }
                int o = c * OH * OW + oy * OW + ox;
                assert_true(isnan(x[best]) ? isnan(y[o]) : y[o] == x[best]);
                want_dx[best] += dy[o];
            }
    ct_net_backward(&net, x, dy, 1, dx);
    t_check_array(dx, want_dx, C * H * W, 0, 0, "max_pool2d 2x2 dx");
    ct_net_free(&net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_errors_name_the_layer),
        cmocka_unit_test(test_output_shapes),
        cmocka_unit_test(test_conv2d_against_naive),
        cmocka_unit_test(test_conv_transpose2d_is_the_adjoint),
        cmocka_unit_test(test_batches_larger_than_a_chunk),
        cmocka_unit_test(test_init_is_pytorch_default),
        cmocka_unit_test(test_max_pool_ties),
        cmocka_unit_test(test_max_pool_2x2_picks_as_the_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
