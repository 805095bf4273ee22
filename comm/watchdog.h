/* The collective watchdog. Every collective ctrain makes is bracketed by
 * ct_watch_enter/ct_watch_leave; a thread checks once a second whether the
 * rank has waited in one for longer than the job's
 * train.collective_timeout_s. A rank that did not come (killed, stopped
 * with SIGSTOP, behind a partitioned network, stuck on a hung filesystem)
 * would otherwise hold every other rank, and the allocation, until the
 * time limit. On a timeout the rank prints the step, the operation and how
 * long it waited, and ends the job with MPI_Abort (status
 * CT_EXIT_WATCHDOG).
 *
 * The brackets also add up the time the rank spent in collectives, so that
 * a step's compute time (the rest) shows which rank is the straggler. One
 * watchdog per process: the brackets are cheap enough for every call. */
#ifndef CT_COMM_WATCHDOG_H
#define CT_COMM_WATCHDOG_H

#include <stdint.h>

#include "comm/world.h"

/* The status a watchdog abort ends the job with (sysexits' EX_UNAVAILABLE:
 * a rank or the network between them failed). */
#define CT_EXIT_WATCHDOG 69

/* Starts the thread; timeout_s <= 0 disables the timeout (the brackets
 * still count time). Returns CT_ERR when the thread cannot start. */
int ct_watchdog_start(const ct_world *world, double timeout_s, ct_error *err);
void ct_watchdog_stop(void);

/* The step the rank is in, for the message (1-based, as in the logs). */
void ct_watch_step(int64_t step);

/* Around one collective; operation is a string literal naming it. */
void ct_watch_enter(const char *operation);
void ct_watch_leave(void);

/* Seconds spent inside brackets since the process started. */
double ct_watch_collective_seconds(void);

#endif
