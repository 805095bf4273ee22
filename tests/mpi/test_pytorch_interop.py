"""Checkpoints move between ctrain and PyTorch: a ctrain checkpoint loads
into the equivalent nn.Sequential with load_state_dict(strict=True) (the
README's recipe) and gives the same test accuracy as `ctrain eval`; a
PyTorch state_dict exported to HDF5 (/model/<name>) loads with --init-from."""
import os

import h5py
import numpy as np
import torch
from torch import nn

from ctrain_test import SMALL, check, cleanup, latest_checkpoint, parse_eval, run, tempdir, tensors, write_job


def mlp():
    # The layers of ctrain_test.MLP_JOB, in the same order: tensor names match.
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))


def torch_accuracy(model):
    with h5py.File(SMALL, "r") as f:
        x = torch.from_numpy(f["test/images"][()]).float().div(255).view(-1, 784)
        y = torch.from_numpy(f["test/labels"][()]).long()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


d = tempdir()
job = write_job(d, epochs=2)
rd = os.path.join(d, "run")
run(["train", job, "--run-dir", rd], np_=2)
ckpt = latest_checkpoint(rd)

# ctrain -> PyTorch, as README.md shows it.
model = mlp()
with h5py.File(ckpt, "r") as f:
    model.load_state_dict({k: torch.from_numpy(v[()]) for k, v in f["model"].items()}, strict=True)
_, out, _, _ = run(["eval", ckpt], np_=2)
_, ours, _ = parse_eval(out)
theirs = torch_accuracy(model)
print(f"test accuracy: ctrain eval {ours:.4f}, PyTorch with the loaded state_dict {theirs:.4f}")
check(abs(ours - theirs) <= 0.001, "accuracies differ by more than one sample in 1000")

# PyTorch -> ctrain: a fresh PyTorch model's state_dict, exported to HDF5.
torch.manual_seed(3)
fresh = mlp()
export = os.path.join(d, "from_torch.h5")
with h5py.File(export, "w") as f:
    for name, t in fresh.state_dict().items():
        f.create_dataset(f"model/{name}", data=t.numpy())
init = os.path.join(d, "init")
# One step with a vanishing rate: the checkpoint then holds the imported weights.
run(["train", job, "--run-dir", init, "--init-from", export, "--set", "train.max_steps=1",
     "--set", "optimizer.lr=1e-30", "--set", "optimizer.momentum=0"], np_=2)
loaded = tensors(latest_checkpoint(init))
for name, t in fresh.state_dict().items():
    check(np.array_equal(loaded[name], t.numpy()), f"{name} was not imported exactly")
print("PyTorch state_dict -> --init-from: every tensor imported exactly")

# A state_dict of another architecture is refused, naming the tensor.
wrong = os.path.join(d, "wrong.h5")
with h5py.File(wrong, "w") as f:
    for name, t in nn.Sequential(nn.Linear(784, 32)).state_dict().items():
        f.create_dataset(f"model/{name}", data=t.numpy())
rc, _, err, _ = run(["train", job, "--run-dir", os.path.join(d, "bad"), "--init-from", wrong], np_=2,
                    expect_ok=False)
check(rc != 0 and "0.weight" in err and "[32, 784]" in err, f"expected a shape error naming 0.weight: {err}")
cleanup(d)
print("PASS")
