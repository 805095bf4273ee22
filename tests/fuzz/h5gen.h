/* The HDF5 side of the structure-aware harnesses (fuzz_dataset.c,
 * fuzz_checkpoint.c): fuzz input bytes decoded into datatypes, dataspaces,
 * layouts, values and attributes, written with the HDF5 library, so that
 * the file is always one HDF5 itself reads and the fuzzing reaches our
 * readers' checks instead of libhdf5's parser (which crashes on many
 * malformed files, and is not ours to fix). Header only, included by
 * both harnesses; see README.md for the encoding. */
#ifndef CT_TESTS_FUZZ_H5GEN_H
#define CT_TESTS_FUZZ_H5GEN_H

#include <hdf5.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"

/* The datatypes a file may hold: every class the readers meet in files
 * written by h5py and PyTorch exports, both byte orders. */
enum {
    GEN_U8, GEN_I8, GEN_U16, GEN_I16, GEN_U32, GEN_I32, GEN_U64, GEN_I64, GEN_I64BE, GEN_U16BE,
    GEN_F32, GEN_F64, GEN_F32BE, GEN_F64BE, GEN_FSTRING, GEN_VSTRING, GEN_ENUM, GEN_COMPOUND,
    GEN_ARRAY, GEN_BITFIELD, GEN_OPAQUE, GEN_F16, GEN_NTYPES
};

/* Type `code` (next byte for a fixed string's size); closed with H5Tclose. */
static inline hid_t gen_type(unsigned code, fz *f)
{
    hid_t t = -1;
    switch (code % GEN_NTYPES) {
    case GEN_U8: return H5Tcopy(H5T_STD_U8LE);
    case GEN_I8: return H5Tcopy(H5T_STD_I8LE);
    case GEN_U16: return H5Tcopy(H5T_STD_U16LE);
    case GEN_I16: return H5Tcopy(H5T_STD_I16LE);
    case GEN_U32: return H5Tcopy(H5T_STD_U32LE);
    case GEN_I32: return H5Tcopy(H5T_STD_I32LE);
    case GEN_U64: return H5Tcopy(H5T_STD_U64LE);
    case GEN_I64: return H5Tcopy(H5T_STD_I64LE);
    case GEN_I64BE: return H5Tcopy(H5T_STD_I64BE);
    case GEN_U16BE: return H5Tcopy(H5T_STD_U16BE);
    case GEN_F32: return H5Tcopy(H5T_IEEE_F32LE);
    case GEN_F64: return H5Tcopy(H5T_IEEE_F64LE);
    case GEN_F32BE: return H5Tcopy(H5T_IEEE_F32BE);
    case GEN_F64BE: return H5Tcopy(H5T_IEEE_F64BE);
    case GEN_FSTRING:
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, 1 + fz_u8(f) % 16);
        return t;
    case GEN_VSTRING:
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        return t;
    case GEN_ENUM: { /* h5py's bool */
        t = H5Tenum_create(H5T_NATIVE_INT8);
        int8_t v = 0;
        H5Tenum_insert(t, "FALSE", &v);
        v = 1;
        H5Tenum_insert(t, "TRUE", &v);
        return t;
    }
    case GEN_COMPOUND:
        t = H5Tcreate(H5T_COMPOUND, 8);
        H5Tinsert(t, "a", 0, H5T_STD_I32LE);
        H5Tinsert(t, "b", 4, H5T_IEEE_F32LE);
        return t;
    case GEN_ARRAY: {
        hsize_t n = 3;
        return H5Tarray_create2(H5T_STD_U8LE, 1, &n);
    }
    case GEN_BITFIELD: return H5Tcopy(H5T_STD_B8LE);
    case GEN_OPAQUE:
        t = H5Tcreate(H5T_OPAQUE, 4);
        H5Tset_tag(t, "fuzz");
        return t;
    case GEN_F16: /* numpy's float16, as h5py stores it */
        t = H5Tcopy(H5T_IEEE_F32LE);
        H5Tset_fields(t, 15, 10, 5, 0, 10);
        H5Tset_size(t, 2);
        H5Tset_ebias(t, 15);
        return t;
    }
    return H5Tcopy(H5T_STD_U8LE);
}

/* A dimension: a byte b < 200 is b % 50, above that one of the sizes
 * files declare without storing them (a chunked dataset of 2^40 rows is a
 * few KB). */
