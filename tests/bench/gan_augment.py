"""Does a conditional GAN's output help a classifier that has little real
data? jobs/fashion_cnn.yaml trained (mpirun -np 2) on the first 1,000 real
training images, and on the same 1,000 plus N images a conditional GAN drew
(`ctrain sample --out-h5`, every class in turn), for about the same number
of optimizer steps; both evaluated on the whole real test split.

    /usr/bin/python3 tests/bench/gan_augment.py BUILD CGAN_CKPT [--n 10000] [--steps 1300] [--out DIR]

Say which data the GAN saw: jobs/fashion_cgan.yaml trains on all 60,000
training images, so its samples carry knowledge of more than the 1,000.
"""
import argparse
import json
import os
import subprocess

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "data", "fashion-mnist.h5")
MPI = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none"] + (
    ["--allow-run-as-root"] if os.geteuid() == 0 else [])
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_MCA_btl="self,vader")
REAL = 1000


def sh(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=ENV, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def write(path, train_x, train_y, src):
    """train_x float32 in [0, 1]; a 100-row test split (the epochs' evaluations of a 1,000-row
    training set would cost more than the training: the whole test split is scored once, at
    the end, by `ctrain eval --data`)."""
    with h5py.File(path, "w") as f:
        f["train/images"] = train_x
        f["train/labels"] = train_y.astype(np.int32)
        for k, v in src["train/labels"].attrs.items():
            f["train/labels"].attrs[k] = v
        for name in ("images", "labels"):
            d = f.create_dataset(f"test/{name}", data=src[f"test/{name}"][:100])
            for k, v in src[f"test/{name}"].attrs.items():
                d.attrs[k] = v


def accuracy(build, data, epochs, run_dir):
    ctrain = os.path.join(build, "ctrain")
    sh(MPI + [ctrain, "train", os.path.join(ROOT, "jobs", "fashion_cnn.yaml"), "--run-dir", run_dir,
              "--set", f"data.path={data}", "--set", f"train.epochs={epochs}", "--set", "output.progress=none",
              "--set", "output.tensorboard=false"])
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        steps = [json.loads(line) for line in f if '"epoch"' in line][-1]["step"]
    out = sh(MPI + [ctrain, "eval", run_dir, "--data", DATA, "--json"])
    return json.loads(out.strip().splitlines()[-1])["accuracy"], steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("cgan", help="a checkpoint of jobs/fashion_cgan.yaml")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--steps", type=int, default=1300)
    ap.add_argument("--out", default=os.path.join(ROOT, "runs", "gan_augment"))
    a = ap.parse_args()
    build, out = os.path.abspath(a.build), os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    generated = os.path.join(out, "generated.h5")
    sh([os.path.join(build, "ctrain"), "sample", a.cgan, "--out-h5", generated, "--n", a.n, "--seed", 7])
    with h5py.File(DATA, "r") as src, h5py.File(generated, "r") as gen:
        real_x = src["train/images"][:REAL].astype(np.float32) / 255
        real_y = src["train/labels"][:REAL]
        real_only, mixed = os.path.join(out, "real.h5"), os.path.join(out, "real+generated.h5")
        write(real_only, real_x, real_y, src)
        write(mixed, np.concatenate([real_x, gen["train/images"][()]]),
              np.concatenate([real_y, gen["train/labels"][()]]), src)
    batches = lambda rows: -(-rows // 128)
    results = {}
    for name, path, rows in (("real", real_only, REAL), ("real+generated", mixed, REAL + a.n)):
        epochs = max(1, round(a.steps / batches(rows)))
        results[name] = accuracy(build, path, epochs, os.path.join(out, name)) + (epochs,)
    print(f"fashion_cnn on {REAL} real training images, with and without {a.n} conditional-GAN samples "
          f"(GAN: {a.cgan}), test split of 10000:")
    for name, (acc, steps, epochs) in results.items():
        print(f"  {name:15s}: test accuracy {acc:.4f} after {epochs} epochs, {steps} steps")


if __name__ == "__main__":
    main()
