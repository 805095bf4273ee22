#include "comm/world.h"

#include <stdlib.h>

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
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return ct_fail(err, "MPI_Init failed");
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
