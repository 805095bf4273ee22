/* libFuzzer harness of the dataset reader: what `ctrain train` (and eval)
 * read a data file with (ct_shard_read of a split's inputs and labels,
 * ct_streams_read of a sequence) and what `ctrain data inspect` prints
 * (ct_inspect_file).
 *
 * Structure-aware: the input is decoded (h5gen.h) into a file description,
 *   u8 n (% 9) objects, each: u8 path (a table of the names the readers
 *   look for, or a custom one), u8 kind (dataset, group, soft link, hard
 *   link, external link, named datatype), the dataset (type, space,
 *   layout, values) and u8 n (% 5) attributes (u8 name: scale, offset,
 *   num_classes, class_names, source or custom; type, space, values);
 * then the query: u8 world (1-4), u8 rank, u8 split, u8 input, u8
 *   target, u8 sequence dataset, u8 streams, u8 bptt, u8 normalisation,
 *   u8 readers (% 4: the shards of the split and /test, the streams, the
 *   inspector, all three);
 * the file is written with the HDF5 library and read with ours. libhdf5
 * (1.10) crashes in its own parser on many malformed files, which is not
 * ours to fix: valid files whose structure and values are odd reach our
 * checks instead. With CT_FUZZ_RAW=1 in the environment the input is the
 * file's bytes (for hunting libhdf5's own crashes, not run by CI).
 *
 * Checks: errors are CT_ERR with a message; a shard that reads holds what
 * ct_shard_read promises (its rank's rows, finite float32 values, labels in
 * [0, num_classes), as many class names as classes); windows of streams
 * stay within their buffers (AddressSanitizer). The memory budget is 64 MiB,
 * so that sizes a file declares without storing are refused, not
 * allocated. CT_FUZZ_WRITE_SEEDS=DIR writes the seed corpus and exits. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/importers.h"
#include "datasets/shard.h"
#include "datasets/streams.h"
#include "engine/alloc.h"
#include "tests/fuzz/h5gen.h"

static char data_path[600];
static FILE *devnull;
static bool raw_mode;
static bool verbose; /* CT_FUZZ_VERBOSE=1: print what each read says */

static const char *const paths[] = {
    "/train/images", "/train/labels", "/test/images", "/test/labels", "/train/tokens", "/train/series",
    "/test/tokens",  "/test/series",  "/valid/images", "/valid/labels", "/train",     "/test",
    "/images",       "/train/images/0",
};
#define NPATHS (sizeof paths / sizeof paths[0])
static const char *const attr_names[] = {"scale", "offset", "num_classes", "class_names", "source"};
#define NATTRS (sizeof attr_names / sizeof attr_names[0])
static const char *const splits[] = {"train", "test", "valid", "/train/", "train/images", "", "x"};
static const char *const inputs[] = {"images", "labels", "tokens", "series"};
static const char *const targets[] = {"labels", NULL, "images", "tokens"};
static const char *const sequences[] = {"tokens", "series", "images", "labels"};

enum { KIND_DATASET = 0, KIND_GROUP = 4, KIND_SOFT = 5, KIND_HARD = 6, KIND_OTHER = 7 };

static void object_path(fz *f, char *path, size_t size)
{
    unsigned sel = fz_u8(f);
    if (sel < NPATHS) {
        snprintf(path, size, "%s", paths[sel]);
        return;
    }
    char name[64];
    fz_string(f, name, sizeof name);
    snprintf(path, size, "/%s", name);
}

/* Writes the file the input describes; returns false when HDF5 could not
 * even create it (the input is then of no use). */
