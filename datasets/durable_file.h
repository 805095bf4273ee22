/* Durable, atomic file replacement: write a temporary file, then commit it
 * under its final name. A crash at any moment leaves either the old file or
 * the complete new one. Used for datasets, checkpoints and run files. */
#ifndef CT_DATASETS_DURABLE_FILE_H
#define CT_DATASETS_DURABLE_FILE_H

#include <stddef.h>

#include "engine/error.h"

/* fsync(tmp_path), rename(tmp_path, path), fsync(path's directory, best
 * effort: some file systems refuse). On failure tmp_path is removed. */
int ct_file_commit(const char *tmp_path, const char *path, ct_error *err);

/* Writes data[size] to "<path>.tmp.<pid>" and commits it to path. */
int ct_file_write_atomic(const char *path, const void *data, size_t size, ct_error *err);

#endif
