#include "datasets/durable_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int ct_file_commit(const char *tmp_path, const char *path, ct_error *err)
{
    if (fsync_path(tmp_path, O_RDONLY) != 0) {
        ct_fail(err, "%s: cannot fsync it: %s", tmp_path, strerror(errno));
        unlink(tmp_path);
        return CT_ERR;
    }
    if (rename(tmp_path, path) != 0) {
        ct_fail(err, "%s: cannot rename it to %s: %s", tmp_path, path, strerror(errno));
        unlink(tmp_path);
        return CT_ERR;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    fsync_path(dirname(dir), O_RDONLY | O_DIRECTORY);
    return CT_OK;
}

int ct_file_write_atomic(const char *path, const void *data, size_t size, ct_error *err)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
        return ct_fail(err, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return ct_fail(err, "%s: cannot create it: %s", tmp, strerror(errno));
    size_t written = fwrite(data, 1, size, f);
    int close_rc = fclose(f);
    if (written != size || close_rc != 0) {
        ct_fail(err, "%s: cannot write it: %s", tmp, strerror(errno));
        unlink(tmp);
        return CT_ERR;
    }
    return ct_file_commit(tmp, path, err);
}
