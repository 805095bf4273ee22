/* Command-line options of the form `--name VALUE` and `--flag`, described
 * by a table, for commands with more than a few of them. */
#ifndef CT_CLUSTER_OPTIONS_H
#define CT_CLUSTER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct ct_option {
    const char *name;   /* "--out" */
    const char **value; /* receives the argument that follows; NULL for a flag */
    bool *flag;         /* set to true when present (flags) */
} ct_option;

/* The entries of an option table. */
#define N_OPTIONS(table) ((int)(sizeof(table) / sizeof(table)[0]))

/* Parses argv[1..argc) (argv[0] is the command's name, used in messages):
 * every option of the table, and exactly one positional argument, stored
 * in *positional (named `what` in the message when it is missing). Errors:
 * an unknown option, a missing value, a second positional argument. */
int ct_options_parse(int argc, char **argv, const ct_option *options, int noptions, const char **positional,
                     const char *what, ct_error *err);

/* As ct_options_parse, with from 0 to max positional arguments (named
 * `what` in messages): they go, in order, into positionals[max],
 * *npositional of them; one more is an error. */
int ct_options_parse_list(int argc, char **argv, const ct_option *options, int noptions, const char **positionals,
                          int max, int *npositional, const char *what, ct_error *err);

/* Reads the value of option `name` into *value, which keeps its default
 * when text is NULL; fails unless it is a number strictly between 0 and 1. */
int ct_options_fraction(const char *command, const char *name, const char *text, double *value, ct_error *err);

/* Reads the integer value of option `name` into *value, which keeps its
 * default when text is NULL; fails unless it is a whole number in
 * [min, max]. */
int ct_options_int(const char *command, const char *name, const char *text, int64_t min, int64_t max,
                   int64_t *value, ct_error *err);

#endif
