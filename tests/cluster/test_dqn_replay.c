/* A DQN's replay pieces without MPI: n-step returns at an episode's middle,
 * its termination and its truncation, and the priority tree's prefix
 * search, totals and minimum. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cluster/families/dqn_nstep.h"
#include "cluster/families/dqn_priority.h"

/* Pushes an episode of `steps` steps (observation t is t, reward t + 1)
 * through n-step returns into a fresh replay. */
static void episode(ct_replay *r, int64_t n, float gamma, int steps, bool terminated)
{
    ct_nstep s;
    ct_nstep_init(&s, n, 1, gamma);
    ct_replay_init(r, 64, 1, NULL);
    for (int t = 0; t < steps; t++) {
        float obs = (float)t, next = (float)(t + 1);
        bool last = t == steps - 1;
        ct_nstep_push(&s, r, &obs, t % 2, (float)(t + 1), &next, last && terminated, last);
    }
    ct_nstep_free(&s);
}

/* The n-step return from step t of an episode of `steps` steps. */
static void expect(const ct_replay *r, int64_t n, float gamma, int steps, bool terminated)
{
    assert_int_equal(ct_replay_size(r), steps);
    for (int t = 0; t < steps; t++) {
        int m = t + n <= steps ? (int)n : steps - t;
        double ret = 0;
        for (int k = 0; k < m; k++)
            ret += pow(gamma, k) * (t + k + 1);
        bool cut = t + m == steps;
        assert_float_equal(r->obs[t], (float)t, 0);
        assert_int_equal(r->actions[t], t % 2);
        assert_float_equal(r->rewards[t], (float)ret, 1e-5);
        assert_float_equal(r->next_obs[t], (float)(t + m), 0);
        assert_float_equal(r->discounts[t], (cut && terminated ? 0.0f : (float)pow(gamma, m)), 1e-7);
    }
}

static void test_nstep_returns(void **state)
{
    (void)state;
    const int64_t ns[] = {1, 3, 5};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        for (int terminated = 0; terminated <= 1; terminated++) {
            ct_replay r;
            episode(&r, ns[i], 0.5f, 7, terminated);
            expect(&r, ns[i], 0.5f, 7, terminated);
            ct_replay_free(&r);
        }
    }
}

/* One step: the transition of plain DQN, gamma exactly when not terminated. */
static void test_one_step_is_plain(void **state)
{
    (void)state;
    ct_replay r;
    episode(&r, 1, 0.99f, 3, false);
    for (int t = 0; t < 3; t++) {
        assert_true(r.discounts[t] == 0.99f);
        assert_true(r.rewards[t] == (float)(t + 1));
    }
    ct_replay_free(&r);
}

/* Episodes shorter than n, one after another: nothing leaks from one into the next. */
static void test_nstep_short_episodes(void **state)
{
    (void)state;
    ct_nstep s;
    ct_replay r;
    ct_nstep_init(&s, 4, 1, 1.0f);
    ct_replay_init(&r, 16, 1, NULL);
    float obs = 0, next = 1;
    for (int e = 0; e < 3; e++) {
        ct_nstep_push(&s, &r, &obs, 0, 1.0f, &next, false, false);
        ct_nstep_push(&s, &r, &obs, 0, 1.0f, &next, true, true);
    }
    assert_int_equal(ct_replay_size(&r), 6);
    for (int i = 0; i < 6; i++)
        assert_float_equal(r.rewards[i], (i % 2 == 0 ? 2.0f : 1.0f), 0);
    ct_nstep_free(&s);
    ct_replay_free(&r);
}

static void test_priority_tree(void **state)
{
    (void)state;
    ct_priority_tree t;
    ct_priority_init(&t, 5); /* 8 leaves */
    assert_int_equal(t.leaves, 8);
    assert_true(isinf(ct_priority_min(&t)));
    const double p[5] = {1, 0, 2, 0.5, 3};
    for (int i = 0; i < 5; i++)
        ct_priority_set(&t, i, p[i]);
    assert_float_equal(ct_priority_total(&t), 6.5, 0);
    assert_float_equal(ct_priority_min(&t), 0, 0);
    assert_int_equal(ct_priority_find(&t, 0.0), 0);
    assert_int_equal(ct_priority_find(&t, 0.999), 0);
    assert_int_equal(ct_priority_find(&t, 1.0), 2); /* slot 1 has no mass */
    assert_int_equal(ct_priority_find(&t, 2.999), 2);
    assert_int_equal(ct_priority_find(&t, 3.0), 3);
    assert_int_equal(ct_priority_find(&t, 3.5), 4);
    assert_int_equal(ct_priority_find(&t, 6.5), 4);  /* at the total: the last slot with mass */
    assert_int_equal(ct_priority_find(&t, 7.0), 4);
    ct_priority_set(&t, 1, 0.25);
    assert_float_equal(ct_priority_min(&t), 0.25, 0);
    assert_float_equal(ct_priority_of(&t, 1), 0.25, 0);
    ct_priority_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nstep_returns),
        cmocka_unit_test(test_one_step_is_plain),
        cmocka_unit_test(test_nstep_short_episodes),
        cmocka_unit_test(test_priority_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
