#include "datasets/durable_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsync of path opened with flags; 0, or an errno. EINVAL (a file system
 * without fsync of this kind of file) counts as done. */
static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return errno;
    int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
    close(fd);
    return rc;
}

int ct_fsync_dir(const char *dir, ct_error *err)
{
    int rc = fsync_path(dir, O_RDONLY | O_DIRECTORY);
    if (rc)
        return ct_fail(err, "%s: cannot fsync the directory: %s", dir, strerror(rc));
    return CT_OK;
}

int ct_file_commit(const char *tmp_path, const char *path, ct_error *err)
{
    int rc = fsync_path(tmp_path, O_RDONLY);
    if (rc) {
        ct_fail(err, "%s: cannot fsync it: %s", tmp_path, strerror(rc));
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
    return ct_fsync_dir(dirname(dir), err);
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

/* Creates one directory (existing is fine) and, when it was new, makes its
 * name durable in its parent. */
static int make_dir(char *path, ct_error *err)
{
    if (mkdir(path, 0777) != 0) {
        struct stat st;
        if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return CT_OK;
        return ct_fail(err, "%s: cannot create directory: %s", path,
                       errno == EEXIST ? "a file of that name exists" : strerror(errno));
    }
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    return ct_fsync_dir(dirname(parent), err);
}

int ct_mkdirs(const char *path, ct_error *err)
{
    char buf[4096];
    if (!path[0])
        return ct_fail(err, "empty directory name");
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ct_fail(err, "%s: path too long", path);
    /* The parents first, as mkdir -p; the first that cannot be made is the
     * one the error names. */
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int rc = make_dir(buf, err);
        *p = '/';
        if (rc != CT_OK)
            return ct_fail_context(err, "creating %s", path);
    }
    return make_dir(buf, err);
}

/* Fails naming dir and the process whose id the lock file fd holds. */
static int busy(const char *dir, const char *path, int fd, ct_error *err)
{
    char holder[32] = "";
    ssize_t got = pread(fd, holder, sizeof holder - 1, 0);
    holder[got > 0 ? got : 0] = '\0';
    holder[strcspn(holder, "\n")] = '\0';
    return ct_fail(err, "%s is in use by another ctrain run (process %s on this node holds %s): give this run "
                        "another --run-dir, or wait for that one to end",
                   dir, holder[0] ? holder : "unknown", path);
}

int ct_dir_lock(const char *dir, int *fd, ct_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return ct_fail(err, "%s: cannot open the lock file: %s", path, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        int why = errno;
        int rc = why == EWOULDBLOCK ? busy(dir, path, *fd, err) : ct_fail(err, "%s: cannot lock: %s", path,
                                                                           strerror(why));
        close(*fd);
        *fd = -1;
        return rc;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(*fd, 0) != 0 || pwrite(*fd, pid, (size_t)len, 0) != len) {
        int why = errno;
        close(*fd);
        *fd = -1;
        return ct_fail(err, "%s: cannot write the lock file: %s", path, strerror(why));
    }
    return CT_OK;
}

int ct_dir_check_unlocked(const char *dir, ct_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return CT_OK; /* no lock file: nobody has run there yet (or the directory does not exist) */
    int rc = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK ? busy(dir, path, fd, err) : CT_OK;
    close(fd); /* releases the probe's own lock, if it got it */
    return rc;
}

/* Whether name ends in ".tmp." and one or more digits. */
static int is_tmp_name(const char *name)
{
    for (const char *at = strstr(name, ".tmp."); at; at = strstr(at + 1, ".tmp.")) {
        const char *d = at + 5;
        if (!*d)
            continue;
        while (*d >= '0' && *d <= '9')
            d++;
        if (!*d)
            return 1;
    }
    return 0;
}

int ct_remove_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (is_tmp_name(e->d_name) && unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
