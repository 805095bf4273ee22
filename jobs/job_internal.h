/* Internals of the job loader, shared by the files of jobs/ and by nothing
 * else. The YAML<->protobuf code (pb_mem.c, yaml_scalar.c, yaml_loader.c,
 * yaml_emit.c, job_set.c) knows nothing of ctrain's messages: it walks
 * protobuf-c descriptors, so a field added to job.proto just works. Only
 * job_check.c knows what the fields mean. */
#ifndef CT_JOBS_JOB_INTERNAL_H
#define CT_JOBS_JOB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>
#include <yaml.h>

#include "engine/error.h"
#include "jobs/job.h"

/* ---- growable string (strbuf.c) ---------------------------------------- */

typedef struct ct_strbuf {
    char *s; /* NUL-terminated once anything was added; NULL before */
    size_t len, cap;
} ct_strbuf;

void ct_strbuf_putn(ct_strbuf *b, const char *s, size_t n);
void ct_strbuf_puts(ct_strbuf *b, const char *s);
void ct_strbuf_printf(ct_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text so far ("" when empty); stays owned by b. */
const char *ct_strbuf_str(const ct_strbuf *b);
/* Hands the text to the caller (free with ct_free) and empties b. */
char *ct_strbuf_take(ct_strbuf *b);
void ct_strbuf_free(ct_strbuf *b);

/* ---- field paths and where fields were written (job_marks.c) ----------- */

/* "model.networks[0].layers[3].linear.out_features": the path printed in
 * errors and the key of the marks table. Truncated (never overflowed) past
 * its size. */
typedef struct ct_path {
    char s[480];
    size_t len;
} ct_path;

/* Appends ".name" (or "name" at the root) / "[i]"; both return the length
 * before, to give back to ct_path_pop. */
size_t ct_path_push_field(ct_path *p, const char *name);
size_t ct_path_push_index(ct_path *p, size_t index);
void ct_path_pop(ct_path *p, size_t len);

/* Where a value came from: a file position (line and col 1-based), a whole
 * origin with no position (line 0), or a --set assignment. origin is
 * borrowed: it must outlive the table. */
typedef struct ct_loc {
    const char *origin;
    size_t line, col;
    int is_set; /* origin is "PATH=VALUE" of a --set */
} ct_loc;

/* "file.yaml:3:5", "file.yaml" or "--set train.epochs=3" into buf. */
const char *ct_loc_format(const ct_loc *loc, char *buf, size_t size);

/* The side table: field path -> where it was written. Later entries for the
 * same path win (an override after the file). */
typedef struct ct_marks {
    struct ct_mark *v;
    size_t n, cap;
} ct_marks;

void ct_marks_add(ct_marks *m, const char *path, ct_loc loc);
/* The latest entry for path, or NULL (the value is a default). */
const ct_loc *ct_marks_find(const ct_marks *m, const char *path);
/* The entry for path or, failing that, for its nearest written ancestor
 * (not the root); NULL if none: where to point at a missing field. */
const ct_loc *ct_marks_find_near(const ct_marks *m, const char *path);
void ct_marks_free(ct_marks *m);

/* ---- names and near misses (suggest.c) --------------------------------- */

/* Case-insensitive optimal-string-alignment distance. */
size_t ct_edit_distance(const char *a, const char *b);
/* The field of d whose name is closest to word, if close enough to be a
 * plausible typo; else NULL. */
const char *ct_pb_suggest_field(const ProtobufCMessageDescriptor *d, const char *word);
/* The same among the values of an enum (returned as written in job.proto). */
const char *ct_pb_suggest_enum(const ProtobufCEnumDescriptor *e, const char *word);
/* "type, lr, momentum, ..." (schema order) appended to out. */
void ct_pb_list_fields(const ProtobufCMessageDescriptor *d, ct_strbuf *out);
/* "sgd, adam" (lower case, value order) appended to out. */
void ct_pb_list_enum(const ProtobufCEnumDescriptor *e, ct_strbuf *out);
/* The members of the oneof that f belongs to: "linear, relu, ...". */
void ct_pb_list_oneof(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                      ct_strbuf *out);
/* Fields that a bare name may set (see ct_pb_is_flag_field): "relu, tanh". */
void ct_pb_list_flags(const ProtobufCMessageDescriptor *d, ct_strbuf *out);

/* ---- protobuf-c memory and field access (pb_mem.c) --------------------- */

/* protobuf-c's view of ct_malloc/ct_free. */
extern ProtobufCAllocator ct_pb_allocator;

/* A new message of type d with its proto2 defaults; never NULL. */
ProtobufCMessage *ct_pb_new(const ProtobufCMessageDescriptor *d);
/* Frees m and everything it owns (NULL is fine). */
void ct_pb_free(ProtobufCMessage *m);

/* Bytes per element of a repeated field of this type. */
size_t ct_pb_elt_size(ProtobufCType type);
static inline void *ct_pb_member(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (char *)m + f->offset;
}
static inline void *ct_pb_quantifier(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (char *)m + f->quantifier_offset;
}
static inline int ct_pb_is_oneof(const ProtobufCFieldDescriptor *f)
{
    return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
}
/* A message-typed, non-repeated field whose message has no fields (Empty):
 * naming it is all there is to say, so a bare `relu` may set it. */
int ct_pb_is_flag_field(const ProtobufCFieldDescriptor *f);
/* The member of f's oneof that is set, or NULL. */
const ProtobufCFieldDescriptor *ct_pb_oneof_set(const ProtobufCMessage *m,
                                                const ProtobufCFieldDescriptor *f);
/* Whether a oneof member is the one set (always true for other fields). */
int ct_pb_oneof_is(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Frees what f holds and puts back its default (repeated: empty). For a
 * oneof member, clears whichever member of that oneof is set. */
void ct_pb_clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Frees one stored value of f's type at slot (string, bytes, message). */
void ct_pb_free_value(const ProtobufCFieldDescriptor *f, void *slot);
/* Marks f present: has_ flag, or oneof case. */
void ct_pb_mark_set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Makes every default explicit, recursively: absent sub-messages are
 * created, optional scalars get has_ set, default strings are copied. Then
 * the packed bytes say everything (a job stored in a checkpoint keeps its
 * values if job.proto's defaults change) and emitting and re-reading the
 * job gives the same bytes. Strings with no default stay NULL (unset), and
 * so do optional sections (ct_pb_is_optional_section). */
void ct_pb_resolve(ProtobufCMessage *m);

/* Copies every scalar field that is set in src and unset in dst (same
 * type) into dst: an override section takes what it does not say from the
 * section it overrides. */
void ct_pb_fill_unset(ProtobufCMessage *dst, const ProtobufCMessage *src);

/* Whether f is an optional section: a message field whose absence means
 * something of its own ("as the job's section" for a network's
 * `optimizer:`, "off" for an augmentation), so that resolving and emitting
 * leave it absent (job.c). */
int ct_pb_is_optional_section(const ProtobufCFieldDescriptor *f);

/* ---- scalars (yaml_scalar.c) ------------------------------------------- */

/* A plain empty, ~ or null scalar. */
int ct_yaml_is_null(const yaml_node_t *node);
/* What a message value must be, for errors: "a mapping (Layer) or one of
 * relu, sigmoid, tanh, softmax" (the bare names of its flag fields). */
void ct_pb_expected_message(const ProtobufCMessageDescriptor *d, ct_strbuf *out);
/* What a value of f must be, for errors: "an unsigned integer", "one of sgd,
 * adam", "a mapping (Train)" (ignores f being repeated). */
void ct_pb_expected(const ProtobufCFieldDescriptor *f, ct_strbuf *out);
/* What node is, for errors: "'ten'", "a mapping", "an empty value". */
void ct_yaml_found(const yaml_node_t *node, ct_strbuf *out);
/* Converts a scalar node to f's C type (not MESSAGE) and stores it at slot
 * (an element of protobuf-c's layout; strings and bytes are allocated). On
 * failure writes "expected ..., found ..." to why and returns CT_ERR. */
int ct_yaml_scalar(const ProtobufCFieldDescriptor *f, const yaml_node_t *node, void *slot,
                   ct_strbuf *why);

/* ---- YAML -> message (yaml_loader.c) ----------------------------------- */

typedef struct ct_yaml_walk {
    yaml_document_t *doc;
    ct_loc base;     /* origin; line and col are taken from the nodes */
    int has_lines;   /* node marks are positions in origin */
    ct_marks *marks; /* records where each field was written; may be NULL */
    ct_error *err;
    int depth;
} ct_yaml_walk;

/* Maps node (a mapping; null is an empty one; a bare name sets a flag
 * field) onto msg, which must be fresh. path names msg in errors. */
int ct_yaml_to_message(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg, ct_path *path);
/* Replaces the value of field f of msg by node (path names the field). */
int ct_yaml_to_field(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg,
                     const ProtobufCFieldDescriptor *f, ct_path *path);
/* Replaces element index (< count) of the repeated field f by node. */
int ct_yaml_to_element(ct_yaml_walk *w, yaml_node_t *node, ProtobufCMessage *msg,
                       const ProtobufCFieldDescriptor *f, size_t index, ct_path *path);

/* Parses YAML text, maps its single document onto msg (fresh). origin names
 * the text in errors and in marks. */
int ct_yaml_load_message(const char *text, size_t len, const char *origin, ProtobufCMessage *msg,
                         ct_marks *marks, ct_error *err);

/* ---- message -> YAML (yaml_emit.c) ------------------------------------- */

/* Every field of m (defaults included, unset strings left out) in schema
 * order as block YAML. Caller frees with ct_free. */
char *ct_yaml_emit(const ProtobufCMessage *m);

/* ---- --set (job_set.c) ------------------------------------------------- */

/* Applies "field.path=value" to root: the path is field names and numeric
 * indices joined by dots, the value YAML (normally a scalar). Setting a
 * oneof member replaces the member that was set. */
int ct_pb_set(ProtobufCMessage *root, const char *assignment, ct_marks *marks, ct_error *err);

/* ---- ranges the schema cannot express (job_check.c) -------------------- */

/* Checks a resolved job; errors point where the field was written (marks)
 * or name origin alone for defaults. */
int ct_job_check(const ct_job *job, const ct_marks *marks, const char *origin, ct_error *err);

#endif
