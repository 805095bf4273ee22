#include "cluster/run/runtime.h"

#include <cblas.h>
#include <stdlib.h>
#include <unistd.h>

#include "cluster/commands/commands.h"

int ct_runtime_set_blas_threads(const ct_world *world)
{
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    int threads = env ? atoi(env) : 0;
    if (threads < 1) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = (int)(cores / (world->local_size > 0 ? world->local_size : 1));
        if (threads < 1)
            threads = 1;
    }
    openblas_set_num_threads(threads);
    return threads;
}

int ct_runtime_fail(const ct_world *world, const ct_error *err)
{
    if (world->rank == 0)
        ct_report_error(err->msg);
    return 1;
}
