"""Matt Mazur's worked backpropagation example through the product, as the
README runs it: tests/fixtures/make_backprop_example.py writes the data and
the initial weights, `ctrain train jobs/backprop_example.yaml --init-from
...` makes one SGD step (2-2-2 sigmoid regressor, MSE, lr 0.5, batch 1)
under mpirun at 1 and 2 ranks (where one rank holds no sample). The
checkpoint's eight weights are the published ones to 1e-6 (w5 = 0.35891648,
w1 = 0.149780716), the training loss is the example's E_total, the test
loss and MAE are a NumPy forward pass of the checkpoint, and 2 ranks equal
1 rank bitwise."""
import os
import subprocess
import sys

import numpy as np

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, run, tempdir, tensors

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
JOB = os.path.join(ROOT, "jobs", "backprop_example.yaml")
MAKE = os.path.join(ROOT, "tests", "fixtures", "make_backprop_example.py")

# The example's numbers: the weights after the step, and E_total before it.
W1_4 = [0.149780716, 0.19956143, 0.24975114, 0.29950229]
W5_8 = [0.35891648, 0.408666186, 0.511301270, 0.561370121]
E_TOTAL = 0.298371109

d = tempdir()
subprocess.run([sys.executable, MAKE, "data"], cwd=d, check=True)

runs = {}
for np_ in (1, 2):
    rd = os.path.join(d, f"np{np_}")
    run(["train", JOB, "--init-from", os.path.join("data", "backprop_example_init.h5"), "--run-dir", rd], np_=np_,
        cwd=d)
    ckpt = latest_checkpoint(rd)
    check(ckpt.endswith("step-1.h5"), f"np={np_}: expected one step, found {ckpt}")
    t = tensors(ckpt)
    got = {"w1..w4": t["0.weight"].ravel(), "w5..w8": t["2.weight"].ravel()}
    for name, want in (("w1..w4", W1_4), ("w5..w8", W5_8)):
        diff = np.abs(got[name] - np.array(want))
        check(diff.max() < 1e-6, f"np={np_}: {name} {got[name].tolist()}, published {want} (max diff {diff.max():.3g})")
    print(f"np={np_}: w5 {got['w5..w8'][0]:.9f} (published 0.35891648), w1 {got['w1..w4'][0]:.9f} "
          f"(published 0.149780716)")

    [epoch] = metrics(rd)
    check(abs(epoch["train_loss"] - E_TOTAL) < 1e-6, f"np={np_}: train_loss {epoch['train_loss']}, E_total {E_TOTAL}")
    # The test split is the same sample, after the step: a NumPy forward pass of the checkpoint.
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    x, target = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    out = sigmoid(t["2.weight"].astype(np.float64) @ sigmoid(t["0.weight"] @ x + t["0.bias"]) + t["2.bias"])
    for name, want in (("test_loss", np.mean((out - target) ** 2)), ("test_mae", np.mean(np.abs(out - target)))):
        check(abs(epoch[name] - want) < 1e-6, f"np={np_}: {name} {epoch[name]}, NumPy {want}")
    runs[np_] = rd

compare(latest_checkpoint(runs[2]), latest_checkpoint(runs[1]))
one, two = metrics(runs[1])[0], metrics(runs[2])[0]
for name in ("train_loss", "test_loss", "test_mae"):
    check(one[name] == two[name], f"{name}: np=2 {two[name]} vs np=1 {one[name]}")
print("np=2 (one rank without a sample) equals np=1 bitwise")
cleanup(d)
print("PASS")
