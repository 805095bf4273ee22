/* Durable, atomic files and directories: write a temporary file, then
 * commit it under its final name; create directories and make their names
 * durable. A crash at any moment leaves either the old file or the
 * complete new one. Used for datasets, checkpoints and run files. */
#ifndef CT_DATASETS_DURABLE_FILE_H
#define CT_DATASETS_DURABLE_FILE_H

#include <stddef.h>

#include "engine/error.h"

/* fsync(tmp_path), rename(tmp_path, path), fsync(path's directory) so the
 * new name survives a crash. Errors name the file and the OS reason; on
 * failure tmp_path is removed. A directory that refuses fsync (EINVAL on
 * some file systems) is not an error: it cannot be made more durable. */
int ct_file_commit(const char *tmp_path, const char *path, ct_error *err);

/* Writes data[size] to "<path>.tmp.<pid>" and commits it to path. */
int ct_file_write_atomic(const char *path, const void *data, size_t size, ct_error *err);

/* mkdir -p, fsyncing the parent of every directory it creates. Errors name
 * the directory and the OS reason; "" is an error. */
int ct_mkdirs(const char *path, ct_error *err);

/* fsync of a directory (after creating or renaming entries in it); as
 * ct_file_commit, EINVAL is not an error. */
int ct_fsync_dir(const char *dir, ct_error *err);

/* Takes the lock of a directory that one process at a time may write (a
 * run directory): an exclusive flock on "<dir>/.lock", which then holds
 * the process id. *fd receives the open lock file; closing it (or the
 * process ending, even by SIGKILL) releases the lock. When another process
 * holds it, fails at once naming the directory and that process. */
int ct_dir_lock(const char *dir, int *fd, ct_error *err);

/* Fails as ct_dir_lock would when another process holds dir's lock, but
 * creates and writes nothing: a check before a run's inputs are read. */
int ct_dir_check_unlocked(const char *dir, ct_error *err);

/* Removes the "<name>.tmp.<digits>" files in dir: what writers that
 * crashed before committing left behind. Returns how many it removed. */
int ct_remove_stale_tmp(const char *dir);

#endif
