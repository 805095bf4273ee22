/* YAML scalars to protobuf scalar values: integers of every width (decimal,
 * 0x hex, 0o octal) with range checks, floats (YAML's .inf and .nan too),
 * booleans, enums by value name in any case, strings and bytes. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/alloc.h"
#include "jobs/job_internal.h"

int ct_yaml_is_null(const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = (const char *)node->data.scalar.value;
    return node->data.scalar.length == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int is_signed_int(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 || t == PROTOBUF_C_TYPE_SFIXED32 ||
           t == PROTOBUF_C_TYPE_INT64 || t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

static int is_unsigned_int(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_FIXED32 || t == PROTOBUF_C_TYPE_UINT64 ||
           t == PROTOBUF_C_TYPE_FIXED64;
}

static int is_wide(ProtobufCType t)
{
    return ct_pb_elt_size(t) == 8;
}

void ct_pb_expected_message(const ProtobufCMessageDescriptor *d, ct_strbuf *out)
{
    ct_strbuf_printf(out, "a mapping (%s)", d->short_name);
    ct_strbuf flags = {0};
    ct_pb_list_flags(d, &flags);
    if (flags.len)
        ct_strbuf_printf(out, " or one of %s", flags.s);
    ct_strbuf_free(&flags);
}

void ct_pb_expected(const ProtobufCFieldDescriptor *f, ct_strbuf *out)
{
    if (is_signed_int(f->type)) {
        ct_strbuf_puts(out, "an integer");
        return;
    }
    if (is_unsigned_int(f->type)) {
        ct_strbuf_puts(out, "an unsigned integer");
        return;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        ct_strbuf_puts(out, "a number");
        break;
    case PROTOBUF_C_TYPE_BOOL:
        ct_strbuf_puts(out, "a boolean (true or false)");
        break;
    case PROTOBUF_C_TYPE_ENUM:
        ct_strbuf_puts(out, "one of ");
        ct_pb_list_enum(f->descriptor, out);
        break;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
        ct_strbuf_puts(out, "a string");
        break;
    case PROTOBUF_C_TYPE_MESSAGE:
        ct_pb_expected_message(f->descriptor, out);
        break;
    default:
        ct_strbuf_puts(out, "a value");
        break;
    }
}

void ct_yaml_found(const yaml_node_t *node, ct_strbuf *out)
{
    if (node->type == YAML_MAPPING_NODE) {
        ct_strbuf_puts(out, "a mapping");
        return;
    }
    if (node->type == YAML_SEQUENCE_NODE) {
        ct_strbuf_puts(out, "a sequence");
        return;
    }
    if (ct_yaml_is_null(node)) {
        ct_strbuf_puts(out, "an empty value");
        return;
    }
    const char *s = (const char *)node->data.scalar.value;
    size_t n = node->data.scalar.length, max = 60;
    ct_strbuf_puts(out, "'");
    for (size_t i = 0; i < n && i < max; i++) {
        if (s[i] == '\n')
            ct_strbuf_puts(out, "\\n");
        else if ((unsigned char)s[i] < 0x20)
            ct_strbuf_printf(out, "\\x%02x", (unsigned char)s[i]);
        else
            ct_strbuf_putn(out, s + i, 1);
    }
    ct_strbuf_puts(out, n > max ? "...'" : "'");
}

/* Sign, then digits in base 10, 16 (0x) or 8 (0o). overflow: more than 64
 * bits of magnitude. */
static int parse_integer(const char *s, int *neg, uint64_t *mag, int *overflow)
{
    *neg = *overflow = 0;
    *mag = 0;
    if (*s == '+' || *s == '-')
        *neg = *s++ == '-';
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
        base = 8, s += 2;
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned digit;
        if (isdigit((unsigned char)*s))
            digit = (unsigned)(*s - '0');
        else if (isxdigit((unsigned char)*s))
            digit = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
        else
            return 0;
        if (digit >= base)
            return 0;
        if (*mag > (UINT64_MAX - digit) / base)
            *overflow = 1;
        else
            *mag = *mag * base + digit;
    }
    return 1;
}

static void store_int(ProtobufCType t, void *slot, int64_t v)
{
    if (is_wide(t))
        *(int64_t *)slot = v;
    else
        *(int32_t *)slot = (int32_t)v;
}

static void store_uint(ProtobufCType t, void *slot, uint64_t v)
{
    if (is_wide(t))
        *(uint64_t *)slot = v;
    else
        *(uint32_t *)slot = (uint32_t)v;
}

