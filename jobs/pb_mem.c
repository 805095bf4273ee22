/* protobuf-c messages built by hand rather than unpacked: allocation through
 * ct_malloc, freeing and resetting one field, presence flags, and making
 * defaults explicit. Generic over descriptors. */
#include <string.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

static void *pb_alloc(void *data, size_t size)
{
    (void)data;
    return ct_malloc(size);
}

static void pb_free(void *data, void *ptr)
{
    (void)data;
    ct_free(ptr);
}

ProtobufCAllocator ct_pb_allocator = {pb_alloc, pb_free, NULL};

ProtobufCMessage *ct_pb_new(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = ct_malloc(d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

void ct_pb_free(ProtobufCMessage *m)
{
    if (m)
        protobuf_c_message_free_unpacked(m, &ct_pb_allocator);
}

size_t ct_pb_elt_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default: /* 32-bit integers, float, enum */
        return 4;
    }
}

/* Optional scalars (and bytes) carry a has_ flag; strings and messages are
 * present when their pointer is. */
static int has_flag(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_OPTIONAL && !ct_pb_is_oneof(f) &&
           f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

int ct_pb_is_flag_field(const ProtobufCFieldDescriptor *f)
{
    return f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
           ((const ProtobufCMessageDescriptor *)f->descriptor)->n_fields == 0;
}

const ProtobufCFieldDescriptor *ct_pb_oneof_set(const ProtobufCMessage *m,
                                                const ProtobufCFieldDescriptor *f)
{
    uint32_t id = *(const uint32_t *)ct_pb_quantifier(m, f);
    return id ? protobuf_c_message_descriptor_get_field(m->descriptor, (unsigned)id) : NULL;
}

int ct_pb_oneof_is(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return !ct_pb_is_oneof(f) || *(const uint32_t *)ct_pb_quantifier(m, f) == f->id;
}

void ct_pb_free_value(const ProtobufCFieldDescriptor *f, void *slot)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *s = *(char **)slot;
        if (s && s != (const char *)f->default_value)
            ct_free(s);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = slot, *def = f->default_value;
        if (bd->data && (!def || bd->data != def->data))
            ct_free(bd->data);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        ct_pb_free(*(ProtobufCMessage **)slot);
        break;
    default:
        break;
    }
}

static void clear_oneof(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const ProtobufCFieldDescriptor *set = ct_pb_oneof_set(m, f);
    if (set)
        ct_pb_free_value(set, ct_pb_member(m, set));
    size_t size = 0; /* the union's storage: its widest member */
    for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *g = &m->descriptor->fields[i];
        if (ct_pb_is_oneof(g) && g->quantifier_offset == f->quantifier_offset &&
            ct_pb_elt_size(g->type) > size)
            size = ct_pb_elt_size(g->type);
    }
    memset(ct_pb_member(m, f), 0, size);
    *(uint32_t *)ct_pb_quantifier(m, f) = 0;
}

void ct_pb_clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t *n = ct_pb_quantifier(m, f);
        char **array = ct_pb_member(m, f);
        size_t size = ct_pb_elt_size(f->type);
        for (size_t i = 0; i < *n; i++)
            ct_pb_free_value(f, *array + i * size);
        ct_free(*array);
        *array = NULL;
        *n = 0;
        return;
    }
    if (ct_pb_is_oneof(f)) {
        clear_oneof(m, f);
        return;
    }
    ct_pb_free_value(f, ct_pb_member(m, f));
    /* The default is what a fresh message holds (it owns no memory). */
    ProtobufCMessage *fresh = ct_pb_new(m->descriptor);
    memcpy(ct_pb_member(m, f), ct_pb_member(fresh, f), ct_pb_elt_size(f->type));
    if (has_flag(f))
        *(protobuf_c_boolean *)ct_pb_quantifier(m, f) = 0;
    ct_free(fresh);
}

void ct_pb_mark_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (ct_pb_is_oneof(f))
        *(uint32_t *)ct_pb_quantifier(m, f) = f->id;
    else if (has_flag(f))
        *(protobuf_c_boolean *)ct_pb_quantifier(m, f) = 1;
}

#define MAX_DEPTH 32

static void resolve(ProtobufCMessage *m, const ProtobufCMessageDescriptor **outer, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (depth >= MAX_DEPTH)
        return;
    outer[depth] = d;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *slot = ct_pb_member(m, f);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                size_t n = *(size_t *)ct_pb_quantifier(m, f);
                for (size_t j = 0; j < n; j++)
                    resolve((*(ProtobufCMessage ***)slot)[j], outer, depth + 1);
            }
            continue;
        }
        if (ct_pb_is_oneof(f)) {
            if (ct_pb_oneof_is(m, f) && f->type == PROTOBUF_C_TYPE_MESSAGE && *(void **)slot)
                resolve(*(ProtobufCMessage **)slot, outer, depth + 1);
            continue;
        }
        switch (f->type) {
        case PROTOBUF_C_TYPE_MESSAGE: {
            ProtobufCMessage **sub = slot;
            if (!*sub && ct_pb_is_optional_section(f))
                break;
            if (!*sub) {
                int recursive = 0; /* a message that may contain itself stays absent */
                for (int k = 0; k <= depth; k++)
                    recursive |= outer[k] == f->descriptor;
                if (recursive)
                    break;
                *sub = ct_pb_new(f->descriptor);
            }
            resolve(*sub, outer, depth + 1);
            break;
        }
        case PROTOBUF_C_TYPE_STRING: {
            char **s = slot;
            if (*s && *s == (const char *)f->default_value)
                *s = ct_strdup(*s);
            break;
        }
        case PROTOBUF_C_TYPE_BYTES: {
            ProtobufCBinaryData *bd = slot;
            const ProtobufCBinaryData *def = f->default_value;
            if (bd->data && def && bd->data == def->data) {
                bd->data = ct_malloc(bd->len);
                memcpy(bd->data, def->data, bd->len);
            }
            break;
        }
        default:
            break;
        }
        if (has_flag(f))
            *(protobuf_c_boolean *)ct_pb_quantifier(m, f) = 1;
    }
}

void ct_pb_fill_unset(ProtobufCMessage *dst, const ProtobufCMessage *src)
{
    const ProtobufCMessageDescriptor *d = dst->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!has_flag(f) || *(const protobuf_c_boolean *)ct_pb_quantifier(dst, f) ||
            !*(const protobuf_c_boolean *)ct_pb_quantifier(src, f))
            continue;
        memcpy(ct_pb_member(dst, f), ct_pb_member(src, f), ct_pb_elt_size(f->type));
        ct_pb_mark_set(dst, f);
    }
}

void ct_pb_resolve(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *outer[MAX_DEPTH];
    resolve(m, outer, 0);
}
