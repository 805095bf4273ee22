/* Checks for test programs that run under mpirun (cmocka knows nothing of
 * ranks). Every rank runs the same checks; a failed MT_CHECK prints the
 * rank, file, line and condition and is counted, and the program goes on
 * to the end of the case, so that each rank reports what it saw. At
 * mt_case_end the ranks add up their failures: if any rank failed, every
 * rank says so and the job ends with MPI_Abort (non-zero exit, no rank
 * left waiting). MT_REQUIRE is for conditions without which the case
 * cannot go on (a failed init): it aborts at once. */
#ifndef CT_TESTS_COMM_MPITEST_H
#define CT_TESTS_COMM_MPITEST_H

#include <stdbool.h>
#include <stdint.h>

#include "comm/world.h"

/* Starts MPI (ct_world_init) for the program `name`; fills world. */
void mt_init(ct_world *world, int *argc, char ***argv);
/* Prints "name: N cases passed on R ranks" on rank 0, removes the
 * temporary directory and finalises MPI. Returns main's exit status. */
int mt_finish(ct_world *world);

/* Starts / ends a case; mt_case_end is collective. mt_where sets what
 * failures print after the case name (a batch, a world size), until the
 * next call or case. */
void mt_case_begin(const char *name);
void mt_case_end(void);
void mt_where(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Failure reporting behind the macros: returns ok. */
bool mt_report(bool ok, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool mt_check_int(int64_t got, int64_t want, const char *got_text, const char *want_text, const char *file,
                  int line);
void mt_abort(const char *file, int line, const char *what) __attribute__((noreturn));

#define MT_CHECK(cond) mt_report((cond), __FILE__, __LINE__, "%s", #cond)
/* Integer equality that prints both sides (each evaluated once). */
#define MT_CHECK_INT(got, want) mt_check_int((int64_t)(got), (int64_t)(want), #got, #want, __FILE__, __LINE__)
#define MT_REQUIRE(cond) ((cond) ? (void)0 : mt_abort(__FILE__, __LINE__, #cond))

/* Checks that msg contains each of the NULL-terminated strings after it. */
bool mt_check_msg(const char *file, int line, const char *msg, ...);
#define MT_CHECK_MSG(msg, ...) mt_check_msg(__FILE__, __LINE__, (msg), __VA_ARGS__, (const char *)NULL)

/* A directory shared by the ranks (made by rank 0 under $TMPDIR or /tmp;
 * removed with its files by mt_finish), and paths in it (a static ring of
 * 8 buffers). Collective on the first call. */
const char *mt_tmpdir(void);
const char *mt_path(const char *name);

/* A ct_world of the first n ranks of world (a new communicator), for the
 * ranks below n; the others get a world with comm MPI_COMM_NULL. Collective
 * over world; free with mt_sub_world_free. */
ct_world mt_sub_world(const ct_world *world, int n);
void mt_sub_world_free(ct_world *sub);

#endif
