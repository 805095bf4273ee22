/* Text importer: text files -> token ids for a language model, the last
 * fraction of the text held out as the test stream. */
#include <string.h>

#include "datasets/import_common.h"
#include "datasets/importers.h"
#include "engine/alloc.h"

/* The shortest part: a language model needs an input and its target. */
#define CT_TEXT_MIN_PART 2

typedef struct text_ids {
    const ct_vocab *vocab;
    const int32_t *ids; /* [train + test] */
    int64_t train, test;
} text_ids;

static int fill(hid_t file, const void *ctx, ct_error *err)
{
    const text_ids *t = ctx;
    return ct_vocab_write_streams(file, t->vocab, t->ids, t->train, t->ids + t->train, t->test, err);
}

/* Appends the units of the file at path to *units[*count]. */
static int read_units(const char *path, ct_text_unit unit, int32_t **units, int64_t *count, FILE *progress,
                      ct_error *err)
{
    char *text;
    size_t size;
    if (ct_import_read_file(path, &text, &size, err) != CT_OK)
        return CT_ERR;
    if (size == 0) {
        ct_free(text);
        return ct_fail(err, "%s: empty: expected text", path);
    }
    int32_t *more;
    int64_t n;
    int rc = ct_text_decode(path, text, size, unit, &more, &n, err);
    ct_free(text);
    if (rc != CT_OK)
        return CT_ERR;
    *units = ct_realloc(*units, (size_t)(*count + n) * sizeof **units);
    memcpy(*units + *count, more, (size_t)n * sizeof *more);
    *count += n;
    ct_free(more);
    if (progress)
        fprintf(progress, "%s: %zu bytes, %lld %ss\n", path, size, (long long)n, ct_text_unit_name(unit));
    return CT_OK;
}

int ct_import_text(const char *const *files, int nfiles, double test_fraction, ct_text_unit unit,
                   const char *out_path, FILE *progress, ct_error *err)
{
    if (nfiles < 1)
        return ct_fail(err, "importing text into %s: no text file given", out_path);
    char named[4200];
    if (nfiles == 1)
        snprintf(named, sizeof named, "%s", files[0]);
    else
        snprintf(named, sizeof named, "%s and %d more file%s", files[0], nfiles - 1, nfiles == 2 ? "" : "s");
    int32_t *ids = NULL;
    int64_t n = 0, test = 0;
    ct_vocab vocab;
    ct_vocab_init(&vocab, unit);
    int rc = CT_ERR;
    for (int i = 0; i < nfiles; i++)
        if (read_units(files[i], unit, &ids, &n, progress, err) != CT_OK)
            goto done;
    if (ct_import_test_rows(n, test_fraction, &test, err) != CT_OK) {
        ct_fail_context(err, "%s", named);
        goto done;
    }
    if (test < CT_TEXT_MIN_PART || n - test < CT_TEXT_MIN_PART) {
        ct_fail(err,
                "%s: %lld %ss with test fraction %g leave %lld for training and %lld for the test: expected at "
                "least %d in each",
                named, (long long)n, ct_text_unit_name(unit), test_fraction, (long long)(n - test), (long long)test,
                CT_TEXT_MIN_PART);
        goto done;
    }
    ct_vocab_add(&vocab, ids, n);
    ct_vocab_finish(&vocab);
    ct_vocab_map(&vocab, ids, n);
    if (progress)
        fprintf(progress, "%lld tokens (vocabulary of %lld %ss): %lld train, %lld test\n", (long long)n,
                (long long)vocab.size, ct_text_unit_name(unit), (long long)(n - test), (long long)test);
    char source[4400];
    snprintf(source, sizeof source, "text imported by ctrain from %s, one token per %s", named,
             ct_text_unit_name(unit));
    text_ids t = {&vocab, ids, n - test, test};
    rc = ct_import_write(out_path, "text", source, fill, &t, progress, err);
done:
    ct_free(ids);
    ct_vocab_free(&vocab);
    return rc;
}
