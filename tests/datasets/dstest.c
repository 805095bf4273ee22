#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/datasets/dstest.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

const char *d_tmpdir(void)
{
    static char dir[4096];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ctrain-datasets-XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(dir))
        fail_msg("mkdtemp(%s) failed", dir);
    return dir;
}

static int d_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void d_rmtree(const char *dir)
{
    nftw(dir, d_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

const char *d_path(const char *dir, const char *name)
{
    static char ring[8][4096];
    static int next;
    char *buf = ring[next++ % 8];
    snprintf(buf, sizeof ring[0], "%s/%s", dir, name);
    return buf;
}

hid_t d_create(const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        fail_msg("H5Fcreate(%s) failed", path);
    return f;
}

void d_write(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const hsize_t *chunk,
             int gzip, const void *data, hid_t *keep)
{
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk) {
        H5Pset_chunk(dcpl, rank, chunk);
        if (gzip > 0)
            H5Pset_deflate(dcpl, (unsigned)gzip);
    }
    hid_t d = H5Dcreate2(loc, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    if (d < 0)
        fail_msg("H5Dcreate2(%s) failed", name);
    if (data && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        fail_msg("H5Dwrite(%s) failed", name);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    if (keep)
        *keep = d;
    else
        H5Dclose(d);
}

static void d_attr(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, hid_t space, const void *value)
{
    hid_t a = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, mem_type, value) < 0)
        fail_msg("writing attribute %s failed", name);
    H5Aclose(a);
}

void d_attr_double(hid_t obj, const char *name, hid_t file_type, double value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    d_attr(obj, name, file_type, H5T_NATIVE_DOUBLE, s, &value);
    H5Sclose(s);
}

void d_attr_int64(hid_t obj, const char *name, hid_t file_type, int64_t value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    d_attr(obj, name, file_type, H5T_NATIVE_INT64, s, &value);
    H5Sclose(s);
}

static hid_t d_vlen_str(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    return t;
}

void d_attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t s = H5Screate(H5S_SCALAR), t = d_vlen_str();
    d_attr(obj, name, t, t, s, &value);
    H5Tclose(t);
    H5Sclose(s);
}

void d_attr_strings(hid_t obj, const char *name, const char *const *values, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t s = H5Screate_simple(1, dims, NULL), t = d_vlen_str();
    d_attr(obj, name, t, t, s, values);
    H5Tclose(t);
    H5Sclose(s);
}

void d_write_idx_gz(const char *path, uint32_t magic, int ndims, const uint32_t *dims, const unsigned char *data,
                    size_t nbytes)
{
    gzFile gz = gzopen(path, "wb");
    if (!gz)
        fail_msg("gzopen(%s) failed", path);
    unsigned char header[16];
    uint32_t words[4] = {magic, dims[0], ndims > 1 ? dims[1] : 0, ndims > 2 ? dims[2] : 0};
    for (int i = 0; i <= ndims; i++) {
        header[4 * i] = (unsigned char)(words[i] >> 24);
        header[4 * i + 1] = (unsigned char)(words[i] >> 16);
        header[4 * i + 2] = (unsigned char)(words[i] >> 8);
        header[4 * i + 3] = (unsigned char)words[i];
    }
    if (gzwrite(gz, header, 4 * (unsigned)(ndims + 1)) != 4 * (ndims + 1) ||
        (nbytes && gzwrite(gz, data, (unsigned)nbytes) != (int)nbytes))
        fail_msg("gzwrite(%s) failed", path);
    gzclose(gz);
}

void d_truncate(const char *path, long size)
{
    if (truncate(path, size) != 0)
        fail_msg("truncate(%s, %ld) failed", path, size);
}

void d_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("fopen(%s) failed", path);
    fputs(text, f);
    fclose(f);
}

void d_check_msg(const char *msg, ...)
{
    if (getenv("CT_TEST_VERBOSE")) /* to read the messages: CT_TEST_VERBOSE=1 ctest -V */
        fprintf(stderr, "  message: %s\n", msg);
    va_list ap;
    va_start(ap, msg);
    for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *))
        if (!strstr(msg, want)) {
            va_end(ap);
            fail_msg("error message lacks \"%s\":\n  %s", want, msg);
        }
    va_end(ap);
}
