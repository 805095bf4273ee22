/* Field paths, and the side table that remembers where in the YAML (or in
 * which --set) each field was written, for errors found after the walk. */
#include <stdio.h>
#include <string.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

struct ct_mark {
    char *path;
    ct_loc loc;
};

static size_t path_append(ct_path *p, const char *fmt, const char *name, size_t index)
{
    size_t old = p->len;
    size_t room = sizeof p->s - p->len;
    int n = name ? snprintf(p->s + p->len, room, fmt, name) : snprintf(p->s + p->len, room, fmt, index);
    if (n < 0)
        n = 0;
    p->len += (size_t)n < room ? (size_t)n : room - 1;
    return old;
}

size_t ct_path_push_field(ct_path *p, const char *name)
{
    return path_append(p, p->len ? ".%s" : "%s", name, 0);
}

size_t ct_path_push_index(ct_path *p, size_t index)
{
    return path_append(p, "[%zu]", NULL, index);
}

void ct_path_pop(ct_path *p, size_t len)
{
    p->len = len;
    p->s[len] = '\0';
}

const char *ct_loc_format(const ct_loc *loc, char *buf, size_t size)
{
    if (loc->is_set)
        snprintf(buf, size, "--set %s", loc->origin);
    else if (loc->line)
        snprintf(buf, size, "%s:%zu:%zu", loc->origin, loc->line, loc->col);
    else
        snprintf(buf, size, "%s", loc->origin);
    return buf;
}

void ct_marks_add(ct_marks *m, const char *path, ct_loc loc)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 32;
        m->v = ct_realloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n].path = ct_strdup(path);
    m->v[m->n].loc = loc;
    m->n++;
}

const ct_loc *ct_marks_find(const ct_marks *m, const char *path)
{
    for (size_t i = m->n; i-- > 0;)
        if (strcmp(m->v[i].path, path) == 0)
            return &m->v[i].loc;
    return NULL;
}

const ct_loc *ct_marks_find_near(const ct_marks *m, const char *path)
{
    char buf[sizeof ((ct_path *)0)->s];
    snprintf(buf, sizeof buf, "%s", path);
    for (;;) {
        const ct_loc *loc = ct_marks_find(m, buf);
        if (loc)
            return loc;
        size_t cut = strlen(buf);
        while (cut > 0 && buf[cut] != '.' && buf[cut] != '[')
            cut--;
        if (cut == 0)
            return NULL;
        buf[cut] = '\0';
    }
}

void ct_marks_free(ct_marks *m)
{
    for (size_t i = 0; i < m->n; i++)
        ct_free(m->v[i].path);
    ct_free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}
