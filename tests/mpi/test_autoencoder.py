"""The autoencoder family end to end on a slice of real Fashion-MNIST: a
denoising dense autoencoder trained on 2 and 3 ranks matches 1 rank (the
corruption is drawn per global sample); training lowers the test
reconstruction loss; `eval` agrees with the run's metrics at any rank count;
reconstruct, embed and search write valid PNG and HDF5 files whose numbers
match a NumPy forward pass of the checkpoint. (test_conv_autoencoder.py:
the same for a convolutional one.)"""
import os
import re

import h5py
import numpy as np

from ctrain_test import (SMALL, check, cleanup, compare, latest_checkpoint, metrics, png_size, run, tempdir,
                         tensors, write_ae_job)

d = tempdir()


def train(job, name, np_, extra=()):
    rd = os.path.join(d, name)
    _, out, _, _ = run(["train", job, "--run-dir", rd] + list(extra), np_=np_)
    return rd, out


# 1. Rank parity of a denoising autoencoder: two networks, two optimizers.
noisy = write_ae_job(d, name="noisy", noise_std=0.3, mask_prob=0.2, epochs=3)
steps = ["--set", "train.max_steps=30"]
runs = {np_: train(noisy, f"parity{np_}", np_, steps)[0] for np_ in (1, 2, 3)}
ref = latest_checkpoint(runs[1])
check(ref.endswith("step-30.h5"), f"expected a checkpoint at step 30, found {ref}")
check(sorted(tensors(ref)) == ["decoder.0.bias", "decoder.0.weight", "decoder.2.bias", "decoder.2.weight",
                               "encoder.0.bias", "encoder.0.weight", "encoder.2.bias", "encoder.2.weight"],
      f"unexpected tensor names: {sorted(tensors(ref))}")
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), ref, rtol=1e-4, atol=1e-5)
    print(f"denoising autoencoder, np={np_} vs np=1 after 30 steps: max abs diff {worst:.3g}")

# 2. Training lowers the test reconstruction loss; no accuracy is reported.
plain = write_ae_job(d, name="plain", epochs=3)
plain_run, out = train(plain, "plain", 2)
noisy_run, _ = train(noisy, "noisy", 2)
check("done:" in out and "accuracy" not in out, f"the summary line should report losses only: {out}")
for rd in (plain_run, noisy_run):
    m = metrics(rd)
    check(len(m) == 3 and all("test_accuracy" not in e for e in m), f"{rd}: metrics {m}")
    losses = [e["test_loss"] for e in m]
    print(f"{os.path.basename(rd)}: test loss by epoch {', '.join(f'{v:.4f}' for v in losses)}")
    check(losses[-1] < losses[0] and m[-1]["train_loss"] < m[0]["train_loss"], f"{rd}: losses did not decrease")
# Resumed mid-epoch, a run equals the uninterrupted one bitwise: both networks and optimizers are
# in the checkpoint, and the corruption is a function of the step.
cut, _ = train(noisy, "cut", 2, ["--set", "train.max_steps=55"])
run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
compare(latest_checkpoint(cut), latest_checkpoint(noisy_run))
compare(latest_checkpoint(cut), latest_checkpoint(noisy_run), group="optimizer")
print("denoising autoencoder resumed at step 55 == uninterrupted run, bitwise")
for np_ in (1, 3):
    _, out, _, _ = run(["eval", latest_checkpoint(plain_run)], np_=np_)
    found = re.search(r"loss=([0-9.]+) samples=(\d+)", out)
    check(found and "accuracy" not in out, f"eval output: {out!r}")
    check(int(found.group(2)) == 1000, f"np={np_}: eval counted {found.group(2)} samples, expected 1000")
    check(abs(float(found.group(1)) - metrics(plain_run)[-1]["test_loss"]) < 1e-5, f"np={np_}: eval {out!r} "
          f"differs from the run's test loss {metrics(plain_run)[-1]['test_loss']}")

