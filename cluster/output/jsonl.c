#include "cluster/output/jsonl.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

typedef struct cursor {
    const char *text, *p;
    int *column;
    ct_error *err;
} cursor;

/* Fails with "expected <what>, found <the text at the cursor>". */
static int expected(cursor *c, const char *what)
{
    char found[40];
    int n = 0; /* up to 12 characters of the line, no line break */
    while (n < 12 && (unsigned char)c->p[n] >= 0x20)
        n++;
    if (n > 0)
        snprintf(found, sizeof found, "'%.*s%s'", n, c->p, (unsigned char)c->p[n] >= 0x20 ? "..." : "");
    else if (*c->p == '\0' || *c->p == '\n' || *c->p == '\r')
        snprintf(found, sizeof found, "the end of the line");
    else
        snprintf(found, sizeof found, "the control character 0x%02x", (unsigned char)*c->p);
    *c->column = (int)(c->p - c->text) + 1;
    return ct_fail(c->err, "expected %s, found %s", what, found);
}

static void skip_space(cursor *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')
        c->p++;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool take(cursor *c, const char *literal)
{
    size_t n = strlen(literal);
    if (strncmp(c->p, literal, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Four hex digits after "\u"; -1 if they are not. */
static long hex4(const char *p)
{
    static const char digits[] = "0123456789abcdef";
    long v = 0;
    for (int i = 0; i < 4; i++) {
        const char *d = strchr(digits, p[i] | 0x20); /* lower case; the end of the text is ' ' */
        if (!d)
            return -1;
        v = v * 16 + (d - digits);
    }
    return v;
}

static char *put_utf8(char *out, unsigned long code)
{
    if (code < 0x80) {
        *out++ = (char)code;
    } else if (code < 0x800) {
        *out++ = (char)(0xc0 | code >> 6);
        *out++ = (char)(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        *out++ = (char)(0xe0 | code >> 12);
        *out++ = (char)(0x80 | (code >> 6 & 0x3f));
        *out++ = (char)(0x80 | (code & 0x3f));
    } else {
        *out++ = (char)(0xf0 | code >> 18);
        *out++ = (char)(0x80 | (code >> 12 & 0x3f));
        *out++ = (char)(0x80 | (code >> 6 & 0x3f));
        *out++ = (char)(0x80 | (code & 0x3f));
    }
    return out;
}

/* Decodes the \u escape at the cursor (a surrogate pair is one character)
 * into *code and moves past it. */
static int unicode_escape(cursor *c, unsigned long *code)
{
    long high = hex4(c->p + 2);
    if (high <= 0 || (high >= 0xdc00 && high <= 0xdfff))
        return expected(c, "\\u and the four hex digits of a character other than U+0000");
    if (high < 0xd800 || high > 0xdbff) {
        c->p += 6;
        *code = (unsigned long)high;
        return CT_OK;
    }
    long low = c->p[6] == '\\' && c->p[7] == 'u' ? hex4(c->p + 8) : -1;
    if (low < 0xdc00 || low > 0xdfff)
        return expected(c, "a high surrogate followed by the \\u escape of a low one");
    c->p += 12;
    *code = 0x10000 + ((unsigned long)(high - 0xd800) << 10) + (unsigned long)(low - 0xdc00);
    return CT_OK;
}

/* A string in double quotes, its escapes decoded, into *out (ct_free it). */
static int parse_string(cursor *c, const char *what, char **out)
{
    if (*c->p != '"')
        return expected(c, what);
    c->p++;
    const char *end = c->p; /* the decoded string is never longer than its text */
    while (*end && *end != '"')
        end += end[0] == '\\' && end[1] ? 2 : 1;
    char *s = ct_malloc((size_t)(end - c->p) + 1), *w = s;
    static const char escaped[] = "\"\\/bfnrt", meaning[] = "\"\\/\b\f\n\r\t";
    while (*c->p != '"') {
        unsigned long code = 0;
        const char *e = c->p[0] == '\\' && c->p[1] ? strchr(escaped, c->p[1]) : NULL;
        if (c->p[0] == '\\' && c->p[1] == 'u') {
            if (unicode_escape(c, &code) != CT_OK)
                break;
            w = put_utf8(w, code);
        } else if (c->p[0] == '\\') {
            if (!e) {
                expected(c, "an escape of \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u");
                break;
            }
            *w++ = meaning[e - escaped];
            c->p += 2;
        } else if ((unsigned char)*c->p < 0x20) {
            expected(c, *c->p ? "a character of the string (control characters must be escaped)"
                              : "the rest of the string and its closing '\"'");
            break;
        } else {
            *w++ = *c->p++;
        }
    }
    if (*c->p != '"') {
        ct_free(s);
        return CT_ERR;
    }
    c->p++;
    *w = '\0';
    *out = s;
    return CT_OK;
}

/* JSON's number grammar, plus NaN, Infinity and -Infinity. */
static int parse_number(cursor *c, double *out)
{
    const char *start = c->p;
    bool minus = take(c, "-");
    if (take(c, "Infinity")) {
        *out = minus ? -INFINITY : INFINITY;
        return CT_OK;
    }
    if (!minus && take(c, "NaN")) {
        *out = NAN;
        return CT_OK;
    }
    if (!is_digit(*c->p))
        return expected(c, "a digit");
    if (!take(c, "0"))
        while (is_digit(*c->p))
            c->p++;
    if (take(c, ".")) {
        if (!is_digit(*c->p))
            return expected(c, "a digit after the decimal point");
        while (is_digit(*c->p))
            c->p++;
    }
    if (*c->p == 'e' || *c->p == 'E') {
        c->p++;
        if (*c->p == '+' || *c->p == '-')
            c->p++;
        if (!is_digit(*c->p))
            return expected(c, "a digit in the exponent");
        while (is_digit(*c->p))
            c->p++;
    }
    *out = strtod(start, NULL); /* the grammar above is a subset of strtod's */
    return CT_OK;
}

static int parse_value(cursor *c, ct_json_member *m)
{
    char ch = *c->p;
    m->string = NULL;
    m->number = 0;
    if (ch == '"') {
        m->type = CT_JSON_STRING;
        return parse_string(c, "a string", &m->string);
    }
    if (ch == '-' || is_digit(ch) || ch == 'I' || ch == 'N') {
        m->type = CT_JSON_NUMBER;
        return parse_number(c, &m->number);
    }
    m->type = CT_JSON_BOOL;
    if (take(c, "true")) {
        m->number = 1;
        return CT_OK;
    }
    if (take(c, "false"))
        return CT_OK;
    m->type = CT_JSON_NULL;
    if (take(c, "null"))
        return CT_OK;
    char what[300];
    snprintf(what, sizeof what, "a number, a string, true, false or null as the value of \"%.200s\"%s", m->key,
             ch == '{' || ch == '[' ? " (nested objects and arrays are not read)" : "");
    return expected(c, what);
}

static int parse_members(cursor *c, ct_json_object *obj)
{
    int cap = 0;
    skip_space(c);
    if (*c->p != '{')
        return expected(c, "a JSON object starting with '{'");
    c->p++;
    skip_space(c);
    if (*c->p == '}') {
        c->p++;
        return CT_OK;
    }
    for (;;) {
        char *key;
        const char *key_at = c->p;
        if (parse_string(c, "a key in double quotes", &key) != CT_OK)
            return CT_ERR;
        if (obj->count == cap) {
            cap = cap ? 2 * cap : 8;
            obj->members = ct_realloc(obj->members, (size_t)cap * sizeof *obj->members);
        }
        ct_json_member *m = &obj->members[obj->count];
        *m = (ct_json_member){key, CT_JSON_NULL, 0, NULL};
        obj->count++;
        if (ct_json_get(obj, key) != m) {
            c->p = key_at;
            return expected(c, "a key not given before");
        }
        skip_space(c);
        if (!take(c, ":"))
            return expected(c, "':' after the key");
        skip_space(c);
        if (parse_value(c, m) != CT_OK)
            return CT_ERR;
        skip_space(c);
        if (take(c, "}"))
            return CT_OK;
        if (!take(c, ","))
            return expected(c, "',' or '}' after a value");
        skip_space(c);
    }
}

int ct_json_parse_object(const char *text, ct_json_object *obj, int *column, ct_error *err)
{
    cursor c = {text, text, column, err};
    *obj = (ct_json_object){NULL, 0};
    int rc = parse_members(&c, obj);
    if (rc == CT_OK) {
        skip_space(&c);
        if (*c.p)
            rc = expected(&c, "the end of the line after the object");
    }
    if (rc != CT_OK)
        ct_json_object_free(obj);
    return rc;
}

void ct_json_object_free(ct_json_object *obj)
{
    for (int i = 0; i < obj->count; i++) {
        ct_free(obj->members[i].key);
        ct_free(obj->members[i].string);
    }
    ct_free(obj->members);
    *obj = (ct_json_object){NULL, 0};
}

const ct_json_member *ct_json_get(const ct_json_object *obj, const char *key)
{
    for (int i = 0; i < obj->count; i++)
        if (strcmp(obj->members[i].key, key) == 0)
            return &obj->members[i];
    return NULL;
}

static bool blank(const char *line)
{
    return line[strspn(line, " \t\r\n")] == '\0';
}

int ct_jsonl_read(const char *path, ct_jsonl_record_fn fn, void *ctx, ct_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ct_fail(err, "%s: cannot open it: %s", path, strerror(errno));
    char *line = NULL;
    size_t size = 0;
    int rc = CT_OK;
    for (int64_t number = 1; rc == CT_OK && getline(&line, &size, f) >= 0; number++) {
        if (blank(line))
            continue;
        ct_json_object record;
        int column;
        if (ct_json_parse_object(line, &record, &column, err) != CT_OK) {
            rc = ct_fail_context(err, "%s:%lld:%d", path, (long long)number, column);
            break;
        }
        rc = fn(ctx, &record, err);
        if (rc != CT_OK)
            ct_fail_context(err, "%s:%lld", path, (long long)number);
        ct_json_object_free(&record);
    }
    if (rc == CT_OK && ferror(f))
        rc = ct_fail(err, "%s: cannot read it: %s", path, strerror(errno));
    free(line);
    fclose(f);
    return rc;
}