static bool write_file(fz *f)
{
    hid_t file = H5Fcreate(data_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return false;
    unsigned nobj = fz_u8(f) % 9;
    char made[8][80];
    unsigned nmade = 0;
    for (unsigned i = 0; i < nobj; i++) {
        char path[80];
        object_path(f, path, sizeof path);
        unsigned kind = fz_u8(f) % 8;
        hid_t obj = -1;
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        if (kind < KIND_GROUP) {
            obj = gen_dataset(file, path, f);
        } else if (kind == KIND_GROUP) {
            obj = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        } else if (kind == KIND_SOFT) {
            char target[80];
            object_path(f, target, sizeof target);
            H5Lcreate_soft(target, file, path, lcpl, H5P_DEFAULT);
        } else if (kind == KIND_HARD) {
            if (nmade)
                H5Lcreate_hard(file, made[fz_u8(f) % nmade], file, path, lcpl, H5P_DEFAULT);
        } else if (fz_u8(f) & 1) {
            H5Lcreate_external("ctrain-fuzz-no-such-file.h5", "/x", file, path, lcpl, H5P_DEFAULT);
        } else {
            hid_t t = gen_type(fz_u8(f), f);
            H5Tcommit2(file, path, t, lcpl, H5P_DEFAULT, H5P_DEFAULT);
            H5Tclose(t);
        }
        H5Pclose(lcpl);
        if (obj >= 0 && nmade < 8)
            snprintf(made[nmade++], sizeof made[0], "%s", path);
        unsigned nattr = fz_u8(f) % 5;
        for (unsigned a = 0; a < nattr; a++) {
            char name[32];
            fz_name(f, attr_names, NATTRS, name, sizeof name);
            gen_attribute(obj >= 0 ? obj : file, name, f);
        }
        if (obj >= 0)
            H5Oclose(obj);
    }
    return H5Fclose(file) >= 0;
}

static void check_error(int rc, const ct_error *err)
{
    if (verbose)
        fprintf(stderr, "fuzz_dataset: %s\n", err->msg);
    FZ_CHECK(rc == CT_ERR, "rc %d", rc);
    FZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) && err->msg[0], "an error without a message");
}

/* What ct_shard_read promises of a shard it read. */
static void check_shard(const ct_shard *s, int rank, int world)
{
    FZ_CHECK(s->total_rows > 0, "total_rows %lld", (long long)s->total_rows);
    FZ_CHECK(s->first_row == ct_shard_begin(s->total_rows, rank, world), "first_row");
    FZ_CHECK(s->nrows == ct_shard_begin(s->total_rows, rank + 1, world) - s->first_row, "nrows");
    FZ_CHECK(s->sample_size == ct_shape_numel(&s->sample_shape) && s->sample_size > 0, "sample_size %lld",
             (long long)s->sample_size);
    FZ_CHECK(s->row_bytes == (size_t)s->sample_size * ct_dtype_size(s->dtype), "row_bytes");
    FZ_CHECK(s->nrows == 0 || s->values, "no values");
    FZ_CHECK(isfinite(s->scale) && isfinite(s->offset), "scale %g offset %g", (double)s->scale, (double)s->offset);
    if (s->dtype == CT_DTYPE_FLOAT32) {
        FZ_CHECK(s->scale == 1.0f && s->offset == 0.0f, "float32 values with scale %g", (double)s->scale);
        const float *x = (const float *)s->values;
        for (int64_t i = 0; i < s->nrows * s->sample_size; i++)
            FZ_CHECK(isfinite(x[i]), "value %lld is %g", (long long)i, (double)x[i]);
    }
    if (s->labels)
        for (int64_t i = 0; i < s->nrows; i++)
            FZ_CHECK(s->labels[i] >= 0 && (!s->num_classes || s->labels[i] < s->num_classes),
                     "label %d of %lld classes", s->labels[i], (long long)s->num_classes);
    if (s->class_names) {
        FZ_CHECK((int64_t)s->nclass_names == s->num_classes, "%zu names, %lld classes", s->nclass_names,
                 (long long)s->num_classes);
        for (size_t i = 0; i < s->nclass_names; i++)
            FZ_CHECK(s->class_names[i] != NULL, "class name %zu is NULL", i);
    }
    /* Use every row as the data store and the evaluation do. */
    int64_t rows = s->nrows < 64 ? s->nrows : 64;
    float *out = CT_ALLOC_ARRAY(float, (size_t)(rows * s->sample_size) + 1);
    if (rows) {
        ct_shard_rows_float(s, 0, rows, out);
        ct_shard_rows_float(s, s->nrows - rows, rows, out);
    }
    ct_free(out);
    for (int64_t k = -1; k <= s->num_classes && k < 1000; k++)
        (void)ct_shard_class_name(s, k);
}

