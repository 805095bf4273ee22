/* Importers: turn source data into the HDF5 layout of README.md. */
#ifndef CT_DATASETS_IMPORTERS_H
#define CT_DATASETS_IMPORTERS_H

#include <stdio.h>

#include "engine/error.h"

/* Where Debian's dataset-fashion-mnist puts the idx .gz files. */
#define CT_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz from dir (zlib) and
 * writes out_path atomically (temporary name, then rename):
 * /train/images uint8 [60000,28,28], /train/labels uint8 [60000], /test/...,
 * with attributes scale=1/255, offset=0 on images and class_names,
 * num_classes on labels. progress (may be NULL) gets one line per file. */
int ct_import_fashion_mnist(const char *dir, const char *out_path, FILE *progress, ct_error *err);

/* Prints the groups, datasets (type, shape, chunking, compression) and
 * attributes of an HDF5 dataset file. */
int ct_inspect_file(const char *path, FILE *out, ct_error *err);

#endif
