#!/usr/bin/python3
"""Interoperability of the datasets/ HDF5 layout with h5py (Debian's python3-h5py).

  h5py_files.py make DIR            writes the files test_h5py.c and test_inspect.c read
  h5py_files.py check-fashion FILE  checks a file written by ct_import_fashion_mnist
  h5py_files.py hold FILE READY     opens FILE for writing (mode "r+": HDF5's exclusive
                                    lock), creates READY, and holds it until stdin closes

The values follow formulas that test_h5py.c repeats: keep the two in step.
"""
import os
import sys

import h5py
import numpy as np


def pixels_u8(n, sample):
    i = np.arange(n, dtype=np.int64)[:, None]
    j = np.arange(int(np.prod(sample)), dtype=np.int64)[None, :]
    return ((i * 31 + j * 7) % 256).astype(np.uint8).reshape((n,) + sample)


def values_f(n, sample, dtype):
    i = np.arange(n, dtype=np.float64)[:, None]
    j = np.arange(int(np.prod(sample)), dtype=np.float64)[None, :]
    return (i * 0.5 - j * 0.001).astype(dtype).reshape((n,) + sample)


def make(out):
    os.makedirs(out, exist_ok=True)
    # uint8 [N, H, W], contiguous, int32 labels, class_names as str (vlen).
    with h5py.File(os.path.join(out, "u8_nhw.h5"), "w") as f:
        f["train/images"] = pixels_u8(50, (28, 28))
        f["train/labels"] = (np.arange(50) % 10).astype(np.int32)
        f["train/labels"].attrs["class_names"] = [f"class {k}" for k in range(10)]
        f["test/images"] = pixels_u8(7, (28, 28))
        f["test/labels"] = (np.arange(7) % 10).astype(np.int32)
    # float32 [N, C, H, W], chunked + shuffle + gzip, uint64 labels,
    # num_classes as a numpy int32, scale/offset as float64.
    with h5py.File(os.path.join(out, "f32_nchw_gzip.h5"), "w") as f:
        d = f.create_dataset("train/images", data=values_f(37, (3, 8, 8), np.float32),
                             chunks=(5, 3, 8, 8), compression="gzip", compression_opts=4, shuffle=True)
        d.attrs["scale"] = np.float64(0.5)
        d.attrs["offset"] = np.float64(0.25)
        l = f.create_dataset("train/labels", data=(np.arange(37) % 7).astype(np.uint64), chunks=(8,),
                             compression="gzip")
        l.attrs["num_classes"] = np.int32(7)
    # uint8 with h5py's automatic chunking, big-endian int16 labels,
    # fixed-length byte-string class_names; float64 images in another split.
    with h5py.File(os.path.join(out, "u8_auto_chunks.h5"), "w") as f:
        f.create_dataset("train/images", data=pixels_u8(64, (2, 5, 5)), chunks=True, compression="gzip")
        f.create_dataset("train/labels", data=(np.arange(64) % 4).astype(">i2"))
        f["train/labels"].attrs["class_names"] = np.array([b"a", b"bb", b"ccc", b"dddd"], dtype="S4")
        f["valid/images"] = values_f(9, (4,), np.float64)
        f["valid/labels"] = np.arange(9, dtype=np.int8)
    # h5py's own LZF filter, which the HDF5 C library does not have: the
    # reader must say so clearly.
    with h5py.File(os.path.join(out, "lzf.h5"), "w") as f:
        f.create_dataset("train/images", data=np.zeros((1000, 100), np.uint8), chunks=(500, 100),
                         compression="lzf")
    # Hard links that make the tree a graph: a group linked into itself and
    # to the root, a dataset under two names. The inspector shows each once.
    with h5py.File(os.path.join(out, "loops.h5"), "w") as f:
        g = f.create_group("g")
        g["x"] = np.arange(3, dtype=np.int32)
        g["loop"] = g
        g["up"] = f["/"]
        f["alias"] = g["x"]
    # Splits that declare 2^40 rows and store none (the file stays tiny):
    # readers must refuse them before allocating, naming the rows.
    huge = 2**40
    with h5py.File(os.path.join(out, "huge.h5"), "w") as f:
        f.create_dataset("train/images", shape=(huge, 28, 28), dtype="u1", chunks=(1, 28, 28))
        f.create_dataset("train/labels", shape=(huge,), dtype="u1", chunks=(1024,))
        # one byte a row of inputs, but 8 a row to stage the labels
        f.create_dataset("narrow/images", shape=(huge,), dtype="u1", chunks=(1024,))
        f.create_dataset("narrow/labels", shape=(huge,), dtype="i8", chunks=(1024,))
        f.create_dataset("text/tokens", shape=(huge,), dtype="i4", chunks=(1024,))
    print(f"wrote h5py test files to {out}")


def hold(path, ready):
    with h5py.File(path, "r+"):
        open(ready, "w").close()
        sys.stdin.read()


def check_fashion(path):
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
             "Ankle boot"]
    with h5py.File(path, "r") as f:
        assert "Fashion-MNIST" in f.attrs["source"], f.attrs["source"]
        for split, n in (("train", 60000), ("test", 10000)):
            images, labels = f[split]["images"], f[split]["labels"]
            assert images.shape == (n, 28, 28) and images.dtype == np.uint8, (images.shape, images.dtype)
            assert labels.shape == (n,) and labels.dtype == np.uint8, (labels.shape, labels.dtype)
            assert abs(float(images.attrs["scale"]) - 1 / 255) < 1e-9 and float(images.attrs["offset"]) == 0
            assert int(labels.attrs["num_classes"]) == 10
            assert list(labels.attrs["class_names"]) == names, list(labels.attrs["class_names"])
            hist = np.bincount(labels[:], minlength=10)
            assert (hist == n // 10).all(), hist
    print(f"{path}: h5py reads it: shapes, types, attributes and label histograms as expected")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check-fashion":
        check_fashion(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "hold":
        hold(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
