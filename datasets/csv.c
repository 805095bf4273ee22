/* Numeric columns of a CSV file. */
#include "datasets/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/import_common.h"
#include "engine/alloc.h"

/* The fields of the line [s, end). */
static size_t count_fields(const char *s, const char *end)
{
    size_t n = 1;
    for (; s < end; s++)
        n += *s == ',';
    return n;
}

/* Splits the line [s, end) into its fields[], in place (each trimmed and
 * NUL-terminated); fields has room for count_fields(s, end). */
static void split_fields(char *s, char *end, char **fields)
{
    size_t n = 0;
    for (char *f = s;; f++) {
        char *stop = f;
        while (stop < end && *stop != ',')
            stop++;
        char *a = f, *b = stop;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
            b--;
        if (b - a >= 2 && *a == '"' && b[-1] == '"')
            a++, b--;
        fields[n++] = a;
        int last = stop >= end;
        *b = '\0';
        if (last)
            return;
        f = stop;
    }
}

/* Whether [s, end) holds only blanks. */
static int blank(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    return s == end;
}

/* The index in the header fields[nfields] of each asked column. */
static int find_columns(const char *path, char **fields, size_t nfields, char *const *names, size_t n, size_t *at,
                        ct_error *err)
{
    for (size_t i = 0; i < n; i++) {
        at[i] = nfields;
        for (size_t j = 0; j < nfields && at[i] == nfields; j++)
            if (strcmp(fields[j], names[i]) == 0)
                at[i] = j;
        if (at[i] < nfields)
            continue;
        char header[700] = "";
        for (size_t j = 0, len = 0; j < nfields && len < sizeof header; j++)
            len += (size_t)snprintf(header + len, sizeof header - len, "%s%s", j ? ", " : "", fields[j]);
        return ct_fail(err, "%s: no column '%s': the header (line 1) has %s", path, names[i], header);
    }
    return CT_OK;
}

/* Parses one field of column `name` on line `line` as a finite number. */
static int number(const char *path, int64_t line, const char *name, const char *field, double *value, ct_error *err)
{
    char *stop;
    *value = strtod(field, &stop);
    if (!field[0] || *stop || !isfinite(*value))
        return ct_fail(err, "%s: line %lld: column '%s': expected a finite number, found '%s'", path,
                       (long long)line, name, field);
    return CT_OK;
}

int ct_csv_read_columns(const char *path, char *const *names, size_t n, ct_csv_columns *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t size;
    if (ct_import_read_file(path, &text, &size, err) != CT_OK)
        return CT_ERR;
    int rc = CT_ERR;
    size_t nfields = 0, *at = CT_ALLOC_ARRAY(size_t, n);
    char **fields = NULL;
    int64_t line = 0, cap = 0;
    char *start = size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text; /* a UTF-8 BOM */
    for (char *s = start, *end; s < text + size; s = end + 1) {
        end = memchr(s, '\n', (size_t)(text + size - s));
        if (!end)
            end = text + size;
        line++;
        if (line > 1 && blank(s, end))
            continue;
        size_t got = count_fields(s, end);
        if (line == 1) { /* the header */
            fields = CT_ALLOC_ARRAY(char *, nfields = got);
            split_fields(s, end, fields);
            if (nfields == 1 && !fields[0][0]) {
                ct_fail(err, "%s: line 1: expected a header line of column names, found an empty line", path);
                goto done;
            }
            if (find_columns(path, fields, nfields, names, n, at, err) != CT_OK)
                goto done;
            continue;
        }
        if (got != nfields) {
            ct_fail(err, "%s: line %lld: expected %zu fields as the header has, found %zu", path, (long long)line,
                    nfields, got);
            goto done;
        }
        split_fields(s, end, fields);
        if (out->rows == cap)
            out->values = ct_realloc(out->values, (size_t)(cap = cap ? 2 * cap : 4096) * n * sizeof *out->values);
        for (size_t i = 0; i < n; i++)
            if (number(path, line, names[i], fields[at[i]], &out->values[out->rows * (int64_t)n + (int64_t)i],
                       err) != CT_OK)
                goto done;
        out->rows++;
    }
    if (line == 0)
        ct_fail(err, "%s: empty: expected a header line of column names, then rows", path);
    else if (out->rows == 0)
        ct_fail(err, "%s: no rows after the header", path);
    else
        rc = CT_OK;
    out->ncols = n;
done:
    ct_free(fields);
    ct_free(at);
    ct_free(text);
    if (rc != CT_OK)
        ct_csv_columns_free(out);
    return rc;
}

void ct_csv_columns_free(ct_csv_columns *c)
{
    ct_free(c->values);
    memset(c, 0, sizeof *c);
}
