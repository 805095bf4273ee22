/* Shared by the importers of text, fortunes and CSV series: whole input
 * files, name lists, the test part, and the atomic output file. */
#include "datasets/import_common.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/durable_file.h"
#include "datasets/h5util.h"
#include "engine/alloc.h"

int ct_import_read_file(const char *path, char **data, size_t *size, ct_error *err)
{
    *data = NULL;
    *size = 0;
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? ct_fail(err, "%s: no such file", path)
                               : ct_fail(err, "%s: cannot access it: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ct_fail(err, "%s: is a directory, expected a file", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ct_fail(err, "%s: cannot open it: %s", path, strerror(errno));
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
    char *buf = ct_malloc(cap);
    for (;;) {
        if (len + 1 >= cap)
            buf = ct_realloc(buf, cap *= 2); /* the file grew, or is a pipe */
        ssize_t got = read(fd, buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int why = errno;
            close(fd);
            ct_free(buf);
            return ct_fail(err, "%s: cannot read it: %s", path, strerror(why));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return CT_OK;
}

int ct_import_list(const char *text, const char *option, char ***items, size_t *count, ct_error *err)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    char **out = CT_ALLOC_ARRAY(char *, n);
    const char *start = text;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(start, ",");
        if (len == 0) {
            ct_h5_free_strings(out, n);
            return ct_fail(err, "%s '%s': name %zu is empty: expected names separated by commas", option, text,
                           i + 1);
        }
        out[i] = ct_malloc(len + 1);
        memcpy(out[i], start, len);
        out[i][len] = '\0';
        for (size_t j = 0; j < i; j++)
            if (strcmp(out[j], out[i]) == 0) {
                int rc = ct_fail(err, "%s '%s': '%s' is given twice", option, text, out[i]);
                ct_h5_free_strings(out, n);
                return rc;
            }
        start += len + 1;
    }
    *items = out;
    *count = n;
    return CT_OK;
}

int ct_import_check_fraction(double fraction, ct_error *err)
{
    if (!(fraction > 0.0 && fraction < 1.0))
        return ct_fail(err, "test fraction %g: expected a number between 0 and 1, both excluded", fraction);
    return CT_OK;
}

int ct_import_test_rows(int64_t n, double fraction, int64_t *test_rows, ct_error *err)
{
    if (ct_import_check_fraction(fraction, err) != CT_OK)
        return CT_ERR;
    *test_rows = (int64_t)floor((double)n * fraction + 0.5);
    return CT_OK;
}

int ct_import_write(const char *out_path, const char *what, const char *source, ct_import_fill fill,
                    const void *ctx, FILE *progress, ct_error *err)
{
    char dir[4096], tmp[4096 + 64];
    snprintf(dir, sizeof dir, "%s", out_path);
    if (ct_mkdirs(dirname(dir), err) != CT_OK) /* --out data/x.h5 in a fresh clone */
        return ct_fail_context(err, "importing %s into %s", what, out_path);
    hid_t file = ct_h5_create_tmp(out_path, tmp, sizeof tmp, err);
    if (file < 0)
        return ct_fail_context(err, "importing %s into %s", what, out_path);
    if (fill(file, ctx, err) != CT_OK || ct_h5_write_attr_string(file, "source", source, err) != CT_OK) {
        ct_h5_discard_tmp(file, tmp);
        return ct_fail_context(err, "importing %s into %s", what, out_path);
    }
    if (ct_h5_commit_tmp(file, tmp, out_path, err) != CT_OK)
        return ct_fail_context(err, "importing %s into %s", what, out_path);
    if (progress)
        fprintf(progress, "wrote %s\n", out_path);
    return CT_OK;
}