static inline hsize_t gen_dim(unsigned b)
{
    static const hsize_t big[] = {100, 255, 256, 1000, 60000, (hsize_t)1 << 20, (hsize_t)1 << 31,
                                  ((hsize_t)1 << 32) + 1, (hsize_t)1 << 40, (hsize_t)1 << 62};
    if (b < 200)
        return b % 50;
    return big[(b - 200) % (sizeof big / sizeof big[0])];
}

static inline hsize_t gen_points(int rank, const hsize_t *dims)
{
    hsize_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] && n > ((hsize_t)1 << 62) / dims[i])
            return (hsize_t)1 << 62;
        n *= dims[i];
    }
    return n;
}

/* A dataspace: u8 r: 255 null, else rank r % 7 (0: scalar), then a byte
 * per dimension. rank/dims receive the simple extent. */
static inline hid_t gen_space(fz *f, int *rank, hsize_t *dims)
{
    unsigned r = fz_u8(f);
    *rank = 0;
    if (r == 255)
        return H5Screate(H5S_NULL);
    *rank = (int)(r % 7);
    if (*rank == 0)
        return H5Screate(H5S_SCALAR);
    for (int i = 0; i < *rank; i++)
        dims[i] = gen_dim(fz_u8(f));
    return H5Screate_simple(*rank, dims, NULL);
}

/* Special values, written through a double conversion. */
static const double gen_specials[] = {0.0, 1.0, -1.0, 2.0, 9.0, 10.0, 255.0, 256.0, 0.5, -0.0, NAN, INFINITY,
                                      -INFINITY, 1e30, -1e30, 3.5e38, 1e300, 2147483647.0, 2147483648.0,
                                      -2147483649.0, 9.3e18, -9.3e18, 1e-40, 65504.0, 70000.0};

#define GEN_MAX_BYTES (256u * 1024u)

/* Values for n points of type t into obj (a dataset when is_attr is false,
 * else an attribute), decided by a mode byte: 0 none (the fill value),
 * 1 input bytes (a length byte, then the bytes, repeated), 2 a ramp,
 * 3 special values (a byte each, for up to 32, repeated). Failures of
 * HDF5 to write leave the object unwritten: the file is still valid. */
