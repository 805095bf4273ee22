/* A growable string for messages and emitted YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

static void reserve(ct_strbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->s = ct_realloc(b->s, cap);
    b->cap = cap;
}

void ct_strbuf_putn(ct_strbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void ct_strbuf_puts(ct_strbuf *b, const char *s)
{
    ct_strbuf_putn(b, s, strlen(s));
}

void ct_strbuf_printf(ct_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *ct_strbuf_str(const ct_strbuf *b)
{
    return b->s ? b->s : "";
}

char *ct_strbuf_take(ct_strbuf *b)
{
    char *s = b->s ? b->s : ct_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void ct_strbuf_free(ct_strbuf *b)
{
    ct_free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
