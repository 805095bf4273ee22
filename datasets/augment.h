/* Data augmentation of training samples (the job's data.augment), as
 * torchvision's RandomCrop(size, padding=P), RandomHorizontalFlip(p) and
 * additive Gaussian noise, in that order. What happens to a sample is drawn
 * from (seed, epoch, its row in the split), never from a stored generator:
 * a batch is augmented the same at any world size and a resumed run
 * repeats it bitwise. */
#ifndef CT_DATASETS_AUGMENT_H
#define CT_DATASETS_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/shape.h"

typedef struct ct_augment {
    int64_t crop_padding; /* > 0: pad every side by this many pixels, crop back at random */
    float flip_p;         /* > 0: mirror left-right with this probability */
    float noise_std;      /* > 0: add N(0, std^2) to every value */
    float pad_value;      /* what padding shows: the value of a stored 0 */
} ct_augment;

/* What one sample gets. */
typedef struct ct_augment_draw {
    int64_t dy, dx; /* the crop's top left corner in the padded image, in [0, 2P] */
    bool flip;
} ct_augment_draw;

/* Whether a does anything. */
bool ct_augment_active(const ct_augment *a);

/* Checks the settings against the samples they will see: crops and flips
 * need images ([H, W] or [C, H, W]); padding must leave the image's size
 * sensible (at most its side). Errors name the field (data.augment...). */
int ct_augment_check(const ct_augment *a, const ct_shape *sample, ct_error *err);

/* The crop and flip of sample `row` of the split in epoch `epoch`. */
ct_augment_draw ct_augment_draw_of(const ct_augment *a, uint64_t seed, int64_t epoch, int64_t row);

/* Augments x[n, numel(sample)] in place: sample j is row rows[j] of the
 * split. scratch holds one sample (numel floats). Never allocates. */
void ct_augment_apply(const ct_augment *a, const ct_shape *sample, float *x, int64_t n, const int64_t *rows,
                      uint64_t seed, int64_t epoch, float *scratch);

#endif
