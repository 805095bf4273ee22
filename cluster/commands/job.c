/* ctrain job check JOB.yaml [--set PATH=VALUE]...: validates a job and
 * prints it resolved (every field, defaults included). */
#include <stdio.h>
#include <string.h>

#include "cluster/commands/commands.h"
#include "engine/alloc.h"
#include "jobs/job.h"

int ct_cmd_job(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "check") != 0)
        return ct_report_error("job: usage: ctrain job check JOB.yaml [--set PATH=VALUE]...");
    const char *sets[64];
    size_t nsets = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--set") != 0 || i + 1 >= argc || nsets == 64)
            return ct_report_error("job check: expected --set PATH=VALUE after the job file");
        sets[nsets++] = argv[++i];
    }
    ct_job *job;
    ct_error err;
    if (ct_job_load(argv[2], sets, nsets, &job, &err) != CT_OK)
        return ct_report_error(err.msg);
    char *yaml = ct_job_to_yaml(job);
    printf("# %s: valid\n%s", argv[2], yaml);
    ct_free(yaml);
    ct_job_free(job);
    return 0;
}
