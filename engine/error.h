/* Errors as values: a failing function returns CT_ERR and fills a ct_error
 * with what went wrong and where. Only cluster/ turns an error into an exit. */
#ifndef CT_ENGINE_ERROR_H
#define CT_ENGINE_ERROR_H

#define CT_OK 0
#define CT_ERR (-1)

typedef struct ct_error {
    char msg[1024];
} ct_error;

/* Formats msg into err (if err is not NULL) and returns CT_ERR, so that
 * callers can write `return ct_fail(err, "...", ...);`. */
int ct_fail(ct_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "context: " to an error already in err, and returns CT_ERR. */
int ct_fail_context(ct_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
