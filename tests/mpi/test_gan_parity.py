"""One GAN round against PyTorch, for each loss: from weights PyTorch made
(exported as a state_dict, --init-from), the discriminator steps once on a
fixed batch of 32 real images and 32 fakes, then the generator steps once
through it; both networks' weights (and the generator's batch norm
statistics) must match torch.optim.Adam on the same round within 1e-4.
The latent vectors are ctrain's own draws (gan_round_dump prints them),
given to PyTorch; the batch is the whole training split, so its order does
not matter. Cases: minimax, non_saturating with real_label 0.9,
least_squares, hinge, and a conditional GAN (the class as features)."""
import os
import subprocess
import sys

import h5py
import numpy as np
import torch
from torch import nn

from ctrain_test import check, cleanup, data_slice, latest_checkpoint, run, tempdir, tensors

DUMP = sys.argv[1]
ROWS, LATENT, CLASSES = 32, 8, 10
d = tempdir()

data = data_slice(d, ROWS, ROWS)
with h5py.File(data, "r") as f:
    reals = torch.from_numpy(f["train/images"][()].astype(np.float64) / 255.0 * 2 - 1)
    real_labels = torch.from_numpy(f["train/labels"][()].astype(np.int64))

JOB = """\
name: gan_parity
seed: 5
data: {{path: {data}, normalize: {{mean: 0.5, std: 0.5}}}}
model:
  family: gan
  gan: {{latent_size: {latent}, loss: {loss}, real_label: {real_label}, conditional: {conditional}}}
  networks:
    - name: generator
      layers:
        - linear: {{out_features: 32, bias: false}}   # a bias before batch norm gets only rounding noise
        - batch_norm1d: {{}}
        - relu
        - linear: {{out_features: 784}}
        - tanh
        - unflatten: {{unflattened_size: [28, 28]}}
    - name: discriminator
      layers:
        - flatten
        - linear: {{out_features: 64}}
        - leaky_relu: {{negative_slope: 0.2}}
        - linear: {{out_features: 1}}
optimizer: {{type: adam, lr: 0.01, beta1: 0.5, eps: {eps}}}
train: {{epochs: 1, batch_size: {rows}}}
"""


def torch_loss(loss, term, out, real_label):
    """The loss terms engine/gan_loss.h writes, as PyTorch code usually does."""
    bce = nn.functional.binary_cross_entropy_with_logits
    if loss in ("minimax", "non_saturating"):
        if term == "real":
            return bce(out, torch.full_like(out, real_label))
        if term == "fake":
            return bce(out, torch.zeros_like(out))
        if loss == "minimax":
            return torch.log(1 - torch.sigmoid(out)).mean()
        return bce(out, torch.ones_like(out))
    if loss == "least_squares":
        target = {"real": real_label, "fake": 0.0, "g": 1.0}[term]
        return ((out - target) ** 2).mean()
    if term == "real":
        return torch.relu(1 - out).mean()
    if term == "fake":
        return torch.relu(1 + out).mean()
    return -out.mean()


def draws(job):
    """ctrain's z and classes of round 0: {'d': (z, labels), 'g': (z, labels)}."""
    out = subprocess.run([DUMP, job, "0", str(ROWS), str(CLASSES), "28", "28"], capture_output=True, text=True,
                         check=True).stdout
    rows = {"d": [], "g": []}
    for line in out.splitlines():
        which, _, label, *z = line.split()
        rows[which].append((int(label), [float(v) for v in z]))
    result = {}
    for which, r in rows.items():
        check(len(r) == ROWS, f"gan_round_dump printed {len(r)} {which} rows, expected {ROWS}")
        result[which] = (torch.tensor([z for _, z in r], dtype=torch.float64),
                         torch.tensor([label for label, _ in r], dtype=torch.int64))
    return result


