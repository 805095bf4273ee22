/* Progress output of rank 0: a live bar on a terminal, plain lines
 * otherwise (Slurm logs), or nothing. */
#ifndef CT_CLUSTER_PROGRESS_H
#define CT_CLUSTER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum ct_progress_style { CT_PROGRESS_BAR, CT_PROGRESS_LINES, CT_PROGRESS_NONE } ct_progress_style;

typedef struct ct_progress {
    ct_progress_style style;
    FILE *out;
    bool enabled;          /* false on every rank but 0 */
    double last_draw;      /* monotonic seconds of the last bar redraw */
    bool bar_drawn;        /* a bar line is on screen and needs a newline */
} ct_progress;

/* style_setting: 0 auto, 1 bar, 2 lines, 3 none (the job's output.progress).
 * Auto draws a bar only for a single process on a terminal: mpirun gives its
 * ranks a pseudo-terminal even when its own output goes to a file. */
void ct_progress_init(ct_progress *p, int style_setting, bool enabled, bool launched_by_mpi);

/* Called after every step: in bar style, redraws "epoch 2/15 [====>   ]
 * 120/469 <text>" (at most 10 times a second, and at an epoch's last
 * step); nothing in the other styles. */
void ct_progress_bar(ct_progress *p, int64_t epoch, int64_t epochs, int64_t batch, int64_t batches,
                     const char *text);

/* Whether the periodic step lines are printed (line style). */
bool ct_progress_shows_lines(const ct_progress *p);

/* Prints a line (ending the bar first). printf-like. */
void ct_progress_line(ct_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ends a bar line on screen, if any. */
void ct_progress_end(ct_progress *p);

/* Monotonic clock in seconds. */
double ct_now(void);

#endif
