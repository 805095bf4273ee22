#include "datasets/augment.h"

#include <string.h>

#include "engine/rng.h"

bool ct_augment_active(const ct_augment *a)
{
    return a->crop_padding > 0 || a->flip_p > 0 || a->noise_std > 0;
}

/* Channels, height and width of an image sample; false for other shapes. */
static bool image_dims(const ct_shape *s, int64_t *c, int64_t *h, int64_t *w)
{
    if (s->ndim == 2) {
        *c = 1;
        *h = s->dim[0];
        *w = s->dim[1];
        return true;
    }
    if (s->ndim == 3) {
        *c = s->dim[0];
        *h = s->dim[1];
        *w = s->dim[2];
        return true;
    }
    return false;
}

int ct_augment_check(const ct_augment *a, const ct_shape *sample, ct_error *err)
{
    int64_t c, h, w;
    char shape[64];
    bool image = image_dims(sample, &c, &h, &w);
    if (!image && a->crop_padding > 0)
        return ct_fail(err, "data.augment.random_crop: crops need image samples ([H, W] or [C, H, W]), found %s",
                       ct_shape_str(sample, shape, sizeof shape));
    if (!image && a->flip_p > 0)
        return ct_fail(err, "data.augment.horizontal_flip: flips need image samples ([H, W] or [C, H, W]), found %s",
                       ct_shape_str(sample, shape, sizeof shape));
    if (image && (a->crop_padding > h || a->crop_padding > w))
        return ct_fail(err, "data.augment.random_crop.padding: expected at most the image's side (%lld x %lld), "
                            "found %lld",
                       (long long)h, (long long)w, (long long)a->crop_padding);
    return CT_OK;
}

/* The generator of one sample's augmentation. */
static void sample_rng(ct_rng *rng, uint64_t seed, int64_t epoch, int64_t row)
{
    ct_rng_seed_sample(rng, seed, epoch, row, ct_salt("data.augment"));
}

static ct_augment_draw draw(const ct_augment *a, ct_rng *rng)
{
    ct_augment_draw d = {0, 0, false};
    if (a->crop_padding > 0) {
        d.dy = (int64_t)ct_rng_below(rng, (uint64_t)(2 * a->crop_padding + 1));
        d.dx = (int64_t)ct_rng_below(rng, (uint64_t)(2 * a->crop_padding + 1));
    }
    if (a->flip_p > 0)
        d.flip = ct_rng_uniform(rng) < a->flip_p;
    return d;
}

ct_augment_draw ct_augment_draw_of(const ct_augment *a, uint64_t seed, int64_t epoch, int64_t row)
{
    ct_rng rng;
    sample_rng(&rng, seed, epoch, row);
    return draw(a, &rng);
}

/* One channel plane: out(y, x) = in(y + dy - P, x' + dx - P) with x' = W-1-x
 * when flipped, and the pad value outside the image. */
static void crop_flip_plane(float *out, const float *in, int64_t h, int64_t w, int64_t pad, const ct_augment_draw *d,
                            float pad_value)
{
    for (int64_t y = 0; y < h; y++) {
        int64_t sy = y + d->dy - pad;
        for (int64_t x = 0; x < w; x++) {
            int64_t cx = d->flip ? w - 1 - x : x;
            int64_t sx = cx + d->dx - pad;
            out[y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? in[sy * w + sx] : pad_value;
        }
    }
}

void ct_augment_apply(const ct_augment *a, const ct_shape *sample, float *x, int64_t n, const int64_t *rows,
                      uint64_t seed, int64_t epoch, float *scratch)
{
    int64_t size = ct_shape_numel(sample), c = 1, h = 1, w = 1;
    bool geometric = (a->crop_padding > 0 || a->flip_p > 0) && image_dims(sample, &c, &h, &w);
    for (int64_t j = 0; j < n; j++) {
        float *s = x + j * size;
        ct_rng rng;
        sample_rng(&rng, seed, epoch, rows[j]);
        ct_augment_draw d = draw(a, &rng);
        if (geometric && (d.flip || d.dy != a->crop_padding || d.dx != a->crop_padding)) {
            memcpy(scratch, s, (size_t)size * sizeof *s);
            for (int64_t ch = 0; ch < c; ch++)
                crop_flip_plane(s + ch * h * w, scratch + ch * h * w, h, w, a->crop_padding, &d, a->pad_value);
        }
        if (a->noise_std > 0)
            for (int64_t i = 0; i < size; i++)
                s[i] += a->noise_std * ct_rng_normal(&rng);
    }
}
