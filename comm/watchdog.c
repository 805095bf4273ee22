#include "comm/watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds MPI_Abort gets before SIGALRM ends this process anyway. */
#define ABORT_GRACE_S 10

static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool running, stopping;
    double timeout_s;
    int rank, size;
    /* Written by the rank's thread, read by the watchdog's. */
    _Atomic(const char *) operation;
    _Atomic int64_t entered_ns;
    _Atomic int64_t step;
    /* The rank's thread only. */
    int depth;
    int64_t collective_ns;
} dog = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void ct_watch_step(int64_t step)
{
    atomic_store(&dog.step, step);
}

void ct_watch_enter(const char *operation)
{
    if (dog.depth++ > 0)
        return; /* a collective inside another: the outer one is the wait */
    atomic_store(&dog.entered_ns, now_ns());
    atomic_store(&dog.operation, operation);
}

void ct_watch_leave(void)
{
    if (--dog.depth > 0)
        return;
    atomic_store(&dog.operation, (const char *)NULL);
    dog.collective_ns += now_ns() - atomic_load(&dog.entered_ns);
}

double ct_watch_collective_seconds(void)
{
    return (double)dog.collective_ns * 1e-9;
}

static void abort_job(const char *operation, double waited)
{
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    fprintf(stderr,
            "ctrain: rank %d of %d (%s): watchdog: step %lld: waited %.1f s in %s, longer than "
            "train.collective_timeout_s %g: another rank is dead, stopped, unreachable or stuck; ending the job "
            "(exit status %d)\n",
            dog.rank, dog.size, host, (long long)atomic_load(&dog.step), waited, operation, dog.timeout_s,
            CT_EXIT_WATCHDOG);
    fflush(stderr);
    /* MPI_Abort needs the runtime to reach the other ranks; should it hang
     * on a dead network, SIGALRM's default action still ends this rank. */
    alarm(ABORT_GRACE_S);
    MPI_Abort(MPI_COMM_WORLD, CT_EXIT_WATCHDOG);
}

static void *watch(void *unused)
{
    (void)unused;
    double period = dog.timeout_s < 4 ? dog.timeout_s / 4 : 1.0;
    pthread_mutex_lock(&dog.lock);
    while (!dog.stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = until.tv_nsec + (int64_t)(period * 1e9);
        until.tv_sec += ns / 1000000000;
        until.tv_nsec = ns % 1000000000;
        int rc = pthread_cond_timedwait(&dog.wake, &dog.lock, &until);
        if (rc != 0 && rc != ETIMEDOUT)
            break;
        const char *operation = atomic_load(&dog.operation);
        double waited = (double)(now_ns() - atomic_load(&dog.entered_ns)) * 1e-9;
        if (operation && operation == atomic_load(&dog.operation) && waited > dog.timeout_s)
            abort_job(operation, waited);
    }
    pthread_mutex_unlock(&dog.lock);
    return NULL;
}

int ct_watchdog_start(const ct_world *world, double timeout_s, ct_error *err)
{
    dog.rank = world->rank;
    dog.size = world->size;
    dog.timeout_s = timeout_s;
    if (timeout_s <= 0 || world->size == 1)
        return CT_OK; /* one rank waits for no one */
    dog.stopping = false;
    int rc = pthread_create(&dog.thread, NULL, watch, NULL);
    if (rc != 0)
        return ct_fail(err, "cannot start the collective watchdog's thread: %s", strerror(rc));
    dog.running = true;
    return CT_OK;
}

void ct_watchdog_stop(void)
{
    if (!dog.running)
        return;
    pthread_mutex_lock(&dog.lock);
    dog.stopping = true;
    pthread_cond_signal(&dog.wake);
    pthread_mutex_unlock(&dog.lock);
    pthread_join(dog.thread, NULL);
    dog.running = false;
}
