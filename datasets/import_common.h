/* What the importers of text, fortunes and CSV series share: reading an
 * input file whole, lists given as "a,b,c", the train/test cut of a test
 * fraction, and writing the output file atomically once every input has
 * been read and checked (so a bad input leaves nothing behind). */
#ifndef CT_DATASETS_IMPORT_COMMON_H
#define CT_DATASETS_IMPORT_COMMON_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/error.h"

/* Reads the file at path whole into *data (ct_malloc'ed, NUL-terminated
 * after its *size bytes; the caller frees). Errors: "PATH: no such file",
 * "PATH: is a directory, expected a file", "PATH: cannot read it: ...". */
int ct_import_read_file(const char *path, char **data, size_t *size, ct_error *err);

/* Splits the comma-separated names of option `option` (for messages, e.g.
 * "--columns") into *items[*count] (each and the array ct_malloc'ed; free
 * with ct_h5_free_strings). Errors: an empty name ("--columns 'a,,b': empty
 * name 2"), a name given twice. */
int ct_import_list(const char *text, const char *option, char ***items, size_t *count, ct_error *err);

/* CT_OK when 0 < fraction < 1; else "test fraction F: expected a number
 * between 0 and 1, both excluded". */
int ct_import_check_fraction(double fraction, ct_error *err);

/* The rows of the test part when the last `fraction` of n rows is held
 * out: n * fraction, rounded to the nearest. Error unless 0 < fraction < 1. */
int ct_import_test_rows(int64_t n, double fraction, int64_t *test_rows, ct_error *err);

/* Writes the datasets of an import into file. */
typedef int (*ct_import_fill)(hid_t file, const void *ctx, ct_error *err);

/* Writes out_path atomically: creates its directory when missing, writes
 * "<out_path>.tmp.<pid>" with fill(file, ctx) and a `source` attribute on
 * the file, then commits it (fsync, rename, fsync of the directory:
 * durable_file.h). On error the temporary file is removed, out_path is
 * untouched, and the message starts "importing WHAT into OUT_PATH: ".
 * progress (may be NULL) gets "wrote OUT_PATH". */
int ct_import_write(const char *out_path, const char *what, const char *source, ct_import_fill fill,
                    const void *ctx, FILE *progress, ct_error *err);

#endif
