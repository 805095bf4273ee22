/* HDF5 helpers shared by the readers, importers and writers of ctrain (the
 * dataset shards, the importers, the inspector, and the checkpoints of
 * cluster/). Every function that can fail returns CT_ERR (or a negative hid_t)
 * and fills err with what went wrong; callers add "FILE: /dataset: " context
 * with ct_fail_context where the helper does not know it. Strings returned
 * are allocated with ct_malloc and owned by the caller (ct_free). All
 * functions call ct_h5_quiet() first, so HDF5 never prints its own stack. */
#ifndef CT_DATASETS_H5UTIL_H
#define CT_DATASETS_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* Turns off HDF5's automatic error printing (H5Eset_auto2(H5E_DEFAULT, NULL,
 * NULL)): only our messages are seen. Cheap; called by every helper here. */
void ct_h5_quiet(void);

/* Writes the description of the innermost error on HDF5's current error
 * stack (e.g. "truncated file: eof = 100, ...") into buf, "" when the stack
 * is empty. Call it right after the failing HDF5 call. Returns buf. */
const char *ct_h5_error_detail(char *buf, size_t size);

/* Opens an HDF5 file (flags H5F_ACC_RDONLY or H5F_ACC_RDWR); read-only
 * opens take no file lock (HDF5's flock, absent on Lustre and NFS), so a
 * file another process is writing can be read. Errors:
 * "PATH: no such file", "PATH: is a directory, expected an HDF5 file",
 * "PATH: not an HDF5 file (no HDF5 signature in its N bytes)",
 * "PATH: HDF5 cannot lock it: is another process writing it? (HDF5: ...)",
 * "PATH: HDF5 cannot open it: truncated or corrupt file? (HDF5: ...)".
 * Returns the file id (close with H5Fclose), or -1. */
hid_t ct_h5_open_file(const char *path, unsigned flags, ct_error *err);

/* Opens the dataset at the absolute path obj (e.g. "/train/images") of file;
 * file_name only labels the messages. Errors name the file and the path, and
 * when a group or the dataset is missing, list what its parent group
 * contains: "data/x.h5: no dataset /train/images (group /train contains:
 * labels, pixels)". Returns the dataset id (H5Dclose), or -1. */
hid_t ct_h5_open_dataset(hid_t file, const char *file_name, const char *obj, ct_error *err);

/* Checks that every filter of a chunked dataset is available in this HDF5
 * library. Error: "stored with filter 32000 (lzf), which this HDF5 library
 * does not have: rewrite it with gzip (h5py: compression='gzip')". */
int ct_h5_check_filters(hid_t dset, ct_error *err);

/* Writes the names of the members of the group at group_path (in name
 * order, comma separated, "nothing" when empty) into buf. Returns buf. */
const char *ct_h5_list_group(hid_t loc, const char *group_path, char *buf, size_t size);

/* Names a datatype as numpy does: "uint8", "int64", "float32", with
 * " big-endian" appended when it is; "string", "enum", "compound", ...
 * Returns buf. */
const char *ct_h5_type_name(hid_t type, char *buf, size_t size);

/* Writes a dataspace's extent, "[60000, 28, 28]" ("scalar" for rank 0,
 * "null" for an empty space) into buf. Returns buf. */
const char *ct_h5_space_str(hid_t space, char *buf, size_t size);

/* 1 when obj (a file, group or dataset) has an attribute `name`, else 0. */
int ct_h5_has_attr(hid_t obj, const char *name);

/* Number of elements of attribute `name` of obj (1 for a scalar), or -1 with
 * err filled ("attribute NAME: ..."). */
int64_t ct_h5_attr_numel(hid_t obj, const char *name, ct_error *err);

/* Reads a numeric attribute holding exactly one value (a scalar or a
 * one-element array) of integer or float type. Errors: "attribute scale:
 * expected one number, found string [3]". */
int ct_h5_attr_double(hid_t obj, const char *name, double *value, ct_error *err);

/* As ct_h5_attr_double, for an attribute of integer type only. */
int ct_h5_attr_int64(hid_t obj, const char *name, int64_t *value, ct_error *err);

/* Reads a string attribute holding one string, fixed or variable length.
 * *value is allocated with ct_malloc, NUL-terminated; the caller frees it. */
int ct_h5_attr_string(hid_t obj, const char *name, char **value, ct_error *err);

/* Reads a string attribute of any shape into *values[*count] (each string
 * and the array ct_malloc'ed; free with ct_h5_free_strings). */
int ct_h5_attr_strings(hid_t obj, const char *name, char ***values, size_t *count, ct_error *err);
void ct_h5_free_strings(char **values, size_t count);

/* Attribute writers: replace an existing attribute of the same name.
 * Strings are stored as variable-length UTF-8 (h5py reads them as str);
 * ct_h5_write_attr_strings stores a 1-D array of n strings. */
int ct_h5_write_attr_float(hid_t obj, const char *name, float value, ct_error *err);
int ct_h5_write_attr_double(hid_t obj, const char *name, double value, ct_error *err);
int ct_h5_write_attr_int64(hid_t obj, const char *name, int64_t value, ct_error *err);
int ct_h5_write_attr_string(hid_t obj, const char *name, const char *value, ct_error *err);
int ct_h5_write_attr_strings(hid_t obj, const char *name, const char *const *values, size_t n,
                             ct_error *err);
/* A 1-D numeric attribute of n values of the native type `type` (e.g.
 * H5T_NATIVE_DOUBLE, also the stored type); h5py reads it as an array. */
int ct_h5_write_attr_array(hid_t obj, const char *name, hid_t type, const void *values, size_t n, ct_error *err);

/* Creates dataset `name` (a path relative to loc; missing groups are
 * created) of `type` (a native type such as H5T_NATIVE_UINT8, also used as
 * the file type) with extent dims[rank], and writes data (may be NULL to
 * leave it unwritten). chunk == NULL: contiguous layout; otherwise chunked
 * with chunk[rank] and, if gzip_level > 0, the deflate filter at that level.
 * Returns the dataset id (H5Dclose: the caller may add attributes), or -1. */
hid_t ct_h5_write_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const hsize_t *chunk, int gzip_level, const void *data, ct_error *err);

/* Writes a scalar variable-length UTF-8 string dataset (a YAML job, a log). */
int ct_h5_write_string(hid_t loc, const char *name, const char *text, ct_error *err);

/* Reads a string dataset holding one string (fixed or variable length);
 * *text is ct_malloc'ed and NUL-terminated. */
int ct_h5_read_string(hid_t loc, const char *name, char **text, ct_error *err);

/* Atomic files. ct_h5_create_tmp creates "<path>.tmp.<pid>" for writing
 * (truncating), with a strong close degree (H5Fclose also closes objects
 * left open), and puts its name into tmp (tmp_size >= strlen(path) + 32).
 * ct_h5_commit_tmp flushes and closes file, fsyncs the temporary file,
 * renames it to path and fsyncs the directory; on any failure it removes the
 * temporary file. ct_h5_discard_tmp closes file (if >= 0) and removes tmp:
 * for error paths. A crash at any moment leaves the old `path` intact. */
hid_t ct_h5_create_tmp(const char *path, char *tmp, size_t tmp_size, ct_error *err);
int ct_h5_commit_tmp(hid_t file, const char *tmp, const char *path, ct_error *err);
void ct_h5_discard_tmp(hid_t file, const char *tmp);

#endif
