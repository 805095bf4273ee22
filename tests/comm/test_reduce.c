/* comm/reduce under mpirun: the bucketed float allreduce gives exactly the
 * elementwise sum of every rank's buffer, with one bucket or many (and a
 * last bucket that is short), and touches nothing past n; broadcasts from
 * every root; the double allreduce. Values are small integers (and
 * quarters), so float sums are exact and equality is the check. */
#include <string.h>

#include "comm/reduce.h"
#include "engine/alloc.h"
#include "tests/comm/mpitest.h"

#define GUARD 2

/* Rank r's element i: an integer in [-50, 50], different across ranks. */
static float value(int r, size_t i)
{
    return (float)((long)((i * 7 + (size_t)r * 13) % 101) - 50);
}

static void check_allreduce(const ct_world *w, size_t n, size_t bucket)
{
    float *buf = CT_ALLOC_ARRAY(float, n + GUARD);
    for (size_t i = 0; i < n; i++)
        buf[i] = value(w->rank, i);
    for (size_t i = n; i < n + GUARD; i++)
        buf[i] = -1234.5f;
    ct_error err;
    int rc = ct_allreduce_floats(w, buf, n, bucket, &err);
    mt_report(rc == CT_OK, __FILE__, __LINE__, "n %zu bucket %zu: %s", n, bucket, rc == CT_OK ? "" : err.msg);
    long wrong = 0;
    size_t first_wrong = 0;
    for (size_t i = 0; i < n; i++) {
        long want = 0;
        for (int r = 0; r < w->size; r++)
            want += (long)value(r, i);
        if (buf[i] != (float)want && wrong++ == 0)
            first_wrong = i;
    }
    mt_report(wrong == 0, __FILE__, __LINE__, "n %zu bucket %zu: %ld sums wrong, first at %zu (%g)", n, bucket,
              wrong, first_wrong, wrong ? (double)buf[first_wrong] : 0.0);
    for (size_t i = n; i < n + GUARD; i++)
        MT_CHECK(buf[i] == -1234.5f);
    ct_free(buf);
}

static void test_allreduce_floats(const ct_world *w)
{
    mt_case_begin("allreduce floats");
    size_t sizes[] = {1, 2, 7, 13, 1000, 1001};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        /* One bucket: 0 (the whole buffer), exactly n, more than n. */
        size_t buckets[] = {0, n, n + 5, 1, 3, 7, 64, n > 1 ? n - 1 : 1};
        for (size_t b = 0; b < sizeof buckets / sizeof buckets[0]; b++)
            check_allreduce(w, n, buckets[b]);
    }
    /* n = 0 is allowed and touches nothing. */
    float untouched = 5.0f;
    ct_error err;
    MT_CHECK_INT(ct_allreduce_floats(w, &untouched, 0, 7, &err), CT_OK);
    MT_CHECK(untouched == 5.0f);
    mt_case_end();
}

static void test_broadcast(const ct_world *w)
{
    mt_case_begin("broadcast");
    enum { SIZE = 1000 };
    unsigned char *buf = CT_ALLOC_ARRAY(unsigned char, SIZE + GUARD);
    ct_error err;
    for (int root = 0; root < w->size; root++) {
        for (size_t i = 0; i < SIZE + GUARD; i++)
            buf[i] = w->rank == root && i < SIZE ? (unsigned char)(i * 31 + (size_t)root) : 0xEE;
        MT_CHECK_INT(ct_broadcast_bytes(w, buf, SIZE, root, &err), CT_OK);
        long wrong = 0;
        for (size_t i = 0; i < SIZE; i++)
            wrong += buf[i] != (unsigned char)(i * 31 + (size_t)root);
        mt_report(wrong == 0, __FILE__, __LINE__, "root %d: %ld bytes differ from the root's", root, wrong);
        MT_CHECK(buf[SIZE] == 0xEE && buf[SIZE + 1] == 0xEE);
        /* Zero bytes: nothing moves. */
        MT_CHECK_INT(ct_broadcast_bytes(w, buf + SIZE, 0, root, &err), CT_OK);
        MT_CHECK(buf[SIZE] == 0xEE);
    }
    float params[5];
    for (int i = 0; i < 5; i++)
        params[i] = w->rank == 0 ? 0.5f * (float)i - 1.0f : 99.0f;
    MT_CHECK_INT(ct_broadcast_floats(w, params, 5, &err), CT_OK);
    for (int i = 0; i < 5; i++)
        MT_CHECK(params[i] == 0.5f * (float)i - 1.0f);
    ct_free(buf);
    mt_case_end();
}

static void test_allreduce_doubles(const ct_world *w)
{
    mt_case_begin("allreduce doubles");
    enum { N = 5 };
    double buf[N + 1];
    for (int i = 0; i < N; i++)
        buf[i] = 0.25 * (w->rank + 1) + 1e9 * i;
    buf[N] = -7.0;
    ct_error err;
    MT_CHECK_INT(ct_allreduce_doubles(w, buf, N, &err), CT_OK);
    for (int i = 0; i < N; i++) {
        double want = 0;
        for (int r = 0; r < w->size; r++)
            want += 0.25 * (r + 1) + 1e9 * i;
        mt_report(buf[i] == want, __FILE__, __LINE__, "element %d: %.17g, want %.17g", i, buf[i], want);
    }
    MT_CHECK(buf[N] == -7.0);
    mt_case_end();
}

/* Sums over the first n ranks only, on a communicator of their own. */
static void test_sub_world(const ct_world *w)
{
    mt_case_begin("sub-communicator");
    for (int n = 1; n <= w->size; n++) {
        ct_world sub = mt_sub_world(w, n);
        if (sub.comm != MPI_COMM_NULL) {
            check_allreduce(&sub, 1001, 7);
            check_allreduce(&sub, 10, 0);
        }
        mt_sub_world_free(&sub);
    }
    mt_case_end();
}

int main(int argc, char **argv)
{
    ct_world w;
    mt_init(&w, &argc, &argv);
    test_allreduce_floats(&w);
    test_broadcast(&w);
    test_allreduce_doubles(&w);
    test_sub_world(&w);
    return mt_finish(&w);
}
