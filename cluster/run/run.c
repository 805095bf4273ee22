#include "cluster/run/run.h"

#include <string.h>

#include "engine/alloc.h"

void ct_run_init(ct_run *run, ct_world *world)
{
    memset(run, 0, sizeof *run);
    run->world = world;
}

void ct_run_free(ct_run *run)
{
    if (run->family)
        run->family->teardown(run);
    ct_shard_free(&run->train);
    ct_free(run->metrics);
    ct_free(run->job_yaml);
    if (run->job)
        ct_job_free(run->job);
    ct_run_init(run, run->world);
}
