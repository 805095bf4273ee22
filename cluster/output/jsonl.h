/* JSON Lines of flat records, as metrics.jsonl: one JSON object per line
 * whose values are numbers, strings, true/false or null; nested objects and
 * arrays are refused. Numbers also take Python's NaN, Infinity and
 * -Infinity (json.dumps writes them). */
#ifndef CT_CLUSTER_JSONL_H
#define CT_CLUSTER_JSONL_H

#include "engine/error.h"

typedef enum ct_json_type { CT_JSON_NULL, CT_JSON_BOOL, CT_JSON_NUMBER, CT_JSON_STRING } ct_json_type;

typedef struct ct_json_member {
    char *key;
    ct_json_type type;
    double number; /* CT_JSON_NUMBER; 1 or 0 for CT_JSON_BOOL */
    char *string;  /* CT_JSON_STRING (UTF-8, escapes decoded), else NULL */
} ct_json_member;

typedef struct ct_json_object {
    ct_json_member *members; /* in the order of the text */
    int count;
} ct_json_object;

/* Parses text, one object with nothing but white space around it, into
 * *obj (the caller's: ct_json_object_free). On error *obj is left empty,
 * err says "expected ..., found ..." and *column where (in bytes, from 1).
 * A key given twice is an error. */
int ct_json_parse_object(const char *text, ct_json_object *obj, int *column, ct_error *err);
void ct_json_object_free(ct_json_object *obj);

/* The member named key, or NULL. */
const ct_json_member *ct_json_get(const ct_json_object *obj, const char *key);

/* Called with each record, which is freed after the call. Returns CT_OK or
 * fails with err filled. */
typedef int (*ct_jsonl_record_fn)(void *ctx, const ct_json_object *record, ct_error *err);

/* Reads the file at path, calling fn with the object of every line that is
 * not blank. Errors: "PATH: cannot open it: <reason>", "PATH:LINE:COLUMN:
 * expected ..." for a malformed line, and fn's message after "PATH:LINE: ".
 * Stops at the first. */
int ct_jsonl_read(const char *path, ct_jsonl_record_fn fn, void *ctx, ct_error *err);

#endif
