/* ctrain data import fashion-mnist [--from DIR] --out FILE.h5
 * ctrain data inspect FILE.h5 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "datasets/durable_file.h"
#include "datasets/importers.h"

static int import(int argc, char **argv)
{
    ct_error err;
    if (argc < 2 || strcmp(argv[1], "fashion-mnist") != 0) {
        snprintf(err.msg, sizeof err.msg, "data import: unknown dataset '%s' (known: fashion-mnist)",
                 argc < 2 ? "" : argv[1]);
        return ct_report_error(err.msg);
    }
    const char *from = CT_FASHION_MNIST_DIR, *out = NULL;
    for (int i = 2; i < argc; i++) {
        int has_value = i + 1 < argc;
        if (strcmp(argv[i], "--from") == 0 && has_value) {
            from = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && has_value) {
            out = argv[++i];
        } else {
            snprintf(err.msg, sizeof err.msg, "data import: unexpected argument '%s' (usage: ctrain data import "
                     "fashion-mnist [--from DIR] --out FILE.h5)", argv[i]);
            return ct_report_error(err.msg);
        }
    }
    if (!out)
        return ct_report_error("data import: --out FILE.h5 is required");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    if (ct_mkdirs(dirname(dir), &err) != CT_OK) /* --out data/x.h5 in a fresh clone */
        return ct_report_error(err.msg);
    if (ct_import_fashion_mnist(from, out, stdout, &err) != CT_OK)
        return ct_report_error(err.msg);
    return 0;
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
