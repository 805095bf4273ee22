#include "cluster/run/signals.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "comm/watchdog.h"

static volatile sig_atomic_t received;

static void on_signal(int signal_number)
{
    received = signal_number;
}

void ct_signals_install(void)
{
    static const int stops[] = {SIGTERM, SIGINT, SIGUSR1};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* file and MPI calls in flight carry on */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        sigaction(stops[i], &sa, NULL);
}

int ct_signals_agree(const ct_world *world, int *signal_number, ct_error *err)
{
    int mine = received;
    ct_watch_enter("MPI_Allreduce of the stop signals");
    int rc = MPI_Allreduce(&mine, signal_number, 1, MPI_INT, MPI_MAX, world->comm);
    ct_watch_leave();
    if (rc != MPI_SUCCESS)
        return ct_fail(err, "MPI_Allreduce of the stop signals failed (code %d)", rc);
    return CT_OK;
}

const char *ct_signal_name(int signal_number, char *buf, size_t size)
{
    switch (signal_number) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGUSR1:
        return "SIGUSR1";
    default:
        snprintf(buf, size, "signal %d", signal_number);
        return buf;
    }
}
