/* Writes what augmentation does to a batch of known images, for
 * test_augment_numpy.py to check against NumPy: augment_dump OUT.h5 PADDING
 * FLIP_P SEED EPOCH. /in and /out [N, C, H, W] float32, /rows [N], /draws
 * [N, 3] (dy, dx, flip) as int64. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "datasets/augment.h"

enum { N = 64, C = 2, H = 9, W = 11 };

static void write(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t set = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(set);
    H5Sclose(space);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: augment_dump OUT.h5 PADDING FLIP_P SEED EPOCH\n");
        return 2;
    }
    ct_augment a = {.crop_padding = atoll(argv[2]), .flip_p = (float)atof(argv[3]), .pad_value = -1.0f};
    uint64_t seed = strtoull(argv[4], NULL, 10);
    int64_t epoch = atoll(argv[5]);
    static float in[N * C * H * W], out[N * C * H * W], scratch[C * H * W];
    int64_t rows[N], draws[N * 3];
    for (int i = 0; i < N * C * H * W; i++)
        in[i] = out[i] = (float)i;
    for (int j = 0; j < N; j++) {
        rows[j] = 1000 + 37 * j;
        ct_augment_draw d = ct_augment_draw_of(&a, seed, epoch, rows[j]);
        draws[3 * j] = d.dy;
        draws[3 * j + 1] = d.dx;
        draws[3 * j + 2] = d.flip;
    }
    const ct_shape shape = ct_shape3(C, H, W);
    ct_augment_apply(&a, &shape, out, N, rows, seed, epoch, scratch);
    hid_t file = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return 1;
    hsize_t image_dims[4] = {N, C, H, W}, row_dims[1] = {N}, draw_dims[2] = {N, 3};
    write(file, "in", H5T_NATIVE_FLOAT, 4, image_dims, in);
    write(file, "out", H5T_NATIVE_FLOAT, 4, image_dims, out);
    write(file, "rows", H5T_NATIVE_INT64, 1, row_dims, rows);
    write(file, "draws", H5T_NATIVE_INT64, 2, draw_dims, draws);
    H5Fclose(file);
    return 0;
}
