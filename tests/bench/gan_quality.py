"""GAN quality side by side: jobs/fashion_dcgan.yaml's architecture trained
by ctrain (mpirun -np 2) and by PyTorch (torch.optim.Adam, the same losses,
batch, epochs and data scaling) from the same initial weights (PyTorch's,
exported as a state_dict and given to ctrain with --init-from), both scored
by `ctrain fid` with the same classifier's features (a jobs/fashion_cnn.yaml
checkpoint). Target: ctrain's FID <= 1.10x PyTorch's, classes=10/10 for both.
Writes both sample grids next to the report.

    /usr/bin/python3 tests/bench/gan_quality.py BUILD CNN_CKPT [--epochs 5] [--out DIR]
"""
import argparse
import os
import re
import subprocess
import time

import h5py
import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JOB = os.path.join(ROOT, "jobs", "fashion_dcgan.yaml")
DATA = os.path.join(ROOT, "data", "fashion-mnist.h5")
MPI = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none"] + (
    ["--allow-run-as-root"] if os.geteuid() == 0 else [])
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_MCA_btl="self,vader")


def sh(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=ENV, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def networks():
    """fashion_dcgan.yaml's generator and discriminator, indices as ctrain's."""
    gen = nn.Sequential(nn.Linear(100, 3136, bias=False), nn.BatchNorm1d(3136), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                        nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Tanh())
    dis = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                        nn.Flatten(), nn.Linear(3136, 1))
    return gen, dis


def export(path, gen, dis):
    with h5py.File(path, "w") as f:
        for prefix, net in (("generator", gen), ("discriminator", dis)):
            for k, v in net.state_dict().items():
                f.create_dataset(f"model/{prefix}.{k}", data=v.numpy())


def train_torch(gen, dis, epochs, batch):
    with h5py.File(DATA, "r") as f:
        reals = torch.from_numpy(f["train/images"][()]).float().div(255).mul(2).sub(1).unsqueeze(1)
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(dis.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    for epoch in range(epochs):
        t0 = time.time()
        for idx in torch.randperm(len(reals)).split(batch):
            x = reals[idx]
            ones, zeros = torch.ones(len(x), 1), torch.zeros(len(x), 1)
            fake = gen(torch.randn(len(x), 100)).detach()
            opt_d.zero_grad()
            d_loss = bce(dis(x), ones) + bce(dis(fake), zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = bce(dis(gen(torch.randn(len(x), 100))), ones)
            g_loss.backward()
            opt_g.step()
        print(f"  PyTorch epoch {epoch + 1}/{epochs}: d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f}, "
              f"{time.time() - t0:.0f} s", flush=True)


def fid(build, ckpt, cnn, extra=()):
    out = sh([os.path.join(build, "ctrain"), "fid", ckpt, "--features", cnn] + list(extra))
    m = re.search(r"fid=([0-9.]+) classes=(\d+)/(\d+) confidence=([0-9.]+)", out)
    return float(m.group(1)), f"{m.group(2)}/{m.group(3)}", float(m.group(4))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("cnn", help="a checkpoint of jobs/fashion_cnn.yaml")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(ROOT, "runs", "gan_quality"))
    a = ap.parse_args()
    build, out = os.path.abspath(a.build), os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    gen, dis = networks()
    init = os.path.join(out, "init.h5")
    export(init, gen, dis)

    t0 = time.time()
    run_dir = os.path.join(out, "ctrain")
    sh(MPI + [os.path.join(build, "ctrain"), "train", JOB, "--run-dir", run_dir, "--init-from", init,
              "--set", f"train.epochs={a.epochs}", "--set", "output.progress=none"])
    ours_s = time.time() - t0
    t0 = time.time()
    train_torch(gen, dis, a.epochs, 128)
    theirs_s = time.time() - t0
    gen.eval()
    torch_ckpt = os.path.join(out, "pytorch.h5")
    export(torch_ckpt, gen, dis)

    ours = fid(build, run_dir, a.cnn)
    theirs = fid(build, torch_ckpt, a.cnn, ["--job", JOB])
    for name, ckpt, extra in (("ctrain", run_dir, []), ("pytorch", torch_ckpt, ["--job", JOB])):
        sh([os.path.join(build, "ctrain"), "sample", ckpt, "--out", os.path.join(out, f"{name}.png")] + extra)
    print(f"fashion_dcgan, {a.epochs} epochs, batch 128, Adam(2e-4, beta1 0.5), same initial weights:")
    print(f"  ctrain  (2 ranks, {ours_s:.0f} s): fid={ours[0]:.2f} classes={ours[1]} confidence={ours[2]:.3f}")
    print(f"  PyTorch (2 threads, {theirs_s:.0f} s): fid={theirs[0]:.2f} classes={theirs[1]} "
          f"confidence={theirs[2]:.3f}")
    print(f"  ratio ctrain/PyTorch FID {ours[0] / theirs[0]:.2f} (target <= 1.10); grids: {out}/ctrain.png, "
          f"{out}/pytorch.png")


if __name__ == "__main__":
    main()
