"""The GAN family end to end on a slice of Fashion-MNIST:
- 1, 2 and 3 ranks agree to rounding (no batch norm); a run stopped
  mid-epoch and resumed ends bitwise equal to an uninterrupted one;
- d_steps: 2 updates the discriminator twice per generator update (the
  optimizers' step counts, and g_loss only on the generator's steps);
- every epoch writes samples/epoch-N.png (the same z: the first and last
  grids differ only because the generator learned);
- ctrain sample draws grids (--class, --interpolate) and --out-h5 writes a
  dataset a classifier trains on; ctrain fid scores a generator trained
  200 steps better than one trained 1 step with a small classifier's features;
- a conditional GAN with the class as constant channels of a conv
  discriminator trains and its losses stay finite."""
import os

import h5py
import numpy as np

from ctrain_test import (SMALL, check, cleanup, compare, data_slice, latest_checkpoint, metrics, png_check,
                         png_size, records, run, tempdir, tensors, write_gan_job, write_job)

d = tempdir()
data = data_slice(d, 1200, 300)

# 1. Ranks agree; resume is bitwise (20 steps an epoch, 2 epochs).
job = write_gan_job(d, data=data, epochs=2)
dirs = {}
for np_ in (1, 2, 3):
    dirs[np_] = os.path.join(d, f"np{np_}")
    run(["train", job, "--run-dir", dirs[np_]], np_=np_)
worst = max(compare(latest_checkpoint(dirs[n]), latest_checkpoint(dirs[1]), rtol=1e-3, atol=2e-4) for n in (2, 3))
m1, m3 = metrics(dirs[1]), metrics(dirs[3])
for key in ("d_loss", "g_loss", "d_real", "d_fake"):
    check(abs(m1[-1][key] - m3[-1][key]) < 1e-3, f"{key}: np=1 {m1[-1][key]}, np=3 {m3[-1][key]}")
check(m1[-1]["d_fake"] < m1[-1]["d_real"], f"the discriminator tells reals from fakes: {m1[-1]}")
cut = os.path.join(d, "cut")
run(["train", job, "--run-dir", cut, "--set", "train.max_steps=27"], np_=2)
run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
compare(latest_checkpoint(cut), latest_checkpoint(dirs[2]))
compare(latest_checkpoint(cut), latest_checkpoint(dirs[2]), group="optimizer")
print(f"np=2 and np=3 == np=1 to {worst:.2g}; resumed at step 27 of 40 == uninterrupted, bitwise")

# 2. The epoch grids: 20 samples, the same z each epoch.
grids = [os.path.join(dirs[2], "samples", f"epoch-{e}.png") for e in (1, 2)]
for g in grids:
    check(os.path.exists(g), f"no {g}")
    with open(g, "rb") as f:
        png_check(f.read(), g)
check(open(grids[0], "rb").read() != open(grids[1], "rb").read(), "the two epochs drew the same grid")

# 3. d_steps: 2 -> 20 discriminator and 10 generator updates in 20 steps.
two = os.path.join(d, "dsteps")
run(["train", write_gan_job(d, name="dsteps", data=data, d_steps=2), "--run-dir", two,
     "--set", "train.log_every_steps=1"], np_=2)
with h5py.File(latest_checkpoint(two), "r") as f:
    steps = {k: int(v) for k, v in f["optimizer"].attrs.items() if k.startswith("step_")}
check(steps == {"step_0": 10, "step_1": 20}, f"d_steps 2: optimizer steps {steps}, expected generator 10, "
      "discriminator 20")
step_recs = metrics(two, "step")
with_g = [r["step"] for r in step_recs if r.get("g_loss", 0) != 0]
check(len(step_recs) == 20 and len(with_g) == 10, f"g_loss on {len(with_g)} of {len(step_recs)} steps: {with_g}")
print(f"d_steps 2: discriminator stepped {steps['step_1']} times, generator {steps['step_0']}")

