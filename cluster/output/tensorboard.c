#include "cluster/output/tensorboard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster/output/crc32c.h"
#include "cluster/output/tensorboard.pb-c.h"
#include "datasets/durable_file.h"
#include "engine/alloc.h"

/* Pending records are written once they reach this size. */
#define PENDING_MAX (64 * 1024)

static double seconds_since_epoch(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void put_le(unsigned char *p, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(value >> (8 * i));
}

/* Appends ev, stamped with the current time, as a TFRecord record: uint64
 * length, uint32 masked CRC-32C of those 8 bytes, the data, uint32 masked
 * CRC-32C of the data, all little-endian. */
static int add_event(ct_tb_writer *w, Tensorflow__Event *ev, ct_error *err)
{
    ev->wall_time = seconds_since_epoch();
    size_t size = tensorflow__event__get_packed_size(ev);
    size_t need = w->len + 8 + 4 + size + 4;
    if (need > w->cap) {
        w->cap = need > 2 * w->cap ? need : 2 * w->cap;
        w->pending = ct_realloc(w->pending, w->cap);
    }
    unsigned char *record = w->pending + w->len;
    put_le(record, size, 8);
    put_le(record + 8, ct_crc32c_mask(ct_crc32c(record, 8)), 4);
    tensorflow__event__pack(ev, record + 12);
    put_le(record + 12 + size, ct_crc32c_mask(ct_crc32c(record + 12, size)), 4);
    w->len = need;
    return w->len >= PENDING_MAX ? ct_tb_flush(w, err) : CT_OK;
}

int ct_tb_session_start(ct_tb_writer *w, int64_t step, ct_error *err)
{
    Tensorflow__SessionLog log = TENSORFLOW__SESSION_LOG__INIT;
    log.status = TENSORFLOW__SESSION_LOG__SESSION_STATUS__START;
    Tensorflow__Event ev = TENSORFLOW__EVENT__INIT;
    ev.step = step;
    ev.what_case = TENSORFLOW__EVENT__WHAT_SESSION_LOG;
    ev.session_log = &log;
    return add_event(w, &ev, err);
}

static int add_value(ct_tb_writer *w, Tensorflow__Summary__Value *value, int64_t step, ct_error *err)
{
    Tensorflow__Summary summary = TENSORFLOW__SUMMARY__INIT;
    summary.n_value = 1;
    summary.value = &value;
    Tensorflow__Event ev = TENSORFLOW__EVENT__INIT;
    ev.step = step;
    ev.what_case = TENSORFLOW__EVENT__WHAT_SUMMARY;
    ev.summary = &summary;
    return add_event(w, &ev, err);
}

int ct_tb_open(ct_tb_writer *w, const char *dir, ct_error *err)
{
    *w = (ct_tb_writer){.fd = -1};
    if (ct_mkdirs(dir, err) != CT_OK)
        return CT_ERR;
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    if (snprintf(w->path, sizeof w->path, "%s/events.out.tfevents.%lld.%s.%d", dir, (long long)time(NULL), host,
                 (int)getpid()) >= (int)sizeof w->path)
        return ct_fail(err, "%s: path too long for an events file", dir);
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (w->fd < 0)
        return ct_fail(err, "%s: cannot create it: %s", w->path, strerror(errno));
    Tensorflow__Event ev = TENSORFLOW__EVENT__INIT;
    ev.what_case = TENSORFLOW__EVENT__WHAT_FILE_VERSION;
    ev.file_version = "brain.Event:2";
    if (add_event(w, &ev, err) != CT_OK || ct_tb_flush(w, err) != CT_OK) {
        ct_tb_close(w);
        unlink(w->path);
        return CT_ERR;
    }
    return CT_OK;
}

int ct_tb_scalar(ct_tb_writer *w, const char *tag, int64_t step, float value, ct_error *err)
{
    Tensorflow__Summary__Value v = TENSORFLOW__SUMMARY__VALUE__INIT;
    v.tag = (char *)tag;
    v.value_case = TENSORFLOW__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
    v.simple_value = value;
    return add_value(w, &v, step, err);
}

int ct_tb_image(ct_tb_writer *w, const char *tag, int64_t step, const void *png, size_t png_size, int height,
                int width, int channels, ct_error *err)
{
    if (channels < 1 || channels > 4 || height < 1 || width < 1 || png_size == 0 || png_size > INT32_MAX)
        return ct_fail(err,
                       "%s: image '%s': expected 1 to 4 channels, at least 1 x 1 pixels and 1 byte to 2 GiB of "
                       "PNG, found %d channels, %d x %d pixels, %zu bytes",
                       w->path, tag, channels, height, width, png_size);
    Tensorflow__Summary__Image image = TENSORFLOW__SUMMARY__IMAGE__INIT;
    image.height = height;
    image.width = width;
    image.colorspace = channels;
    image.encoded_image_string = (ProtobufCBinaryData){png_size, (uint8_t *)png};
    Tensorflow__Summary__Value v = TENSORFLOW__SUMMARY__VALUE__INIT;
    v.tag = (char *)tag;
    v.value_case = TENSORFLOW__SUMMARY__VALUE__VALUE_IMAGE;
    v.image = &image;
    return add_value(w, &v, step, err);
}

int ct_tb_flush(ct_tb_writer *w, ct_error *err)
{
    size_t done = 0;
    while (done < w->len) {
        ssize_t n = pwrite(w->fd, w->pending + done, w->len - done, (off_t)(w->written + (int64_t)done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int reason = errno;
            bool cut = ftruncate(w->fd, (off_t)w->written) == 0;
            w->len = 0;
            return ct_fail(err, "%s: cannot write it: %s%s", w->path, strerror(reason),
                           cut ? "" : " (and cannot cut it back to its last whole record)");
        }
        done += (size_t)n;
    }
    w->written += (int64_t)w->len;
    w->len = 0;
    return CT_OK;
}

void ct_tb_close(ct_tb_writer *w)
{
    if (w->fd >= 0) {
        ct_tb_flush(w, NULL);
        close(w->fd);
        w->fd = -1;
    }
    ct_free(w->pending);
    w->pending = NULL;
    w->len = w->cap = 0;
}