# 3. The commands, checked against NumPy on the checkpoint's tensors.
ckpt = latest_checkpoint(plain_run)
w = tensors(ckpt)
with h5py.File(SMALL, "r") as f:
    x = f["test/images"][()].reshape(1000, 784).astype(np.float32) / 255
    labels = f["test/labels"][()]


def dense(v, net):
    h = np.maximum(v @ w[f"{net}.0.weight"].T + w[f"{net}.0.bias"], 0)
    return h @ w[f"{net}.2.weight"].T + w[f"{net}.2.bias"]


codes = dense(x, "encoder")
logits = dense(codes, "decoder")

lat, scatter = os.path.join(d, "latents.h5"), os.path.join(d, "scatter.png")
run(["embed", ckpt, "--out", lat, "--png", scatter])
with h5py.File(lat, "r") as f:
    check(f["latents"].shape == (1000, 16) and f["latents"].dtype == np.float32, f"latents {f['latents']}")
    check(np.array_equal(f["labels"][()], labels), "/labels differ from the data file's")
    diff = np.abs(f["latents"][()] - codes).max()
    check(diff < 1e-3, f"latents differ from NumPy's encoder by {diff}")
check(png_size(scatter) == (930, 780), f"scatter.png is {png_size(scatter)}")
print(f"embed: /latents [1000, 16] matches NumPy (max abs diff {diff:.2g})")

recon = os.path.join(d, "recon.png")
_, out, _, _ = run(["reconstruct", ckpt, "--out", recon])
check(png_size(recon) == (72 + 16 * 60, 2 * 60 + 8), f"recon.png is {png_size(recon)}")
y = logits[:16]
bce = np.mean(np.maximum(y, 0) - y * x[:16] + np.log1p(np.exp(-np.abs(y))))
printed = float(re.search(r"reconstruction loss \(bce_with_logits\) ([0-9.]+)", out).group(1))
check(abs(printed - bce) < 1e-4, f"reconstruct printed loss {printed}, NumPy {bce}")
print(f"reconstruct: loss of the 16 samples {printed:.5f} (NumPy {bce:.5f})")
rc, _, err, _ = run(["reconstruct", ckpt, "--out", recon, "--noise"], expect_ok=False)
check(rc != 0 and "corrupts no input" in err, f"--noise on a plain autoencoder: {err}")
noisy_png = os.path.join(d, "noisy.png")
run(["reconstruct", latest_checkpoint(noisy_run), "--out", noisy_png, "--noise", "--n", "20"])
check(png_size(noisy_png) == (72 + 16 * 60, 2 * (3 * 60 + 8)), f"noisy.png is {png_size(noisy_png)}")
rc, _, err, _ = run(["reconstruct", ckpt, "--out", recon], np_=2, expect_ok=False)
check(rc != 0 and "one process" in err, f"reconstruct under mpirun -np 2: {err}")

found = os.path.join(d, "neighbours.png")
_, out, _, _ = run(["search", ckpt, "--query", "5", "--k", "8", "--all", "--out", found])
check(png_size(found) == (8 + 9 * 92 + 8, 8 + 14 + 62 + 42), f"neighbours.png is {png_size(found)}")
d2 = ((codes[:, None, :] - codes[None, :, :]) ** 2).sum(-1)
np.fill_diagonal(d2, np.inf)
nearest = np.argsort(d2, axis=1, kind="stable")[:, :8]
rows = [int(r) for r in re.findall(r"^\s+\d+\. row (\d+)", out, re.M)]
check(rows == list(nearest[5]), f"search found rows {rows}, NumPy {list(nearest[5])}")
mean = float(re.search(r"mean hit rate among 8 neighbours over all 1000 rows of /test: ([0-9.]+)", out).group(1))
expected = (labels[nearest] == labels[:, None]).mean()
check(abs(mean - expected) < 2e-3, f"mean hit rate {mean}, NumPy {expected}")
check(mean > 0.5, f"mean hit rate {mean} is too low for a trained autoencoder")
print(f"search: neighbours of row 5 match NumPy; mean hit rate among 8: {mean:.4f}")
cleanup(d)
print("PASS")
