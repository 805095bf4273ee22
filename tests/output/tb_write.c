/* Test driver of the TensorBoard writer, for test_tfevents.py:
 *   tb_write DIR OP...
 * opens a writer on DIR, runs the OPs in order, closes it (without a last
 * flush: closing writes what is pending) and prints the events file's path.
 *   scalar TAG STEP BITS    BITS: the float32's bit pattern (e.g. 0x7fc00000)
 *   image TAG STEP HEIGHT WIDTH CHANNELS PNG_FILE
 *   flush
 *   copy DEST               copies the events file as it is now: what a
 *                           reader sees while training goes on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/output/tensorboard.h"
#include "engine/alloc.h"

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    unsigned char *data = NULL;
    *size = 0;
    unsigned char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        data = ct_realloc(data, *size + n);
        memcpy(data + *size, chunk, n);
        *size += n;
    }
    fclose(f);
    return data;
}

static void copy_file(const char *from, const char *to)
{
    size_t size;
    unsigned char *data = read_file(from, &size);
    FILE *f = fopen(to, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(to);
        exit(1);
    }
    ct_free(data);
}

static void need(int argc, int i, int n, const char *op)
{
    if (i + n >= argc) {
        fprintf(stderr, "tb_write: %s needs %d arguments\n", op, n);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tb_write DIR OP...\n");
        return 2;
    }
    ct_tb_writer w;
    ct_error err = {{0}};
    if (ct_tb_open(&w, argv[1], &err) != CT_OK) {
        fprintf(stderr, "tb_write: %s\n", err.msg);
        return 1;
    }
    int rc = CT_OK;
    for (int i = 2; i < argc && rc == CT_OK; i++) {
        const char *op = argv[i];
        if (strcmp(op, "scalar") == 0) {
            need(argc, i, 3, op);
            uint32_t bits = (uint32_t)strtoul(argv[i + 3], NULL, 0);
            float value;
            memcpy(&value, &bits, sizeof value);
            rc = ct_tb_scalar(&w, argv[i + 1], strtoll(argv[i + 2], NULL, 10), value, &err);
            i += 3;
        } else if (strcmp(op, "image") == 0) {
            need(argc, i, 6, op);
            size_t size;
            unsigned char *png = read_file(argv[i + 6], &size);
            rc = ct_tb_image(&w, argv[i + 1], strtoll(argv[i + 2], NULL, 10), png, size, atoi(argv[i + 3]),
                             atoi(argv[i + 4]), atoi(argv[i + 5]), &err);
            ct_free(png);
            i += 6;
        } else if (strcmp(op, "flush") == 0) {
            rc = ct_tb_flush(&w, &err);
        } else if (strcmp(op, "copy") == 0) {
            need(argc, i, 1, op);
            copy_file(w.path, argv[i + 1]);
            i += 1;
        } else {
            fprintf(stderr, "tb_write: unknown operation %s\n", op);
            return 2;
        }
    }
    if (rc != CT_OK) {
        fprintf(stderr, "tb_write: %s\n", err.msg);
        ct_tb_close(&w);
        return 1;
    }
    ct_tb_close(&w);
    printf("%s\n", w.path);
    return 0;
}