static int convert_integer(const ProtobufCFieldDescriptor *f, const char *s, void *slot, ct_strbuf *why,
                           const char *found)
{
    int neg, overflow;
    uint64_t mag;
    if (!parse_integer(s, &neg, &mag, &overflow)) {
        ct_strbuf_puts(why, "expected ");
        ct_pb_expected(f, why);
        ct_strbuf_printf(why, ", found %s", found);
        return CT_ERR;
    }
    if (is_signed_int(f->type)) {
        int64_t max = is_wide(f->type) ? INT64_MAX : INT32_MAX;
        int64_t min = is_wide(f->type) ? INT64_MIN : INT32_MIN;
        uint64_t limit = neg ? (uint64_t)max + 1 : (uint64_t)max;
        if (overflow || mag > limit) {
            ct_strbuf_printf(why, "expected an integer from %" PRId64 " to %" PRId64 ", found %s", min,
                             max, found);
            return CT_ERR;
        }
        store_int(f->type, slot, neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag)
                                     : (int64_t)mag);
        return CT_OK;
    }
    uint64_t max = is_wide(f->type) ? UINT64_MAX : UINT32_MAX;
    if (overflow || mag > max || (neg && mag)) {
        ct_strbuf_printf(why, "expected an unsigned integer from 0 to %" PRIu64 ", found %s", max, found);
        return CT_ERR;
    }
    store_uint(f->type, slot, mag);
    return CT_OK;
}

/* YAML's .inf, -.inf, .nan, else whatever strtod/strtof read entirely. */
static int convert_float(const ProtobufCFieldDescriptor *f, const char *s, void *slot, ct_strbuf *why,
                         const char *found)
{
    int is_float = f->type == PROTOBUF_C_TYPE_FLOAT;
    const char *body = s + (*s == '+' || *s == '-');
    double v = 0;
    if (strcmp(body, ".inf") == 0 || strcmp(body, ".Inf") == 0 || strcmp(body, ".INF") == 0) {
        v = *s == '-' ? -INFINITY : INFINITY;
    } else if (body == s && (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)) {
        v = NAN;
    } else {
        char *end = NULL;
        errno = 0;
        if (*s && !isspace((unsigned char)*s))
            v = is_float ? strtof(s, &end) : strtod(s, &end);
        if (!end || end == s || *end) {
            ct_strbuf_printf(why, "expected a number, found %s", found);
            return CT_ERR;
        }
        if (errno == ERANGE && isinf(v)) {
            ct_strbuf_printf(why, "expected a number within the range of a %s, found %s",
                             is_float ? "float" : "double", found);
            return CT_ERR;
        }
    }
    if (is_float)
        *(float *)slot = (float)v;
    else
        *(double *)slot = v;
    return CT_OK;
}

static int convert_bool(const char *s, void *slot, ct_strbuf *why, const char *found)
{
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *(protobuf_c_boolean *)slot = strcasecmp(s, yes[i]) == 0;
            return CT_OK;
        }
    }
    ct_strbuf_printf(why, "expected a boolean (true or false), found %s", found);
    return CT_ERR;
}

static int convert_enum(const ProtobufCFieldDescriptor *f, const char *s, void *slot, ct_strbuf *why,
                        const char *found)
{
    const ProtobufCEnumDescriptor *e = f->descriptor;
    for (unsigned i = 0; i < e->n_value_names; i++) {
        if (strcasecmp(e->values_by_name[i].name, s) == 0) {
            *(int *)slot = e->values[e->values_by_name[i].index].value;
            return CT_OK;
        }
    }
    ct_strbuf_puts(why, "expected ");
    ct_pb_expected(f, why);
    ct_strbuf_printf(why, ", found %s", found);
    const char *near = ct_pb_suggest_enum(e, s);
    if (near) {
        ct_strbuf_puts(why, "; did you mean '");
        for (; *near; near++) {
            char c = (char)tolower((unsigned char)*near);
            ct_strbuf_putn(why, &c, 1);
        }
        ct_strbuf_puts(why, "'?");
    }
    return CT_ERR;
}

int ct_yaml_scalar(const ProtobufCFieldDescriptor *f, const yaml_node_t *node, void *slot,
                   ct_strbuf *why)
{
    ct_strbuf found = {0};
    ct_yaml_found(node, &found);
    int rc = CT_ERR;
    if (node->type != YAML_SCALAR_NODE || ct_yaml_is_null(node)) {
        ct_strbuf_puts(why, "expected ");
        ct_pb_expected(f, why);
        ct_strbuf_printf(why, ", found %s", found.s);
        goto done;
    }
    const char *s = (const char *)node->data.scalar.value;
    size_t len = node->data.scalar.length;
    if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *bd = slot;
        bd->data = ct_malloc(len);
        memcpy(bd->data, s, len);
        bd->len = len;
        rc = CT_OK;
        goto done;
    }
    if (strlen(s) != len) {
        ct_strbuf_printf(why, "expected %s without NUL characters, found %s",
                         f->type == PROTOBUF_C_TYPE_STRING ? "a string" : "a value", found.s);
        goto done;
    }
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        *(char **)slot = ct_strdup(s);
        rc = CT_OK;
    } else if (is_signed_int(f->type) || is_unsigned_int(f->type)) {
        rc = convert_integer(f, s, slot, why, found.s);
    } else if (f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE) {
        rc = convert_float(f, s, slot, why, found.s);
    } else if (f->type == PROTOBUF_C_TYPE_BOOL) {
        rc = convert_bool(s, slot, why, found.s);
    } else if (f->type == PROTOBUF_C_TYPE_ENUM) {
        rc = convert_enum(f, s, slot, why, found.s);
    } else {
        ct_strbuf_printf(why, "expected a scalar field, found %s", found.s);
    }
done:
    ct_strbuf_free(&found);
    return rc;
}
