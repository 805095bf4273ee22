/* protobuf -> YAML: every field in schema order, defaults included, as
 * block YAML that yaml_loader.c reads back to the same message. Floats use
 * the shortest digits that round-trip; strings are quoted unless plainly
 * safe; a list item that only sets a field-less member is written as its
 * bare name (`- relu`). Generic over descriptors. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

#define MAX_DEPTH 32

typedef struct emitter {
    ct_strbuf out;
    const ProtobufCMessageDescriptor *outer[MAX_DEPTH]; /* messages being written */
    int depth;
} emitter;

static int is_outer(const emitter *e, const ProtobufCMessageDescriptor *d)
{
    for (int i = 0; i < e->depth && i < MAX_DEPTH; i++)
        if (e->outer[i] == d)
            return 1;
    return 0;
}

/* Whether f is written: oneofs only their set member, strings and optional
 * sections unless unset, absent messages as their defaults (unless they
 * would recurse forever). */
static int printable(const emitter *e, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return 1;
    if (!ct_pb_oneof_is(m, f))
        return 0;
    if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
        return 1;
    const void *p = *(void *const *)ct_pb_member(m, f);
    if (f->type == PROTOBUF_C_TYPE_STRING || ct_pb_is_optional_section(f))
        return p != NULL;
    return p != NULL || (!ct_pb_is_oneof(f) && !is_outer(e, f->descriptor) && e->depth < MAX_DEPTH - 1);
}

static void push(emitter *e, const ProtobufCMessageDescriptor *d)
{
    if (e->depth < MAX_DEPTH)
        e->outer[e->depth] = d;
    e->depth++;
}

/* How many fields of m emit_fields would write; the last one in *only. */
static size_t count_printable(emitter *e, const ProtobufCMessage *m, const ProtobufCFieldDescriptor **only)
{
    size_t n = 0;
    push(e, m->descriptor);
    for (unsigned i = 0; i < m->descriptor->n_fields; i++)
        if (printable(e, m, &m->descriptor->fields[i])) {
            n++;
            *only = &m->descriptor->fields[i];
        }
    e->depth--;
    return n;
}

static void put_indent(emitter *e, int n)
{
    for (int i = 0; i < n; i++)
        ct_strbuf_putn(&e->out, " ", 1);
}

static int plain_word(const char *s, size_t n)
{
    static const char *const special[] = {"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"};
    if (n == 0 || memchr(s, '\0', n))
        return 0;
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        if (strlen(special[i]) == n && strncasecmp(s, special[i], n) == 0)
            return 0;
    if (!isalpha((unsigned char)s[0]) && s[0] != '_' && s[0] != '/')
        return 0; /* numbers, signs, dots, indicators */
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_-./+@", s[i]))
            return 0;
    return 1;
}

static void put_string(emitter *e, const char *s, size_t n)
{
    if (plain_word(s, n)) {
        ct_strbuf_putn(&e->out, s, n);
        return;
    }
    ct_strbuf_putn(&e->out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            ct_strbuf_printf(&e->out, "\\%c", c);
        else if (c == '\n')
            ct_strbuf_puts(&e->out, "\\n");
        else if (c == '\t')
            ct_strbuf_puts(&e->out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            ct_strbuf_printf(&e->out, "\\x%02x", c);
        else
            ct_strbuf_putn(&e->out, s + i, 1);
    }
    ct_strbuf_putn(&e->out, "\"", 1);
}

/* The fewest significant digits that read back to the same value. */
static void put_real(emitter *e, double v, int is_float)
{
    if (isnan(v)) {
        ct_strbuf_puts(&e->out, ".nan");
        return;
    }
    if (isinf(v)) {
        ct_strbuf_puts(&e->out, v > 0 ? ".inf" : "-.inf");
        return;
    }
    char buf[40];
    for (int digits = is_float ? 6 : 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            break;
    }
    ct_strbuf_puts(&e->out, buf);
}

static void put_scalar(emitter *e, const ProtobufCFieldDescriptor *f, const void *slot)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        ct_strbuf_printf(&e->out, "%" PRId32, *(const int32_t *)slot);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        ct_strbuf_printf(&e->out, "%" PRId64, *(const int64_t *)slot);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        ct_strbuf_printf(&e->out, "%" PRIu32, *(const uint32_t *)slot);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        ct_strbuf_printf(&e->out, "%" PRIu64, *(const uint64_t *)slot);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        put_real(e, *(const float *)slot, 1);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        put_real(e, *(const double *)slot, 0);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        ct_strbuf_puts(&e->out, *(const protobuf_c_boolean *)slot ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)slot;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        if (!ev) {
            ct_strbuf_printf(&e->out, "%d", v);
            break;
        }
        for (const char *s = ev->name; *s; s++) {
            char c = (char)tolower((unsigned char)*s);
            ct_strbuf_putn(&e->out, &c, 1);
        }
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)slot;
        put_string(e, s, strlen(s));
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = slot;
        put_string(e, bd->data ? (const char *)bd->data : "", bd->data ? bd->len : 0);
        break;
    }
    default:
        break;
    }
}

