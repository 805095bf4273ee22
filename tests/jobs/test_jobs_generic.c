/* The YAML walker, --set and the emitter on a schema that is not ctrain's
 * (all_types.proto: every protobuf type, oneofs, recursion): nothing in
 * them may depend on job.proto. Uses the loader's internal API. */
#include "job_test_util.h"

#include <math.h>
#include <stdlib.h>

#include "all_types.pb-c.h"
#include "engine/alloc.h"
#include "jobs/job_internal.h"

static Cttest__AllTypes *load(const char *yaml)
{
    ProtobufCMessage *m = ct_pb_new(&cttest__all_types__descriptor);
    ct_error err = {{0}};
    ct_marks marks = {0};
    int rc = ct_yaml_load_message(yaml, strlen(yaml), "g.yaml", m, &marks, &err);
    ct_marks_free(&marks);
    if (rc != CT_OK)
        fail_msg("%s", err.msg);
    return (Cttest__AllTypes *)m;
}

static ct_error last;

static const char *load_fail(const char *yaml)
{
    ProtobufCMessage *m = ct_pb_new(&cttest__all_types__descriptor);
    memset(&last, 0, sizeof last);
    assert_int_equal(ct_yaml_load_message(yaml, strlen(yaml), "g.yaml", m, NULL, &last), CT_ERR);
    ct_pb_free(m);
    return last.msg;
}

static const char *const FULL = "i32: -2147483648\n"
                                "s32: 2147483647\n"
                                "sf32: -5\n"
                                "i64: -9223372036854775808\n"
                                "s64: 42\n"
                                "sf64: -0x10\n"
                                "u32: 4294967295\n"
                                "f32: 7\n"
                                "u64: 18446744073709551615\n"
                                "f64: 0o777\n"
                                "fl: -1.5\n"
                                "db: 0.30000000000000004\n"
                                "b: true\n"
                                "s: text\n"
                                "by: \"a\\x01b\"\n"
                                "color: dark_blue\n"
                                "inner: {a: 3, tags: [x, \"y z\"]}\n"
                                "ri: [1, -2, 3]\n"
                                "rd: [0.5, -.inf, 1e300, .nan]\n"
                                "rs: [one, two]\n"
                                "rc: [red, GREEN, Dark_Blue]\n"
                                "rinner: [{a: 1}, {tags: []}, ~]\n"
                                "rb: [true, false, yes]\n"
                                "rby: [\"\", z]\n"
                                "pick_s: chosen\n"
                                "flag:\n"
                                "child: {i32: 1, child: pick_flag}\n";

static void test_every_type(void **state)
{
    (void)state;
    Cttest__AllTypes *m = load(FULL);
    assert_true(m->has_i32 && m->i32 == INT32_MIN);
    assert_true(m->s32 == INT32_MAX);
    assert_true(m->sf32 == -5);
    assert_true(m->i64 == INT64_MIN);
    assert_true(m->s64 == 42);
    assert_true(m->sf64 == -16);
    assert_true(m->u32 == UINT32_MAX);
    assert_true(m->f32 == 7);
    assert_true(m->u64 == UINT64_MAX);
    assert_true(m->f64 == 0777);
    assert_true(m->fl == -1.5f);
    assert_true(m->db == 0.30000000000000004);
    assert_true(m->has_b && m->b);
    assert_string_equal(m->s, "text");
    assert_true(m->has_by && m->by.len == 3 && memcmp(m->by.data, "a\x01" "b", 3) == 0);
    assert_int_equal(m->color, CTTEST__COLOR__DARK_BLUE);
    assert_int_equal(m->inner->a, 3);
    assert_int_equal(m->inner->n_tags, 2);
    assert_string_equal(m->inner->tags[1], "y z");
    assert_int_equal(m->n_ri, 3);
    assert_int_equal(m->ri[1], -2);
    assert_int_equal(m->n_rd, 4);
    assert_true(m->rd[0] == 0.5 && isinf(m->rd[1]) && m->rd[1] < 0 && m->rd[2] == 1e300 && isnan(m->rd[3]));
    assert_string_equal(m->rs[1], "two");
    assert_int_equal(m->n_rc, 3);
    assert_int_equal(m->rc[0], CTTEST__COLOR__RED);
    assert_int_equal(m->rc[2], CTTEST__COLOR__DARK_BLUE);
    assert_int_equal(m->n_rinner, 3);
    assert_int_equal(m->rinner[0]->a, 1);
    assert_int_equal(m->rinner[2]->a, 7);
    assert_int_equal(m->n_rb, 3);
    assert_true(m->rb[0] && !m->rb[1] && m->rb[2]);
    assert_int_equal(m->n_rby, 2);
    assert_int_equal(m->rby[0].len, 0);
    assert_int_equal(m->choice_case, CTTEST__ALL_TYPES__CHOICE_PICK_S);
    assert_string_equal(m->pick_s, "chosen");
    assert_non_null(m->flag);
    assert_int_equal(m->child->i32, 1);
    assert_int_equal(m->child->child->choice_case, CTTEST__ALL_TYPES__CHOICE_PICK_FLAG);
    ct_pb_free(&m->base);
}

