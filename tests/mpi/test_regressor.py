"""The regressor family end to end on generated data (quadratic functions of
3 inputs, ctrain_test.reg_data): an MLP with MSE learns them (test MAE well
below the MAE of predicting the training mean) and 2 and 3 ranks match 1
rank; `eval` agrees with the run's last metrics and with a NumPy forward
pass of the checkpoint; L1 on targets of [2, 2] per sample (after an
unflatten layer) and Huber on [N] targets (one value per sample) learn too,
at 2 ranks; one SGD step of each loss equals PyTorch's from the same
weights."""
import json
import os

import h5py
import numpy as np
import torch
from torch import nn

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, reg_data, run, tempdir, tensors, \
    write_reg_job

d = tempdir()


def train(job, name, np_):
    rd = os.path.join(d, name)
    run(["train", job, "--run-dir", rd], np_=np_)
    return rd


def baseline_mae(data):
    """The test MAE of predicting the training targets' mean."""
    with h5py.File(data, "r") as f:
        train, test = f["train/targets"][()], f["test/targets"][()]
    return float(np.abs(test - train.mean(axis=0)).mean())


def learned(rd, data, what):
    records = metrics(rd)
    first, last, base = records[0], records[-1], baseline_mae(data)
    check(last["test_loss"] < first["test_loss"], f"{what}: test_loss {first['test_loss']} -> {last['test_loss']}")
    check(last["test_mae"] < 0.3 * base, f"{what}: test_mae {last['test_mae']}, predicting the mean gives {base}")
    print(f"{what}: test_mae {last['test_mae']:.4f} after {len(records)} epochs (the mean: {base:.4f}), "
          f"test_loss {first['test_loss']:.4f} -> {last['test_loss']:.4f}")
    return last


# 1. MSE on [N, 2] targets: learning, and rank parity.
data = reg_data(d)
job = write_reg_job(d, data, epochs=4)
runs = {np_: train(job, f"mse{np_}", np_) for np_ in (1, 2, 3)}
ref = latest_checkpoint(runs[1])
check(sorted(tensors(ref)) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"],
      f"unexpected tensor names: {sorted(tensors(ref))}")
last = learned(runs[1], data, "mse, np=1")
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), ref, rtol=1e-4, atol=1e-5)
    other = metrics(runs[np_])[-1]
    for name in ("train_loss", "test_loss", "test_mae"):
        check(abs(other[name] - last[name]) <= 1e-5 * abs(last[name]) + 1e-7,
              f"np={np_}: {name} {other[name]} vs np=1 {last[name]}")
    print(f"mse, np={np_} vs np=1 after 128 steps: max abs weight diff {worst:.3g}")

# 2. eval: the run's last metrics, and a NumPy forward pass of the checkpoint.
_, out, _, _ = run(["eval", runs[2], "--json"], np_=2)
result = json.loads(out.strip().splitlines()[-1])
check(result["samples"] == 512 and sorted(result) == ["loss", "mae", "samples", "split"], f"eval: {result}")
for name in ("loss", "mae"):
    want = metrics(runs[2])[-1][f"test_{name}"]
    check(abs(result[name] - want) <= 1e-6 * abs(want), f"eval {name} {result[name]}, the run's test_{name} {want}")
t = {k: v.astype(np.float64) for k, v in tensors(latest_checkpoint(runs[2])).items()}
with h5py.File(data, "r") as f:
    x, y = f["test/inputs"][()].astype(np.float64), f["test/targets"][()]
h = np.tanh(np.tanh(x @ t["0.weight"].T + t["0.bias"]) @ t["2.weight"].T + t["2.bias"])
diff = h @ t["4.weight"].T + t["4.bias"] - y
for name, want in (("loss", np.mean(diff ** 2)), ("mae", np.mean(np.abs(diff)))):
    check(abs(result[name] - want) <= 1e-5 * want, f"eval {name} {result[name]}, NumPy {want}")
print(f"eval: loss {result['loss']:.6f} mae {result['mae']:.6f} on 512 samples, as the run and NumPy say")

# 3. L1 on targets of [2, 2] per sample; Huber on [N] targets: one value per sample.
data22 = reg_data(d, name="reg22.h5", shape=(2, 2))
job = write_reg_job(d, data22, name="l1", loss="l1", out=4, tail="        - unflatten: {unflattened_size: [2, 2]}\n",
                    epochs=4)
last = learned(train(job, "l1", 2), data22, "l1, [2, 2] targets, np=2")
check(abs(last["test_loss"] - last["test_mae"]) <= 1e-6 * last["test_mae"],
      f"l1: the test loss is the MAE: {last['test_loss']} vs {last['test_mae']}")
data1 = reg_data(d, name="reg1.h5", shape=())
learned(train(write_reg_job(d, data1, name="huber", loss="huber", out=1, epochs=4), "huber", 2), data1,
        "huber, [N] targets, np=2")

# 4. One SGD step of each loss against PyTorch, from the same weights: the batch is the whole
# training split (256 rows), so the shuffle's order does not matter, at 2 ranks.
UNFLATTEN = "        - unflatten: {unflattened_size: [2, 2]}\n"
torch.manual_seed(0)
for loss, shape, out, tail, torch_loss in (("mse", (2,), 2, "", nn.MSELoss()),
                                           ("l1", (2, 2), 4, UNFLATTEN, nn.L1Loss()),
                                           ("huber", (), 1, "", nn.SmoothL1Loss())):
    small = reg_data(d, name=f"step-{loss}.h5", n_train=256, n_test=16, shape=shape, seed=3)
    model = nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, out),
                          *([nn.Unflatten(1, (2, 2))] if tail else []))
    init = os.path.join(d, f"init-{loss}.h5")
    with h5py.File(init, "w") as f:
        for name, value in model.state_dict().items():
            f[f"model/{name}"] = value.numpy()
    job = write_reg_job(d, small, name=f"step-{loss}", loss=loss, out=out, tail=tail, epochs=1, batch=256)
    rd = os.path.join(d, f"step-{loss}")
    run(["train", job, "--run-dir", rd, "--init-from", init, "--set", "optimizer.type=sgd",
         "--set", "optimizer.lr=0.5"], np_=2)
    with h5py.File(small, "r") as f:
        x, y = torch.from_numpy(f["train/inputs"][()]), torch.from_numpy(f["train/targets"][()])
    value = torch_loss(model(x).reshape(y.shape), y)
    value.backward()
    torch.optim.SGD(model.parameters(), lr=0.5).step()
    got = tensors(latest_checkpoint(rd))
    worst = max(float(np.abs(got[k] - v.detach().numpy()).max()) for k, v in model.state_dict().items())
    check(worst < 1e-6, f"{loss}: one step differs from PyTorch's by {worst:.3g}")
    train_loss = metrics(rd)[0]["train_loss"]
    check(abs(train_loss - value.item()) <= 1e-6 * value.item(), f"{loss}: train_loss {train_loss}, "
          f"PyTorch {value.item()}")
    print(f"{loss}: one SGD step at 2 ranks equals PyTorch's (max weight diff {worst:.3g}), loss {train_loss:.6f}")
cleanup(d)
print("PASS")
