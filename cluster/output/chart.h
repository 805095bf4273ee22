/* Line charts of training curves on a canvas: a panel with axes at 1-2-5
 * ticks, tick and axis labels, and lines with or without dots; and the
 * legend that names the lines. */
#ifndef CT_CLUSTER_CHART_H
#define CT_CLUSTER_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/output/png.h"

/* An axis from lo to hi with a tick every step (1, 2 or 5 times a power of
 * ten); lo and hi are whole multiples of step. */
typedef struct ct_axis {
    double lo, hi, step;
} ct_axis;

/* The axis with the smallest step that holds [lo, hi] (finite, lo <= hi)
 * in at most max_ticks ticks (at least 2); a single value gets a range
 * around it. With whole, the step is at least 1 (counts such as steps). */
ct_axis ct_axis_nice(double lo, double hi, int max_ticks, bool whole);

/* Writes tick value v of axis a into buf, with the decimals its step
 * needs ("0.25", "1500", "-0.1"), in thousands, millions or billions on
 * axes that reach 10^4, 10^6, 10^9 ("25k", "1.5M"). Returns buf. */
const char *ct_axis_label(const ct_axis *a, double v, char *buf, size_t size);

typedef struct ct_chart_line {
    const double *x, *y; /* [n] data values; a non-finite y breaks the line */
    int64_t n;
    ct_pen pen;
    double dot; /* radius of a dot on every point, 0 for none */
} ct_chart_line;

typedef struct ct_chart {
    const char *x_label, *y_label;
    const ct_chart_line *lines; /* [nlines], each drawn over the ones before */
    int nlines;
} ct_chart;

/* Draws chart in the w x h pixels at (x, y), its labels included: the y
 * axis fits the lines' finite values, the x axis (whole numbers) runs from
 * 0, or below if a line does, to their largest x (1 at least). Says "no
 * values" when there are none. */
void ct_chart_draw(ct_canvas *c, int x, int y, int w, int h, const ct_chart *chart);

typedef struct ct_legend_entry {
    const char *name;
    ct_pen pen;
    double dot;
} ct_legend_entry;

/* Draws the entries in rows from (x, y), each a short stroke of its pen
 * (and a dot) before its name, starting a new row rather than passing
 * x + width. Returns the height drawn, so that a dry run on a small canvas
 * sizes a picture before it is made. */
int ct_legend_draw(ct_canvas *c, int x, int y, int width, const ct_legend_entry *entries, int n);

#endif
