"""A classifier job's recipe trained by ctrain and by PyTorch side by side,
from the same initial weights, with the same architecture, optimizer,
learning-rate schedule, epochs, batch and augmentation; prints both test
accuracies and their difference in percentage points. Usage:

    /usr/bin/python3 tests/bench/classifier_quality.py BUILD JOB.yaml [--ranks 2] [--threads 2] [--run-dir DIR]

The job's layers become the equivalent nn.Sequential (the tensor names
match, so PyTorch's initial state_dict, exported to HDF5, starts ctrain
through --init-from). ctrain runs under mpirun with --ranks ranks (batch
norm statistics per rank, as DDP); PyTorch in one process with --threads
threads, its augmentation by torchvision (RandomCrop with padding,
RandomHorizontalFlip) on every training sample of every epoch. Data:
the job's data file (data/fashion-mnist.h5 for the example jobs).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch
import yaml
from torch import nn
from torchvision import transforms

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where 1e-05 (no dot) is a string; ctrain's YAML 1.2 reads a number."""


Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+$"),
                                   list("-+0123456789"))


def resolved_job(ctrain, job):
    """The job with every default, as `ctrain job check` prints it."""
    out = subprocess.run([ctrain, "job", "check", job], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return yaml.load("\n".join(line for line in out.splitlines() if not line.startswith("#")), Loader=Yaml12Loader)


def layer(spec, x):
    """One job layer as the PyTorch module of the same parameters; x, a
    sample batch of the input it gets, fills in the sizes the job infers."""
    if isinstance(spec, str):  # a field-less layer prints as its bare name: `- relu`
        spec = {spec: {}}
    (kind, args), = [(k, v) for k, v in spec.items() if k != "name"]
    args = args or {}
    if kind == "linear":
        return nn.Linear(args["in_features"] or x[0].numel(), args["out_features"], bias=args["bias"])
    if kind == "conv2d":
        return nn.Conv2d(args["in_channels"] or x.shape[1], args["out_channels"], args["kernel_size"],
                         stride=args["stride"], padding=args["padding"], bias=args["bias"])
    if kind in ("batch_norm1d", "batch_norm2d"):
        cls = nn.BatchNorm1d if kind == "batch_norm1d" else nn.BatchNorm2d
        return cls(args["num_features"] or x.shape[1], eps=args["eps"], momentum=args["momentum"])
    if kind == "max_pool2d":
        return nn.MaxPool2d(args["kernel_size"], stride=args["stride"] or None, padding=args["padding"])
    if kind == "dropout":
        return nn.Dropout(args["p"])
    simple = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "flatten": nn.Flatten}
    if kind in simple:
        return simple[kind]()
    sys.exit(f"classifier_quality.py: no PyTorch twin for layer type {kind}")


def model_of(job):
    """The job's network as nn.Sequential, its layers made in order on a
    dummy batch so that inferred sizes are known."""
    specs = job["model"]["networks"][0]["layers"]
    x = torch.zeros(2, 1, 28, 28) if "conv2d" in specs[0] else torch.zeros(2, 784)
    modules = []
    for spec in specs:
        module = layer(spec, x)
        module.eval()
        with torch.no_grad():
            x = module(x.view(2, -1) if isinstance(module, nn.Linear) else x)
        modules.append(module)
    return nn.Sequential(*modules)


def split(path, name):
    with h5py.File(path, "r") as f:
        images = torch.from_numpy(f[f"{name}/images"][()]).float().div(255)
        labels = torch.from_numpy(f[f"{name}/labels"][()].astype(np.int64))
    return images, labels


def input_shape(model):
    return (-1, 1, 28, 28) if isinstance(model[0], nn.Conv2d) else (-1, 784)


def augmenter(job):
    spec = job["data"].get("augment") or {}
    steps = []
    if spec.get("random_crop"):
        steps.append(transforms.RandomCrop(28, padding=spec["random_crop"]["padding"]))
    if spec.get("horizontal_flip"):
        steps.append(transforms.RandomHorizontalFlip(spec["horizontal_flip"]["p"]))
    return transforms.Compose(steps) if steps else None