static void test_ranges_and_types(void **state)
{
    (void)state;
    assert_string_equal(load_fail("i32: 2147483648\n"),
                        "g.yaml:1:6: i32: expected an integer from -2147483648 to 2147483647, found '2147483648'");
    assert_string_equal(load_fail("s32: -2147483649\n"),
                        "g.yaml:1:6: s32: expected an integer from -2147483648 to 2147483647, found '-2147483649'");
    assert_string_equal(load_fail("f32: 4294967296\n"),
                        "g.yaml:1:6: f32: expected an unsigned integer from 0 to 4294967295, found '4294967296'");
    assert_string_equal(load_fail("db: 1e309\n"),
                        "g.yaml:1:5: db: expected a number within the range of a double, found '1e309'");
    assert_string_equal(load_fail("ri: [1, x]\n"), "g.yaml:1:9: ri[1]: expected an integer, found 'x'");
    assert_string_equal(load_fail("rc: [red, blue]\n"),
                        "g.yaml:1:11: rc[1]: expected one of red, green, dark_blue, found 'blue'");
    assert_string_equal(load_fail("rs: one\n"),
                        "g.yaml:1:5: rs: expected a sequence (each item a string), found 'one'");
    assert_string_equal(load_fail("rinner: [{tags: [a, {b: c}]}]\n"),
                        "g.yaml:1:21: rinner[0].tags[1]: expected a string, found a mapping");
    assert_string_equal(load_fail("pick_s: a\npick_i: 3\n"),
                        "g.yaml:2:1: 'pick_s' and 'pick_i' are both set; a AllTypes takes exactly one of "
                        "pick_inner, pick_s, pick_i, pick_flag");
    assert_string_equal(load_fail("child: nothing\n"),
                        "g.yaml:1:8: child: expected a mapping (AllTypes) or one of pick_flag, flag, found 'nothing'");
    assert_string_equal(load_fail("s: \"a\\0b\"\n"),
                        "g.yaml:1:4: s: expected a string without NUL characters, found 'a\\x00b'");
}

static void test_deep_nesting_is_refused(void **state)
{
    (void)state;
    char yaml[2048] = "";
    for (int i = 0; i < 70; i++)
        strcat(yaml, "{child: ");
    for (int i = 0; i < 70; i++)
        strcat(yaml, "}");
    assert_has(load_fail(yaml), "nested more than 64 levels deep");
}

static void test_resolve(void **state)
{
    (void)state;
    Cttest__AllTypes *m = load("inner: {}\n");
    ct_pb_resolve(&m->base);
    assert_true(m->has_i32 && m->has_fl && m->has_color && m->has_by);
    assert_true(m->fl == 0.5f && m->db == 0.1);
    assert_string_equal(m->s, "hi");
    assert_int_equal(m->inner->a, 7);
    assert_true(m->inner->has_a);
    assert_null(m->child); /* would recurse forever */
    assert_non_null(m->flag);
    assert_int_equal(m->choice_case, CTTEST__ALL_TYPES__CHOICE__NOT_SET);
    ct_pb_free(&m->base);
}

