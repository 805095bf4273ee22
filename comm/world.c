#include "comm/world.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/alloc.h"

#define NODE_NAME_MAX 64

static const char *detect_launcher(int size)
{
    if (getenv("SLURM_JOB_ID") && getenv("SLURM_PROCID") && !getenv("OMPI_COMM_WORLD_SIZE"))
        return "slurm";
    if (getenv("OMPI_COMM_WORLD_SIZE") || size > 1)
        return "mpirun";
    return "single-node";
}

int ct_world_init(ct_world *world, int *argc, char ***argv, ct_error *err)
{
    /* The collective watchdog's thread may call MPI_Abort while this one
     * waits in a collective. */
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
        return ct_fail(err, "MPI_Init_thread failed");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_dup(MPI_COMM_WORLD, &world->comm);
    MPI_Comm_rank(world->comm, &world->rank);
    MPI_Comm_size(world->comm, &world->size);

    MPI_Comm node;
    MPI_Comm_split_type(world->comm, MPI_COMM_TYPE_SHARED, world->rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &world->local_rank);
    MPI_Comm_size(node, &world->local_size);
    MPI_Comm_free(&node);
    world->launcher = detect_launcher(world->size);
    return CT_OK;
}

static void node_name(char name[NODE_NAME_MAX])
{
    const char *slurm = getenv("SLURMD_NODENAME");
    if (slurm)
        snprintf(name, NODE_NAME_MAX, "%s", slurm);
    else if (gethostname(name, NODE_NAME_MAX - 1) != 0)
        snprintf(name, NODE_NAME_MAX, "?");
    name[NODE_NAME_MAX - 1] = '\0';
}

/* Appends to text[size] at *at, keeping a terminating NUL; false once full. */
static bool append(char *text, size_t size, size_t *at, const char *fmt, int a, int b)
{
    int n = snprintf(text + *at, size - *at, fmt, a, b);
    if (n < 0 || (size_t)n >= size - *at)
        return false;
    *at += (size_t)n;
    return true;
}

/* "name (ranks 0-3, 8)": the ranks on one node, as ranges. */
static bool describe_node(const char *names, int size, int first, char *text, size_t text_size, size_t *at)
{
    const char *name = names + (size_t)first * NODE_NAME_MAX;
    int count = 0;
    for (int r = first; r < size; r++)
        count += strcmp(names + (size_t)r * NODE_NAME_MAX, name) == 0;
    int n = snprintf(text + *at, text_size - *at, "%s%s (rank%s ", *at ? ", " : "", name, count > 1 ? "s" : "");
    if (n < 0 || (size_t)n >= text_size - *at)
        return false;
    *at += (size_t)n;
    bool first_range = true;
    for (int r = first; r < size; r++) {
        if (strcmp(names + (size_t)r * NODE_NAME_MAX, name) != 0)
            continue;
        int end = r;
        while (end + 1 < size && strcmp(names + (size_t)(end + 1) * NODE_NAME_MAX, name) == 0)
            end++;
        bool ok = end == r ? append(text, text_size, at, first_range ? "%d" : ", %d", r, 0)
                           : append(text, text_size, at, first_range ? "%d-%d" : ", %d-%d", r, end);
        if (!ok)
            return false;
        first_range = false;
        r = end;
    }
    return append(text, text_size, at, ")", 0, 0);
}

void ct_world_placement(const ct_world *world, char *text, size_t size)
{
    char mine[NODE_NAME_MAX];
    node_name(mine);
    char *names = world->rank == 0 ? ct_malloc((size_t)world->size * NODE_NAME_MAX) : NULL;
    MPI_Gather(mine, NODE_NAME_MAX, MPI_CHAR, names, NODE_NAME_MAX, MPI_CHAR, 0, world->comm);
    text[0] = '\0';
    if (world->rank != 0)
        return;
    size_t at = 0;
    for (int r = 0; r < world->size; r++) {
        bool seen = false;
        for (int q = 0; q < r && !seen; q++)
            seen = strcmp(names + (size_t)q * NODE_NAME_MAX, names + (size_t)r * NODE_NAME_MAX) == 0;
        if (!seen && !describe_node(names, world->size, r, text, size, &at)) {
            snprintf(text + (at < size - 4 ? at : size - 4), 4, "...");
            break;
        }
    }
    ct_free(names);
}

void ct_world_finalize(ct_world *world)
{
    MPI_Comm_free(&world->comm);
    MPI_Finalize();
}

void ct_world_abort(ct_world *world, int code)
{
    MPI_Abort(world->comm, code);
    abort(); /* MPI_Abort does not return; this tells the compiler so */
}
