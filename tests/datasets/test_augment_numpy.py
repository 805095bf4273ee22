"""Crops and flips of ctrain's augmentation against NumPy on the same draws:
pad every side with the pad value (np.pad), take the window at the drawn
corner, mirror it when drawn; over several paddings, flip rates, seeds and
epochs. Also: every corner of [0, 2P]^2 and both flips occur.
Usage: test_augment_numpy.py AUGMENT_DUMP TMPDIR"""
import os
import subprocess
import sys

import h5py
import numpy as np

dump, tmp = sys.argv[1], sys.argv[2]
os.makedirs(tmp, exist_ok=True)
corners, flips = set(), set()
for padding, flip_p, seed, epoch in ((0, 0.5, 1, 0), (1, 0.0, 2, 3), (2, 0.5, 3, 1), (4, 1.0, 9, 7), (3, 0.3, 5, 2)):
    path = os.path.join(tmp, f"augment-{padding}-{seed}.h5")
    subprocess.run([dump, path, str(padding), str(flip_p), str(seed), str(epoch)], check=True)
    with h5py.File(path, "r") as f:
        x, got, draws = f["in"][()], f["out"][()], f["draws"][()]
    for j in range(len(x)):
        dy, dx, flip = draws[j]
        padded = np.pad(x[j], ((0, 0), (padding, padding), (padding, padding)), constant_values=-1.0)
        want = padded[:, dy:dy + x.shape[2], dx:dx + x.shape[3]]
        if flip:
            want = want[:, :, ::-1]
        if not np.array_equal(got[j], want):
            sys.exit(f"FAIL: padding {padding} seed {seed} epoch {epoch} sample {j} draw {(dy, dx, flip)}")
        if padding == 4:
            corners.add((dy, dx))
        flips.add(bool(flip))
    if flip_p == 0.0 and draws[:, 2].any() or flip_p == 1.0 and not draws[:, 2].all():
        sys.exit(f"FAIL: flips {draws[:, 2]} with p {flip_p}")
if len(corners) < 40:  # 64 samples over 81 corners: about 44 distinct ones expected
    sys.exit(f"FAIL: only {len(corners)} distinct corners of [0, 8]^2 drawn")
if flips != {False, True}:
    sys.exit("FAIL: flips never or always happen")
print(f"PASS: crops and flips equal NumPy's on the drawn corners ({len(corners)} distinct corners at padding 4)")
