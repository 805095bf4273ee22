"""The language model family against PyTorch's word_language_model: a
2-layer LSTM, GRU and RNN from the same state_dict (exported from PyTorch,
loaded with --init-from) trained on 4 streams in windows of 8 tokens (8, 8
and a short 4: the epoch's last window) for two epochs, so that the hidden
state is carried across windows and reset at the epoch's start, with SGD and
clip_grad_norm 0.1 (active at every step): the weights after the 6 steps
agree within 1e-4, and the test loss (3 evaluation streams) with PyTorch's
evaluate(). Then 1, 2 and 3 ranks (3: streams 2, 1, 1) agree to rounding."""
import os
import sys

import h5py
import numpy as np
import torch

from ctrain_test import check, cleanup, latest_checkpoint, metrics, run, tempdir, tensors
from lm_test import VOCAB, data_file, export, write_lm_job

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import torch_lm  # noqa: E402

d = tempdir()
data = data_file(d)
with h5py.File(data, "r") as f:
    train_ids, test_ids = f["train/tokens"][()], f["test/tokens"][()]

for cell in ("lstm", "gru", "rnn"):
    torch.manual_seed(0)
    model = torch_lm.LM(cell, VOCAB, 6, 10, num_layers=2)
    init = export(os.path.join(d, f"init-{cell}.h5"), model)
    job = write_lm_job(d, data, name=cell, cell=cell, clip=0.1)
    rd = os.path.join(d, f"run-{cell}")
    run(["train", job, "--init-from", init, "--run-dir", rd], np_=1)
    norms = torch_lm.train(model, torch_lm.streams(train_ids, 4), 8, torch.optim.SGD(model.parameters(), lr=0.5),
                           clip=0.1, epochs=2)
    check(len(norms) == 6 and min(norms) > 0.1, f"{cell}: expected 6 clipped steps, norms {norms}")
    got = tensors(latest_checkpoint(rd))
    worst = 0.0
    for k, v in model.state_dict().items():
        diff = float(np.abs(v.detach().numpy() - got[k]).max())
        worst = max(worst, diff)
        check(diff < 1e-4, f"{cell}: {k} differs from PyTorch by {diff:.3g}")
    loss = metrics(rd)[-1]["test_loss"]
    ref = torch_lm.evaluate(model, torch_lm.streams(test_ids, 3), 8)
    check(abs(loss - ref) < 1e-4, f"{cell}: test_loss {loss}, PyTorch {ref}")
    print(f"{cell}: 6 TBPTT steps (grad norms {', '.join(f'{n:.3f}' for n in norms)}) match PyTorch within "
          f"{worst:.2g}; test_loss {loss:.6f} vs {ref:.6f}")

job = write_lm_job(d, data, name="ranks")
runs = {}
for np_ in (1, 2, 3):
    runs[np_] = os.path.join(d, f"ranks{np_}")
    run(["train", job, "--run-dir", runs[np_]], np_=np_)
one = tensors(latest_checkpoint(runs[1]))
for np_ in (2, 3):
    other = tensors(latest_checkpoint(runs[np_]))
    for k in one:
        diff = float(np.abs(one[k] - other[k]).max())
        check(diff < 1e-5, f"np={np_}: {k} differs from np=1 by {diff:.3g}")
    a, b = metrics(runs[1])[-1], metrics(runs[np_])[-1]
    for name in ("train_loss", "test_loss"):
        check(abs(a[name] - b[name]) < 1e-5, f"np={np_}: {name} {b[name]} vs np=1 {a[name]}")
    print(f"np={np_} agrees with np=1: test_loss {b['test_loss']:.7f} vs {a['test_loss']:.7f}")
cleanup(d)
