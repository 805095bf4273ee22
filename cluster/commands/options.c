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

int ct_options_parse(int argc, char **argv, const ct_option *options, int noptions, const char **positional,
                     const char *what, ct_error *err)
{
    const char *command = argv[0];
    *positional = NULL;
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
        } else if (!*positional) {
            *positional = arg;
        } else {
            return ct_fail(err, "%s: unexpected argument '%s' (one %s only)", command, arg, what);
        }
    }
    if (!*positional)
        return ct_fail(err, "%s: no %s given (see 'ctrain help %s')", command, what, command);
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
