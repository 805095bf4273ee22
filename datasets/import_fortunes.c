/* Fortunes importer: Debian's fortune files -> token streams for a
 * language model and one padded sample per fortune for classifying its
 * category (file). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/h5util.h"
#include "datasets/import_common.h"
#include "datasets/importers.h"
#include "engine/alloc.h"

typedef struct fortune {
    int32_t label;
    int64_t start, len; /* its units in its category's text */
    int test;
} fortune;

typedef struct corpus {
    char **names; /* [ncat]: the categories, class ids in this order */
    size_t ncat;
    int32_t **units; /* [ncat]: each category's text as units, then as ids */
    int64_t *nunits; /* [ncat] */
    fortune *f;      /* [n], category by category, in file order */
    int64_t n, cap, ntest, longest;
    ct_vocab vocab;
    int64_t T; /* the samples' length */
} corpus;

static void corpus_free(corpus *c)
{
    for (size_t i = 0; c->units && i < c->ncat; i++)
        ct_free(c->units[i]);
    ct_free(c->units);
    ct_free(c->nunits);
    ct_h5_free_strings(c->names, c->ncat);
    ct_free(c->f);
    ct_vocab_free(&c->vocab);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The fortune files of dir (regular files without '.' in their names: not
 * the .dat indexes, nor the .u8 links), in name order. */
static int list_dir(const char *dir, char ***names, size_t *count, ct_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT
                   ? ct_fail(err, "%s: no such directory (Debian's fortunes package installs its files in %s)", dir,
                             CT_FORTUNES_DIR)
                   : ct_fail(err, "%s: cannot read the directory: %s", dir, strerror(errno));
    char **out = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[4400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strchr(e->d_name, '.') || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        out = ct_realloc(out, (n + 1) * sizeof *out);
        out[n++] = ct_strdup(e->d_name);
    }
    closedir(d);
    if (n == 0)
        return ct_fail(err, "%s: no fortune files: expected files without '.' in their names", dir);
    qsort(out, n, sizeof *out, by_name);
    *names = out;
    *count = n;
    return CT_OK;
}

/* The categories: every file of the directory, or the --categories list,
 * each of which must be one of them. */
static int choose_categories(const ct_fortunes_options *o, corpus *c, ct_error *err)
{
    char **all = NULL;
    size_t nall = 0;
    if (list_dir(o->dir, &all, &nall, err) != CT_OK)
        return CT_ERR;
    if (!o->categories) {
        c->names = all;
        c->ncat = nall;
        return CT_OK;
    }
    int rc = ct_import_list(o->categories, "--categories", &c->names, &c->ncat, err);
    for (size_t i = 0; rc == CT_OK && i < c->ncat; i++) {
        if (bsearch(&c->names[i], all, nall, sizeof *all, by_name))
            continue;
        char known[900] = "";
        for (size_t j = 0, len = 0; j < nall && len < sizeof known; j++)
            len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", j ? ", " : "", all[j]);
        rc = ct_fail(err, "%s: no category '%s': expected one of %s", o->dir, c->names[i], known);
    }
    ct_h5_free_strings(all, nall);
    return rc;
}

/* Adds the fortunes of category `label` (text units[n]): the runs of lines
 * between lines holding only "%", empty ones skipped. */
static void split_fortunes(corpus *c, int32_t label, const int32_t *units, int64_t n)
{
    int64_t start = 0;
    for (int64_t line = 0; line <= n;) {
        int64_t end = line;
        while (end < n && units[end] != '\n')
            end++;
        int separator = end - line == 1 && units[line] == '%';
        if ((separator || end >= n) && (separator ? line : n) > start) {
            if (c->n == c->cap)
                c->f = ct_realloc(c->f, (size_t)(c->cap = c->cap ? 2 * c->cap : 1024) * sizeof *c->f);
            c->f[c->n++] = (fortune){label, start, (separator ? line : n) - start, 0};
        }
        if (separator)
            start = end + 1;
        line = end + 1;
    }
}

/* Reads every category's file into units and fortunes. */
static int read_categories(const ct_fortunes_options *o, corpus *c, FILE *progress, ct_error *err)
{
    c->units = CT_ALLOC_ARRAY(int32_t *, c->ncat);
    c->nunits = CT_ALLOC_ARRAY(int64_t, c->ncat);
    for (size_t i = 0; i < c->ncat; i++) {
        char path[4400], *text;
        size_t size;
        int64_t before = c->n;
        snprintf(path, sizeof path, "%s/%s", o->dir, c->names[i]);
        if (ct_import_read_file(path, &text, &size, err) != CT_OK)
            return CT_ERR;
        int rc = ct_text_decode(path, text, size, o->unit, &c->units[i], &c->nunits[i], err);
        ct_free(text);
        if (rc != CT_OK)
            return CT_ERR;
        split_fortunes(c, (int32_t)i, c->units[i], c->nunits[i]);
        if (c->n == before)
            return ct_fail(err, "%s: no fortunes: expected text, fortunes separated by lines holding only '%%'",
                           path);
        ct_vocab_add(&c->vocab, c->units[i], c->nunits[i]);
        if (progress)
            fprintf(progress, "%s: %lld fortunes (class %zu)\n", path, (long long)(c->n - before), i);
    }
    return CT_OK;
}

/* Marks the test fortunes: j of a category is one when floor((j + 1) * f)
 * > floor(j * f), an even spread of round-down(f * count) of them. */
static int mark_test(corpus *c, double f, ct_error *err)
{
    int64_t j = 0;
    for (int64_t i = 0; i < c->n; i++) {
        j = i > 0 && c->f[i].label == c->f[i - 1].label ? j + 1 : 0;
        c->f[i].test = floor((double)(j + 1) * f) > floor((double)j * f);
        c->ntest += c->f[i].test;
        if (c->f[i].len > c->longest)
            c->longest = c->f[i].len;
    }
    if (c->ntest == 0 || c->ntest == c->n)
        return ct_fail(err, "%lld fortunes with test fraction %g give %lld test fortunes: expected at least one "
                            "test and one training fortune",
                       (long long)c->n, f, (long long)c->ntest);
    return CT_OK;
}

/* Writes counts [n, V] float32: how often each id occurs in each sample's
 * first lengths[k] ids (a bag of characters: what a linear baseline sees). */
static int write_counts(hid_t file, const char *path, const int32_t *inputs, const int32_t *lengths, int64_t n,
                        int64_t T, int64_t V, ct_error *err)
{
    float *counts = CT_ALLOC_ARRAY(float, n * V);
    for (int64_t k = 0; k < n; k++)
        for (int64_t t = 0; t < lengths[k]; t++)
            counts[k * V + inputs[k * T + t]] += 1.0f;
    hsize_t dims[2] = {(hsize_t)n, (hsize_t)V};
    hid_t d = ct_h5_write_dataset(file, path, H5T_NATIVE_FLOAT, 2, dims, NULL, 0, counts, err);
    ct_free(counts);
    if (d < 0)
        return CT_ERR;
    H5Dclose(d);
    return CT_OK;
}

/* Writes /<group>/{inputs,counts,lengths,labels} of the fortunes whose test flag
 * is `test`, and their text, each followed by a "%" line, into stream[]. */
static int write_split(hid_t file, const corpus *c, int test, const char *group, int32_t *stream, int64_t *nstream,
                       ct_error *err)
{
    int64_t n = test ? c->ntest : c->n - c->ntest, k = 0, T = c->T;
    int32_t *inputs = CT_ALLOC_ARRAY(int32_t, n * T), *lengths = CT_ALLOC_ARRAY(int32_t, n);
    int32_t *labels = CT_ALLOC_ARRAY(int32_t, n), sep[2] = {'%', '\n'};
    ct_vocab_map(&c->vocab, sep, 2);
    *nstream = 0;
    for (int64_t i = 0; i < c->n; i++) {
        const fortune *f = &c->f[i];
        if (f->test != test)
            continue;
        const int32_t *ids = c->units[f->label] + f->start;
        lengths[k] = (int32_t)(f->len < T ? f->len : T);
        labels[k] = f->label;
        memcpy(inputs + k * T, ids, (size_t)lengths[k] * sizeof *ids);
        memcpy(stream + *nstream, ids, (size_t)f->len * sizeof *ids);
        memcpy(stream + *nstream + f->len, sep, sizeof sep);
        *nstream += f->len + 2;
        k++;
    }
    char path[64];
    hsize_t dims[2] = {(hsize_t)n, (hsize_t)T};
    snprintf(path, sizeof path, "/%s/inputs", group);
    int rc = ct_vocab_write_ids(file, path, &c->vocab, inputs, 2, dims, err);
    snprintf(path, sizeof path, "/%s/counts", group);
    if (rc == CT_OK)
        rc = write_counts(file, path, inputs, lengths, n, T, c->vocab.size, err);
    snprintf(path, sizeof path, "/%s/lengths", group);
    hid_t d = rc == CT_OK ? ct_h5_write_dataset(file, path, H5T_NATIVE_INT32, 1, dims, NULL, 0, lengths, err) : -1;
    if (d >= 0)
        H5Dclose(d);
    snprintf(path, sizeof path, "/%s/labels", group);
    d = d >= 0 ? ct_h5_write_dataset(file, path, H5T_NATIVE_INT32, 1, dims, NULL, 0, labels, err) : -1;
    rc = d >= 0 && ct_h5_write_attr_int64(d, "num_classes", (int64_t)c->ncat, err) == CT_OK &&
                 ct_h5_write_attr_strings(d, "class_names", (const char *const *)c->names, c->ncat, err) == CT_OK
             ? CT_OK
             : CT_ERR;
    if (d >= 0)
        H5Dclose(d);
    ct_free(inputs);
    ct_free(lengths);
    ct_free(labels);
    return rc;
}

static int fill(hid_t file, const void *ctx, ct_error *err)
{
    const corpus *c = ctx;
    int64_t total = 0, ntrain = 0, ntest = 0;
    for (int64_t i = 0; i < c->n; i++)
        total += c->f[i].len + 2;
    int32_t *stream = CT_ALLOC_ARRAY(int32_t, total);
    int rc = write_split(file, c, 0, "docs/train", stream, &ntrain, err);
    if (rc == CT_OK)
        rc = write_split(file, c, 1, "docs/test", stream + ntrain, &ntest, err);
    if (rc == CT_OK)
        rc = ct_vocab_write_streams(file, &c->vocab, stream, ntrain, stream + ntrain, ntest, err);
    ct_free(stream);
    return rc;
}

int ct_import_fortunes(const ct_fortunes_options *o, const char *out_path, FILE *progress, ct_error *err)
{
    corpus c;
    memset(&c, 0, sizeof c);
    ct_vocab_init(&c.vocab, o->unit);
    int32_t sep[2] = {'%', '\n'};
    int rc = CT_ERR;
    if (choose_categories(o, &c, err) != CT_OK || read_categories(o, &c, progress, err) != CT_OK)
        goto done;
    if (ct_import_check_fraction(o->test_fraction, err) != CT_OK || mark_test(&c, o->test_fraction, err) != CT_OK)
        goto done;
    ct_vocab_add(&c.vocab, sep, 2);
    ct_vocab_finish(&c.vocab);
    for (size_t i = 0; i < c.ncat; i++) /* the fortunes' ids, where their units were */
        ct_vocab_map(&c.vocab, c.units[i], c.nunits[i]);
    c.T = o->max_length > 0 && o->max_length < c.longest ? o->max_length : c.longest;
    if (progress)
        fprintf(progress, "%lld fortunes in %zu categories: %lld train, %lld test; vocabulary of %lld %ss; "
                          "samples of %lld tokens (the longest fortune has %lld)\n",
                (long long)c.n, c.ncat, (long long)(c.n - c.ntest), (long long)c.ntest, (long long)c.vocab.size,
                ct_text_unit_name(o->unit), (long long)c.T, (long long)c.longest);
    char source[4400];
    snprintf(source, sizeof source, "fortunes imported by ctrain from %s, one token per %s", o->dir,
             ct_text_unit_name(o->unit));
    rc = ct_import_write(out_path, "fortunes", source, fill, &c, progress, err);
done:
    corpus_free(&c);
    return rc;
}