# 4. ctrain sample.
ckpt = latest_checkpoint(dirs[2])
grid = os.path.join(d, "grid.png")
out = run(["sample", ckpt, "--out", grid, "--n", "24", "--seed", "4"])[1]
check(png_size(grid)[0] > 0 and "24 samples" in out, f"sample: {out}")
again = os.path.join(d, "again.png")
run(["sample", ckpt, "--out", again, "--n", "24", "--seed", "4"])
check(open(grid, "rb").read() == open(again, "rb").read(), "the same seed drew another grid")
run(["sample", ckpt, "--out", again, "--n", "24", "--seed", "5"])
check(open(grid, "rb").read() != open(again, "rb").read(), "another seed drew the same grid")
lines = os.path.join(d, "lines.png")
out = run(["sample", ckpt, "--out", lines, "--interpolate"])[1]
check("between random z" in out and png_size(lines)[0] > 0, f"--interpolate: {out}")
gen_h5 = os.path.join(d, "generated.h5")
run(["sample", ckpt, "--out-h5", gen_h5, "--n", "500"])
with h5py.File(gen_h5, "r") as f:
    x = f["train/images"][()]
    check(x.shape == (500, 28, 28) and x.dtype == np.float32, f"/train/images {x.shape} {x.dtype}")
    check(x.min() >= 0 and x.max() <= 1 and x.std() > 0.05, f"generated pictures in [0, 1]: {x.min()} {x.max()}")
    check("labels" not in f["train"], "an unconditional GAN's samples have no labels")
    check(f["test/images"].shape == (300, 28, 28) and f["test/labels"].shape == (300,), "the test split copied")
    with h5py.File(data, "r") as src:
        real = src["test/images"][()].astype(np.float32) / 255
    check(np.abs(f["test/images"][()] - real).max() < 1e-6, "/test/images: the data's test pictures")

# 5. ctrain fid: a trained generator is closer to the data than an untrained one.
clf_dir = os.path.join(d, "clf")
run(["train", write_job(d, name="clf", data=data, optimizer="adam", lr=0.002, epochs=3, batch=60), "--run-dir",
     clf_dir], np_=2)
untrained, trained = os.path.join(d, "untrained"), os.path.join(d, "trained")
run(["train", job, "--run-dir", untrained, "--set", "train.max_steps=1"], np_=1)
run(["train", job, "--run-dir", trained, "--set", "train.epochs=10"], np_=2)


def fid(ckpt):
    out = run(["fid", ckpt, "--features", latest_checkpoint(clf_dir), "--n", "600"])[1]
    fields = dict(kv.split("=") for kv in out.split("(")[0].split())
    return float(fields["fid"]), fields["classes"], float(fields["confidence"]), out


trained_fid, classes, confidence, out = fid(latest_checkpoint(trained))
untrained_fid = fid(latest_checkpoint(untrained))[0]
check(0 < trained_fid < 0.8 * untrained_fid, f"fid trained {trained_fid}, untrained {untrained_fid}")
check(classes.endswith("/10") and 0.1 <= confidence <= 1, f"fid: {out}")
print(f"fid after 200 steps {trained_fid:.2f}, after 1 step {untrained_fid:.2f}; {out.strip()}")

# 6. A conditional DCGAN-style GAN: the class as 10 constant planes of a conv discriminator.
cond = write_gan_job(d, name="cond", data=data, conditional=True, epochs=1).replace(".yaml", "")
text = open(cond + ".yaml").read()
text = text.replace("conditional: true,", "conditional: true, condition: channels,")
text = text.replace("        - flatten\n        - linear: {out_features: 64}\n",
                    "        - conv2d: {out_channels: 8, kernel_size: 4, stride: 2, padding: 1}\n"
                    "        - leaky_relu: {negative_slope: 0.2}\n        - flatten\n"
                    "        - linear: {out_features: 64}\n")
open(cond + ".yaml", "w").write(text)
cond_dir = os.path.join(d, "cond")
run(["train", cond + ".yaml", "--run-dir", cond_dir], np_=2)
check(tensors(latest_checkpoint(cond_dir))["discriminator.0.weight"].shape == (8, 11, 4, 4),
      "the conv discriminator sees 1 + 10 channels")
rec = metrics(cond_dir)[-1]
check(all(np.isfinite(rec[k]) for k in ("d_loss", "g_loss")), f"conditional channels: {rec}")
sneakers = os.path.join(d, "sneakers.png")
out = run(["sample", latest_checkpoint(cond_dir), "--class", "7", "--out", sneakers, "--n", "8"])[1]
check("8 samples" in out, out)
cond_h5 = os.path.join(d, "cond.h5")
run(["sample", latest_checkpoint(cond_dir), "--out-h5", cond_h5, "--n", "100"])
with h5py.File(cond_h5, "r") as f:
    labels = f["train/labels"][()]
    check(np.array_equal(np.bincount(labels, minlength=10), np.full(10, 10)), f"labels {np.bincount(labels)}")
    check(int(f["train/labels"].attrs["num_classes"]) == 10, "num_classes on the generated labels")
print(f"conditional (channels): d_loss {rec['d_loss']:.3f} g_loss {rec['g_loss']:.3f}; --class and --out-h5 labels")
check(len(records(dirs[1])) > 0, "metrics.jsonl")
cleanup(d)