static inline void gen_values(fz *f, hid_t obj, hid_t t, hsize_t n, bool is_attr)
{
    unsigned mode = fz_pick(f, 4);
    size_t tsize = H5Tget_size(t);
    if (n == 0 || tsize == 0 || n > GEN_MAX_BYTES / (tsize > 8 ? tsize : 8))
        mode = 0; /* too many to hold: leave the declared extent unwritten */
    H5T_class_t cls = H5Tget_class(t);
    bool vstring = cls == H5T_STRING && H5Tis_variable_str(t) > 0;
    if (mode == 0) {
        if (is_attr) /* an attribute is always written in full: zeros */
            mode = 2;
        else
            return;
    }
    if (vstring) {
        char **strs = calloc((size_t)n, sizeof *strs);
        char pool[32][12];
        size_t npool = 1 + fz_u8(f) % 32;
        for (size_t i = 0; i < npool; i++)
            fz_string(f, pool[i], sizeof pool[i]);
        unsigned nulls = fz_u8(f); /* bit i: string i % 8 is NULL */
        for (hsize_t i = 0; i < n; i++)
            strs[i] = (mode != 2 && (nulls >> (i % 8)) & 1) ? NULL : pool[i % npool];
        if (is_attr)
            H5Awrite(obj, t, strs);
        else
            H5Dwrite(obj, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, strs);
        free(strs);
        return;
    }
    if (mode == 3 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
        double *v = malloc((size_t)n * sizeof *v);
        unsigned picks[32];
        size_t npicks = 1 + fz_u8(f) % 32;
        for (size_t i = 0; i < npicks; i++)
            picks[i] = fz_u8(f);
        for (hsize_t i = 0; i < n; i++)
            v[i] = gen_specials[picks[i % npicks] % (sizeof gen_specials / sizeof gen_specials[0])];
        if (is_attr)
            H5Awrite(obj, H5T_NATIVE_DOUBLE, v);
        else
            H5Dwrite(obj, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        free(v);
        return;
    }
    size_t bytes = (size_t)n * tsize;
    unsigned char *buf = malloc(bytes);
    if (mode == 1) {
        size_t len;
        const uint8_t *src = fz_bytes(f, fz_u8(f), &len);
        for (size_t i = 0; i < bytes; i++)
            buf[i] = len ? src[i % len] : 0;
    } else {
        unsigned step = fz_u8(f);
        for (size_t i = 0; i < bytes; i++)
            buf[i] = (unsigned char)((i / tsize) * step);
    }
    if (is_attr)
        H5Awrite(obj, t, buf);
    else
        H5Dwrite(obj, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    free(buf);
}

/* Creates a dataset at path (intermediate groups too) from the input:
 * type, space, layout byte (bits 0-2: contiguous, chunked, chunked+gzip,
 * chunked+shuffle+gzip, compact, chunked+fletcher32; bit 3: unlimited
 * maximum dimensions; bit 4: a fill value from the input), chunk dims,
 * values. Returns the dataset (H5Dclose) or -1 when HDF5 refused it. */
static inline hid_t gen_dataset(hid_t file, const char *path, fz *f)
{
    hid_t t = gen_type(fz_u8(f), f);
    int rank;
    hsize_t dims[8] = {0}, maxdims[8], chunk[8];
    hid_t space = gen_space(f, &rank, dims);
    unsigned layout = fz_u8(f), kind = layout % 8;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    bool chunked = rank > 0 && (kind == 1 || kind == 2 || kind == 3 || kind == 5);
    if (chunked) {
        hsize_t bytes = H5Tget_size(t);
        for (int i = 0; i < rank; i++) {
            /* 1 to min(dim, 8): a chunk larger than a fixed dimension is
             * only HDF5 refusing the dataset */
            hsize_t most = dims[i] && dims[i] < 8 ? dims[i] : 8;
            chunk[i] = 1 + fz_u8(f) % most;
            bytes *= chunk[i];
        }
        if (bytes > ((hsize_t)1 << 20))
            for (int i = 0; i < rank; i++)
                chunk[i] = 1;
        H5Pset_chunk(dcpl, rank, chunk);
        if (kind == 3)
            H5Pset_shuffle(dcpl);
        if (kind == 2 || kind == 3)
            H5Pset_deflate(dcpl, 1);
        if (kind == 5)
            H5Pset_fletcher32(dcpl);
        if (layout & 8) {
            for (int i = 0; i < rank; i++)
                maxdims[i] = H5S_UNLIMITED;
            H5Sset_extent_simple(space, rank, dims, maxdims);
        }
    } else if (kind == 4) {
        H5Pset_layout(dcpl, H5D_COMPACT);
    }
    if ((layout & 16) && !(H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0)) {
        unsigned char fill[64] = {0};
        size_t len, tsize = H5Tget_size(t);
        const uint8_t *src = fz_bytes(f, tsize < sizeof fill ? tsize : sizeof fill, &len);
        memcpy(fill, src, len);
        H5Pset_fill_value(dcpl, t, fill);
    }
    hid_t d = H5Dcreate2(file, path, t, space, lcpl, dcpl, H5P_DEFAULT);
    if (d >= 0)
        gen_values(f, d, t, rank > 0 ? gen_points(rank, dims) : (H5Sget_simple_extent_type(space) == H5S_NULL ? 0 : 1),
                   false);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(t);
    return d;
}

/* An attribute `name` of obj from the input: type, space byte (0 scalar,
 * 1 [k], 2 [k, m], 3 null; k, m a byte each % 9), values. Replaces one of
 * the same name. */
static inline void gen_attribute(hid_t obj, const char *name, fz *f)
{
    hid_t t = gen_type(fz_u8(f), f);
    unsigned s = fz_u8(f) % 4;
    hsize_t dims[2] = {1, 1}, n = 1;
    hid_t space;
    if (s == 0) {
        space = H5Screate(H5S_SCALAR);
    } else if (s == 3) {
        space = H5Screate(H5S_NULL);
        n = 0;
    } else {
        dims[0] = fz_u8(f) % 9;
        if (s == 2)
            dims[1] = fz_u8(f) % 9;
        space = H5Screate_simple((int)s, dims, NULL);
        n = dims[0] * (s == 2 ? dims[1] : 1);
    }
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        if (n > 0)
            gen_values(f, a, t, n, true);
        H5Aclose(a);
    }
    H5Sclose(space);
    H5Tclose(t);
}

/* Silences HDF5's own error printing (the harness makes HDF5 refuse many
 * things on purpose). */
static inline void gen_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Lets HDF5 keep the blocks it frees (a file's metadata cache is a few
 * MB, zeroed at every open): without it, every open maps fresh memory,
 * and page faults were most of the harnesses' time. */
static inline void gen_keep_free_lists(void)
{
    H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
}

#endif
