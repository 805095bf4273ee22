/* Benchmark: time to import Debian's Fashion-MNIST, and the rate of a
 * full-shard read of /train (1 rank) for the importer's contiguous layout
 * against chunked layouts (1024 rows, with and without gzip 1).
 *
 *   bench_datasets_read [DIR]     (DIR: where to write the files; default a
 *                                  temporary directory, removed at the end)
 *
 * Prints, per layout: the file size; the time of ct_shard_read (open,
 * checks, one hyperslab read; uint8 is kept as stored) as the first read of a fresh
 * process, as in a job, then the best and median of 5 more in one process
 * (memory pages reused); and the raw H5Dread of the uint8 rows into memory
 * already touched (the I/O alone).
 * It also prints the cost of first-touching a fresh buffer of the shard's
 * size in 4 KB pages: in a VM, page faults dominate a one-time read
 * (ct_shard_read asks for huge pages to cut them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datasets/h5util.h"
#include "datasets/importers.h"
#include "datasets/shard.h"
#include "engine/alloc.h"

#define REPEATS 5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const ct_error *err)
{
    fprintf(stderr, "bench_datasets_read: %s\n", err->msg);
    exit(1);
}

/* Copies /train/images and /train/labels of src into dst with the given
 * layout (chunk_rows 0: contiguous). */
static void write_layout(const char *src, const char *dst, hsize_t chunk_rows, int gzip)
{
    ct_error err = {{0}};
    hid_t in = ct_h5_open_file(src, H5F_ACC_RDONLY, &err);
    if (in < 0)
        die(&err);
    hid_t out = H5Fcreate(dst, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const char *names[2] = {"/train/images", "/train/labels"};
    for (int k = 0; k < 2; k++) {
        hid_t d = H5Dopen2(in, names[k], H5P_DEFAULT);
        hid_t space = H5Dget_space(d);
        hsize_t dims[3], chunk[3];
        int rank = H5Sget_simple_extent_dims(space, dims, NULL);
        unsigned char *buf = ct_malloc((size_t)H5Sget_simple_extent_npoints(space));
        H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        for (int i = 0; i < rank; i++)
            chunk[i] = i == 0 ? chunk_rows : dims[i];
        hid_t o = ct_h5_write_dataset(out, names[k], H5T_NATIVE_UINT8, rank, dims, chunk_rows ? chunk : NULL, gzip,
                                      buf, &err);
        if (o < 0)
            die(&err);
        if (k == 1)
            ct_h5_write_attr_int64(o, "num_classes", 10, &err);
        H5Dclose(o);
        ct_free(buf);
        H5Sclose(space);
        H5Dclose(d);
    }
    H5Fclose(out);
    H5Fclose(in);
}

/* Seconds of one full-shard read in a fresh child process: the memory of
 * the shard is new to the process, as in a real job's one read. */
static double cold_read(const char *path)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        ct_error err = {{0}};
        ct_shard s;
        double t0 = now();
        int rc = ct_shard_read(&s, path, "train", "images", "labels", 0, 1, &err);
        double dt = rc == CT_OK ? now() - t0 : -1;
        if (write(fd[1], &dt, sizeof dt) != (ssize_t)sizeof dt)
            _exit(1);
        _exit(0);
    }
    double dt = -1;
    if (pid < 0 || read(fd[0], &dt, sizeof dt) != (ssize_t)sizeof dt)
        dt = -1;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    close(fd[0]);
    close(fd[1]);
    return dt;
}

/* Best and median seconds of REPEATS full-shard reads, and of raw reads;
 * cold[REPEATS]: first reads in fresh processes. */
