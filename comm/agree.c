#include "comm/agree.h"

#include <stdio.h>
#include <string.h>

#include "comm/watchdog.h"

int ct_agree_root(const ct_world *world, int root_status, int root, ct_error *err)
{
    int failed = root_status != CT_OK;
    ct_watch_enter("MPI_Bcast of rank 0's status");
    MPI_Bcast(&failed, 1, MPI_INT, root, world->comm);
    if (failed)
        MPI_Bcast(err->msg, (int)sizeof err->msg, MPI_CHAR, root, world->comm);
    ct_watch_leave();
    if (!failed)
        return CT_OK;
    err->msg[sizeof err->msg - 1] = '\0';
    return CT_ERR;
}

int ct_agree(const ct_world *world, int local_status, ct_error *err)
{
    /* One MIN reduction answers both questions: the lowest failing rank, and
     * whether every rank failed (then the error is shared: no rank prefix). */
    int mine[2] = {local_status == CT_OK ? world->size : world->rank, local_status == CT_OK ? 0 : 1};
    int agreed[2];
    ct_watch_enter("MPI_Allreduce of the ranks' status");
    MPI_Allreduce(mine, agreed, 2, MPI_INT, MPI_MIN, world->comm);
    ct_watch_leave();
    int first_failed = agreed[0], all_failed = agreed[1];
    if (first_failed == world->size)
        return CT_OK;

    char msg[sizeof err->msg];
    if (world->rank == first_failed)
        memcpy(msg, err->msg, sizeof msg);
    ct_watch_enter("MPI_Bcast of an error");
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first_failed, world->comm);
    ct_watch_leave();
    msg[sizeof msg - 1] = '\0';
    if (!all_failed)
        snprintf(err->msg, sizeof err->msg, "rank %d: %.1000s", first_failed, msg);
    else
        memcpy(err->msg, msg, sizeof msg);
    return CT_ERR;
}
