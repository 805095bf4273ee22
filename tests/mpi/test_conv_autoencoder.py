"""A convolutional autoencoder (transposed convolutions in its decoder) on
a slice of real Fashion-MNIST: 2 and 3 ranks match 1 rank, the test loss
decreases, and reconstruct, embed (principal components of its [8, 7, 7]
codes) and search work on it."""
import os
import re

import h5py

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, png_size, run, tempdir, write_conv_ae_job

d = tempdir()
recon, lat, scatter, found = (os.path.join(d, n) for n in ("recon.png", "latents.h5", "scatter.png", "found.png"))


def train(job, name, np_, extra=()):
    rd = os.path.join(d, name)
    run(["train", job, "--run-dir", rd] + list(extra), np_=np_)
    return rd


job = write_conv_ae_job(d, epochs=2)
runs = {np_: train(job, f"conv{np_}", np_, ["--set", "train.max_steps=15"]) for np_ in (1, 2, 3)}
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), latest_checkpoint(runs[1]), rtol=1e-4, atol=1e-5)
    print(f"conv autoencoder, np={np_} vs np=1 after 15 steps: max abs diff {worst:.3g}")
rd = train(job, "conv", 2)
losses = [e["test_loss"] for e in metrics(rd)]
check(losses[-1] < losses[0], f"conv autoencoder: test loss did not decrease: {losses}")
ckpt = latest_checkpoint(rd)
run(["reconstruct", ckpt, "--out", recon])
check(png_size(recon) == (72 + 16 * 60, 2 * 60 + 8), f"recon.png is {png_size(recon)}")
run(["embed", ckpt, "--out", lat, "--png", scatter])
with h5py.File(lat, "r") as f:
    check(f["latents"].shape == (1000, 392), f"conv latents {f['latents'].shape}")
check(png_size(scatter) == (930, 780), f"scatter.png is {png_size(scatter)}")
_, out, _, _ = run(["search", ckpt, "--query", "0", "--all", "--out", found])
mean = float(re.search(r"mean hit rate among 8 neighbours over all 1000 rows of /test: ([0-9.]+)", out).group(1))
check(mean > 0.5, f"conv autoencoder: mean hit rate {mean}")
print(f"conv autoencoder: test loss by epoch {', '.join(f'{v:.4f}' for v in losses)}, mean hit rate among 8 "
      f"{mean:.4f}")
cleanup(d)
print("PASS")
