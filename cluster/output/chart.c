#include "cluster/output/chart.h"

#include <math.h>
#include <stdio.h>

#include "engine/alloc.h"

#define TICK 4       /* pixels of a tick mark, outside the frame */
#define PAD 6        /* between a panel's parts */
#define RIGHT 26     /* room for half the last x tick label */
#define X_SPACING 70 /* fewest pixels between x ticks */
#define Y_SPACING 40 /* between y ticks */

static const ct_rgb black = {0, 0, 0}, dark = {80, 80, 80}, frame = {160, 160, 160}, grid = {232, 232, 232};

ct_axis ct_axis_nice(double lo, double hi, int max_ticks, bool whole)
{
    double size = fmax(fabs(lo), fabs(hi));
    if (!(hi - lo > 1e-9 * size && hi - lo > 1e-200)) { /* one value, or too close to tell apart */
        double pad = size > 1e-200 ? 0.05 * size : 0.5;
        lo -= pad;
        hi += pad;
    }
    max_ticks = max_ticks < 2 ? 2 : max_ticks;
    static const double mantissas[3] = {1, 2, 5};
    /* 1e-9: a bound a hair past a multiple of the step is still that multiple */
    for (double decade = pow(10, floor(log10((hi - lo) / (max_ticks - 1))));; decade *= 10)
        for (int k = 0; k < 3; k++) {
            double step = mantissas[k] * decade;
            double first = floor(lo / step + 1e-9), last = ceil(hi / step - 1e-9);
            if ((!whole || step >= 1) && last - first + 1 <= max_ticks)
                return (ct_axis){first * step, last * step, step};
        }
}

