/* ctrain data import fashion-mnist [--from DIR] --out FILE.h5
 * ctrain data import text FILE... --out FILE.h5 [--test-fraction 0.05] [--unit byte|char]
 * ctrain data import fortunes [--from DIR] --out FILE.h5 [--categories a,b,c] [--max-length N]
 *                             [--test-fraction 0.1] [--unit byte|char]
 * ctrain data import csv FILE --columns a[,b] --window N --horizon N --out FILE.h5
 *                        [--test-fraction 0.2] [--target COL]
 * ctrain data inspect FILE.h5 */
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "cluster/commands/options.h"
#include "datasets/durable_file.h"
#include "datasets/importers.h"
#include "engine/alloc.h"

static int import_fashion_mnist(int argc, char **argv, ct_error *err)
{
    const char *from = CT_FASHION_MNIST_DIR, *out = NULL;
    const ct_option options[] = {{"--from", &from, NULL}, {"--out", &out, NULL}};
    int n;
    if (ct_options_parse_list(argc, argv, options, N_OPTIONS(options), NULL, 0, &n, "", err) != CT_OK)
        return CT_ERR;
    if (!out)
        return ct_fail(err, "%s: --out FILE.h5 is required", argv[0]);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    if (ct_mkdirs(dirname(dir), err) != CT_OK) /* --out data/x.h5 in a fresh clone */
        return CT_ERR;
    return ct_import_fashion_mnist(from, out, stdout, err);
}

/* --unit byte|char (NULL keeps *unit). */
static int parse_unit(const char *command, const char *text, ct_text_unit *unit, ct_error *err)
{
    if (!text)
        return CT_OK;
    if (strcmp(text, "byte") != 0 && strcmp(text, "char") != 0)
        return ct_fail(err, "%s: --unit expects byte or char, found '%s'", command, text);
    *unit = text[0] == 'c' ? CT_UNIT_CHAR : CT_UNIT_BYTE;
    return CT_OK;
}

static int import_text(int argc, char **argv, ct_error *err)
{
    const char *out = NULL, *fraction = NULL, *unit_text = NULL;
    const ct_option options[] = {{"--out", &out, NULL}, {"--test-fraction", &fraction, NULL},
                                 {"--unit", &unit_text, NULL}};
    const char **files = CT_ALLOC_ARRAY(const char *, argc);
    int nfiles, rc = CT_ERR;
    double test_fraction = 0.05;
    ct_text_unit unit = CT_UNIT_BYTE;
    if (ct_options_parse_list(argc, argv, options, N_OPTIONS(options), files, argc, &nfiles, "", err) != CT_OK ||
        ct_options_fraction(argv[0], "--test-fraction", fraction, &test_fraction, err) != CT_OK ||
        parse_unit(argv[0], unit_text, &unit, err) != CT_OK)
        goto done;
    if (nfiles == 0 || !out) {
        ct_fail(err, "%s: %s is required (usage: ctrain data import text FILE... --out FILE.h5 "
                     "[--test-fraction 0.05] [--unit byte|char])", argv[0], nfiles == 0 ? "a text FILE" : "--out");
        goto done;
    }
    rc = ct_import_text(files, nfiles, test_fraction, unit, out, stdout, err);
done:
    ct_free(files);
    return rc;
}