static void read_shard(const char *split, const char *input, const char *target, int rank, int world,
                       unsigned normalize)
{
    ct_shard s;
    ct_error err = {{0}};
    int rc = ct_shard_read(&s, data_path, split, input, target, rank, world, &err);
    if (rc != CT_OK) {
        check_error(rc, &err);
        FZ_CHECK(!s.values && !s.labels && !s.class_names, "a failed read holds data");
        return;
    }
    check_shard(&s, rank, world);
    if (verbose)
        fprintf(stderr, "fuzz_dataset: read /%s/%s: %lld of %lld rows\n", split, input, (long long)s.nrows,
                (long long)s.total_rows);
    if (target)
        FZ_CHECK(s.labels || s.nrows == 0, "no labels");
    if (normalize) /* data.normalize: mean in [-1, 1], std > 0 */
        ct_shard_normalize(&s, (float)(normalize % 16) / 8.0f - 1.0f, (float)(normalize / 16 + 1) / 8.0f);
    ct_shard_free(&s);
}

static void read_streams(const char *split, const char *dataset, int64_t streams, int64_t bptt, int rank,
                         int world)
{
    ct_streams s;
    ct_error err = {{0}};
    int rc = ct_streams_read(&s, data_path, split, dataset, streams, bptt, rank, world, &err);
    if (rc != CT_OK) {
        check_error(rc, &err);
        FZ_CHECK(!s.values, "failed streams hold values");
        return;
    }
    if (verbose)
        fprintf(stderr, "fuzz_dataset: streams /%s/%s: %lld of %lld streams\n", split, dataset,
                (long long)s.nstreams, (long long)s.streams);
    FZ_CHECK(s.stream_rows >= 2 && s.nrows == s.nstreams * s.stream_rows && s.features >= 1, "streams");
    /* The window buffers as ct_source_open sizes them. */
    size_t values = (size_t)(s.nstreams * s.bptt * s.features);
    float *in = CT_ALLOC_ARRAY(float, values + 1);
    int32_t *ids = s.dtype == CT_DTYPE_INT32 ? CT_ALLOC_ARRAY(int32_t, (size_t)(s.nstreams * s.bptt) + 1) : NULL;
    float *tv = s.dtype == CT_DTYPE_INT32 ? NULL : CT_ALLOC_ARRAY(float, values + 1);
    int64_t windows = ct_streams_windows(&s);
    FZ_CHECK(windows >= 1, "%lld windows", (long long)windows);
    for (int64_t w = 0; w < windows; w++) {
        if (w == 8 && windows > 16)
            w = windows - 8; /* the first and last few */
        int64_t T;
        ct_streams_window(&s, w, in, ids, tv, &T);
        FZ_CHECK(T >= 1 && T <= s.bptt, "window %lld has T %lld", (long long)w, (long long)T);
        if (ids)
            for (int64_t i = 0; i < s.nstreams * T; i++)
                FZ_CHECK(ids[i] >= 0, "token id %d", ids[i]);
    }
    ct_free(in);
    ct_free(ids);
    ct_free(tv);
    ct_streams_free(&s);
}