/* Decimals that write the multiples of a 1-2-5 step exactly. */
static int decimals(double step)
{
    return step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

const char *ct_axis_label(const ct_axis *a, double v, char *buf, size_t size)
{
    static const struct {
        double unit, from;
        const char *suffix;
    } units[3] = {{1e9, 1e9, "G"}, {1e6, 1e6, "M"}, {1e3, 1e4, "k"}};
    double largest = fmax(fabs(a->lo), fabs(a->hi));
    v += 0.0; /* no "-0" */
    for (int i = 0; i < 3; i++)
        if (largest >= units[i].from && largest < 1e12 && a->step >= units[i].unit / 100) {
            if (v == 0)
                snprintf(buf, size, "0");
            else
                snprintf(buf, size, "%.*f%s", decimals(a->step / units[i].unit), v / units[i].unit, units[i].suffix);
            return buf;
        }
    if (largest < 1e9 && a->step >= 1e-6)
        snprintf(buf, size, "%.*f", decimals(a->step), v);
    else /* as many significant digits as tell ticks apart */
        snprintf(buf, size, "%.*g", (int)fmin(17, floor(log10(largest)) - floor(log10(a->step)) + 1), v);
    return buf;
}

static int64_t tick_count(const ct_axis *a)
{
    double steps = (a->hi - a->lo) / a->step;
    return steps >= 0 && steps < 1000 ? (int64_t)llround(steps) + 1 : 0; /* none on an axis past 1e308 */
}

static double tick_value(const ct_axis *a, int64_t i)
{
    return (llround(a->lo / a->step) + i) * a->step;
}

static int widest_label(ct_canvas *c, const ct_axis *a)
{
    int widest = 0;
    for (int64_t i = 0; i < tick_count(a); i++) {
        char buf[64];
        int w = ct_canvas_text_width(c, ct_axis_label(a, tick_value(a, i), buf, sizeof buf), 1);
        widest = w > widest ? w : widest;
    }
    return widest;
}

/* The x axis with the most ticks whose labels do not crowd each other. */
static ct_axis x_axis(ct_canvas *c, double lo, double hi, int pixels)
{
    for (int max_ticks = pixels / X_SPACING;; max_ticks--) {
        ct_axis a = ct_axis_nice(lo, hi, max_ticks, true);
        int spacing = (int)(pixels * a.step / (a.hi - a.lo));
        if (max_ticks <= 2 || widest_label(c, &a) + 2 * PAD <= spacing)
            return a;
    }
}

/* Where the plotted values are, in pixels. */
typedef struct frame_box {
    int left, top, width, height;
    ct_axis x, y;
} frame_box;

static double px_of(const frame_box *f, double v)
{
    return f->left + (v - f->x.lo) / (f->x.hi - f->x.lo) * f->width;
}

static double py_of(const frame_box *f, double v)
{
    return f->top + f->height - (v - f->y.lo) / (f->y.hi - f->y.lo) * f->height;
}

static void draw_ticks(ct_canvas *c, const frame_box *f, int line_h)
{
    char buf[64];
    int bottom = f->top + f->height;
    for (int64_t i = 0; i < tick_count(&f->y); i++) {
        double v = tick_value(&f->y, i);
        int py = (int)lround(py_of(f, v));
        ct_canvas_fill(c, f->left, py, f->width, 1, grid);
        ct_canvas_fill(c, f->left - TICK, py, TICK, 1, dark);
        const char *label = ct_axis_label(&f->y, v, buf, sizeof buf);
        int w = ct_canvas_text_width(c, label, 1);
        ct_canvas_text(c, f->left - TICK - 2 - w, py - line_h / 2, label, black, 1);
    }
    for (int64_t i = 0; i < tick_count(&f->x); i++) {
        double v = tick_value(&f->x, i);
        int px = (int)lround(px_of(f, v));
        ct_canvas_fill(c, px, f->top, 1, f->height, grid);
        ct_canvas_fill(c, px, bottom, 1, TICK, dark);
        const char *label = ct_axis_label(&f->x, v, buf, sizeof buf);
        ct_canvas_text(c, px - ct_canvas_text_width(c, label, 1) / 2, bottom + TICK + 1, label, black, 1);
    }
    /* the frame, over the grid */
    ct_canvas_fill(c, f->left, f->top, f->width, 1, frame);
    ct_canvas_fill(c, f->left, bottom, f->width + 1, 1, frame);
    ct_canvas_fill(c, f->left, f->top, 1, f->height, frame);
    ct_canvas_fill(c, f->left + f->width, f->top, 1, f->height, frame);
}

static void draw_line(ct_canvas *c, const frame_box *f, const ct_chart_line *line)
{
    double *px = CT_ALLOC_ARRAY(double, line->n), *py = CT_ALLOC_ARRAY(double, line->n);
    for (int64_t i = 0; i < line->n; i++) {
        px[i] = px_of(f, line->x[i]);
        py[i] = py_of(f, line->y[i]);
    }
    ct_canvas_polyline(c, px, py, line->n, &line->pen);
    for (int64_t i = 0; line->dot > 0 && i < line->n; i++)
        if (isfinite(px[i]) && isfinite(py[i]))
            ct_canvas_dot(c, px[i], py[i], line->dot, line->pen.color);
    ct_free(px);
    ct_free(py);
}

void ct_chart_draw(ct_canvas *c, int x, int y, int w, int h, const ct_chart *chart)
{
    double x_lo = 0, x_hi = 1, y_lo = INFINITY, y_hi = -INFINITY; /* x from step 0 to 1 at least */
    for (int k = 0; k < chart->nlines; k++) {
        const ct_chart_line *line = &chart->lines[k];
        for (int64_t i = 0; i < line->n; i++)
            if (isfinite(line->x[i]) && isfinite(line->y[i])) {
                x_lo = fmin(x_lo, line->x[i]);
                x_hi = fmax(x_hi, line->x[i]);
                y_lo = fmin(y_lo, line->y[i]);
                y_hi = fmax(y_hi, line->y[i]);
            }
    }
    int line_h = ct_canvas_text_height(c, 1);
    frame_box f;
    f.top = y + line_h / 2 + PAD; /* room for half the top tick label */
    f.height = y + h - f.top - (TICK + 1 + line_h + PAD + line_h + PAD);
    bool empty = y_lo > y_hi;
    f.y = ct_axis_nice(empty ? 0 : y_lo, empty ? 1 : y_hi, f.height / Y_SPACING + 1, false);
    /* the frames of panels side by side line up unless a label is wider */
    int labels_w = widest_label(c, &f.y), least = ct_canvas_text_width(c, "-0.00", 1);
    f.left = x + line_h + PAD + (labels_w > least ? labels_w : least) + 2 + TICK;
    f.width = x + w - RIGHT - f.left;
    f.x = x_axis(c, x_lo, x_hi, f.width);
    draw_ticks(c, &f, line_h);
    if (empty) {
        const char *none = "no values";
        ct_canvas_text(c, f.left + (f.width - ct_canvas_text_width(c, none, 1)) / 2, f.top + (f.height - line_h) / 2,
                       none, dark, 1);
    }
    for (int k = 0; k < chart->nlines; k++)
        draw_line(c, &f, &chart->lines[k]);
    int label_w = ct_canvas_text_width(c, chart->x_label, 1);
    ct_canvas_text(c, f.left + (f.width - label_w) / 2, y + h - PAD - line_h, chart->x_label, black, 1);
    label_w = ct_canvas_text_width(c, chart->y_label, 1);
    ct_canvas_text_up(c, x, f.top + (f.height - label_w) / 2, chart->y_label, black, 1);
}

#define SWATCH 26 /* pixels of the stroke before an entry's name */

int ct_legend_draw(ct_canvas *c, int x, int y, int width, const ct_legend_entry *entries, int n)
{
    int line_h = ct_canvas_text_height(c, 1), row_h = line_h + PAD;
    int at = x, rows = n > 0;
    for (int i = 0; i < n; i++) {
        const ct_legend_entry *e = &entries[i];
        int w = SWATCH + PAD + ct_canvas_text_width(c, e->name, 1);
        if (at > x && at + w > x + width) {
            at = x;
            rows++;
        }
        double mid = y + (rows - 1) * row_h + line_h / 2.0;
        double sx[2] = {at + 2, at + SWATCH - 2}, sy[2] = {mid, mid};
        ct_canvas_polyline(c, sx, sy, 2, &e->pen);
        if (e->dot > 0)
            ct_canvas_dot(c, at + SWATCH / 2.0, mid, e->dot, e->pen.color);
        ct_canvas_text(c, at + SWATCH + PAD, y + (rows - 1) * row_h, e->name, black, 1);
        at += w + 3 * PAD;
    }
    return rows * row_h;
}
