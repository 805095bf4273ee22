/* --set PATH=VALUE: PATH is field names and list indices joined by dots
 * (model.networks.0.layers.2.linear.out_features), VALUE is YAML, normally
 * a scalar, converted by the same code as the file. Only existing list items
 * can be set. Setting a oneof member replaces the member that was set, so
 * `model.networks.0.layers.1=tanh` swaps an activation. Generic over
 * descriptors. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

typedef struct setter {
    const char *assignment;
    char path[sizeof ((ct_path *)0)->s]; /* PATH, split in place */
    ct_path canonical;                   /* "model.networks[0].layers[2]" so far */
    ct_yaml_walk walk;
} setter;

static int set_fail(setter *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_fail(setter *s, const char *fmt, ...)
{
    char msg[sizeof s->walk.err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ct_fail(s->walk.err, "--set %s: %s", s->assignment, msg);
}

static int unknown_field(setter *s, const ProtobufCMessageDescriptor *d, const char *name)
{
    char in[sizeof s->canonical.s + 8];
    snprintf(in, sizeof in, s->canonical.len ? "in %s" : "at the top level", s->canonical.s);
    const char *near = ct_pb_suggest_field(d, name);
    if (near)
        return set_fail(s, "unknown field '%s' %s; did you mean '%s'?", name, in, near);
    ct_strbuf valid = {0};
    ct_pb_list_fields(d, &valid);
    set_fail(s, "unknown field '%s' %s; valid fields: %s", name, in, ct_strbuf_str(&valid));
    ct_strbuf_free(&valid);
    return CT_ERR;
}

static int no_fields_below(setter *s, const ProtobufCFieldDescriptor *f, const char *next)
{
    ct_strbuf what = {0};
    ct_pb_expected(f, &what);
    set_fail(s, "%s is %s: it has no field '%s'", s->canonical.s, what.s, next);
    ct_strbuf_free(&what);
    return CT_ERR;
}

static int parse_index(const char *text, size_t *index)
{
    if (!*text)
        return 0;
    for (const char *p = text; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    *index = (size_t)v;
    return errno != ERANGE && v <= (unsigned long long)SIZE_MAX;
}

/* Splits the next dot-separated component off *rest; NULL when none left. */
static char *next_component(char **rest)
{
    char *comp = *rest;
    if (!comp)
        return NULL;
    char *dot = strchr(comp, '.');
    if (dot)
        *dot = '\0';
    *rest = dot ? dot + 1 : NULL;
    return comp;
}

static void mark_here(setter *s)
{
    if (s->walk.marks)
        ct_marks_add(s->walk.marks, s->canonical.s, s->walk.base);
}

static int apply(setter *s, ProtobufCMessage *msg, yaml_node_t *value)
{
    char *rest = s->path, *name;
    while ((name = next_component(&rest))) {
        if (!*name)
            return set_fail(s, "empty field name in the path");
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
        if (!f)
            return unknown_field(s, msg->descriptor, name);
        ct_path_push_field(&s->canonical, name);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (!rest) {
                mark_here(s);
                return ct_yaml_to_field(&s->walk, value, msg, f, &s->canonical);
            }
            char *idx_text = next_component(&rest);
            size_t index, n = *(size_t *)ct_pb_quantifier(msg, f);
            if (!parse_index(idx_text, &index))
                return set_fail(s, "%s is a list: expected an index (0 to %zu) after it, found '%s'",
                                s->canonical.s, n ? n - 1 : 0, idx_text);
            if (index >= n)
                return set_fail(s, "%s has %zu item%s: index %zu is out of range (only existing items can be set)",
                                s->canonical.s, n, n == 1 ? "" : "s", index);
            ct_path_push_index(&s->canonical, index);
            if (!rest) {
                mark_here(s);
                return ct_yaml_to_element(&s->walk, value, msg, f, index, &s->canonical);
            }
            if (f->type != PROTOBUF_C_TYPE_MESSAGE)
                return no_fields_below(s, f, rest);
            msg = (*(ProtobufCMessage ***)ct_pb_member(msg, f))[index];
            continue;
        }
        if (!rest) {
            mark_here(s);
            return ct_yaml_to_field(&s->walk, value, msg, f, &s->canonical);
        }
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            return no_fields_below(s, f, rest);
        ProtobufCMessage **sub = ct_pb_member(msg, f);
        if (!ct_pb_oneof_is(msg, f) || !*sub) {
            ct_pb_clear(msg, f); /* another member of the oneof, or nothing */
            ct_pb_mark_set(msg, f);
            *sub = ct_pb_new(f->descriptor);
        }
        msg = *sub;
    }
    return set_fail(s, "empty path");
}

int ct_pb_set(ProtobufCMessage *root, const char *assignment, ct_marks *marks, ct_error *err)
{
    setter s = {.assignment = assignment, .canonical = {.s = "", .len = 0}};
    s.walk = (ct_yaml_walk){.base = {assignment, 0, 0, 1}, .has_lines = 0, .marks = marks, .err = err};
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return set_fail(&s, "expected PATH=VALUE, e.g. train.epochs=3");
    if ((size_t)(eq - assignment) >= sizeof s.path)
        return set_fail(&s, "the path is too long");
    memcpy(s.path, assignment, (size_t)(eq - assignment));
    s.path[eq - assignment] = '\0';

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return set_fail(&s, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)(eq + 1), strlen(eq + 1));
    if (!yaml_parser_load(&parser, &doc)) {
        set_fail(&s, "invalid YAML value: %s", parser.problem ? parser.problem : "syntax error");
        yaml_parser_delete(&parser);
        return CT_ERR;
    }
    static yaml_char_t empty[] = "";
    yaml_node_t null_node = {.type = YAML_SCALAR_NODE};
    null_node.data.scalar.value = empty;
    null_node.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
    yaml_node_t *value = yaml_document_get_root_node(&doc);
    s.walk.doc = &doc;
    int rc = apply(&s, root, value ? value : &null_node);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}
