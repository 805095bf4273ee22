/* Shared helpers of the datasets tests: temporary directories, small HDF5
 * and idx.gz files written with the plain HDF5 / zlib APIs (not with the
 * code under test), and checks on error messages. Linked into each test. */
#ifndef CT_TESTS_DATASETS_DSTEST_H
#define CT_TESTS_DATASETS_DSTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <hdf5.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); returns its path
 * (static storage, one at a time). d_rmtree removes it with its files. */
const char *d_tmpdir(void);
void d_rmtree(const char *dir);
/* dir + "/" + name in a static ring of 8 buffers: a result stays valid
 * for the next 7 calls only (helpers here never call it). */
const char *d_path(const char *dir, const char *name);

/* HDF5 writers that fail the test on error. d_create truncates. d_write
 * creates missing groups; chunk NULL = contiguous; gzip > 0 adds deflate.
 * The dataset is closed unless keep is not NULL (then *keep is its id). */
hid_t d_create(const char *path);
void d_write(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const hsize_t *chunk,
             int gzip, const void *data, hid_t *keep);
void d_attr_double(hid_t obj, const char *name, hid_t file_type, double value);
void d_attr_int64(hid_t obj, const char *name, hid_t file_type, int64_t value);
void d_attr_string(hid_t obj, const char *name, const char *value);
void d_attr_strings(hid_t obj, const char *name, const char *const *values, size_t n);

/* Writes a gzip idx file: magic, dims[ndims] big-endian, then data bytes
 * (nbytes of them, which may disagree with dims on purpose). */
void d_write_idx_gz(const char *path, uint32_t magic, int ndims, const uint32_t *dims, const unsigned char *data,
                    size_t nbytes);
/* Cuts a file to size bytes. */
void d_truncate(const char *path, long size);
/* Writes text to a file. */
void d_write_text(const char *path, const char *text);

/* Fails the test, printing msg, unless msg contains every one of the
 * NULL-terminated strings that follow. */
void d_check_msg(const char *msg, ...);
#define D_CHECK_MSG(msg, ...) d_check_msg((msg), __VA_ARGS__, (const char *)NULL)

#endif
