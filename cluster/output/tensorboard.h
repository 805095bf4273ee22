/* TensorBoard event files: scalars and PNG images, as TFRecord records of
 * tensorflow.Event messages (tensorboard.proto, packed by protobuf-c).
 * Records are gathered in memory and written when ct_tb_flush is called (or
 * when 64 KiB are pending); every write ends on a record boundary, so
 * TensorBoard can read the file while training goes on. */
#ifndef CT_CLUSTER_TENSORBOARD_H
#define CT_CLUSTER_TENSORBOARD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct ct_tb_writer {
    int fd;                 /* -1 when closed */
    char path[4352];        /* DIR/events.out.tfevents.<seconds>.<hostname>.<pid> */
    int64_t written;        /* bytes of whole records in the file */
    unsigned char *pending; /* [cap]: framed records not yet written in [0, len) */
    size_t len, cap;
} ct_tb_writer;

/* Creates dir (and its parents) if needed, creates a new events file in it
 * named as above, and writes and flushes the first event (file_version
 * "brain.Event:2"). Fails, naming the directory or file and the OS reason, if
 * any of this fails, or if that file exists already. On failure nothing is
 * left to free: ct_tb_close(w) is allowed and does nothing. */
int ct_tb_open(ct_tb_writer *w, const char *dir, ct_error *err);

/* Adds a Summary.Value{tag, simple_value = value} event at step. Fails only
 * when it writes (see ct_tb_flush). */
int ct_tb_scalar(ct_tb_writer *w, const char *tag, int64_t step, float value, ct_error *err);

/* Adds a Summary.Image event at step: png[png_size] (copied) is an encoded
 * image of height x width pixels with channels 1 (grey), 2 (grey + alpha), 3
 * (RGB) or 4 (RGBA), TensorBoard's colorspace. Fails naming the tag on other
 * sizes, or when it writes (see ct_tb_flush). */
int ct_tb_image(ct_tb_writer *w, const char *tag, int64_t step, const void *png, size_t png_size, int height,
                int width, int channels, ct_error *err);

/* Adds a SessionLog START event at step: a resumed run marks where it
 * restarts, and TensorBoard then drops the events of earlier files at that
 * step and after (what the interrupted run wrote past its checkpoint). */
int ct_tb_session_start(ct_tb_writer *w, int64_t step, ct_error *err);

/* Writes the pending events to the file (no fsync: other processes see
 * them). Fails naming the file and the OS reason (e.g. disk full); the
 * pending events are then dropped and the file is cut back to its last whole
 * record, so that it stays readable and later events can still follow. */
int ct_tb_flush(ct_tb_writer *w, ct_error *err);

/* Writes the pending events (call ct_tb_flush first to learn of a failure),
 * closes the file and frees the writer's memory. */
void ct_tb_close(ct_tb_writer *w);

#endif