static void emit_fields(emitter *e, const ProtobufCMessage *m, int indent, int first_inline);

/* After "key:": " {}" or a block of fields; an absent message as defaults. */
static void emit_message(emitter *e, const ProtobufCMessage *m, const ProtobufCMessageDescriptor *d, int indent)
{
    ProtobufCMessage *defaults = m ? NULL : ct_pb_new(d);
    const ProtobufCFieldDescriptor *only;
    if (!m)
        m = defaults;
    if (count_printable(e, m, &only) == 0) {
        ct_strbuf_puts(&e->out, " {}\n");
    } else {
        ct_strbuf_puts(&e->out, "\n");
        emit_fields(e, m, indent + 2, 0);
    }
    ct_free(defaults); /* a fresh message owns nothing */
}

static void emit_item(emitter *e, const ProtobufCFieldDescriptor *f, const void *slot, int indent)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
        put_scalar(e, f, slot);
        ct_strbuf_puts(&e->out, "\n");
        return;
    }
    const ProtobufCMessage *m = *(ProtobufCMessage *const *)slot;
    const ProtobufCFieldDescriptor *only = NULL;
    size_t n = m ? count_printable(e, m, &only) : 0;
    if (n == 0)
        ct_strbuf_puts(&e->out, "{}\n");
    else if (n == 1 && ct_pb_is_flag_field(only))
        ct_strbuf_printf(&e->out, "%s\n", only->name);
    else
        emit_fields(e, m, indent + 2, 1);
}

static void emit_field(emitter *e, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int indent)
{
    const void *slot = ct_pb_member(m, f);
    ct_strbuf_printf(&e->out, "%s:", f->name);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *)ct_pb_quantifier(m, f), size = ct_pb_elt_size(f->type);
        if (n == 0) {
            ct_strbuf_puts(&e->out, " []\n");
            return;
        }
        ct_strbuf_puts(&e->out, "\n");
        const char *array = *(char *const *)slot;
        for (size_t i = 0; i < n; i++) {
            put_indent(e, indent + 2);
            ct_strbuf_puts(&e->out, "- ");
            emit_item(e, f, array + i * size, indent + 2);
        }
        return;
    }
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        emit_message(e, *(ProtobufCMessage *const *)slot, f->descriptor, indent);
        return;
    }
    ct_strbuf_puts(&e->out, " ");
    put_scalar(e, f, slot);
    ct_strbuf_puts(&e->out, "\n");
}

/* The fields of m, one "key: value" per line at indent; with first_inline
 * the first line follows text already written ("- "). */
static void emit_fields(emitter *e, const ProtobufCMessage *m, int indent, int first_inline)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    push(e, d);
    int first = 1;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!printable(e, m, f))
            continue;
        if (!(first && first_inline))
            put_indent(e, indent);
        first = 0;
        emit_field(e, m, f, indent);
    }
    e->depth--;
}

char *ct_yaml_emit(const ProtobufCMessage *m)
{
    emitter e = {.depth = 0};
    emit_fields(&e, m, 0, 0);
    return ct_strbuf_take(&e.out);
}
