/* ctrain: distributed neural-network training. Dispatches to a command. */
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"

int ct_report_error(const char *msg)
{
    fprintf(stderr, "ctrain: error: %s\n", msg);
    fflush(stderr);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ct_cmd_help(1, argv);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("ctrain %s\n", CTRAIN_VERSION);
        return 0;
    }
    if (strcmp(command, "help") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0)
        return ct_cmd_help(argc - 1, argv + 1);
    if (strcmp(command, "train") == 0)
        return ct_cmd_train(argc - 1, argv + 1);
    if (strcmp(command, "eval") == 0)
        return ct_cmd_eval(argc - 1, argv + 1);
    if (strcmp(command, "reconstruct") == 0)
        return ct_cmd_reconstruct(argc - 1, argv + 1);
    if (strcmp(command, "embed") == 0)
        return ct_cmd_embed(argc - 1, argv + 1);
    if (strcmp(command, "search") == 0)
        return ct_cmd_search(argc - 1, argv + 1);
    if (strcmp(command, "sample") == 0)
        return ct_cmd_sample(argc - 1, argv + 1);
    if (strcmp(command, "fid") == 0)
        return ct_cmd_fid(argc - 1, argv + 1);
    if (strcmp(command, "play") == 0)
        return ct_cmd_play(argc - 1, argv + 1);
    if (strcmp(command, "generate") == 0)
        return ct_cmd_generate(argc - 1, argv + 1);
    if (strcmp(command, "forecast") == 0)
        return ct_cmd_forecast(argc - 1, argv + 1);
    if (strcmp(command, "plot") == 0)
        return ct_cmd_plot(argc - 1, argv + 1);
    if (strcmp(command, "data") == 0)
        return ct_cmd_data(argc - 1, argv + 1);
    if (strcmp(command, "job") == 0)
        return ct_cmd_job(argc - 1, argv + 1);
    fprintf(stderr, "ctrain: error: unknown command '%s' (see 'ctrain help')\n", command);
    return 2;
}
