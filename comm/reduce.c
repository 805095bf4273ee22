#include "comm/reduce.h"

#include <limits.h>

#include "comm/watchdog.h"

/* MPI counts are int: no single call may move more than INT_MAX elements. */
static size_t clamp_to_int(size_t n)
{
    return n > (size_t)INT_MAX ? (size_t)INT_MAX : n;
}

static int mpi_fail(ct_error *err, const char *what, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(code, text, &len);
    return ct_fail(err, "%s failed: %s", what, text);
}

int ct_broadcast_bytes(const ct_world *world, void *buf, size_t size, int root, ct_error *err)
{
    for (size_t done = 0; done < size;) {
        size_t count = clamp_to_int(size - done);
        ct_watch_enter("MPI_Bcast");
        int rc = MPI_Bcast((char *)buf + done, (int)count, MPI_BYTE, root, world->comm);
        ct_watch_leave();
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, "MPI_Bcast", rc);
        done += count;
    }
    return CT_OK;
}

int ct_broadcast_floats(const ct_world *world, float *buf, size_t n, ct_error *err)
{
    return ct_broadcast_bytes(world, buf, n * sizeof(float), 0, err);
}

int ct_allreduce_floats(const ct_world *world, float *buf, size_t n, size_t bucket_floats, ct_error *err)
{
    if (world->size == 1 || n == 0)
        return CT_OK;
    bucket_floats = clamp_to_int(bucket_floats ? bucket_floats : n);
    /* Every bucket is reduced even after one fails, so that this rank makes
     * the same collective calls as the others; the first failure is
     * returned, to be agreed on at the step's end. */
    int first_failure = MPI_SUCCESS;
    for (size_t end = n; end > 0;) {
        size_t begin = end > bucket_floats ? end - bucket_floats : 0;
        ct_watch_enter("MPI_Allreduce of gradients");
        int rc = MPI_Allreduce(MPI_IN_PLACE, buf + begin, (int)(end - begin), MPI_FLOAT, MPI_SUM, world->comm);
        ct_watch_leave();
        if (rc != MPI_SUCCESS && first_failure == MPI_SUCCESS)
            first_failure = rc;
        end = begin;
    }
    return first_failure == MPI_SUCCESS ? CT_OK : mpi_fail(err, "MPI_Allreduce of gradients", first_failure);
}

int ct_allreduce_doubles(const ct_world *world, double *buf, int n, ct_error *err)
{
    if (world->size == 1)
        return CT_OK;
    ct_watch_enter("MPI_Allreduce of metrics");
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, world->comm);
    ct_watch_leave();
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, "MPI_Allreduce of metrics", rc);
    return CT_OK;
}

int ct_spread_of(const ct_world *world, double value, ct_spread *out, ct_error *err)
{
    struct {
        double value;
        int rank;
    } mine = {value, world->rank}, top;
    double sum = value;
    ct_watch_enter("MPI_Allreduce of the ranks' timing");
    int rc = MPI_Allreduce(&mine, &top, 1, MPI_DOUBLE_INT, MPI_MAXLOC, world->comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_SUM, world->comm);
    ct_watch_leave();
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, "MPI_Allreduce of the ranks' timing", rc);
    *out = (ct_spread){.mean = sum / world->size, .max = top.value, .max_rank = top.rank};
    return CT_OK;
}
