/* Importers: turn source data into the HDF5 layout of README.md. */
#ifndef CT_DATASETS_IMPORTERS_H
#define CT_DATASETS_IMPORTERS_H

#include <stdio.h>

#include "datasets/vocab.h"
#include "engine/error.h"

/* Where Debian's dataset-fashion-mnist puts the idx .gz files. */
#define CT_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from dir (zlib) and
 * writes out_path atomically (temporary name, then rename):
 * /train/images uint8 [60000,28,28], /train/labels uint8 [60000], /test/...,
 * with attributes scale=1/255, offset=0 on images and class_names,
 * num_classes on labels. progress (may be NULL) gets one line per file. */
int ct_import_fashion_mnist(const char *dir, const char *out_path, FILE *progress, ct_error *err);

/* Where Debian's fortunes package puts its files. */
#define CT_FORTUNES_DIR "/usr/share/games/fortunes"

/* Reads the text files[nfiles], concatenated in that order, as units
 * (vocab.h: bytes or UTF-8 characters) and writes out_path atomically:
 * /train/tokens [L - round(L * test_fraction)] and /test/tokens (the last
 * round(L * test_fraction) tokens), each with the vocabulary attributes of
 * vocab.h. Errors, before anything is written: a missing or empty file,
 * invalid UTF-8 for CT_UNIT_CHAR, a test fraction outside (0, 1), a part of
 * fewer than 2 tokens. progress (may be NULL) gets a line per file. */
int ct_import_text(const char *const *files, int nfiles, double test_fraction, ct_text_unit unit,
                   const char *out_path, FILE *progress, ct_error *err);

typedef struct ct_fortunes_options {
    const char *dir;        /* the fortune files (CT_FORTUNES_DIR) */
    const char *categories; /* "a,b,c": these files, class ids in this order; NULL: every file without '.'
                               in its name, in name order */
    int64_t max_length;     /* a longer fortune's sample keeps its first max_length tokens; 0: no limit */
    double test_fraction;   /* in (0, 1) */
    ct_text_unit unit;
} ct_fortunes_options;

/* Reads fortune files (fortunes separated by lines holding only "%"; each
 * file a category; empty fortunes skipped) and writes out_path atomically.
 * Fortune j of a category (from 0) is a test fortune when
 * floor((j + 1) * test_fraction) > floor(j * test_fraction). For a
 * language model, /train/tokens and /test/tokens: the train (test)
 * fortunes, each followed by a "%" line, as in the files; for
 * classification, /docs/train and /docs/test: `inputs` [n, T] (the
 * fortune's ids, padded with id 0 after its length), `lengths` int32 [n],
 * `labels` int32 [n] (the category, with num_classes and class_names),
 * `counts` float32 [n, V] (each sample's count of every id: its bag of
 * characters).
 * Every ids dataset has the vocabulary attributes of vocab.h. Errors,
 * before anything is written: a missing directory, an unknown or empty
 * category, invalid UTF-8 for CT_UNIT_CHAR, a test fraction outside
 * (0, 1), no test or no train fortune. */
int ct_import_fortunes(const ct_fortunes_options *o, const char *out_path, FILE *progress, ct_error *err);

typedef struct ct_csv_options {
    const char *path;     /* a CSV file: a header line of names, then rows of comma-separated fields */
    const char *columns;  /* "a,b": the input features, in this order */
    const char *target;   /* the forecast column; NULL: the first of columns */
    int64_t window;       /* input rows per sample, >= 1 */
    int64_t horizon;      /* target rows per sample (the next ones), >= 1 */
    double test_fraction; /* in (0, 1): the last round(L * fraction) rows are the test part */
} ct_csv_options;

/* Sliding windows of a CSV series, split by time, written atomically to
 * out_path. With train rows [0, R) and test rows [R, L): sample i of a part
 * starting at row a has inputs float32 [window, F] = rows [a + i, a + i +
 * window) of the columns and targets float32 [horizon] = the target column
 * at the next horizon rows; no sample reads rows of the other part. Every
 * value is normalised, (x - mean) / std, with the mean and (population)
 * standard deviation of its column over the train rows only, stored as
 * attributes: /train/inputs and /test/inputs [n, window, F] (`columns`,
 * `mean`, `std` float64 [F]), /train/targets and /test/targets [n, horizon]
 * (`column`, `mean`, `std`: degrees = value * std + mean), and the raw
 * series /series/values float32 [L, C] (the columns, then the target when
 * it is not one of them; `columns`, `test_start` = R); `window` and
 * `horizon` on the file. Errors, before anything is written: a missing
 * file or column, a field that is not a finite number (its line), window +
 * horizon longer than the series or either part, a column constant over
 * the train rows. */
int ct_import_csv(const ct_csv_options *o, const char *out_path, FILE *progress, ct_error *err);

/* Prints the groups, datasets (type, shape, chunking, compression) and
 * attributes of an HDF5 dataset file. */
int ct_inspect_file(const char *path, FILE *out, ct_error *err);

#endif