static void bench_layout(const char *name, const char *path, double *cold)
{
    ct_error err = {{0}};
    double t[REPEATS], raw[REPEATS];
    int64_t rows = 60000;
    for (int r = 0; r < REPEATS; r++) {
        ct_shard s;
        double t0 = now();
        if (ct_shard_read(&s, path, "train", "images", "labels", 0, 1, &err) != CT_OK)
            die(&err);
        t[r] = now() - t0;
        ct_shard_free(&s);
    }
    /* Raw I/O: the uint8 rows into a buffer touched beforehand. */
    hid_t f = ct_h5_open_file(path, H5F_ACC_RDONLY, &err);
    hid_t d = H5Dopen2(f, "/train/images", H5P_DEFAULT);
    size_t bytes = (size_t)rows * 784;
    unsigned char *buf = ct_malloc(bytes);
    memset(buf, 1, bytes);
    for (int r = 0; r < REPEATS; r++) {
        double t0 = now();
        H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        raw[r] = now() - t0;
    }
    ct_free(buf);
    H5Dclose(d);
    H5Fclose(f);
    qsort(cold, REPEATS, sizeof cold[0], cmp_double);
    qsort(t, REPEATS, sizeof t[0], cmp_double);
    qsort(raw, REPEATS, sizeof raw[0], cmp_double);
    struct stat st;
    stat(path, &st);
    printf("%s (%.1f MB)\n"
           "  ct_shard_read, first in a fresh process: median %.3f s (%.2fM rows/s), best %.3f s (%.2fM rows/s)\n"
           "  ct_shard_read, repeated in one process:  median %.3f s (%.2fM rows/s), best %.3f s (%.2fM rows/s)\n"
           "  raw uint8 H5Dread into touched memory:  best %.3f s (%.2fM rows/s)\n",
           name, (double)st.st_size / 1e6, cold[REPEATS / 2], (double)rows / cold[REPEATS / 2] / 1e6, cold[0],
           (double)rows / cold[0] / 1e6, t[REPEATS / 2], (double)rows / t[REPEATS / 2] / 1e6, t[0],
           (double)rows / t[0] / 1e6, raw[0], (double)rows / raw[0] / 1e6);
}

/* Seconds to first-touch a fresh buffer of `bytes`. */
static double first_touch(size_t bytes)
{
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        volatile unsigned char *p = ct_malloc(bytes);
        memset((void *)p, 0, bytes);
        double dt = now() - t0;
        ct_free((void *)p);
        best = dt < best ? dt : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    char dir[4096];
    int own_dir = argc < 2;
    if (own_dir) {
        snprintf(dir, sizeof dir, "/tmp/ctrain-bench-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    } else {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    }
    char contiguous[4200], gz[4200], chunked[4200];
    snprintf(contiguous, sizeof contiguous, "%s/fashion-mnist.h5", dir);
    snprintf(gz, sizeof gz, "%s/fashion-mnist-chunk1024-gzip1.h5", dir);
    snprintf(chunked, sizeof chunked, "%s/fashion-mnist-chunk1024.h5", dir);

    ct_error err = {{0}};
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        if (ct_import_fashion_mnist(CT_FASHION_MNIST_DIR, contiguous, NULL, &err) != CT_OK)
            die(&err);
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    printf("import Fashion-MNIST (70000 images, idx.gz -> HDF5): best of 3 %.3f s\n", best);
    write_layout(contiguous, gz, 1024, 1);
    write_layout(contiguous, chunked, 1024, 0);

    double touch = first_touch((size_t)60000 * 784);
    printf("first touch of a fresh %.0f MB buffer (the uint8 shard) in 4 KB pages (no huge-page advice): %.3f s "
           "(%.2fM rows/s)\n",
           60000.0 * 784 / 1e6, touch, 60000 / touch / 1e6);
    /* First reads in fresh processes, the layouts interleaved so that
     * none is favoured by memory the others freed. */
    const char *paths[3] = {contiguous, chunked, gz};
    double cold[3][REPEATS];
    for (int r = 0; r < REPEATS; r++)
        for (int k = 0; k < 3; k++)
            cold[k][r] = cold_read(paths[k]);
    bench_layout("contiguous (chosen)", contiguous, cold[0]);
    bench_layout("chunked 1024 rows", chunked, cold[1]);
    bench_layout("chunked 1024 rows, gzip 1", gz, cold[2]);
    if (own_dir) {
        remove(contiguous);
        remove(gz);
        remove(chunked);
        rmdir(dir);
    }
    return 0;
}
