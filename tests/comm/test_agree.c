/* ct_agree under mpirun: for every subset of failing ranks (none, one,
 * several, all), every rank returns the same status and message: CT_OK and
 * an untouched error when no rank failed, else the lowest failing rank's
 * message, prefixed "rank R: " unless every rank failed. Also on a
 * sub-communicator, where R is the rank within it. */
#include <stdio.h>
#include <string.h>

#include "comm/agree.h"
#include "tests/comm/mpitest.h"

static void own_message(char *buf, size_t size, int rank)
{
    snprintf(buf, size, "shard %d: bad label at row %d", rank, 100 + 7 * rank);
}

/* Each rank in `failing` (a bit mask over w's ranks) fails with its own
 * message; checks what every rank gets back. */
static void check_subset(const ct_world *w, unsigned failing)
{
    ct_error err;
    bool fails = failing >> w->rank & 1;
    if (fails)
        own_message(err.msg, sizeof err.msg, w->rank);
    else
        snprintf(err.msg, sizeof err.msg, "untouched");
    int rc = ct_agree(w, fails ? CT_ERR : CT_OK, &err);

    if (failing == 0) {
        MT_CHECK_INT(rc, CT_OK);
        MT_CHECK(strcmp(err.msg, "untouched") == 0);
        return;
    }
    int lowest = 0;
    while (!(failing >> lowest & 1))
        lowest++;
    bool all = failing == (1u << w->size) - 1;
    char first[sizeof err.msg], want[sizeof err.msg + 32];
    own_message(first, sizeof first, lowest);
    if (all)
        snprintf(want, sizeof want, "%s", first);
    else
        snprintf(want, sizeof want, "rank %d: %s", lowest, first);
    MT_CHECK_INT(rc, CT_ERR);
    mt_report(strcmp(err.msg, want) == 0, __FILE__, __LINE__, "failing set 0x%x: got \"%s\", want \"%s\"", failing,
              err.msg, want);
}

static void test_every_subset(const ct_world *w)
{
    mt_case_begin("every subset of failing ranks");
    for (unsigned failing = 0; failing < 1u << w->size; failing++)
        check_subset(w, failing);
    mt_case_end();
}

/* A message that fills the buffer: the prefixed one is cut, not overrun,
 * and still starts with the prefix and the message. */
static void test_long_message(const ct_world *w)
{
    mt_case_begin("long message");
    for (int failing = 0; failing < w->size; failing++) {
        ct_error err;
        memset(err.msg, 'x', sizeof err.msg - 1);
        err.msg[sizeof err.msg - 1] = '\0';
        memcpy(err.msg, "start", 5);
        int rc = ct_agree(w, w->rank == failing ? CT_ERR : CT_OK, &err);
        MT_CHECK_INT(rc, CT_ERR);
        char prefix[32];
        if (w->size == 1)
            prefix[0] = '\0';
        else
            snprintf(prefix, sizeof prefix, "rank %d: ", failing);
        size_t len = strnlen(err.msg, sizeof err.msg);
        MT_CHECK(len < sizeof err.msg);
        MT_CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0);
        MT_CHECK(strncmp(err.msg + strlen(prefix), "startxxx", 8) == 0);
        MT_CHECK(len > sizeof err.msg / 2);
    }
    mt_case_end();
}

/* Ranks 0..n-1 of a sub-communicator agree among themselves; the others
 * take no part. */
static void test_sub_world(const ct_world *w)
{
    mt_case_begin("sub-communicator");
    for (int n = 1; n <= w->size; n++) {
        ct_world sub = mt_sub_world(w, n);
        if (sub.comm != MPI_COMM_NULL)
            for (unsigned failing = 0; failing < 1u << sub.size; failing++)
                check_subset(&sub, failing);
        mt_sub_world_free(&sub);
    }
    mt_case_end();
}

int main(int argc, char **argv)
{
    ct_world w;
    mt_init(&w, &argc, &argv);
    MT_REQUIRE(w.size <= 16);
    test_every_subset(&w);
    test_long_message(&w);
    test_sub_world(&w);
    return mt_finish(&w);
}
