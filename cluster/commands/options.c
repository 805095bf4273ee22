#include "cluster/commands/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const ct_option *find(const ct_option *options, int noptions, const char *name)
{
    for (int i = 0; i < noptions; i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

int ct_options_parse_list(int argc, char **argv, const ct_option *options, int noptions, const char **positionals,
                          int max, int *npositional, const char *what, ct_error *err)
{
    const char *command = argv[0];
    *npositional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-' && arg[1] != '\0') {
            const ct_option *o = find(options, noptions, arg);
            if (!o)
                return ct_fail(err, "%s: unknown option '%s' (see 'ctrain help %s')", command, arg, command);
            if (o->flag) {
                *o->flag = true;
            } else {
                if (i + 1 >= argc)
                    return ct_fail(err, "%s: %s needs a value", command, arg);
                *o->value = argv[++i];
            }
        } else if (*npositional < max) {
            positionals[(*npositional)++] = arg;
        } else if (max == 0) {
            return ct_fail(err, "%s: unexpected argument '%s' (see 'ctrain help %s')", command, arg, command);
        } else if (max == 1) {
            return ct_fail(err, "%s: unexpected argument '%s' (one %s only)", command, arg, what);
        } else {
            return ct_fail(err, "%s: unexpected argument '%s' (at most %d of %s)", command, arg, max, what);
        }
    }
    return CT_OK;
}

int ct_options_parse(int argc, char **argv, const ct_option *options, int noptions, const char **positional,
                     const char *what, ct_error *err)
{
    const char *command = argv[0];
    int n;
    *positional = NULL;
    if (ct_options_parse_list(argc, argv, options, noptions, positional, 1, &n, what, err) != CT_OK)
        return CT_ERR;
    if (!*positional)
        return ct_fail(err, "%s: no %s given (see 'ctrain help %s')", command, what, command);
    return CT_OK;
}

int ct_options_fraction(const char *command, const char *name, const char *text, double *value, ct_error *err)
{
    if (!text)
        return CT_OK;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !(v > 0.0 && v < 1.0))
        return ct_fail(err, "%s: %s expects a number between 0 and 1, both excluded, found '%s'", command, name,
                       text);
    *value = v;
    return CT_OK;
}

int ct_options_int(const char *command, const char *name, const char *text, int64_t min, int64_t max,
                   int64_t *value, ct_error *err)
{
    if (!text)
        return CT_OK;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max)
        return ct_fail(err, "%s: %s expects a whole number in [%lld, %lld], found '%s'", command, name,
                       (long long)min, (long long)max, text);
    *value = v;
    return CT_OK;
}
