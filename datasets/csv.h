/* Numeric columns of a CSV file: a header line of column names, then one
 * row per line, fields separated by commas (no commas inside quotes).
 * Fields are trimmed of spaces, tabs and a carriage return, and of one pair
 * of double quotes around them; blank lines and a UTF-8 byte order mark
 * are skipped. */
#ifndef CT_DATASETS_CSV_H
#define CT_DATASETS_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct ct_csv_columns {
    int64_t rows;   /* data rows */
    size_t ncols;   /* the columns asked for */
    double *values; /* [rows, ncols], in the order asked for */
} ct_csv_columns;

/* Reads the columns names[n] of the CSV file at path. Errors, naming the
 * file: those of ct_import_read_file, an empty file, a column the header
 * lacks (listing the header's names), a row with fewer fields than the
 * header (its line), a field of an asked column that is not a finite
 * number (its line, the column and the field), no data rows. */
int ct_csv_read_columns(const char *path, char *const *names, size_t n, ct_csv_columns *out, ct_error *err);

void ct_csv_columns_free(ct_csv_columns *c);

#endif
