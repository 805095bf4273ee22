"""Batches that do not split evenly, and batch norm's needs:
- 4000 rows in batches of 300 (the last of 100), 7 (parts 4+3, 3+2+2) and,
  on 50 rows, 7 with a last batch of 1 (ranks with no sample): 2 and 3 ranks
  match 1 rank to rounding, and the same world size is bitwise repeatable;
- batch norm (batch_norm1d, which needs 2 samples per rank) with 1 sample per
  rank at 3 ranks is refused before anything is written; a 1-sample last batch
  at 2 ranks is refused naming train.drop_last, and with drop_last it trains:
  num_batches_tracked is int64 and counts the steps, the replicas agree
  (the run's test metrics equal `ctrain eval` at 1 and 3 ranks);
- after a step every rank takes the running statistics of the rank that held
  the most samples (parts 2+3, 2+2+3: the last rank's), checked on a batch norm
  over the raw pixels against every subset of the batch."""
import itertools
import os

import h5py
import numpy as np

from ctrain_test import (check, cleanup, compare, data_slice, latest_checkpoint, metrics, parse_eval, run, tempdir,
                         tensors, write_bn_job, write_job)

d = tempdir()


def train(job, name, np_, extra=()):
    rd = os.path.join(d, name)
    run(["train", job, "--run-dir", rd] + list(extra), np_=np_)
    return rd


def parity(job, label, extra=(), steps=None, repeat=3):
    """Trains at 1, 2, 3 ranks (and `repeat` ranks twice): the ranks agree to rounding, the repeat bitwise."""
    runs = {np_: train(job, f"{label}-np{np_}", np_, extra) for np_ in (1, 2, 3)}
    again = train(job, f"{label}-np{repeat}-again", repeat, extra)
    ref = latest_checkpoint(runs[1])
    if steps:
        check(ref.endswith(f"step-{steps}.h5"), f"{label}: expected a checkpoint at step {steps}, found {ref}")
    worst = max(compare(latest_checkpoint(runs[np_]), ref, rtol=1e-4, atol=1e-5) for np_ in (2, 3))
    compare(latest_checkpoint(again), latest_checkpoint(runs[repeat]))
    compare(latest_checkpoint(again), latest_checkpoint(runs[repeat]), group="optimizer")
    print(f"{label}: np=2, 3 vs np=1: max abs diff {worst:.3g}; np={repeat} twice: bitwise equal")
    return runs


# 1. Uneven batches of the classifier.
runs = parity(write_job(d, name="b300", epochs=2, batch=300), "batch 300 (last 100)", steps=28)
m = [metrics(runs[np_]) for np_ in (1, 2, 3)]
check(all([e["step"] for e in mi] == [14, 28] for mi in m), f"batch 300: epochs end at steps {m}")
for mi in m[1:]:
    check(abs(mi[-1]["train_loss"] - m[0][-1]["train_loss"]) < 1e-4, "batch 300: train loss differs across ranks")
parity(write_job(d, name="b7", epochs=1, batch=7), "batch 7 (parts 4+3, 3+2+2)", ["--set", "train.max_steps=40"],
       steps=40, repeat=2)
tiny = data_slice(d, 50, 100)
parity(write_job(d, name="tiny", data=tiny, epochs=2, batch=7), "50 rows, batch 7 (last batch 1: empty ranks)",
       steps=16)

# 2. Batch norm with one sample on a rank is refused, before anything is written.
os.makedirs(os.path.join(d, "cwd"))
rc, _, err, _ = run(["train", write_bn_job(d, batch=3, drop_last=True)], np_=3, expect_ok=False,
                    cwd=os.path.join(d, "cwd"))
check(rc != 0 and "batch normalisation" in err and "train.batch_size 3 over 3 ranks gives a rank 1" in err,
      f"batch 3 at 3 ranks with batch norm: {err}")
check(not os.listdir(os.path.join(d, "cwd")), "the refused run left a run directory behind")
rows4001 = data_slice(d, 4001)
bn_job = write_bn_job(d, data=rows4001, epochs=2, batch=100)  # 41 batches, the last of 1 row
rc, _, err, _ = run(["train", bn_job, "--run-dir", os.path.join(d, "refused")], np_=2, expect_ok=False)
check(rc != 0 and "train.drop_last" in err and "1 of the 4001 rows" in err,
      f"a 1-sample last batch at 2 ranks with batch norm: {err}")
