"""jobs/seattle_forecast.yaml trained by ctrain and by PyTorch side by side,
from the same initial weights, with the same model (nn.GRU(1, 64) read at
its last step, nn.Linear(64, 24)), loss (MSE), optimizer (Adam, cosine
learning rate per step, gradient norm clipped at 1), epochs and batch;
prints the test MAE in degrees of both and of the baselines `ctrain
forecast` computes (persistence, seasonal naive). Not part of CI. Usage:

    /usr/bin/python3 tests/bench/forecast_quality.py BUILD [--ranks 2] [--threads 2] [--run-dir DIR]

Data: data/seattle.h5 (README, "Forecasting Seattle temperatures").
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import h5py
import numpy as np
import torch
import yaml
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
JOB = os.path.join(ROOT, "jobs", "seattle_forecast.yaml")


class LastGRU(nn.GRU):
    """nn.GRU giving its output at the last step: ctrain's `output: last`."""

    def forward(self, x):
        return super().forward(x)[0][:, -1]


def mpirun(ranks):
    cmd = ["mpirun", "-np", str(ranks), "--bind-to", "none"]
    return cmd + (["--allow-run-as-root"] if os.geteuid() == 0 else [])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--run-dir")
    a = p.parse_args()
    with open(JOB) as f:
        job = yaml.safe_load(f)
    hidden = job["model"]["networks"][0]["layers"][0]["gru"]["hidden_size"]
    opt, train = job["optimizer"], job["train"]
    data = os.path.join(ROOT, job["data"]["path"])
    torch.manual_seed(job["seed"])
    torch.set_num_threads(a.threads)
    model = nn.Sequential(LastGRU(1, hidden, batch_first=True), nn.Linear(hidden, 24))
    tmp = tempfile.mkdtemp(prefix="forecast-quality-")
    init = os.path.join(tmp, "init.h5")
    with h5py.File(init, "w") as f:
        for name, value in model.state_dict().items():
            f[f"model/{name}"] = value.numpy()

    run_dir = a.run_dir or os.path.join(tmp, "ctrain")
    ctrain = os.path.join(a.build, "ctrain")
    t0 = time.time()
    subprocess.run(mpirun(a.ranks) + [ctrain, "train", JOB, "--run-dir", run_dir, "--init-from", init], check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    ctrain_s = time.time() - t0
    out = subprocess.run([ctrain, "forecast", run_dir, "--json"], check=True, cwd=ROOT, capture_output=True,
                         text=True).stdout
    got = json.loads(out.strip().splitlines()[-1])

    with h5py.File(data, "r") as f:
        x_train, x_test = (torch.from_numpy(f[f"{s}/inputs"][()]) for s in ("train", "test"))
        y_train, y_test = (torch.from_numpy(f[f"{s}/targets"][()]) for s in ("train", "test"))
        mean, std = f["test/targets"].attrs["mean"], f["test/targets"].attrs["std"]
    steps = train["epochs"] * ((len(x_train) + train["batch_size"] - 1) // train["batch_size"])
    optim = torch.optim.Adam(model.parameters(), lr=opt["lr"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, steps)
    g = torch.Generator().manual_seed(job["seed"])
    t0 = time.time()
    for _ in range(train["epochs"]):
        order = torch.randperm(len(x_train), generator=g)
        for i in range(0, len(order), train["batch_size"]):
            idx = order[i:i + train["batch_size"]]
            optim.zero_grad()
            loss = nn.functional.mse_loss(model(x_train[idx]), y_train[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), opt.get("clip_grad_norm", 0) or 1e30)
            optim.step()
            sched.step()
    torch_s = time.time() - t0
    with torch.no_grad():
        torch_mae = float((model(x_test) - y_test).abs().mean()) * std
    print(f"test MAE in degrees F over {len(x_test)} windows x 24 h:")
    print(f"  ctrain ({a.ranks} ranks, {ctrain_s:.0f} s)   {got['model_mae']:.4f}")
    print(f"  PyTorch ({a.threads} threads, {torch_s:.0f} s) {torch_mae:.4f}")
    print(f"  persistence          {got['persistence_mae']:.4f}")
    print(f"  seasonal naive       {got['seasonal_naive_mae']:.4f}")
    print(f"ctrain / PyTorch: {got['model_mae'] / torch_mae:.3f}")


if __name__ == "__main__":
    main()
