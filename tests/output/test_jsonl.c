/* The JSON Lines reader of metrics.jsonl: values, escapes, and errors that
 * say where (line and column) and what was found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/output/jsonl.h"

static void test_values(void **state)
{
    (void)state;
    ct_json_object o;
    ct_error err;
    int column = 0;
    const char *line = " {\"type\": \"epoch\", \"step\": 469, \"loss\": -0.5e-3, \"big\": 1E+2, \"zero\": 0,"
                       " \"none\": null, \"yes\": true, \"no\": false, \"nan\": NaN, \"up\": Infinity,"
                       " \"down\": -Infinity, \"text\": \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"}\r\n";
    if (ct_json_parse_object(line, &o, &column, &err) != CT_OK)
        fail_msg("column %d: %s", column, err.msg);
    assert_int_equal(o.count, 12);
    assert_string_equal(o.members[0].key, "type");
    assert_int_equal(o.members[0].type, CT_JSON_STRING);
    assert_string_equal(o.members[0].string, "epoch");
    assert_int_equal(ct_json_get(&o, "step")->type, CT_JSON_NUMBER);
    assert_true(ct_json_get(&o, "step")->number == 469);
    assert_true(ct_json_get(&o, "loss")->number == -0.5e-3);
    assert_true(ct_json_get(&o, "big")->number == 100);
    assert_true(ct_json_get(&o, "zero")->number == 0);
    assert_int_equal(ct_json_get(&o, "none")->type, CT_JSON_NULL);
    assert_int_equal(ct_json_get(&o, "yes")->type, CT_JSON_BOOL);
    assert_true(ct_json_get(&o, "yes")->number == 1 && ct_json_get(&o, "no")->number == 0);
    assert_true(isnan(ct_json_get(&o, "nan")->number));
    assert_true(isinf(ct_json_get(&o, "up")->number) && ct_json_get(&o, "up")->number > 0);
    assert_true(isinf(ct_json_get(&o, "down")->number) && ct_json_get(&o, "down")->number < 0);
    assert_string_equal(ct_json_get(&o, "text")->string, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
    assert_null(ct_json_get(&o, "absent"));
    ct_json_object_free(&o);

    assert_int_equal(ct_json_parse_object("{}", &o, &column, &err), CT_OK);
    assert_int_equal(o.count, 0);
    ct_json_object_free(&o);
}

/* Each bad line, the column of the error and words its message must hold. */
static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int column;
        const char *words;
    } cases[] = {
        {"{\"a\": {\"b\": 1}}", 7, "nested objects and arrays are not read"},
        {"{\"a\": [1, 2]}", 7, "value of \"a\""},
        {"{\"a\": 1,}", 9, "expected a key in double quotes, found '}'"},
        {"{\"a\" 1}", 6, "expected ':' after the key"},
        {"{\"a\": 01}", 8, "expected ',' or '}' after a value, found '1}'"},
        {"{\"a\": 1} x", 10, "expected the end of the line after the object"},
        {"{\"a\": tru}", 7, "found 'tru}'"},
        {"{\"a\": 1.}", 9, "a digit after the decimal point"},
        {"{\"a\": -}", 8, "expected a digit"},
        {"{\"a\": 1e}", 9, "a digit in the exponent"},
        {"{\"a\": 1, \"a\": 2}", 10, "a key not given before"},
        {"{\"a\": \"open", 12, "the rest of the string and its closing '\"', found the end of the line"},
        {"{\"a\": \"\\x\"}", 8, "an escape of"},
        {"{\"a\": \"\\ud83d\"}", 8, "low one"},
        {"{\"a\": \"\\u0000\"}", 8, "other than U+0000"},
        {"{\"a\": \"tab\there\"}", 11, "control characters must be escaped"},
        {"[1, 2]", 1, "expected a JSON object starting with '{'"},
        {"", 1, "found the end of the line"},
        {"garbage that is long", 1, "found 'garbage that...'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_json_object o;
        ct_error err = {{0}};
        int column = 0;
        assert_int_equal(ct_json_parse_object(cases[i].text, &o, &column, &err), CT_ERR);
        if (column != cases[i].column || !strstr(err.msg, cases[i].words))
            fail_msg("%s: column %d: %s (expected column %d and '%s')", cases[i].text, column, err.msg,
                     cases[i].column, cases[i].words);
        assert_int_equal(o.count, 0);
        assert_null(o.members);
    }
}

typedef struct seen {
    int records;
    double steps;
    int fail_at; /* the record on which to fail, from 1; 0 never */
} seen;

static int count(void *ctx, const ct_json_object *record, ct_error *err)
{
    seen *s = ctx;
    if (++s->records == s->fail_at)
        return ct_fail(err, "no step here");
    const ct_json_member *step = ct_json_get(record, "step");
    s->steps += step ? step->number : 0;
    return CT_OK;
}

static const char *write_file(char *path, const char *text)
{
    strcpy(path, "/tmp/ct-test-jsonl-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_file(void **state)
{
    (void)state;
    char path[64], expected[128];
    ct_error err;
    seen s = {0, 0, 0};
    /* blank lines are skipped but counted; the last line needs no newline */
    write_file(path, "{\"epoch\": 1, \"step\": 10}\n\n  \n"
                     "{\"type\": \"step\", \"step\": 5, \"x\": null}\n{\"step\": 1}");
    assert_int_equal(ct_jsonl_read(path, count, &s, &err), CT_OK);
    assert_int_equal(s.records, 3);
    assert_true(s.steps == 16);

    s = (seen){0, 0, 2};
    assert_int_equal(ct_jsonl_read(path, count, &s, &err), CT_ERR);
    snprintf(expected, sizeof expected, "%s:4: no step here", path);
    assert_string_equal(err.msg, expected);
    unlink(path);

    write_file(path, "{\"step\": 1}\n{\"step\": 2}\n{\"step\": 3, \"lr\": [0.1]}\n{\"step\": 4}\n");
    s = (seen){0, 0, 0};
    assert_int_equal(ct_jsonl_read(path, count, &s, &err), CT_ERR);
    assert_int_equal(s.records, 2);
    snprintf(expected, sizeof expected, "%s:3:19: expected a number", path);
    if (strncmp(err.msg, expected, strlen(expected)) != 0)
        fail_msg("%s (expected it to start with %s)", err.msg, expected);
    unlink(path);

    assert_int_equal(ct_jsonl_read(path, count, &s, &err), CT_ERR);
    snprintf(expected, sizeof expected, "%s: cannot open it: No such file or directory", path);
    assert_string_equal(err.msg, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
