"""Makes the test data: a slice of real Fashion-MNIST (first N train rows,
first M test rows) from the file `ctrain data import` wrote. Usage:
make_small_data.py FULL.h5 OUT.h5 N M"""
import sys

import h5py

full, out, n_train, n_test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with h5py.File(full, "r") as src, h5py.File(out + ".tmp", "w") as dst:
    for split, n in (("train", n_train), ("test", n_test)):
        for name in ("images", "labels"):
            d = src[split][name]
            new = dst.create_dataset(f"{split}/{name}", data=d[:n])
            for k, v in d.attrs.items():
                new.attrs[k] = v
import os
os.replace(out + ".tmp", out)
