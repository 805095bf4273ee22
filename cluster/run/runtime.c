#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cluster/run/runtime.h"

#include <cblas.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/commands/commands.h"
#include "engine/alloc.h"

int ct_runtime_set_blas_threads(const ct_world *world, int *cores)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    int allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : (int)online;
    if (cores)
        *cores = allowed;
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    int threads = env ? atoi(env) : 0;
    if (threads < 1) {
        bool pinned = allowed < online;
        threads = pinned ? allowed : allowed / (world->local_size > 0 ? world->local_size : 1);
        if (threads < 1)
            threads = 1;
    }
    openblas_set_num_threads(threads);
    return threads;
}

/* A "Key: N kB" line of /proc/meminfo, in bytes; < 0 when absent. */
static double meminfo_bytes(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    double bytes = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            bytes = atof(line + klen + 1) * 1024.0;
            break;
        }
    fclose(f);
    return bytes;
}

/* One number from a cgroup v2 file of this process's cgroup; < 0 when
 * absent or "max". */
static double cgroup_value(const char *file)
{
    char cgroup[600] = "", path[1200];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return -1;
    char line[600];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            snprintf(cgroup, sizeof cgroup, "%s", line + 3);
            cgroup[strcspn(cgroup, "\n")] = '\0';
        }
    fclose(f);
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/%s", cgroup, file);
    f = fopen(path, "r");
    if (!f)
        return -1;
    double v = -1;
    if (fgets(line, sizeof line, f) && strncmp(line, "max", 3) != 0)
        v = atof(line);
    fclose(f);
    return v;
}

void ct_runtime_set_memory_budget(const ct_world *world)
{
    double available = meminfo_bytes("MemAvailable");
    const char *what = "MemAvailable";
    double limit = cgroup_value("memory.max"), used = cgroup_value("memory.current");
    if (limit >= 0 && used >= 0 && (available < 0 || limit - used < available)) {
        available = limit - used;
        what = "room under the cgroup's memory.max";
    }
    if (available < 0)
        return;
    int ranks = world->local_size > 0 ? world->local_size : 1;
    char amount[32], source[160];
    ct_format_bytes(available, amount, sizeof amount);
    snprintf(source, sizeof source, "%s %s shared by %d rank%s on this node", what, amount, ranks,
             ranks > 1 ? "s" : "");
    ct_alloc_set_budget(available / ranks, source);
}

int ct_runtime_fail(const ct_world *world, const ct_error *err)
{
    if (world->rank == 0)
        ct_report_error(err->msg);
    return 1;
}
