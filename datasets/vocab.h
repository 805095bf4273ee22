/* Token ids of text, for the language models and the fortunes classifier.
 * A text's units are its bytes or its characters (UTF-8 code points); the
 * vocabulary is the set of units the text uses, in ascending order, and a
 * unit's id is its place in that order. A dataset of ids carries the
 * vocabulary as attributes:
 *   vocab_size  int64, the number of ids
 *   vocabulary  int32 [vocab_size]: each id's byte value or code point
 *   unit        "byte" or "char"
 * and is stored as uint8 when vocab_size <= 256, else as int32; a uint8 one
 * also gets scale = 1 and offset = 0, so that a sample reader (shard.h)
 * takes the ids as they are rather than as pixels (x / 255). */
#ifndef CT_DATASETS_VOCAB_H
#define CT_DATASETS_VOCAB_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef enum ct_text_unit {
    CT_UNIT_BYTE, /* every byte a token: any file */
    CT_UNIT_CHAR, /* every UTF-8 character a token: valid UTF-8 only */
} ct_text_unit;

/* "byte" or "char". */
const char *ct_text_unit_name(ct_text_unit unit);

/* Decodes text[size] (from the file `name`, for messages) into *units
 * (ct_malloc'ed, *count of them; the caller frees): its bytes, or its
 * code points. Error for CT_UNIT_CHAR: "NAME: line L (byte B of the file): invalid
 * UTF-8 (0xff): expected UTF-8 text, or --unit byte". */
int ct_text_decode(const char *name, const char *text, size_t size, ct_text_unit unit, int32_t **units,
                   int64_t *count, ct_error *err);

typedef struct ct_vocab {
    ct_text_unit unit;
    int32_t *id_of;  /* [table]: a unit's id (before ct_vocab_finish: 1 when the unit is used, else 0) */
    int64_t table;   /* 256 for bytes, 0x110000 for code points */
    int32_t *units;  /* [size]: each id's unit, ascending (after ct_vocab_finish) */
    int64_t size;
} ct_vocab;

/* An empty vocabulary of the given unit; ct_vocab_free releases it. */
void ct_vocab_init(ct_vocab *v, ct_text_unit unit);
void ct_vocab_free(ct_vocab *v);

/* Adds the units[n] (as ct_text_decode gives them) to the vocabulary. */
void ct_vocab_add(ct_vocab *v, const int32_t *units, int64_t n);

/* Numbers the units added so far: ids in ascending order of units. */
void ct_vocab_finish(ct_vocab *v);

/* Replaces each of units[n] by its id (every unit was added). */
void ct_vocab_map(const ct_vocab *v, int32_t *units, int64_t n);

/* Writes ids (in [0, v->size)) as dataset dpath of file with extent
 * dims[rank] and the vocabulary attributes above. */
int ct_vocab_write_ids(hid_t file, const char *dpath, const ct_vocab *v, const int32_t *ids, int rank,
                       const hsize_t *dims, ct_error *err);

/* The token streams of a language model (datasets/streams.h): train_ids
 * [ntrain] as /train/tokens and test_ids [ntest] as /test/tokens, each
 * with the vocabulary attributes. */
int ct_vocab_write_streams(hid_t file, const ct_vocab *v, const int32_t *train_ids, int64_t ntrain,
                           const int32_t *test_ids, int64_t ntest, ct_error *err);

#endif
