/* Token ids of text: units (bytes or code points), the vocabulary of the
 * units a text uses, and datasets of ids with the vocabulary attached. */
#include "datasets/vocab.h"

#include <string.h>

#include "datasets/h5util.h"
#include "engine/alloc.h"

#define CT_UNICODE_END 0x110000 /* one past the last code point */

const char *ct_text_unit_name(ct_text_unit unit)
{
    return unit == CT_UNIT_CHAR ? "char" : "byte";
}

/* The length of the UTF-8 sequence at s[0, left) and its code point in *cp;
 * 0 when it is not valid UTF-8 (overlong, a surrogate, beyond U+10FFFF, cut
 * short, a stray continuation byte). */
static int utf8_next(const unsigned char *s, size_t left, int32_t *cp)
{
    unsigned char c = s[0];
    int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || (size_t)len > left)
        return 0;
    int32_t v = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    static const int32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < smallest[len] || v >= CT_UNICODE_END || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Fails naming the line and byte of the invalid sequence at `at`. */
static int utf8_fail(const char *name, const char *text, size_t at, ct_error *err)
{
    int64_t line = 1;
    for (size_t i = 0; i < at; i++)
        line += text[i] == '\n';
    return ct_fail(err,
                   "%s: line %lld (byte %zu of the file): invalid UTF-8 (0x%02x): expected UTF-8 text, or --unit "
                   "byte",
                   name, (long long)line, at, (unsigned char)text[at]);
}

int ct_text_decode(const char *name, const char *text, size_t size, ct_text_unit unit, int32_t **units,
                   int64_t *count, ct_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    int32_t *out = CT_ALLOC_ARRAY(int32_t, size ? size : 1);
    int64_t n = 0;
    for (size_t at = 0; at < size;) {
        int len = 1;
        if (unit == CT_UNIT_BYTE)
            out[n] = s[at];
        else if (!(len = utf8_next(s + at, size - at, &out[n]))) {
            ct_free(out);
            *units = NULL;
            *count = 0;
            return utf8_fail(name, text, at, err);
        }
        n++;
        at += (size_t)len;
    }
    *units = out;
    *count = n;
    return CT_OK;
}

void ct_vocab_init(ct_vocab *v, ct_text_unit unit)
{
    memset(v, 0, sizeof *v);
    v->unit = unit;
    v->table = unit == CT_UNIT_CHAR ? CT_UNICODE_END : 256;
    v->id_of = CT_ALLOC_ARRAY(int32_t, v->table);
}

void ct_vocab_free(ct_vocab *v)
{
    ct_free(v->id_of);
    ct_free(v->units);
    memset(v, 0, sizeof *v);
}

void ct_vocab_add(ct_vocab *v, const int32_t *units, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        v->id_of[units[i]] = 1;
}

void ct_vocab_finish(ct_vocab *v)
{
    v->size = 0;
    for (int64_t u = 0; u < v->table; u++)
        v->size += v->id_of[u] != 0;
    ct_free(v->units);
    v->units = CT_ALLOC_ARRAY(int32_t, v->size ? v->size : 1);
    int32_t id = 0;
    for (int64_t u = 0; u < v->table; u++)
        if (v->id_of[u]) {
            v->units[id] = (int32_t)u;
            v->id_of[u] = id++;
        }
}

void ct_vocab_map(const ct_vocab *v, int32_t *units, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        units[i] = v->id_of[units[i]];
}

int ct_vocab_write_ids(hid_t file, const char *dpath, const ct_vocab *v, const int32_t *ids, int rank,
                       const hsize_t *dims, ct_error *err)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    int narrow = v->size <= 256;
    uint8_t *bytes = NULL;
    if (narrow) {
        bytes = ct_malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            bytes[i] = (uint8_t)ids[i];
    }
    hid_t d = ct_h5_write_dataset(file, dpath, narrow ? H5T_NATIVE_UINT8 : H5T_NATIVE_INT32, rank, dims, NULL, 0,
                                  narrow ? (const void *)bytes : (const void *)ids, err);
    ct_free(bytes);
    if (d < 0)
        return CT_ERR;
    int rc = ct_h5_write_attr_int64(d, "vocab_size", v->size, err);
    if (rc == CT_OK)
        rc = ct_h5_write_attr_array(d, "vocabulary", H5T_NATIVE_INT32, v->units, (size_t)v->size, err);
    if (rc == CT_OK)
        rc = ct_h5_write_attr_string(d, "unit", ct_text_unit_name(v->unit), err);
    if (rc == CT_OK && narrow)
        rc = ct_h5_write_attr_float(d, "scale", 1.0f, err);
    if (rc == CT_OK && narrow)
        rc = ct_h5_write_attr_float(d, "offset", 0.0f, err);
    H5Dclose(d);
    return rc == CT_OK ? CT_OK : ct_fail_context(err, "%s", dpath);
}

int ct_vocab_write_streams(hid_t file, const ct_vocab *v, const int32_t *train_ids, int64_t ntrain,
                           const int32_t *test_ids, int64_t ntest, ct_error *err)
{
    hsize_t train[1] = {(hsize_t)ntrain}, test[1] = {(hsize_t)ntest};
    if (ct_vocab_write_ids(file, "/train/tokens", v, train_ids, 1, train, err) != CT_OK)
        return CT_ERR;
    return ct_vocab_write_ids(file, "/test/tokens", v, test_ids, 1, test, err);
}
