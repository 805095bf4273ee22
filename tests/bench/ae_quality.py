"""Autoencoder quality, ctrain against PyTorch: the same architectures
trained for the same epochs on Fashion-MNIST from the same initial weights
(PyTorch's default initialisation, handed to ctrain with --init-from), batch
128, Adam lr 1e-3, binary cross-entropy on logits; prints both test
reconstruction losses and their ratio (target: ctrain <= 1.02 x PyTorch).

    dense  784-256-64 encoder, 64-256-784 decoder (jobs/fashion_ae.yaml)
    conv   Conv2d 1->16 3x3 s2 p1, ReLU, Conv2d 16->32 3x3 s2 p1, ReLU;
           ConvTranspose2d 32->16 3x3 s2 p1 op1, ReLU, ConvTranspose2d 16->1
           (jobs/fashion_conv_ae.yaml)

Usage, after building into BUILD (default build/), one thread each:

    /usr/bin/python3 tests/bench/ae_quality.py [BUILD] [--epochs 5] [--only dense|conv]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")
SEED = 1
LR = 1e-3
BATCH = 128


class Autoencoder(nn.Module):
    """Tensors encoder.<i>.<param>, decoder.<i>.<param>, as ctrain names them."""

    def __init__(self, encoder, decoder, flatten):
        super().__init__()
        self.encoder, self.decoder, self.flatten = encoder, decoder, flatten

    def forward(self, x):
        return self.decoder(self.encoder(x.flatten(1) if self.flatten else x)).flatten(1)


def dense():
    return Autoencoder(nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64)),
                       nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784)), flatten=True)


def conv():
    return Autoencoder(
        nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                      nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU()),
        nn.Sequential(nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                      nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1)), flatten=False)


ARCHS = {"dense": ("jobs/fashion_ae.yaml", dense), "conv": ("jobs/fashion_conv_ae.yaml", conv)}


def load(path):
    with h5py.File(path, "r") as f:
        return {s: torch.from_numpy(f[f"{s}/images"][()]).float().div(255).unsqueeze(1) for s in ("train", "test")}


def test_loss(model, x):
    model.eval()
    with torch.no_grad():
        total = sum(nn.functional.binary_cross_entropy_with_logits(model(b), b.flatten(1), reduction="sum")
                    for b in x.split(1000))
    model.train()
    return total.item() / x.numel()


def train_torch(model, data, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(SEED)
    x = data["train"]
    t0 = time.time()
    for _ in range(epochs):
        for idx in torch.randperm(x.shape[0], generator=g).split(BATCH):
            b = x[idx]
            opt.zero_grad()
            nn.functional.binary_cross_entropy_with_logits(model(b), b.flatten(1)).backward()
            opt.step()
    return test_loss(model, data["test"]), time.time() - t0


def train_ctrain(ctrain, job, init, data_path, epochs, tmp):
    run_dir = os.path.join(tmp, os.path.basename(job) + "-run")
    cmd = [ctrain, "train", os.path.join(ROOT, job), "--init-from", init, "--run-dir", run_dir,
           "--set", f"data.path={data_path}", "--set", f"train.epochs={epochs}", "--set", f"train.batch_size={BATCH}",
           "--set", "optimizer={type: adam, lr: 0.001}", "--set", "model.loss=bce_with_logits",
           "--set", "output.progress=none", "--set", "checkpoint.keep=1"]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return json.loads(f.read().splitlines()[-1])["test_loss"], time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--only", choices=sorted(ARCHS))
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "fashion-mnist.h5"))
    args = ap.parse_args()
    ctrain = os.path.join(os.path.abspath(args.build), "ctrain")
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        if not os.path.exists(args.data):
            args.data = os.path.join(tmp, "fashion.h5")
            subprocess.run([ctrain, "data", "import", "fashion-mnist", "--out", args.data], check=True, env=ENV)
        data = load(args.data)
        print(f"# autoencoder quality, {args.epochs} epochs, batch {BATCH}, Adam lr {LR}, bce_with_logits, "
              f"same initial weights, one thread each")
        for name in [args.only] if args.only else sorted(ARCHS):
            job, build = ARCHS[name]
            torch.manual_seed(SEED)
            model = build()
            init = os.path.join(tmp, f"{name}-init.h5")
            with h5py.File(init, "w") as f:
                for k, v in model.state_dict().items():
                    f[f"model/{k}"] = v.numpy()
            ours, our_s = train_ctrain(ctrain, job, init, args.data, args.epochs, tmp)
            theirs, their_s = train_torch(model, data, args.epochs)
            print(f"{name:5s} autoencoder: test loss ctrain {ours:.5f} ({our_s:.0f} s), PyTorch {theirs:.5f} "
                  f"({their_s:.0f} s): ratio {ours / theirs:.4f} (target <= 1.02)")


main()
