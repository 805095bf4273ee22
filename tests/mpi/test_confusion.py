"""`ctrain eval --confusion` against NumPy: the matrix of (true class,
predicted class) counts of a trained MLP on the test split, at 1 and 2
ranks, equals the one NumPy builds from PyTorch's predictions with the same
weights; the per-class accuracies and the heat map follow from it; an
autoencoder has no confusion matrix to give."""
import json
import os
import re

import h5py
import numpy as np
import torch
from torch import nn

from ctrain_test import (SMALL, check, cleanup, latest_checkpoint, png_check, run, tempdir, write_ae_job,
                         write_job)

d = tempdir()
rd = os.path.join(d, "run")
run(["train", write_job(d, name="mlp", epochs=1), "--run-dir", rd], np_=2)
ckpt = latest_checkpoint(rd)

model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
with h5py.File(ckpt, "r") as f:
    model.load_state_dict({k: torch.as_tensor(v[()]) for k, v in f["model"].items()})
with h5py.File(SMALL, "r") as f:
    x = torch.from_numpy(f["test/images"][()]).float().div(255).view(-1, 784)
    y = f["test/labels"][()].astype(np.int64)
    names = [n.decode() if isinstance(n, bytes) else n for n in f["test/labels"].attrs["class_names"]]
with torch.no_grad():
    predicted = model(x).argmax(1).numpy()
want = np.zeros((10, 10), dtype=np.int64)
np.add.at(want, (y, predicted), 1)
check(want.trace() < want.sum(), "test bug: a perfect classifier confuses nothing")

for np_ in (1, 2):
    png = os.path.join(d, f"confusion-{np_}.png")
    _, out, _, _ = run(["eval", rd, "--confusion", "--json", "--confusion-png", png], np_=np_)
    got = json.loads(out.splitlines()[0])
    check(got["classes"] == names, f"class names {got['classes']} vs {names}")
    check(np.array_equal(np.array(got["confusion"]), want),
          f"np={np_}: confusion\n{np.array(got['confusion'])}\nNumPy:\n{want}")
    check(abs(got["accuracy"] - want.trace() / want.sum()) < 1e-9, f"accuracy {got['accuracy']} vs the matrix's")
    width, height, _ = png_check(open(png, "rb").read(), png)
    check(width > 500 and height > 500, f"{png} is {width} x {height}")

_, out, _, _ = run(["eval", ckpt, "--confusion"], np_=2)
for k, name in enumerate(names):
    m = re.search(re.escape(name) + r" ([0-9.]+)", out.split("per-class accuracy:")[1])
    check(m and abs(float(m.group(1)) - want[k, k] / want[k].sum()) < 1e-4, f"per-class accuracy of {name}: {out}")
    row = re.search(r"^\s*" + re.escape(name) + r"((?:\s+\d+){10})\s*$", out, re.M)
    check(row and [int(v) for v in row.group(1).split()] == list(want[k]), f"row {name}: {out}")

ae = os.path.join(d, "ae")
run(["train", write_ae_job(d), "--run-dir", ae, "--set", "train.max_steps=2"], np_=2)
rc, _, err, _ = run(["eval", ae, "--confusion"], np_=2, expect_ok=False)
check(rc != 0 and "no classes to confuse" in err, f"an autoencoder's --confusion: {err}")
cleanup(d)
print("PASS")
