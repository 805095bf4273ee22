/* YAML -> protobuf: walks a libyaml document and the message descriptors
 * side by side. Mappings fill messages (keys are field names), sequences
 * fill repeated fields, scalars are converted by yaml_scalar.c. A bare name
 * where a message is expected sets the field-less member of that name
 * (`- relu` for `- relu: {}`). Nothing here knows ctrain's messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

#define MAX_NESTING 64

static yaml_node_t *node_at(ct_yaml_walk *w, int id)
{
    return yaml_document_get_node(w->doc, id);
}

static ct_loc loc_of(const ct_yaml_walk *w, const yaml_node_t *node)
{
    ct_loc loc = w->base;
    if (w->has_lines && node) {
        loc.line = node->start_mark.line + 1;
        loc.col = node->start_mark.column + 1;
    }
    return loc;
}

/* "WHERE: PATH: message" (no PATH part when path is NULL or the root). */
static int fail(ct_yaml_walk *w, const yaml_node_t *node, const ct_path *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(ct_yaml_walk *w, const yaml_node_t *node, const ct_path *path, const char *fmt, ...)
{
    char where[512], msg[sizeof w->err->msg];
    ct_loc loc = loc_of(w, node);
    ct_loc_format(&loc, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && path->len)
        return ct_fail(w->err, "%s: %s: %s", where, path->s, msg);
    return ct_fail(w->err, "%s: %s", where, msg);
}

static void mark(ct_yaml_walk *w, const yaml_node_t *node, const ct_path *path)
{
    if (w->marks)
        ct_marks_add(w->marks, path->s, loc_of(w, node));
}

/* "expected EXPECTED, found FOUND" for a node of the wrong kind. */
static int fail_kind(ct_yaml_walk *w, const yaml_node_t *node, const ct_path *path, const char *expected)
{
    ct_strbuf found = {0};
    ct_yaml_found(node, &found);
    fail(w, node, path, "expected %s, found %s", expected, found.s);
    ct_strbuf_free(&found);
    return CT_ERR;
}

static int assign_value(ct_yaml_walk *w, yaml_node_t *node, const ProtobufCFieldDescriptor *f, void *slot,
                        ct_path *path)
{
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage *sub = ct_pb_new(f->descriptor);
        *(ProtobufCMessage **)slot = sub; /* owned by the parent from now on */
        return ct_yaml_to_message(w, node, sub, path);
    }
    ct_strbuf why = {0};
    int rc = ct_yaml_scalar(f, node, slot, &why);
    if (rc != CT_OK)
        fail(w, node, path, "%s", why.s);
    ct_strbuf_free(&why);
    return rc;
}

static int assign_repeated(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg,
                           const ProtobufCFieldDescriptor *f, ct_path *path)
{
    if (ct_yaml_is_null(node))
        return CT_OK;
    if (node->type != YAML_SEQUENCE_NODE) {
        ct_strbuf expected = {0};
        ct_strbuf_puts(&expected, "a sequence (each item ");
        ct_pb_expected(f, &expected);
        ct_strbuf_puts(&expected, ")");
        fail_kind(w, node, path, expected.s);
        ct_strbuf_free(&expected);
        return CT_ERR;
    }
    yaml_node_item_t *items = node->data.sequence.items.start;
    size_t n = (size_t)(node->data.sequence.items.top - items), size = ct_pb_elt_size(f->type);
    if (n == 0)
        return CT_OK;
    char *array = ct_calloc(n, size);
    *(char **)ct_pb_member(msg, f) = array;
    size_t *count = ct_pb_quantifier(msg, f);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = node_at(w, items[i]);
        *count = i + 1; /* zeroed elements free cleanly if this one fails */
        size_t old = ct_path_push_index(path, i);
        mark(w, item, path);
        int rc = assign_value(w, item, f, array + i * size, path);
        ct_path_pop(path, old);
        if (rc != CT_OK)
            return rc;
    }
    return CT_OK;
}

