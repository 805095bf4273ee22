"""The forecaster end to end on a generated hourly series (a daily cycle, a
slow drift and noise, as a CSV imported by `ctrain data import csv`): a
GRU (output: last) -> linear regressor of 12 steps from 48 trains at 1, 2
and 3 ranks to the same weights and learns (its test MAE in the series'
units beats persistence); `ctrain forecast` gives the model's MAE as a
NumPy GRU forward of the checkpoint does and the persistence and seasonal
naive baselines as NumPy computes them from the file, at 2 ranks, and
draws a valid PNG of 3 days, and refuses more days than the split holds."""
import json
import os

import h5py
import numpy as np

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, png_size, run, tempdir, tensors

d = tempdir()
rng = np.random.default_rng(2)
hours = np.arange(24 * 90)
temp = 50 + 8 * np.sin(2 * np.pi * (hours - 9) / 24) + np.cumsum(rng.normal(0, 0.3, hours.size)) + \
    rng.normal(0, 0.5, hours.size)
csv = os.path.join(d, "series.csv")
with open(csv, "w") as f:
    f.write("date,temp\n")
    for h, t in zip(hours, temp):
        f.write(f"h{h},{t:.2f}\n")
data = os.path.join(d, "series.h5")
run(["data", "import", "csv", csv, "--columns", "temp", "--window", "48", "--horizon", "12", "--out", data])

JOB = """\
name: fc
seed: 4
data: {{path: {data}, input: inputs, target: targets}}
model:
  family: regressor
  loss: mse
  networks:
    - layers:
        - gru: {{hidden_size: 16, output: last}}
        - linear: {{out_features: 12}}
optimizer: {{type: adam, lr: 0.01, clip_grad_norm: 1.0}}
train: {{epochs: 4, batch_size: 32, eval_batch_size: 100}}
checkpoint: {{every_epoch: false, keep: 0}}
output: {{progress: lines}}
"""
job = os.path.join(d, "fc.yaml")
with open(job, "w") as f:
    f.write(JOB.format(data=data))
runs = {}
for np_ in (1, 2, 3):
    runs[np_] = os.path.join(d, f"np{np_}")
    run(["train", job, "--run-dir", runs[np_]], np_=np_)
ref = latest_checkpoint(runs[1])
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), ref, rtol=1e-4, atol=1e-5)
    a, b = metrics(runs[np_])[-1]["test_mae"], metrics(runs[1])[-1]["test_mae"]
    check(abs(a - b) <= 1e-4 * b, f"np={np_}: test_mae {a} vs np=1 {b}")
    print(f"np={np_} vs np=1: max abs weight diff {worst:.3g}, test_mae {a:.6f}")

# NumPy: the baselines from the file, and the model by a GRU forward of the checkpoint.
with h5py.File(data, "r") as f:
    x, y = f["test/inputs"][()].astype(np.float64), f["test/targets"][()].astype(np.float64)
    im, istd = f["test/inputs"].attrs["mean"][0], f["test/inputs"].attrs["std"][0]
    tm, tstd = f["test/targets"].attrs["mean"], f["test/targets"].attrs["std"]
past, truth = x[:, :, 0] * istd + im, y * tstd + tm
H, T = y.shape[1], x.shape[1]
persistence = np.abs(past[:, -1:] - truth).mean()
seasonal = np.abs(past[:, T - 24 + np.arange(H)] - truth).mean()
w = {k: v.astype(np.float64) for k, v in tensors(latest_checkpoint(runs[2])).items()}
sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
h = np.zeros((x.shape[0], 16))
for t in range(T):
    gi, gh = x[:, t] @ w["0.weight_ih_l0"].T + w["0.bias_ih_l0"], h @ w["0.weight_hh_l0"].T + w["0.bias_hh_l0"]
    r, z = sig(gi[:, :16] + gh[:, :16]), sig(gi[:, 16:32] + gh[:, 16:32])
    n = np.tanh(gi[:, 32:] + r * gh[:, 32:])
    h = (1 - z) * n + z * h
model = np.abs((h @ w["1.weight"].T + w["1.bias"]) * tstd + tm - truth).mean()

_, out, _, _ = run(["forecast", runs[2], "--json"], np_=2)
got = json.loads(out.strip().splitlines()[-1])
check(got["samples"] == x.shape[0] and got["horizon"] == H, f"forecast: {got}")
for name, want in (("model", model), ("persistence", persistence), ("seasonal_naive", seasonal)):
    check(abs(got[f"{name}_mae"] - want) <= 1e-5 * want, f"{name}_mae {got[f'{name}_mae']}, NumPy {want}")
check(abs(got["model_mae"] - metrics(runs[2])[-1]["test_mae"] * tstd) <= 1e-4 * got["model_mae"],
      f"model_mae {got['model_mae']} is not the run's test_mae {metrics(runs[2])[-1]['test_mae']} x std {tstd}")
check(got["model_mae"] < got["persistence_mae"], f"no better than persistence: {got}")
print(f"forecast (np=2): model {got['model_mae']:.4f}, persistence {got['persistence_mae']:.4f}, seasonal naive "
      f"{got['seasonal_naive_mae']:.4f} (as NumPy: {model:.4f}, {persistence:.4f}, {seasonal:.4f})")

png = os.path.join(d, "forecast.png")
_, out, _, _ = run(["forecast", runs[1], "--out", png, "--days", "3", "--start", "5"])
width, height = png_size(png)
check(width >= 600 and height >= 300 and "persistence" in out, f"forecast --out: {width}x{height}, {out}")
rc, out, err, _ = run(["forecast", runs[1], "--out", png, "--days", "400"], expect_ok=False)
check(rc != 0 and "--days" in err, f"--days 400: rc {rc}, {err}")
print(f"forecast --out: a PNG of {width}x{height}")
cleanup(d)
print("PASS")
