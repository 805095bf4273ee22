"""Checkpoints move between ctrain and PyTorch, for an MLP and for a CNN with
batch norm, pooling and dropout: a ctrain checkpoint loads into the
equivalent nn.Sequential with load_state_dict(strict=True) (the README's
recipe) and gives the same test accuracy as `ctrain eval`; a PyTorch
state_dict exported to HDF5 (/model/<name>) loads with --init-from; a
state_dict of another architecture is refused naming the tensor."""
import os

import h5py
import numpy as np
import torch
from torch import nn

from ctrain_test import MLP_JOB, SMALL, check, cleanup, latest_checkpoint, parse_eval, run, tempdir, tensors, write_job

CNN_LAYERS = """\
        - conv2d: {in_channels: 1, out_channels: 8, kernel_size: 3, padding: 1}
        - batch_norm2d: {num_features: 8}
        - relu
        - max_pool2d: {kernel_size: 2}
        - dropout: {p: 0.25}
        - flatten
        - linear: {in_features: 1568, out_features: 10}
"""


def mlp_job(d):
    return write_job(d, name="mlp", epochs=2)


def cnn_job(d):
    text = MLP_JOB.format(name="cnn", seed=7, data=SMALL, optimizer="adam", lr=0.002, epochs=1, batch=100)
    start = text.index("        - linear: {{in_features: 784".replace("{{", "{"))
    end = text.index("optimizer:")
    return write_job(d, name="cnn", text=text[:start] + CNN_LAYERS + text[end:])


# The same layers in PyTorch, in the same order: the state_dict names match.
MODELS = {
    "mlp": (mlp_job, lambda: nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(),
                                           nn.Linear(32, 10)), (-1, 784)),
    "cnn": (cnn_job, lambda: nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                           nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(1568, 10)),
            (-1, 1, 28, 28)),
}


def torch_accuracy(model, shape):
    with h5py.File(SMALL, "r") as f:
        x = torch.from_numpy(f["test/images"][()]).float().div(255).view(*shape)
        y = torch.from_numpy(f["test/labels"][()]).long()
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def export(model, path):
    with h5py.File(path, "w") as f:
        for name, t in model.state_dict().items():
            f.create_dataset(f"model/{name}", data=t.numpy())


d = tempdir()
for name, (make_job, make_model, shape) in MODELS.items():
    job = make_job(d)
    rd = os.path.join(d, name)
    run(["train", job, "--run-dir", rd], np_=2)
    ckpt = latest_checkpoint(rd)

    # ctrain -> PyTorch, as README.md shows it.
    model = make_model()
    with h5py.File(ckpt, "r") as f:
        model.load_state_dict({k: torch.as_tensor(v[()]) for k, v in f["model"].items()}, strict=True)
    _, out, _, _ = run(["eval", ckpt], np_=2)
    _, ours, _ = parse_eval(out)
    theirs = torch_accuracy(model, shape)
    print(f"{name}: test accuracy: ctrain eval {ours:.4f}, PyTorch with the loaded state_dict {theirs:.4f}")
    check(abs(ours - theirs) <= 0.001, "accuracies differ by more than one sample in 1000")

    # PyTorch -> ctrain: a fresh PyTorch model's state_dict, exported to HDF5. One step with a
    # vanishing rate: the checkpoint then holds the imported weights (batch norm's running
    # statistics take that step's batch into account, as they would in PyTorch).
    torch.manual_seed(3)
    fresh = make_model()
    exported = os.path.join(d, f"{name}-from-torch.h5")
    export(fresh, exported)
    init = os.path.join(d, f"{name}-init")
    run(["train", job, "--run-dir", init, "--init-from", exported, "--set", "train.max_steps=1",
         "--set", "optimizer.lr=1e-30", "--set", "optimizer.momentum=0"], np_=2)
    loaded = tensors(latest_checkpoint(init))
    for tensor, t in fresh.state_dict().items():
        if "running_" in tensor:
            continue
        expected = t.numpy() + (1 if tensor.endswith("num_batches_tracked") else 0)
        # atol: a zero (batch norm's bias) moves by lr * gradient, some 1e-30
        check(np.allclose(loaded[tensor], expected, rtol=0, atol=1e-20), f"{name}: {tensor} was not imported")
    print(f"{name}: PyTorch state_dict -> --init-from: every tensor imported")

# A state_dict of another architecture is refused, naming the tensor.
wrong = os.path.join(d, "wrong.h5")
export(nn.Sequential(nn.Linear(784, 32)), wrong)
rc, _, err, _ = run(["train", mlp_job(d), "--run-dir", os.path.join(d, "bad"), "--init-from", wrong], np_=2,
                    expect_ok=False)
check(rc != 0 and "0.weight" in err and "[32, 784]" in err, f"expected a shape error naming 0.weight: {err}")
cleanup(d)
print("PASS")
