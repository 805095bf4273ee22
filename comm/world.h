/* The MPI world of a ctrain process: rank, size, and the ranks sharing its
 * node. The same binary runs as an MPI singleton (plain `ctrain train`), under
 * mpirun, and under srun: MPI_Init handles all three. */
#ifndef CT_COMM_WORLD_H
#define CT_COMM_WORLD_H

#include <mpi.h>

#include "engine/error.h"

typedef struct ct_world {
    MPI_Comm comm;   /* a duplicate of MPI_COMM_WORLD, ours alone */
    int rank, size;
    int local_rank;  /* rank among the processes on this node */
    int local_size;  /* processes on this node */
    const char *launcher; /* "single-node", "mpirun" or "slurm" */
} ct_world;

/* MPI_Init and the fields above. Errors make MPI return instead of abort. */
int ct_world_init(ct_world *world, int *argc, char ***argv, ct_error *err);
void ct_world_finalize(ct_world *world);

/* Where the ranks run, for the start line: "n1 (ranks 0-1), n2 (rank 2)".
 * A node is named as Slurm names it (SLURMD_NODENAME), else by its host
 * name. Collective; the text is rank 0's (long lists end in "..."). */
void ct_world_placement(const ct_world *world, char *text, size_t size);

/* Ends every rank at once after an unrecoverable failure (MPI_Abort). */
void ct_world_abort(ct_world *world, int code) __attribute__((noreturn));

#endif