static int import_fortunes(int argc, char **argv, ct_error *err)
{
    const char *out = NULL, *fraction = NULL, *unit_text = NULL, *max_length = NULL;
    ct_fortunes_options o = {CT_FORTUNES_DIR, NULL, 0, 0.1, CT_UNIT_BYTE};
    const ct_option options[] = {{"--from", &o.dir, NULL},           {"--out", &out, NULL},
                                 {"--categories", &o.categories, NULL}, {"--max-length", &max_length, NULL},
                                 {"--test-fraction", &fraction, NULL},  {"--unit", &unit_text, NULL}};
    int n;
    if (ct_options_parse_list(argc, argv, options, N_OPTIONS(options), NULL, 0, &n, "", err) != CT_OK ||
        ct_options_fraction(argv[0], "--test-fraction", fraction, &o.test_fraction, err) != CT_OK ||
        ct_options_int(argv[0], "--max-length", max_length, 1, INT32_MAX, &o.max_length, err) != CT_OK ||
        parse_unit(argv[0], unit_text, &o.unit, err) != CT_OK)
        return CT_ERR;
    if (!out)
        return ct_fail(err, "%s: --out FILE.h5 is required (usage: ctrain data import fortunes [--from DIR] --out "
                            "FILE.h5 [--categories a,b,c] [--max-length N] [--test-fraction 0.1] [--unit byte|char])",
                       argv[0]);
    return ct_import_fortunes(&o, out, stdout, err);
}

static int import_csv(int argc, char **argv, ct_error *err)
{
    const char *out = NULL, *fraction = NULL, *window = NULL, *horizon = NULL;
    ct_csv_options o = {NULL, NULL, NULL, 0, 0, 0.2};
    const ct_option options[] = {{"--out", &out, NULL},          {"--columns", &o.columns, NULL},
                                 {"--target", &o.target, NULL},  {"--window", &window, NULL},
                                 {"--horizon", &horizon, NULL},  {"--test-fraction", &fraction, NULL}};
    int n;
    if (ct_options_parse_list(argc, argv, options, N_OPTIONS(options), &o.path, 1, &n, "CSV FILE", err) != CT_OK ||
        ct_options_fraction(argv[0], "--test-fraction", fraction, &o.test_fraction, err) != CT_OK ||
        ct_options_int(argv[0], "--window", window, 1, INT32_MAX, &o.window, err) != CT_OK ||
        ct_options_int(argv[0], "--horizon", horizon, 1, INT32_MAX, &o.horizon, err) != CT_OK)
        return CT_ERR;
    const char *missing = n == 0 ? "a CSV FILE" : !o.columns ? "--columns" : !window ? "--window"
                          : !horizon ? "--horizon" : !out ? "--out" : NULL;
    if (missing)
        return ct_fail(err, "%s: %s is required (usage: ctrain data import csv FILE --columns a[,b] --window N "
                            "--horizon N --out FILE.h5 [--test-fraction 0.2] [--target COL])", argv[0], missing);
    return ct_import_csv(&o, out, stdout, err);
}

static const struct {
    const char *name, *command;
    int (*run)(int argc, char **argv, ct_error *err);
} importers[] = {
    {"fashion-mnist", "data import fashion-mnist", import_fashion_mnist},
    {"text", "data import text", import_text},
    {"fortunes", "data import fortunes", import_fortunes},
    {"csv", "data import csv", import_csv},
};

static int import(int argc, char **argv)
{
    ct_error err;
    for (size_t i = 0; argc >= 2 && i < sizeof importers / sizeof importers[0]; i++) {
        if (strcmp(argv[1], importers[i].name) != 0)
            continue;
        argv[1] = (char *)importers[i].command; /* the command's name in messages */
        if (importers[i].run(argc - 1, argv + 1, &err) != CT_OK)
            return ct_report_error(err.msg);
        return 0;
    }
    snprintf(err.msg, sizeof err.msg, "data import: unknown dataset '%s' (known: fashion-mnist, text, fortunes, csv)",
             argc < 2 ? "" : argv[1]);
    return ct_report_error(err.msg);
}

static int inspect(int argc, char **argv)
{
    if (argc != 2)
        return ct_report_error("data inspect: usage: ctrain data inspect FILE.h5");
    ct_error err;
    if (ct_inspect_file(argv[1], stdout, &err) != CT_OK)
        return ct_report_error(err.msg);
    return 0;
}

int ct_cmd_data(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return import(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "inspect") == 0)
        return inspect(argc - 1, argv + 1);
    return ct_report_error("data: expected 'import' or 'inspect' (see 'ctrain help data')");
}
