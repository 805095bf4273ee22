/* Near-miss suggestions ("did you mean 'batch_size'?") and the lists of
 * valid names that errors print when nothing is close. */
#include <ctype.h>
#include <string.h>

#include "jobs/job_internal.h"

#define MAX_WORD 64

size_t ct_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > MAX_WORD || m > MAX_WORD)
        return (size_t)-1;
    size_t d[MAX_WORD + 1][MAX_WORD + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ai != bj);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1; /* transposition */
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* A typo is at most a third of the shorter word (at least one edit) away:
 * bach_size -> batch_size, but not lerning_rate -> lr. */
static int is_close(const char *word, const char *name, size_t *dist)
{
    size_t lw = strlen(word), ln = strlen(name);
    size_t limit = (lw < ln ? lw : ln) / 3;
    if (limit < 1)
        limit = 1;
    *dist = ct_edit_distance(word, name);
    return *dist <= limit;
}

const char *ct_pb_suggest_field(const ProtobufCMessageDescriptor *d, const char *word)
{
    const char *best = NULL;
    size_t best_dist = (size_t)-1, dist;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (is_close(word, d->fields[i].name, &dist) && dist < best_dist) {
            best = d->fields[i].name;
            best_dist = dist;
        }
    return best;
}

const char *ct_pb_suggest_enum(const ProtobufCEnumDescriptor *e, const char *word)
{
    const char *best = NULL;
    size_t best_dist = (size_t)-1, dist;
    for (unsigned i = 0; i < e->n_values; i++)
        if (is_close(word, e->values[i].name, &dist) && dist < best_dist) {
            best = e->values[i].name;
            best_dist = dist;
        }
    return best;
}

static void put_lower(ct_strbuf *out, const char *s)
{
    for (; *s; s++) {
        char c = (char)tolower((unsigned char)*s);
        ct_strbuf_putn(out, &c, 1);
    }
}

void ct_pb_list_fields(const ProtobufCMessageDescriptor *d, ct_strbuf *out)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        ct_strbuf_printf(out, "%s%s", i ? ", " : "", d->fields[i].name);
}

void ct_pb_list_enum(const ProtobufCEnumDescriptor *e, ct_strbuf *out)
{
    for (unsigned i = 0; i < e->n_values; i++) {
        if (i)
            ct_strbuf_puts(out, ", ");
        put_lower(out, e->values[i].name);
    }
}

void ct_pb_list_oneof(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                      ct_strbuf *out)
{
    int first = 1;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *g = &d->fields[i];
        if (ct_pb_is_oneof(g) && g->quantifier_offset == f->quantifier_offset) {
            ct_strbuf_printf(out, "%s%s", first ? "" : ", ", g->name);
            first = 0;
        }
    }
}

void ct_pb_list_flags(const ProtobufCMessageDescriptor *d, ct_strbuf *out)
{
    int first = 1;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (ct_pb_is_flag_field(&d->fields[i])) {
            ct_strbuf_printf(out, "%s%s", first ? "" : ", ", d->fields[i].name);
            first = 0;
        }
}
