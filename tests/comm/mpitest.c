#include "tests/comm/mpitest.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Failures past this many per rank and case are counted, not printed. */
#define MT_MAX_PRINTED 20

static const ct_world *mt_world;
static const char *mt_program = "test";
static const char *mt_case = "(no case)";
static char mt_context[256];
static long mt_failures;
static int mt_cases;
static char mt_dir[4096];

static void remove_tmpdir(void);

void mt_init(ct_world *world, int *argc, char ***argv)
{
    ct_error err;
    if (ct_world_init(world, argc, argv, &err) != CT_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    mt_world = world;
    const char *slash = strrchr((*argv)[0], '/');
    mt_program = slash ? slash + 1 : (*argv)[0];
}

void mt_case_begin(const char *name)
{
    mt_case = name;
    mt_context[0] = '\0';
    mt_failures = 0;
}

void mt_where(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mt_context, sizeof mt_context, fmt, ap);
    va_end(ap);
}

void mt_case_end(void)
{
    long total = 0;
    MPI_Allreduce(&mt_failures, &total, 1, MPI_LONG, MPI_SUM, mt_world->comm);
    if (total > 0) {
        fprintf(stderr, "%s: rank %d: case %s: %ld failed checks here, %ld on all ranks\n", mt_program,
                mt_world->rank, mt_case, mt_failures, total);
        fflush(stderr);
        /* Every rank has reported before rank 0 aborts; the others wait
         * for mpirun to end them (aborts from every rank at once garble
         * mpirun's own report). */
        MPI_Barrier(mt_world->comm);
        if (mt_world->rank == 0) {
            if (mt_dir[0])
                remove_tmpdir();
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        for (;;)
            pause();
    }
    mt_cases++;
}

bool mt_report(bool ok, const char *file, int line, const char *fmt, ...)
{
    if (ok)
        return true;
    if (mt_failures++ < MT_MAX_PRINTED) {
        char what[1400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        fprintf(stderr, "%s: rank %d: %s:%d: case %s%s%s%s: check failed: %s\n", mt_program, mt_world->rank, file,
                line, mt_case, mt_context[0] ? " (" : "", mt_context, mt_context[0] ? ")" : "", what);
        fflush(stderr);
    }
    return false;
}

bool mt_check_int(int64_t got, int64_t want, const char *got_text, const char *want_text, const char *file,
                  int line)
{
    return mt_report(got == want, file, line, "%s == %s (%lld vs %lld)", got_text, want_text, (long long)got,
                     (long long)want);
}

void mt_abort(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s: rank %d: %s:%d: case %s%s%s%s: required: %s; aborting\n", mt_program, mt_world->rank, file,
            line, mt_case, mt_context[0] ? " (" : "", mt_context, mt_context[0] ? ")" : "", what);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    abort();
}

bool mt_check_msg(const char *file, int line, const char *msg, ...)
{
    bool ok = true;
    va_list ap;
    va_start(ap, msg);
    for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *))
        if (!strstr(msg, want))
            ok = mt_report(false, file, line, "message \"%s\" lacks \"%s\"", msg, want);
    va_end(ap);
    return ok;
}

const char *mt_tmpdir(void)
{
    if (mt_dir[0])
        return mt_dir;
    if (mt_world->rank == 0) {
        const char *base = getenv("TMPDIR");
        snprintf(mt_dir, sizeof mt_dir, "%s/ct_comm_test.XXXXXX", base && base[0] ? base : "/tmp");
        if (!mkdtemp(mt_dir))
            mt_abort(__FILE__, __LINE__, "mkdtemp of a temporary directory");
    }
    MPI_Bcast(mt_dir, (int)sizeof mt_dir, MPI_CHAR, 0, mt_world->comm);
    return mt_dir;
}

const char *mt_path(const char *name)
{
    static char ring[8][4200];
    static int next;
    char *out = ring[next++ % 8];
    snprintf(out, sizeof ring[0], "%s/%s", mt_tmpdir(), name);
    return out;
}

/* The tests write plain files into the directory, no subdirectories. */
static void remove_tmpdir(void)
{
    DIR *d = opendir(mt_dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", mt_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(mt_dir);
}

int mt_finish(ct_world *world)
{
    MPI_Barrier(world->comm);
    if (world->rank == 0) {
        if (mt_dir[0])
            remove_tmpdir();
        printf("%s: %d cases passed on %d ranks\n", mt_program, mt_cases, world->size);
    }
    ct_world_finalize(world);
    return 0;
}

ct_world mt_sub_world(const ct_world *world, int n)
{
    ct_world sub = *world;
    MPI_Comm_split(world->comm, world->rank < n ? 0 : MPI_UNDEFINED, world->rank, &sub.comm);
    sub.rank = -1;
    sub.size = 0;
    if (sub.comm != MPI_COMM_NULL) {
        MPI_Comm_rank(sub.comm, &sub.rank);
        MPI_Comm_size(sub.comm, &sub.size);
    }
    return sub;
}

void mt_sub_world_free(ct_world *sub)
{
    if (sub->comm != MPI_COMM_NULL)
        MPI_Comm_free(&sub->comm);
}