int ct_yaml_to_field(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg,
                     const ProtobufCFieldDescriptor *f, ct_path *path)
{
    ct_pb_clear(msg, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return assign_repeated(w, node, msg, f, path);
    ct_pb_mark_set(msg, f); /* first, so that msg owns a half-built value */
    return assign_value(w, node, f, ct_pb_member(msg, f), path);
}

int ct_yaml_to_element(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg,
                       const ProtobufCFieldDescriptor *f, size_t index, ct_path *path)
{
    size_t size = ct_pb_elt_size(f->type);
    char *slot = *(char **)ct_pb_member(msg, f) + index * size;
    ct_pb_free_value(f, slot);
    memset(slot, 0, size);
    return assign_value(w, node, f, slot, path);
}

/* `relu` where a Layer is expected: sets the field-less member `relu`. */
static int assign_flag(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg, ct_path *path)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *name = (const char *)node->data.scalar.value;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (ct_pb_is_flag_field(f) && strcasecmp(f->name, name) == 0) {
            size_t old = ct_path_push_field(path, f->name);
            mark(w, node, path);
            ct_path_pop(path, old);
            ct_pb_clear(msg, f);
            ct_pb_mark_set(msg, f);
            *(ProtobufCMessage **)ct_pb_member(msg, f) = ct_pb_new(f->descriptor);
            return CT_OK;
        }
    }
    ct_strbuf expected = {0}, found = {0};
    ct_pb_expected_message(d, &expected);
    ct_yaml_found(node, &found);
    const char *near = ct_pb_suggest_field(d, name);
    const ProtobufCFieldDescriptor *nf = near ? protobuf_c_message_descriptor_get_field_by_name(d, near) : NULL;
    if (nf && ct_pb_is_flag_field(nf))
        fail(w, node, path, "expected %s, found %s; did you mean '%s'?", expected.s, found.s, near);
    else
        fail(w, node, path, "expected %s, found %s", expected.s, found.s);
    ct_strbuf_free(&expected);
    ct_strbuf_free(&found);
    return CT_ERR;
}

static int unknown_key(ct_yaml_walk *w, const yaml_node_t *key, const ProtobufCMessageDescriptor *d,
                       const ct_path *path)
{
    const char *name = (const char *)key->data.scalar.value;
    char in[sizeof path->s + 8];
    snprintf(in, sizeof in, path->len ? "in %s" : "at the top level", path->s);
    const char *near = ct_pb_suggest_field(d, name);
    if (near)
        return fail(w, key, NULL, "unknown key '%s' %s; did you mean '%s'?", name, in, near);
    ct_strbuf valid = {0};
    ct_pb_list_fields(d, &valid);
    fail(w, key, NULL, "unknown key '%s' %s; valid keys: %s", name, in, ct_strbuf_str(&valid));
    ct_strbuf_free(&valid);
    return CT_ERR;
}

static int assign_pair(ct_yaml_walk *w, yaml_node_t *mapping, yaml_node_pair_t *pair, ProtobufCMessage *msg,
                       ct_path *path)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    yaml_node_t *key = node_at(w, pair->key), *value = node_at(w, pair->value);
    if (key->type != YAML_SCALAR_NODE)
        return fail_kind(w, key, path, "a field name as key");
    const char *name = (const char *)key->data.scalar.value;
    for (yaml_node_pair_t *q = mapping->data.mapping.pairs.start; q < pair; q++) {
        yaml_node_t *earlier = node_at(w, q->key);
        if (earlier->type == YAML_SCALAR_NODE && strcmp((const char *)earlier->data.scalar.value, name) == 0) {
            size_t old = ct_path_push_field(path, name);
            if (w->has_lines)
                fail(w, key, path, "duplicate key '%s' (first at line %zu, column %zu)", name,
                     earlier->start_mark.line + 1, earlier->start_mark.column + 1);
            else
                fail(w, key, path, "duplicate key '%s'", name);
            ct_path_pop(path, old);
            return CT_ERR;
        }
    }
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    if (!f)
        return unknown_key(w, key, d, path);
    if (ct_pb_is_oneof(f)) {
        const ProtobufCFieldDescriptor *set = ct_pb_oneof_set(msg, f);
        if (set && set != f) {
            ct_strbuf members = {0};
            ct_pb_list_oneof(d, f, &members);
            fail(w, key, path, "'%s' and '%s' are both set; a %s takes exactly one of %s", set->name, f->name,
                 d->short_name, members.s);
            ct_strbuf_free(&members);
            return CT_ERR;
        }
    }
    size_t old = ct_path_push_field(path, name);
    mark(w, value, path);
    int rc = ct_yaml_to_field(w, value, msg, f, path);
    ct_path_pop(path, old);
    return rc;
}

