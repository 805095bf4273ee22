#include "engine/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ct_fail(ct_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return CT_ERR;
}

int ct_fail_context(ct_error *err, const char *fmt, ...)
{
    if (!err)
        return CT_ERR;
    char context[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    /* "context: old", cut to fit (the return value is checked so that gcc
     * knows truncation is intended). */
    int used = snprintf(err->msg, sizeof err->msg, "%s: %s", context, old);
    if (used < 0)
        err->msg[0] = '\0';
    return CT_ERR;
}