static void run_query(fz *f)
{
    int world = 1 + (int)fz_pick(f, 4);
    int rank = (int)fz_pick(f, (unsigned)world);
    const char *split = splits[fz_pick(f, sizeof splits / sizeof splits[0])];
    const char *input = inputs[fz_pick(f, sizeof inputs / sizeof inputs[0])];
    const char *target = targets[fz_pick(f, sizeof targets / sizeof targets[0])];
    const char *sequence = sequences[fz_pick(f, sizeof sequences / sizeof sequences[0])];
    int64_t streams = (int64_t)fz_pick(f, 9); /* 0: an invalid count */
    int64_t bptt = (int64_t)fz_pick(f, 40);
    unsigned normalize = fz_u8(f);
    /* Each read opens the file, which costs more than the rest: one
     * reader per input, unless it asks for all. */
    unsigned readers = fz_pick(f, 4);
    if (readers == 0 || readers == 3) {
        read_shard(split, input, target, rank, world, normalize);
        if (strcmp(split, "test") != 0) /* `ctrain train` reads both splits */
            read_shard("test", input, target, rank, world, 0);
    }
    if (readers == 1 || readers == 3)
        read_streams(split, sequence, streams, bptt, rank, world);
    ct_error err;
    if ((readers == 2 || readers == 3) && ct_inspect_file(data_path, devnull, &err) != CT_OK)
        check_error(CT_ERR, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return -1;
    fz f = {data, size};
    if (raw_mode) {
        fz_write_file(data_path, data, size);
        fz none = {NULL, 0};
        run_query(&none);
        return 0;
    }
    if (!write_file(&f))
        return 0;
    run_query(&f);
    return 0;
}

/* ---- the seed corpus -------------------------------------------------- */

typedef struct seed {
    uint8_t b[4096];
    size_t n;
} seed;

static void put(seed *s, int count, ...)
{
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        s->b[s->n++] = (uint8_t)va_arg(ap, int);
    va_end(ap);
}

static void put_bytes(seed *s, const void *p, size_t n)
{
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

/* An attribute holding one value through mode 1 (input bytes). */
static void put_attr_bytes(seed *s, int name, int type, const void *value, size_t n)
{
    put(s, 3, name, type, 0 /* scalar */);
    put(s, 2, 1, (int)n);
    put_bytes(s, value, n);
}

static void write_seed(const char *dir, const char *name, const seed *s)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fz_write_file(path, s->b, s->n);
}

/* Seeds: a Fashion-MNIST-like file, float images with a NaN, token ids,
 * a float series, float16 images with mismatched class counts. */
static void write_seeds(const char *dir)
{
    mkdir(dir, 0777);
    float scale = 1.0f / 255.0f;
    int64_t classes = 3;
    const uint8_t labels[] = {0, 1, 2, 0, 1, 2};
    seed s = {{0}, 0};
    put(&s, 1, 4);
    for (int split = 0; split < 2; split++) {
        put(&s, 2, split ? 2 : 0, KIND_DATASET);                /* /<split>/images */
        put(&s, 6, GEN_U8, 3, 6, 4, 4, 0);                     /* uint8 [6, 4, 4], contiguous */
        put(&s, 2, 2, 37);                                     /* a ramp */
        put(&s, 1, 1);                                         /* 1 attribute */
        put_attr_bytes(&s, 0, GEN_F32, &scale, sizeof scale);  /* scale */
        put(&s, 2, split ? 3 : 1, KIND_DATASET);               /* /<split>/labels */
        put(&s, 4, GEN_U8, 1, 6, 0);                           /* uint8 [6] */
        put(&s, 2, 1, (int)sizeof labels);
        put_bytes(&s, labels, sizeof labels);
        put(&s, 1, 2);                                         /* 2 attributes */
        put_attr_bytes(&s, 2, GEN_I64, &classes, sizeof classes);
        put(&s, 5, 3, GEN_VSTRING, 1, 3, 2);                   /* class_names [3] of a ramp mode: */
        put(&s, 1, 2);                                         /* 1 + 2 pooled strings */
        put(&s, 4, 3, 'c', 'a', 't');
        put(&s, 4, 3, 'd', 'o', 'g');
        put(&s, 4, 3, 'e', 'm', 'u');
        put(&s, 1, 0);                                         /* no NULL strings */
    }
    put(&s, 10, 0, 0, 0, 0, 0, 0, 2, 5, 0, 3);                 /* query: train images labels; all readers */
    write_seed(dir, "fashion_like", &s);

    s.n = 0;
    put(&s, 1, 2);
    put(&s, 2, 0, KIND_DATASET);                               /* /train/images float32 [5, 2, 3] */
    put(&s, 5, GEN_F32, 3, 5, 2, 3);
    put(&s, 1, 2);                                             /* chunked + gzip */
    put(&s, 3, 4, 1, 2);                                       /* chunks [5, 2, 3] */
    put(&s, 6, 3, 3, 1, 3, 4, 10);                             /* specials 1, 2, 9, nan */
    put(&s, 1, 0);
    put(&s, 2, 1, KIND_DATASET);                               /* /train/labels int64 big-endian [5] */
    put(&s, 4, GEN_I64BE, 1, 5, 0);
    put(&s, 2, 2, 1);
    put(&s, 1, 0);
    put(&s, 9, 1, 0, 0, 0, 0, 0, 2, 5, 0);
    write_seed(dir, "float_nan", &s);

    s.n = 0;
    put(&s, 1, 1);
    put(&s, 2, 4, KIND_DATASET);                               /* /train/tokens int32 [40] */
    put(&s, 4, GEN_I32, 1, 40, 0);
    put(&s, 2, 1, 8);
    put(&s, 8, 1, 0, 0, 0, 7, 0, 0, 0);
    put(&s, 1, 0);
    put(&s, 10, 0, 0, 0, 2, 1, 0, 4, 6, 0, 1);                 /* streams of tokens: 4 streams, bptt 6 */
    write_seed(dir, "tokens", &s);

    s.n = 0;
    put(&s, 1, 1);
    put(&s, 2, 5, KIND_DATASET);                               /* /train/series float64 [30, 3] chunked */
    put(&s, 4, GEN_F64, 2, 30, 3);
    put(&s, 1, 1 | 8);
    put(&s, 2, 4, 3);
    put(&s, 2, 2, 3);
    put(&s, 1, 2);                                             /* scale and offset */
    double half = 0.5, one = 1.0;
    put_attr_bytes(&s, 0, GEN_F64, &half, sizeof half);
    put_attr_bytes(&s, 1, GEN_F64, &one, sizeof one);
    put(&s, 10, 1, 0, 0, 3, 1, 1, 3, 5, 0, 1);                 /* 2 ranks; series, 3 streams, bptt 5 */
    write_seed(dir, "series", &s);

    s.n = 0;
    put(&s, 1, 2);
    put(&s, 2, 2, KIND_DATASET);                               /* /test/images float16 [4, 8] */
    put(&s, 4, GEN_F16, 2, 4, 8);
    put(&s, 1, 0);
    put(&s, 2, 2, 91);
    put(&s, 1, 0);
    put(&s, 2, 3, KIND_DATASET);                               /* /test/labels uint8 [4] */
    put(&s, 4, GEN_U8, 1, 4, 0);
    put(&s, 2, 2, 1);
    put(&s, 1, 2);
    put_attr_bytes(&s, 2, GEN_I64, &classes, sizeof classes);   /* num_classes 3 but 2 names */
    put(&s, 5, 3, GEN_VSTRING, 1, 2, 2);                       /* class_names [2] */
    put(&s, 1, 0);                                             /* 1 pooled string */
    put(&s, 2, 1, 'a');
    put(&s, 1, 0);
    put(&s, 9, 0, 0, 1, 0, 0, 0, 0, 0, 0);
    write_seed(dir, "float16_classes", &s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *seeds = getenv("CT_FUZZ_WRITE_SEEDS");
    if (seeds) {
        write_seeds(seeds);
        exit(0);
    }
    gen_quiet();
    gen_keep_free_lists();
    verbose = getenv("CT_FUZZ_VERBOSE") != NULL;
    raw_mode = getenv("CT_FUZZ_RAW") && strcmp(getenv("CT_FUZZ_RAW"), "1") == 0;
    snprintf(data_path, sizeof data_path, "%s/data.h5", fz_scratch_dir("dataset"));
    devnull = fopen("/dev/null", "w");
    ct_alloc_set_budget(64.0 * 1024 * 1024, "the fuzz harness's 64 MiB");
    return 0;
}
