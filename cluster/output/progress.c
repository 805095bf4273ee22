#include "cluster/output/progress.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

double ct_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ct_progress_init(ct_progress *p, int style_setting, bool enabled, bool launched_by_mpi)
{
    p->out = stdout;
    p->enabled = enabled;
    p->last_draw = 0;
    p->bar_drawn = false;
    switch (style_setting) {
    case 1:
        p->style = CT_PROGRESS_BAR;
        break;
    case 2:
        p->style = CT_PROGRESS_LINES;
        break;
    case 3:
        p->style = CT_PROGRESS_NONE;
        break;
    default:
        p->style = !launched_by_mpi && isatty(fileno(p->out)) ? CT_PROGRESS_BAR : CT_PROGRESS_LINES;
    }
}

void ct_progress_end(ct_progress *p)
{
    if (p->bar_drawn) {
        fputc('\n', p->out);
        p->bar_drawn = false;
    }
}

void ct_progress_bar(ct_progress *p, int64_t epoch, int64_t epochs, int64_t batch, int64_t batches,
                     const char *text)
{
    if (!p->enabled || p->style != CT_PROGRESS_BAR)
        return;
    double now = ct_now();
    if (batch != batches && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    enum { WIDTH = 30 };
    int filled = batches ? (int)(WIDTH * batch / batches) : WIDTH;
    char bar[WIDTH + 1];
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[WIDTH] = '\0';
    fprintf(p->out, "\repoch %lld/%lld [%s] %lld/%lld %s ", (long long)epoch + 1, (long long)epochs, bar,
            (long long)batch, (long long)batches, text);
    fflush(p->out);
    p->bar_drawn = true;
}

bool ct_progress_shows_lines(const ct_progress *p)
{
    return p->enabled && p->style == CT_PROGRESS_LINES;
}

void ct_progress_line(ct_progress *p, const char *fmt, ...)
{
    if (!p->enabled)
        return;
    ct_progress_end(p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    fflush(p->out);
}
