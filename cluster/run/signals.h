/* Stopping a run cleanly on a signal: SIGTERM (a batch system's time limit,
 * scancel, mpirun passing on its own SIGTERM), SIGINT (Ctrl-C) and SIGUSR1
 * (Slurm's --signal=B:USR1@SECONDS ahead of a time limit) only set a flag;
 * the training loop agrees on it across ranks at the next step boundary,
 * writes a checkpoint and ends with CT_EXIT_RESUMABLE. */
#ifndef CT_CLUSTER_SIGNALS_H
#define CT_CLUSTER_SIGNALS_H

#include "comm/world.h"
#include "engine/error.h"

/* The exit status of a run stopped by a signal with a checkpoint to resume
 * from (EX_TEMPFAIL of sysexits.h: "try again later"). */
#define CT_EXIT_RESUMABLE 75

/* Installs the handlers (once per process). */
void ct_signals_install(void);

/* Collective: the signal any rank has received so far (the largest
 * number), or 0. */
int ct_signals_agree(const ct_world *world, int *signal_number, ct_error *err);

/* "SIGTERM", "SIGINT", "SIGUSR1" or "signal N". */
const char *ct_signal_name(int signal_number, char *buf, size_t size);

#endif
