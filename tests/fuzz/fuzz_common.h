/* What the libFuzzer harnesses share: a reader that turns the fuzz input
 * into bounded choices (every read succeeds: past the end it yields 0),
 * a scratch directory for the files a harness writes, and the leak
 * suppressions of the MPI runtime (tests/lsan.supp) built in. Header only:
 * each harness is one translation unit. */
#ifndef CT_TESTS_FUZZ_COMMON_H
#define CT_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz;

static inline unsigned fz_u8(fz *f)
{
    if (f->n == 0)
        return 0;
    f->n--;
    return *f->p++;
}

static inline uint64_t fz_u64(fz *f, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)fz_u8(f) << (8 * i);
    return v;
}

/* A choice in [0, n) (n >= 1) from one byte. */
static inline unsigned fz_pick(fz *f, unsigned n)
{
    return fz_u8(f) % n;
}

/* Up to `max` bytes of the input (fewer at its end); *len receives how many. */
static inline const uint8_t *fz_bytes(fz *f, size_t max, size_t *len)
{
    size_t n = max < f->n ? max : f->n;
    const uint8_t *p = f->p;
    f->p += n;
    f->n -= n;
    *len = n;
    return p;
}

/* A NUL-terminated string of up to max - 1 input bytes (a length byte,
 * then the bytes; NULs become 'x'). */
static inline void fz_string(fz *f, char *out, size_t max)
{
    size_t want = fz_u8(f) % max, len;
    const uint8_t *p = fz_bytes(f, want, &len);
    for (size_t i = 0; i < len; i++)
        out[i] = p[i] ? (char)p[i] : 'x';
    out[len] = '\0';
}

/* The harness's scratch directory, made once under $TMPDIR (or /dev/shm,
 * which is memory, when it exists) and removed at exit with what is in
 * it. */
/* A name: one of known[n] by the next byte, or a fuzzed string ("_" when empty). */
static inline void fz_name(fz *f, const char *const *known, unsigned n, char *out, size_t max)
{
    unsigned sel = fz_u8(f);
    if (sel < n)
        snprintf(out, max, "%s", known[sel]);
    else
        fz_string(f, out, max);
    if (!out[0])
        snprintf(out, max, "_");
}

static char fz_dir[512];

static inline void fz_remove_dir(void)
{
    if (!fz_dir[0])
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

static inline const char *fz_scratch_dir(const char *harness)
{
    if (fz_dir[0])
        return fz_dir;
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fz_dir, sizeof fz_dir, "%s/ctrain-%s-XXXXXX", base, harness);
    if (!mkdtemp(fz_dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fz_remove_dir);
    return fz_dir;
}

/* Writes size bytes to path (truncating); aborts on failure, which is the
 * machine's, not the input's. */
static inline void fz_write_file(const char *path, const void *data, size_t size)
{
    FILE *out = fopen(path, "wb");
    if (!out || (size && fwrite(data, 1, size, out) != size) || fclose(out) != 0) {
        perror(path);
        abort();
    }
}

/* A harness's own invariant failed: a bug, reported as a crash. */
#define FZ_CHECK(cond, ...)                                                                                        \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "fuzz check failed: %s: ", #cond);                                                     \
            fprintf(stderr, __VA_ARGS__);                                                                          \
            fprintf(stderr, "\n");                                                                                 \
            abort();                                                                                               \
        }                                                                                                          \
    } while (0)

/* Leaks inside the MPI runtime and its plugins are outside ctrain (as
 * tests/lsan.supp). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\nleak:libhwloc.so\nleak:libevent\n"
           "leak:mca_\nleak:libpmix\n";
}

#endif
