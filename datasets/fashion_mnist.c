/* Fashion-MNIST importer: idx.gz files (zlib) -> the HDF5 layout. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "datasets/h5util.h"
#include "datasets/importers.h"
#include "engine/alloc.h"

#define CT_IDX_IMAGES_MAGIC 0x00000803u /* unsigned bytes, 3 dimensions */
#define CT_IDX_LABELS_MAGIC 0x00000801u /* unsigned bytes, 1 dimension */
#define CT_FMNIST_SIDE 28
#define CT_FMNIST_CLASSES 10

static const char *const ct_fmnist_class_names[CT_FMNIST_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* The datasets are stored contiguously, not chunked+gzip: a shard read is
 * one contiguous range of the file, which HDF5 copies straight into our
 * buffer. Measured with tests/datasets/bench_fashion_read.c (full /train,
 * 1 rank, warm page cache, shared 2-core VM): the raw uint8 read runs at
 * 12-19M rows/s contiguous against 0.23-0.30M rows/s for chunks of 1024
 * rows with gzip 1 (inflate is the whole cost), and ct_shard_read end to
 * end at 0.8-1.2M rows/s against 0.18-0.22M rows/s. gzip would save 20 MB
 * (47 -> 27 MB for /train); every byte is read once per job, so speed wins. */

/* An idx file read into memory: dims[ndims] and count*... bytes of data. */
typedef struct ct_idx {
    uint32_t dims[3];
    unsigned char *data;
    size_t size;
} ct_idx;

static uint32_t ct_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads exactly size bytes (in pieces: gzread takes an unsigned int);
 * returns the bytes read, or -1 on a zlib error. */
static int64_t ct_gz_read_all(gzFile gz, unsigned char *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        size_t want = size - done > (1u << 30) ? (1u << 30) : size - done;
        int got = gzread(gz, buf + done, (unsigned)want);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (int64_t)done;
}

/* zlib's message for the last error, without the "PATH: " it starts with. */
static const char *ct_gz_error(gzFile gz, const char *path)
{
    int errnum;
    const char *msg = gzerror(gz, &errnum);
    if (errnum == Z_OK || !msg || !msg[0])
        return "unexpected end of file";
    size_t len = strlen(path);
    if (strncmp(msg, path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ')
        msg += len + 2;
    return msg;
}

/* The message for a failed gzread: a stream cut short, or bad data. */
static int ct_gz_fail(gzFile gz, const char *path, ct_error *err)
{
    int errnum;
    gzerror(gz, &errnum);
    if (errnum == Z_BUF_ERROR)
        return ct_fail(err, "%s: truncated: the gzip stream ends early (zlib: %s)", path, ct_gz_error(gz, path));
    return ct_fail(err, "%s: corrupt gzip data (zlib: %s)", path, ct_gz_error(gz, path));
}

/* Reads an idx file of unsigned bytes with the given magic and ndims
 * dimensions (what names the kind of data in messages). */
static int ct_idx_read(const char *path, uint32_t magic, int ndims, const char *what, ct_idx *idx, ct_error *err)
{
    memset(idx, 0, sizeof *idx);
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? ct_fail(err, "%s: no such file", path)
                               : ct_fail(err, "%s: cannot access it: %s", path, strerror(errno));
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return ct_fail(err, "%s: cannot open it: %s", path, strerror(errno));
    gzbuffer(gz, 1u << 18);
    int rc = CT_ERR;
    unsigned char header[16];
    size_t hsize = 4 + 4 * (size_t)ndims;
    int64_t got = ct_gz_read_all(gz, header, hsize);
    if (got < 0) {
        ct_gz_fail(gz, path, err);
        goto done;
    }
    if ((size_t)got < hsize) {
        ct_fail(err, "%s: truncated: expected an idx header of %zu bytes, found %lld", path, hsize, (long long)got);
        goto done;
    }
    uint32_t found = ct_be32(header);
    if (found != magic) {
        ct_fail(err, "%s: bad magic number 0x%08x: expected 0x%08x (idx file of %s, unsigned bytes, %d dimension%s)",
                path, found, magic, what, ndims, ndims == 1 ? "" : "s");
        goto done;
    }
    size_t size = 1;
    for (int i = 0; i < ndims; i++) {
        idx->dims[i] = ct_be32(header + 4 + 4 * i);
        size *= idx->dims[i];
    }
    if (idx->dims[0] == 0) {
        ct_fail(err, "%s: expected at least one %s, found 0", path, what);
        goto done;
    }
    if (ndims == 3 && (idx->dims[1] != CT_FMNIST_SIDE || idx->dims[2] != CT_FMNIST_SIDE)) {
        ct_fail(err, "%s: expected %dx%d images, found %ux%u", path, CT_FMNIST_SIDE, CT_FMNIST_SIDE, idx->dims[1],
                idx->dims[2]);
        goto done;
    }
    idx->data = ct_malloc(size);
    idx->size = size;
    got = ct_gz_read_all(gz, idx->data, size);
    if (got < 0) {
        ct_gz_fail(gz, path, err);
        goto done;
    }
    if ((size_t)got < size) {
        ct_fail(err, "%s: truncated: expected %zu bytes of data for %u %s, found %lld (zlib: %s)", path, size,
                idx->dims[0], what, (long long)got, ct_gz_error(gz, path));
        goto done;
    }
    /* Reading past the end also makes zlib check the stream's CRC. */
    unsigned char extra;
    got = ct_gz_read_all(gz, &extra, 1);
    if (got < 0) {
        ct_gz_fail(gz, path, err);
        goto done;
    }
    if (got > 0) {
        ct_fail(err, "%s: expected %u %s, found more data after them", path, idx->dims[0], what);
        goto done;
    }
    rc = CT_OK;
done:
    gzclose(gz);
    if (rc != CT_OK) {
        ct_free(idx->data);
        memset(idx, 0, sizeof *idx);
    }
    return rc;
}

/* Writes /<split>/images and /<split>/labels from the idx files
 * <dir>/<prefix>-images-idx3-ubyte.gz and <dir>/<prefix>-labels-idx1-ubyte.gz. */
static int ct_fmnist_split(hid_t file, const char *dir, const char *prefix, const char *split, FILE *progress,
                           ct_error *err)
{
    char ipath[4096], lpath[4096], name[256];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    ct_idx images, labels;
    if (ct_idx_read(ipath, CT_IDX_IMAGES_MAGIC, 3, "images", &images, err) != CT_OK)
        return CT_ERR;
    if (progress)
        fprintf(progress, "%s: %u images of %ux%u\n", ipath, images.dims[0], images.dims[1], images.dims[2]);
    if (ct_idx_read(lpath, CT_IDX_LABELS_MAGIC, 1, "labels", &labels, err) != CT_OK) {
        ct_free(images.data);
        return CT_ERR;
    }
    if (progress)
        fprintf(progress, "%s: %u labels\n", lpath, labels.dims[0]);
    int rc = CT_ERR;
    hid_t d = -1;
    if (labels.dims[0] != images.dims[0]) {
        ct_fail(err, "%s has %u labels but %s has %u images: expected the same count", lpath, labels.dims[0], ipath,
                images.dims[0]);
        goto done;
    }
    for (size_t i = 0; i < labels.size; i++)
        if (labels.data[i] >= CT_FMNIST_CLASSES) {
            ct_fail(err, "%s: label %zu: expected 0 to %d, found %u", lpath, i, CT_FMNIST_CLASSES - 1, labels.data[i]);
            goto done;
        }
    hsize_t idims[3] = {images.dims[0], images.dims[1], images.dims[2]};
    snprintf(name, sizeof name, "/%s/images", split);
    d = ct_h5_write_dataset(file, name, H5T_NATIVE_UINT8, 3, idims, NULL, 0, images.data, err);
    if (d < 0 || ct_h5_write_attr_float(d, "scale", 1.0f / 255.0f, err) != CT_OK ||
        ct_h5_write_attr_float(d, "offset", 0.0f, err) != CT_OK)
        goto done;
    H5Dclose(d);
    hsize_t ldims[1] = {labels.dims[0]};
    snprintf(name, sizeof name, "/%s/labels", split);
    d = ct_h5_write_dataset(file, name, H5T_NATIVE_UINT8, 1, ldims, NULL, 0, labels.data, err);
    if (d < 0 || ct_h5_write_attr_int64(d, "num_classes", CT_FMNIST_CLASSES, err) != CT_OK ||
        ct_h5_write_attr_strings(d, "class_names", ct_fmnist_class_names, CT_FMNIST_CLASSES, err) != CT_OK)
        goto done;
    rc = CT_OK;
done:
    if (d >= 0)
        H5Dclose(d);
    ct_free(images.data);
    ct_free(labels.data);
    return rc;
}

int ct_import_fashion_mnist(const char *dir, const char *out_path, FILE *progress, ct_error *err)
{
    char tmp[4096 + 64];
    hid_t file = ct_h5_create_tmp(out_path, tmp, sizeof tmp, err);
    if (file < 0)
        return ct_fail_context(err, "importing Fashion-MNIST into %s", out_path);
    char source[4200];
    snprintf(source, sizeof source,
             "Fashion-MNIST (Zalando Research, MIT licence), imported by ctrain from %s/"
             "{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz",
             dir);
    if (ct_fmnist_split(file, dir, "train", "train", progress, err) != CT_OK ||
        ct_fmnist_split(file, dir, "t10k", "test", progress, err) != CT_OK ||
        ct_h5_write_attr_string(file, "source", source, err) != CT_OK) {
        ct_h5_discard_tmp(file, tmp);
        return ct_fail_context(err, "importing Fashion-MNIST into %s", out_path);
    }
    if (ct_h5_commit_tmp(file, tmp, out_path, err) != CT_OK)
        return ct_fail_context(err, "importing Fashion-MNIST into %s", out_path);
    if (progress)
        fprintf(progress, "wrote %s\n", out_path);
    return CT_OK;
}
