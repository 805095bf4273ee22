"""Padded sequences through the product (data.lengths), on generated data:
sequences of ids 1..4 padded with random ids after their real length, the
label the last real id. An embedding -> GRU (output: last) -> linear
classifier learns it (accuracy well above the majority class: only the
last real step tells), which it cannot without the lengths; the lengths
travel with their rows through the shards and the data store, so 2 and 3
ranks match 1 rank; a model on padded data (lengths 5 of T 9, junk after)
ends where the same model on the unpadded data (T 5) does, weights and
loss; bad lengths (0, > T) and recurrent layers whose sizes disagree are
clear errors before anything is written."""
import os

import h5py
import numpy as np

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, run, tempdir, tensors

d = tempdir()
rng = np.random.default_rng(5)


def make_data(name, n_train=768, n_test=256, T=12, lo=2, fixed=None, pad_to=None, junk=True, bad=None):
    """Writes /train and /test with inputs [n, T] uint8 ids, lengths, labels."""
    path = os.path.join(d, name)
    with h5py.File(path, "w") as f:
        for split, n in (("train", n_train), ("test", n_test)):
            lengths = np.full(n, fixed) if fixed else rng.integers(lo, T + 1, n)
            width = pad_to or T
            ids = rng.integers(1, 5, (n, width)) if junk else np.zeros((n, width), np.int64)
            real = rng.integers(1, 5, (n, width))
            mask = np.arange(width)[None, :] < lengths[:, None]
            ids = np.where(mask, real, ids).astype(np.uint8)
            labels = (ids[np.arange(n), lengths - 1] - 1).astype(np.int32)
            if bad and bad[0] == split:
                lengths = lengths.copy()
                lengths[bad[1]] = bad[2]
            x = f.create_dataset(f"{split}/inputs", data=ids)
            x.attrs["scale"], x.attrs["offset"] = np.float32(1), np.float32(0)
            f[f"{split}/lengths"] = lengths.astype(np.int32)
            f[f"{split}/labels"] = labels
    return path


JOB = """\
name: seq
seed: 3
data: {{path: {data}, input: inputs, target: labels{lengths}}}
model:
  family: classifier
  loss: cross_entropy
  networks:
    - layers:
        - embedding: {{num_embeddings: 5, embedding_dim: 8}}
        - gru: {{hidden_size: 24, output: last}}
{extra}        - linear: {{out_features: 4}}
optimizer: {{type: adam, lr: 0.01}}
train: {{epochs: {epochs}, batch_size: 32, eval_batch_size: 100}}
checkpoint: {{every_epoch: false, keep: 0}}
output: {{progress: lines}}
"""


def job(name, data, lengths=True, epochs=4, extra=""):
    path = os.path.join(d, name + ".yaml")
    with open(path, "w") as f:
        f.write(JOB.format(data=data, lengths=", lengths: lengths" if lengths else "", epochs=epochs, extra=extra))
    return path


def train(name, job_path, np_, expect_ok=True):
    rd = os.path.join(d, name)
    rc, out, err, _ = run(["train", job_path, "--run-dir", rd], np_=np_, expect_ok=expect_ok)
    return rd, rc, out + err


# 1. Learning with the lengths, and 1/2/3 ranks agreeing.
data = make_data("seq.h5")
with h5py.File(data, "r") as f:
    majority = np.bincount(f["test/labels"][()]).max() / len(f["test/labels"])
runs = {np_: train(f"np{np_}", job("seq", data), np_)[0] for np_ in (1, 2, 3)}
last = metrics(runs[1])[-1]
check(last["test_accuracy"] >= 0.9, f"accuracy {last['test_accuracy']} (majority {majority:.3f})")
print(f"with lengths: test accuracy {last['test_accuracy']:.4f} after 96 steps (majority class {majority:.4f})")
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), latest_checkpoint(runs[1]), rtol=1e-4, atol=1e-5)
    other = metrics(runs[np_])[-1]
    check(abs(other["test_loss"] - last["test_loss"]) <= 1e-4 * last["test_loss"],
          f"np={np_}: test_loss {other['test_loss']} vs np=1 {last['test_loss']}")
    print(f"np={np_} vs np=1: max abs weight diff {worst:.3g}, test_loss {other['test_loss']:.6f}")
no_len, _, _ = train("nolen", job("nolen", data, lengths=False), 2)
acc = metrics(no_len)[-1]["test_accuracy"]
check(acc < last["test_accuracy"] - 0.2, f"without the lengths the padding hides the label, yet accuracy {acc}")
print(f"without lengths (the last padded step read): test accuracy {acc:.4f}")

# 2. Padded (T 9, lengths 5, junk after) vs unpadded (T 5) data: the same samples give the same run.
rng = np.random.default_rng(11)
padded = make_data("padded.h5", T=9, fixed=5, pad_to=9)
with h5py.File(padded, "r") as src, h5py.File(os.path.join(d, "unpadded.h5"), "w") as dst:
    for split in ("train", "test"):
        x = dst.create_dataset(f"{split}/inputs", data=src[f"{split}/inputs"][:, :5])
        x.attrs["scale"], x.attrs["offset"] = np.float32(1), np.float32(0)
        dst[f"{split}/labels"] = src[f"{split}/labels"][()]
a, _, _ = train("padded", job("padded", padded, epochs=1), 2)
b, _, _ = train("unpadded", job("unpadded", os.path.join(d, "unpadded.h5"), lengths=False, epochs=1), 2)
worst = compare(latest_checkpoint(a), latest_checkpoint(b), rtol=1e-5, atol=1e-6)
la, lb = metrics(a)[-1], metrics(b)[-1]
for name in ("train_loss", "test_loss"):
    check(abs(la[name] - lb[name]) <= 1e-5 * lb[name], f"padded {name} {la[name]} vs unpadded {lb[name]}")
print(f"padded vs unpadded: max abs weight diff {worst:.3g}, test_loss {la['test_loss']:.6f} vs {lb['test_loss']:.6f}")

# 3. Bad input: each a clear error, and no run directory.
for what, bad, want in (("zero", ("train", 100, 0), "/train/lengths: row 100: expected a length in [1, 12]"),
                        ("long", ("test", 250, 13), "/test/lengths: row 250: expected a length in [1, 12]")):
    path = make_data(f"bad-{what}.h5", bad=bad)
    rd, rc, text = train(f"bad-{what}", job(f"bad-{what}", path), 3, expect_ok=False)
    check(rc != 0 and want in text and path in text and "found" in text, f"{what}: rc {rc}, output:\n{text}")
    check(not os.path.exists(rd), f"{what}: the failed run wrote {rd}")
    print(f"lengths {what}: {[line for line in text.splitlines() if want in line][0].strip()}")
# A GRU of hidden size 24 (every step: output sequence) under one that expects 16 features.
extra = "        - gru: {input_size: 16, hidden_size: 24, output: last}\n"
sizes = job("sizes", data, extra=extra)
with open(sizes) as f:
    text = f.read().replace("{hidden_size: 24, output: last}\n        - gru", "{hidden_size: 24, output: sequence}\n"
                            "        - gru")
with open(sizes, "w") as f:
    f.write(text)
rd, rc, text = train("sizes", sizes, 2, expect_ok=False)
check(rc != 0 and "layer 2" in text and "16" in text and "24" in text, f"hidden sizes: rc {rc}, output:\n{text}")
check(not os.path.exists(rd), f"hidden sizes: the failed run wrote {rd}")
print(f"hidden sizes: {[line for line in text.splitlines() if 'layer 2' in line][0].strip()}")
cleanup(d)
print("PASS")