def one_round(loss, real_label, conditional):
    name = f"{loss}{'_cond' if conditional else ''}"
    # Adam's first step moves a weight by lr * g / (|g| + eps): for gradients
    # that cancel to ~1e-9 (hinge's hidden biases get exactly 0 in real
    # arithmetic: each real gives -1/N, each fake +1/N; a conditional
    # discriminator had one of 1.2e-9), float32 rounding picks the size of
    # that step. eps 1e-6 keeps it under 1e-4; the other weights move ~lr.
    eps = 1e-6
    torch.manual_seed(len(name))
    g_in = LATENT + (CLASSES if conditional else 0)
    d_in = 784 + (CLASSES if conditional else 0)
    gen = nn.Sequential(nn.Linear(g_in, 32, bias=False), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 784), nn.Tanh())
    dis = nn.Sequential(nn.Linear(d_in, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
    init = os.path.join(d, f"{name}.init.h5")
    with h5py.File(init, "w") as f:
        for prefix, net in (("generator", gen), ("discriminator", dis)):
            for k, v in net.state_dict().items():
                # The discriminator's first layer is layer 1 in ctrain (after flatten).
                index, rest = k.split(".", 1)
                index = int(index) + (1 if prefix == "discriminator" else 0)
                f.create_dataset(f"model/{prefix}.{index}.{rest}", data=v.numpy())
    job = os.path.join(d, f"{name}.yaml")
    with open(job, "w") as f:
        f.write(JOB.format(data=data, latent=LATENT, loss=loss, real_label=real_label,
                           conditional=str(conditional).lower(), rows=ROWS, eps=eps))
    run_dir = os.path.join(d, name)
    run(["train", job, "--run-dir", run_dir, "--init-from", init, "--set", "train.max_steps=1"], np_=1)
    ours = tensors(latest_checkpoint(run_dir))

    z = draws(job)
    gen, dis = gen.double(), dis.double()
    opt_g = torch.optim.Adam(gen.parameters(), lr=0.01, betas=(0.5, 0.999), eps=eps)
    opt_d = torch.optim.Adam(dis.parameters(), lr=0.01, betas=(0.5, 0.999), eps=eps)
    one_hot = lambda labels: nn.functional.one_hot(labels, CLASSES).double()
    g_input = lambda zl: torch.cat([zl[0], one_hot(zl[1])], 1) if conditional else zl[0]
    d_input = lambda x, labels: torch.cat([x, one_hot(labels)], 1) if conditional else x
    x = reals.reshape(ROWS, 784)
    # The discriminator's update: reals and detached fakes.
    fake = gen(g_input(z["d"])).detach()
    opt_d.zero_grad()
    d_loss = (torch_loss(loss, "real", dis(d_input(x, real_labels)).squeeze(1), real_label) +
              torch_loss(loss, "fake", dis(d_input(fake, z["d"][1])).squeeze(1), real_label))
    d_loss.backward()
    opt_d.step()
    # The generator's update through the updated discriminator, fresh z.
    opt_g.zero_grad()
    torch_loss(loss, "g", dis(d_input(gen(g_input(z["g"])), z["g"][1])).squeeze(1), real_label).backward()
    opt_g.step()

    theirs = {}
    for prefix, net, shift in (("generator", gen, 0), ("discriminator", dis, 1)):
        for k, v in net.state_dict().items():
            index, rest = k.split(".", 1)
            theirs[f"{prefix}.{int(index) + shift}.{rest}"] = v.numpy()
    check(sorted(theirs) == sorted(ours), f"{name}: tensors {sorted(ours)}, PyTorch has {sorted(theirs)}")
    with h5py.File(init, "r") as f:
        start = {k: f["model"][k][()] for k in f["model"]}
    worst, moved = 0.0, 0.0
    for k, ref in theirs.items():
        diff = float(np.abs(ours[k] - ref).max())
        worst = max(worst, diff)
        if ref.dtype.kind == "f":
            moved = max(moved, float(np.abs(ref - start[k]).max()))
        check(diff < 1e-4, f"{name}: {k} differs from PyTorch by {diff:.3g}: ours {ours[k].ravel()[:4]}, PyTorch "
              f"{ref.ravel()[:4]}, initial {start[k].ravel()[:4]}")
    check(moved > 1e-3, f"{name}: test bug: the round moved no weight by more than {moved:.3g}")
    print(f"{name}: one round == PyTorch, worst abs diff {worst:.2g} (largest change {moved:.3g}), "
          f"PyTorch d_loss {float(d_loss):.4f}")


for case in (("minimax", 1.0, False), ("non_saturating", 0.9, False), ("least_squares", 1.0, False),
             ("hinge", 1.0, False), ("non_saturating", 1.0, True)):
    one_round(*case)
cleanup(d)
