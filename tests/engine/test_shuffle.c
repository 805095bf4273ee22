/* ct_shuffle: a bijection on [0, n) for every n, determined by (seed,
 * epoch), not the identity, and uniform enough to be a shuffle. */
#include <math.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/shuffle.h"
#include "testlib.h"

static void check_bijection(int64_t n, uint64_t seed, int64_t epoch)
{
    ct_shuffle s;
    ct_shuffle_init(&s, n, seed, epoch);
    char *seen = CT_ALLOC_ARRAY(char, n);
    for (int64_t i = 0; i < n; i++) {
        int64_t row = ct_shuffle_at(&s, i);
        if (row < 0 || row >= n || seen[row])
            fail_msg("n %lld: position %lld maps to row %lld (out of range or seen twice)", (long long)n,
                     (long long)i, (long long)row);
        seen[row] = 1;
    }
    ct_free(seen);
}

static void test_bijection(void **state)
{
    (void)state;
    const int64_t sizes[] = {1, 2, 3, 4, 5, 7, 16, 17, 63, 64, 65, 100, 1000, 4000, 4001, 60000, 65537};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int64_t epoch = 0; epoch < 3; epoch++)
            check_bijection(sizes[k], 9, epoch);
}

/* Row of each position for (seed, epoch) into rows[n]. */
static void order(int64_t *rows, int64_t n, uint64_t seed, int64_t epoch)
{
    ct_shuffle s;
    ct_shuffle_init(&s, n, seed, epoch);
    for (int64_t i = 0; i < n; i++)
        rows[i] = ct_shuffle_at(&s, i);
}

static void test_keys(void **state)
{
    (void)state;
    enum { N = 1001 };
    int64_t p[N], q[N];
    order(p, N, 9, 0);
    int64_t fixed = 0;
    for (int64_t i = 0; i < N; i++)
        fixed += p[i] == i;
    assert_true(fixed < 10); /* a shuffle, not the identity */
    order(q, N, 9, 0);       /* same (seed, epoch): same order */
    assert_memory_equal(p, q, sizeof p);
    order(q, N, 9, 1); /* next epoch: another one */
    assert_true(memcmp(p, q, sizeof p) != 0);
    order(q, N, 10, 0); /* another seed: another one */
    assert_true(memcmp(p, q, sizeof p) != 0);
}

/* Over many epochs, the row at each position of a 10-row split is uniform:
 * Pearson's chi-square over the 10 x 10 (position, row) counts stays below
 * the 0.999 quantile of chi-square with 90 degrees of freedom (137.2); six
 * Feistel rounds instead of twelve fail it for some seeds. */
static void test_uniform(void **state)
{
    (void)state;
    enum { N = 10, EPOCHS = 20000 };
    static int64_t counts[N][N];
    memset(counts, 0, sizeof counts);
    for (int64_t e = 0; e < EPOCHS; e++) {
        ct_shuffle s;
        ct_shuffle_init(&s, N, 3, e);
        for (int64_t i = 0; i < N; i++)
            counts[i][ct_shuffle_at(&s, i)]++;
    }
    double expected = (double)EPOCHS / N, chi2 = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            chi2 += (counts[i][j] - expected) * (counts[i][j] - expected) / expected;
    print_message("  chi-square over positions x rows: %.1f (90 degrees of freedom)\n", chi2);
    assert_true(chi2 < 137.2);
}

/* Huge splits cost nothing: positions of a 2^40-row order stay in range
 * and distinct over a sample. */
static void test_huge(void **state)
{
    (void)state;
    const int64_t n = (int64_t)1 << 40;
    ct_shuffle s;
    ct_shuffle_init(&s, n, 1, 0);
    enum { M = 4096 };
    int64_t rows[M];
    for (int64_t i = 0; i < M; i++) {
        rows[i] = ct_shuffle_at(&s, i * 268435399);
        assert_true(rows[i] >= 0 && rows[i] < n);
        for (int64_t j = 0; j < i; j++)
            assert_true(rows[j] != rows[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bijection),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