def optimizer_of(job, model, steps_per_epoch):
    o = job["optimizer"]
    if o["type"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                               weight_decay=o["weight_decay"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o["momentum"], dampening=o["dampening"],
                              nesterov=o["nesterov"], weight_decay=o["weight_decay"])
    total = job["train"]["epochs"] * steps_per_epoch
    if o["lr_schedule"] == "cosine":  # per step, as ctrain
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=o["lr_min"])
    elif o["lr_schedule"] == "step":
        schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=o["lr_step_epochs"] * steps_per_epoch,
                                                   gamma=o["lr_gamma"])
    else:
        schedule = None
    return opt, schedule


def accuracy(model, images, labels, shape):
    model.eval()
    with torch.no_grad():
        return sum((model(images[i:i + 1000].view(*shape)).argmax(1) == labels[i:i + 1000]).sum().item()
                   for i in range(0, len(labels), 1000)) / len(labels)


def train_torch(job, model, data_path):
    images, labels = split(data_path, "train")
    test_images, test_labels = split(data_path, "test")
    shape = input_shape(model)
    batch, epochs = job["train"]["batch_size"], job["train"]["epochs"]
    steps = math.ceil(len(labels) / batch)
    opt, schedule = optimizer_of(job, model, steps)
    augment = augmenter(job)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(job["seed"])
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(labels), generator=generator)
        for k in range(steps):
            rows = order[k * batch:(k + 1) * batch]
            x = images[rows].unsqueeze(1)  # [n, 1, 28, 28] for the transforms
            if augment:
                x = torch.stack([augment(sample) for sample in x])
            opt.zero_grad()
            loss = loss_fn(model(x.view(*shape)), labels[rows])
            loss.backward()
            opt.step()
            if schedule:
                schedule.step()
        print(f"  pytorch epoch {epoch + 1}/{epochs}: test accuracy "
              f"{accuracy(model, test_images, test_labels, shape):.4f}", flush=True)
    return accuracy(model, test_images, test_labels, shape), time.time() - t0


def train_ctrain(build, job_path, init, ranks, run_dir):
    ctrain = os.path.join(build, "ctrain")
    cmd = ["mpirun", "-np", str(ranks)] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    cmd += [ctrain, "train", job_path, "--init-from", init, "--run-dir", run_dir, "--set", "output.progress=lines",
            "--set", "output.tensorboard=false"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        epochs = [json.loads(line) for line in f if '"type": "epoch"' in line]
    return epochs[-1]["test_accuracy"], sum(e["seconds"] for e in epochs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("job")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--run-dir", help="keep ctrain's run here (e.g. as `ctrain fid --features` for a CNN)")
    a = p.parse_args()
    build = os.path.abspath(a.build)
    job = resolved_job(os.path.join(build, "ctrain"), a.job)
    torch.manual_seed(job["seed"])
    torch.set_num_threads(a.threads)
    model = model_of(job)
    with tempfile.TemporaryDirectory(prefix="ctrain-quality-") as tmp:
        init = os.path.join(tmp, "init.h5")
        with h5py.File(init, "w") as f:
            for name, t in model.state_dict().items():
                f.create_dataset(f"model/{name}", data=t.numpy())
        run_dir = os.path.abspath(a.run_dir) if a.run_dir else os.path.join(tmp, "run")
        c_acc, c_seconds = train_ctrain(build, a.job, init, a.ranks, run_dir)
    data_path = os.path.join(ROOT, job["data"]["path"])
    t_acc, t_seconds = train_torch(job, model, data_path)
    print(f"{job['name']}: ctrain {c_acc:.4f} ({a.ranks} ranks, {c_seconds:.0f} s of training), PyTorch {t_acc:.4f} "
          f"(1 process, {a.threads} threads, {t_seconds:.0f} s): difference {100 * (c_acc - t_acc):+.2f} "
          f"percentage points")


main()