int ct_yaml_to_message(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg, ct_path *path)
{
    if (ct_yaml_is_null(node))
        return CT_OK; /* `checkpoint:` with nothing under it: all defaults */
    if (node->type == YAML_SCALAR_NODE)
        return assign_flag(w, node, msg, path);
    if (node->type != YAML_MAPPING_NODE) {
        ct_strbuf expected = {0};
        ct_pb_expected_message(msg->descriptor, &expected);
        fail_kind(w, node, path, expected.s);
        ct_strbuf_free(&expected);
        return CT_ERR;
    }
    if (w->depth >= MAX_NESTING)
        return fail(w, node, path, "nested more than %d levels deep", MAX_NESTING);
    w->depth++;
    int rc = CT_OK;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top && rc == CT_OK;
         p++)
        rc = assign_pair(w, node, p, msg, path);
    w->depth--;
    return rc;
}

static int syntax_error(const yaml_parser_t *parser, const char *origin, ct_error *err)
{
    const char *problem = parser->problem ? parser->problem : "syntax error";
    if (parser->error == YAML_MEMORY_ERROR)
        return ct_fail(err, "%s: out of memory reading YAML", origin);
    if (parser->error == YAML_READER_ERROR)
        return ct_fail(err, "%s: invalid YAML: %s at byte %zu", origin, problem, parser->problem_offset);
    yaml_mark_t pm = parser->problem_mark, cm = parser->context_mark;
    if (parser->context)
        return ct_fail(err, "%s:%zu:%zu: invalid YAML: %s (%s at line %zu, column %zu)", origin, pm.line + 1,
                       pm.column + 1, problem, parser->context, cm.line + 1, cm.column + 1);
    return ct_fail(err, "%s:%zu:%zu: invalid YAML: %s", origin, pm.line + 1, pm.column + 1, problem);
}

/* The text must hold exactly one document. */
static int check_single_document(yaml_parser_t *parser, const char *origin, ct_error *err)
{
    yaml_document_t next;
    if (!yaml_parser_load(parser, &next))
        return syntax_error(parser, origin, err);
    yaml_node_t *root = yaml_document_get_root_node(&next);
    int rc = CT_OK;
    if (root)
        rc = ct_fail(err, "%s:%zu:%zu: expected a single YAML document, found a second one", origin,
                     root->start_mark.line + 1, root->start_mark.column + 1);
    yaml_document_delete(&next);
    return rc;
}

int ct_yaml_load_message(const char *text, size_t len, const char *origin, ProtobufCMessage *msg,
                         ct_marks *marks, ct_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return ct_fail(err, "%s: cannot initialise the YAML parser", origin);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = syntax_error(&parser, origin, err);
        yaml_parser_delete(&parser);
        return rc;
    }
    int rc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    ct_yaml_walk w = {.doc = &doc, .base = {origin, 0, 0, 0}, .has_lines = 1, .marks = marks, .err = err};
    ct_path path = {.s = "", .len = 0};
    if (!root) {
        rc = ct_fail(err, "%s: expected a mapping (%s), found an empty document", origin,
                     msg->descriptor->short_name);
    } else if (root->type != YAML_MAPPING_NODE && !ct_yaml_is_null(root)) {
        ct_strbuf found = {0};
        ct_yaml_found(root, &found);
        rc = fail(&w, root, NULL, "expected a mapping (%s) at the top level, found %s",
                  msg->descriptor->short_name, found.s);
        ct_strbuf_free(&found);
    } else {
        rc = ct_yaml_to_message(&w, root, msg, &path);
    }
    if (rc == CT_OK)
        rc = check_single_document(&parser, origin, err);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}