static void test_round_trip(void **state)
{
    (void)state;
    Cttest__AllTypes *m = load(FULL);
    ct_pb_resolve(&m->base);
    char *yaml = ct_yaml_emit(&m->base);
    Cttest__AllTypes *again = load(yaml);
    ct_pb_resolve(&again->base);
    size_t n1, n2;
    uint8_t *b1 = ct_test_pack(&m->base, &n1), *b2 = ct_test_pack(&again->base, &n2);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0)
        fail_msg("round trip changed the message; YAML:\n%s", yaml);
    assert_has(yaml, "by: \"a\\x01b\"\n");
    assert_has(yaml, "rd:\n  - 0.5\n  - -.inf\n  - 1e+300\n  - .nan\n");
    assert_has(yaml, "pick_s: chosen\n");
    assert_has(yaml, "child:\n  i32: 1\n");
    assert_has(yaml, "\n  child:\n    i32: 0\n");
    assert_has(yaml, "\n    pick_flag: {}\n");
    assert_has(yaml, "rby:\n  - \"\"\n  - z\n");
    free(b1);
    free(b2);
    ct_free(yaml);
    ct_pb_free(&again->base);
    ct_pb_free(&m->base);
}

static void set_ok(ProtobufCMessage *m, const char *assignment)
{
    ct_error err = {{0}};
    if (ct_pb_set(m, assignment, NULL, &err) != CT_OK)
        fail_msg("%s", err.msg);
}

static void test_set(void **state)
{
    (void)state;
    Cttest__AllTypes *m = load(FULL);
    set_ok(&m->base, "inner.tags.1=zz");
    set_ok(&m->base, "rd.0=2.5");
    set_ok(&m->base, "rs=[a, b, c]");
    set_ok(&m->base, "pick_i=5");
    set_ok(&m->base, "child.child.child.u32=3");
    set_ok(&m->base, "rinner.2.a=9");
    set_ok(&m->base, "rby.1=bytes");
    set_ok(&m->base, "color=red");
    set_ok(&m->base, "pick_inner.tags=[t]");
    assert_string_equal(m->inner->tags[1], "zz");
    assert_true(m->rd[0] == 2.5);
    assert_int_equal(m->n_rs, 3);
    assert_int_equal(m->child->child->child->u32, 3);
    assert_int_equal(m->child->child->choice_case, CTTEST__ALL_TYPES__CHOICE_PICK_FLAG);
    assert_int_equal(m->rinner[2]->a, 9);
    assert_int_equal(m->rby[1].len, 5);
    assert_int_equal(m->color, CTTEST__COLOR__RED);
    assert_int_equal(m->choice_case, CTTEST__ALL_TYPES__CHOICE_PICK_INNER);
    assert_string_equal(m->pick_inner->tags[0], "t");

    ct_error err = {{0}};
    assert_int_equal(ct_pb_set(&m->base, "ri.3=1", NULL, &err), CT_ERR);
    assert_string_equal(err.msg, "--set ri.3=1: ri has 3 items: index 3 is out of range (only existing items can be set)");
    assert_int_equal(ct_pb_set(&m->base, "inner.a.b=1", NULL, &err), CT_ERR);
    assert_string_equal(err.msg, "--set inner.a.b=1: inner.a is an integer: it has no field 'b'");
    assert_int_equal(ct_pb_set(&m->base, "ri.0.x=1", NULL, &err), CT_ERR);
    assert_string_equal(err.msg, "--set ri.0.x=1: ri[0] is an integer: it has no field 'x'");
    assert_int_equal(ct_pb_set(&m->base, "rinner.99999999999999999999999.a=1", NULL, &err), CT_ERR);
    assert_has(err.msg, "rinner is a list: expected an index (0 to 2) after it");
    ct_pb_free(&m->base);
}

static void test_suggestions(void **state)
{
    (void)state;
    assert_int_equal(ct_edit_distance("bach_size", "batch_size"), 1);
    assert_int_equal(ct_edit_distance("rleu", "relu"), 1);
    assert_int_equal(ct_edit_distance("LR", "lr"), 0);
    assert_string_equal(ct_pb_suggest_field(&ctrain__train__descriptor, "bach_size"), "batch_size");
    assert_string_equal(ct_pb_suggest_field(&ctrain__train__descriptor, "epoch"), "epochs");
    assert_null(ct_pb_suggest_field(&ctrain__optimizer__descriptor, "lerning_rate"));
    assert_null(ct_pb_suggest_field(&ctrain__optimizer__descriptor, "x"));
    assert_string_equal(ct_pb_suggest_field(&ctrain__optimizer__descriptor, "lt"), "lr");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_ranges_and_types),
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_suggestions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