check(not os.path.exists(os.path.join(d, "refused")), "the refused run wrote its run directory")
print("batch norm: 1 sample per rank (batch 3 at 3 ranks) and a 1-sample last batch at 2 ranks are refused")

# 3. With drop_last the short batch is skipped: 40 steps an epoch.
bn = train(bn_job, "bn", 2, ["--set", "train.drop_last=true"])
ckpt = latest_checkpoint(bn)
check(ckpt.endswith("step-80.h5"), f"drop_last: 2 epochs of 40 steps should end at step 80: {ckpt}")
with h5py.File(ckpt, "r") as f:
    nbt = f["model/2.num_batches_tracked"]
    check(nbt.dtype == np.int64 and nbt.shape == (), f"num_batches_tracked: {nbt.dtype} {nbt.shape}")
    check(int(nbt[()]) == 80, f"num_batches_tracked {nbt[()]}, expected 80 (the steps)")
    check(f["state"].attrs["train_rows"] == 4001 and f["state"].attrs["steps_per_epoch"] == 40,
          f"/state: {dict(f['state'].attrs)}")
last = metrics(bn)[-1]
for np_ in (1, 3):
    loss, acc, n = parse_eval(run(["eval", ckpt], np_=np_)[1])
    check(n == 1000 and acc == round(last["test_accuracy"], 6) and abs(loss - last["test_loss"]) < 1e-5,
          f"eval at np={np_} ({loss}, {acc}) differs from the run's test metrics {last}: do the replicas' "
          "running statistics differ?")
print("drop_last: 80 steps, num_batches_tracked int64 80, eval at np=1, 3 == the np=2 run's test metrics")


# 4. The buffers of the rank holding the most samples: one step of a batch norm over the raw pixels.
RAW_BN = write_job(d, name="raw", text=f"""\
name: raw
seed: 5
data: {{path: {os.path.join(d, 'raw.h5')}}}
model:
  networks:
    - layers:
        - flatten
        - batch_norm1d: {{}}
        - linear: {{out_features: 10}}
optimizer: {{type: sgd, lr: 0.01}}
train: {{epochs: 1, batch_size: 100, max_steps: 1}}
output: {{progress: lines}}
""")
rng = np.random.default_rng(11)
for rows, np_, largest in ((5, 2, 3), (7, 3, 3), (5, 1, 5)):
    x = rng.random((rows, 28, 28), dtype=np.float32)
    with h5py.File(os.path.join(d, "raw.h5"), "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/images", data=x)
            f.create_dataset(f"{split}/labels", data=np.arange(rows) % 10)
    rd = train(RAW_BN, f"raw-{rows}-np{np_}", np_, ["--set", f"train.batch_size={rows}"])
    t = tensors(latest_checkpoint(rd))
    flat = x.reshape(rows, 784).astype(np.float64)
    # PyTorch: running = 0.9 * initial (mean 0, var 1) + 0.1 * the batch's (unbiased variance).
    found = []
    for size in range(2, rows + 1):
        for subset in itertools.combinations(range(rows), size):
            part = flat[list(subset)]
            mean_err = np.abs(t["1.running_mean"] - 0.1 * part.mean(0)).max()
            var_err = np.abs(t["1.running_var"] - (0.9 + 0.1 * part.var(0, ddof=1))).max()
            if mean_err < 1e-5 and var_err < 1e-5:
                found.append(subset)
    check(len(found) == 1 and len(found[0]) == largest,
          f"{rows} rows at np={np_}: the running statistics are those of the samples {found}, expected those of "
          f"one part of {largest}")
    check(int(t["1.num_batches_tracked"]) == 1, f"num_batches_tracked {t['1.num_batches_tracked']}")
print("batch norm buffers after a step: those of the rank with the most samples (2+3 -> 3, 2+2+3 -> 3)")
cleanup(d)
print("PASS")
