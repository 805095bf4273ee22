"""Per-network optimizer sections end to end, on an autoencoder whose
decoder has its own section (RMSprop, centered, with momentum, its own rate
and clip_grad_norm, and clip_grad_value set back to 0) while the encoder uses
the job's (Adam, weight decay and clip_grad_value, which the decoder inherits
field by field):
- the checkpoint holds type_0 = adam (1), type_1 = rmsprop (2), step_0/1, the
  encoder's exp_avg/exp_avg_sq and the decoder's square_avg/momentum_buffer/
  grad_avg;
- three full-batch steps from weights exported by PyTorch equal PyTorch's
  torch.optim.Adam/RMSprop with clip_grad_value_/clip_grad_norm_ (model and
  optimizer state), and the step records' grad_norm is the decoder's
  gradient norm before clipping;
- 2 ranks agree with 1 to rounding; a resume is bitwise;
- runs with clip_grad_value (classifier) and clip_grad_norm on both networks
  (encoder_grad_norm, decoder_grad_norm) train: the losses decrease."""
import os

import h5py
import numpy as np
import torch
from torch import nn

from ctrain_test import (AE_JOB, SMALL, check, cleanup, compare, latest_checkpoint, metrics, run, tempdir, tensors,
                         write_job)

d = tempdir()
ROWS = 4000
CLIP_VALUE, CLIP_NORM = 2e-5, 0.01
DECODER = (f"    - name: decoder\n      optimizer: {{type: rmsprop, lr: 0.001, momentum: 0.9, centered: true, "
           f"clip_grad_norm: {CLIP_NORM}, clip_grad_value: 0}}\n")


def ae_job(name, optimizer, decoder_section=DECODER, epochs=3, batch=ROWS, lr=0.002):
    text = AE_JOB.format(name=name, seed=3, data=SMALL, loss="bce_with_logits", latent=16, noise_std=0, mask_prob=0,
                         lr=lr, epochs=epochs, batch=batch)
    text = text.replace("    - name: decoder\n", decoder_section)
    old = f"optimizer: {{type: adam, lr: {lr}}}"
    check(old in text, "test bug: the job's optimizer line")
    return write_job(d, name=name, text=text.replace(old, f"optimizer: {optimizer}"))


# 1. Three full-batch steps (one an epoch) from PyTorch's initial weights, against PyTorch.
torch.manual_seed(0)
enc = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 16))
dec = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 784))
init = os.path.join(d, "init.h5")
with h5py.File(init, "w") as f:
    for prefix, net in (("encoder", enc), ("decoder", dec)):
        for k, v in net.state_dict().items():
            f.create_dataset(f"model/{prefix}.{k}", data=v.numpy())
job = ae_job("opt", f"{{type: adam, lr: 0.002, weight_decay: 0.01, clip_grad_value: {CLIP_VALUE}}}")
steps = ["--set", "train.log_every_steps=1", "--init-from", init]
one = os.path.join(d, "np1")
run(["train", job, "--run-dir", one] + steps, np_=1)
ckpt = latest_checkpoint(one)
check(ckpt.endswith("step-3.h5"), f"3 epochs of one full batch should end at step 3: {ckpt}")
with h5py.File(ckpt, "r") as f:
    attrs = {k: int(v) for k, v in f["optimizer"].attrs.items()}
    check(attrs == {"type_0": 1, "type_1": 2, "step_0": 3, "step_1": 3}, f"/optimizer attributes {attrs}")
ours_model, ours_optim = tensors(ckpt), tensors(ckpt, "optimizer")
for name in ours_model:
    states = {k.split("/")[1] for k in ours_optim if k.split("/")[0] == name}
    want = {"exp_avg", "exp_avg_sq"} if name.startswith("encoder.") else {"square_avg", "momentum_buffer", "grad_avg"}
    check(states == want, f"/optimizer/{name}: {sorted(states)}, expected {sorted(want)}")

enc, dec = enc.double(), dec.double()
with h5py.File(SMALL, "r") as f:
    images = f["train/images"]
    x = torch.from_numpy(images[()].reshape(ROWS, 784).astype(np.float32) * np.float32(images.attrs["scale"]))
x = x.double()
adam = torch.optim.Adam(enc.parameters(), lr=0.002, weight_decay=0.01)
rms = torch.optim.RMSprop(dec.parameters(), lr=0.001, alpha=0.99, eps=1e-8, weight_decay=0.01, momentum=0.9,
                          centered=True)
norms, clipped = [], []
for _ in range(3):
    adam.zero_grad()
    rms.zero_grad()
    nn.functional.binary_cross_entropy_with_logits(dec(enc(x)), x).backward()
    grads = torch.cat([p.grad.flatten() for p in enc.parameters()])
    clipped.append(float((grads.abs() > CLIP_VALUE).double().mean()))
    torch.nn.utils.clip_grad_value_(enc.parameters(), CLIP_VALUE)
    norms.append(float(torch.nn.utils.clip_grad_norm_(dec.parameters(), CLIP_NORM)))
    adam.step()
    rms.step()
check(min(norms) > CLIP_NORM, f"test bug: the decoder's gradient norms {norms} are not clipped at {CLIP_NORM}")
check(0.01 < min(clipped) and max(clipped) < 0.9, f"test bug: clip_grad_value {CLIP_VALUE} clips {clipped} of the "
      "encoder's gradient")
theirs_model, theirs_optim = {}, {}
for prefix, net, opt in (("encoder", enc, adam), ("decoder", dec, rms)):
    for k, p in net.named_parameters():
        theirs_model[f"{prefix}.{k}"] = p.detach().numpy()
        for state, v in opt.state[p].items():
            if state != "step":
                theirs_optim[f"{prefix}.{k}/{state}"] = v.numpy()
with h5py.File(init, "r") as f:
    start = {k: f["model"][k][()] for k in f["model"]}
worst = 0.0
for name, ref in list(theirs_model.items()) + list(theirs_optim.items()):
    ours = ours_model[name] if name in ours_model else ours_optim[name]
    # Relative to what the 3 steps moved (the model) or to the state itself: robust to the few elements
    # whose tiny float32 gradients round the other way.
    scale = np.linalg.norm(ref - start[name]) if name in start else np.linalg.norm(ref)
    rel = float(np.linalg.norm(ours - ref) / scale)
    worst = max(worst, rel)
    check(rel < 2e-4, f"{name}: differs from PyTorch by {rel:.3g} of its size")
reported = [r["grad_norm"] for r in metrics(one, "step")]
check(len(reported) == 3 and all(abs(a - b) < 1e-4 * b for a, b in zip(reported, norms)),
      f"grad_norm per step {reported}, PyTorch's decoder gradient norms {norms}")
print(f"3 full-batch steps == PyTorch Adam (encoder) + RMSprop centered momentum (decoder), clipping: worst relative "
      f"difference {worst:.2g}; grad_norm {', '.join(f'{v:.5f}' for v in reported)}")

# 2. The same job at 2 ranks and resumed.
two = os.path.join(d, "np2")
run(["train", job, "--run-dir", two] + steps, np_=2)
w = compare(latest_checkpoint(two), ckpt, rtol=1e-4, atol=1e-6)
# RMSprop's state divides by sqrt(square_avg - grad_avg^2): rounding is compared to each tensor's size.
worst_state = 0.0
ta, tb = tensors(latest_checkpoint(two), "optimizer"), ours_optim
check(sorted(ta) == sorted(tb), "np=2 and np=1 checkpoints hold different optimizer state")
for name in ta:
    rel = float(np.linalg.norm(ta[name] - tb[name]) / np.linalg.norm(tb[name]))
    worst_state = max(worst_state, rel)
    check(rel < 1e-4, f"/optimizer/{name}: np=2 differs from np=1 by {rel:.3g} of its size")
cut = os.path.join(d, "cut")
run(["train", job, "--run-dir", cut, "--set", "train.max_steps=2"] + steps, np_=1)
run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=1)
compare(latest_checkpoint(cut), ckpt)
compare(latest_checkpoint(cut), ckpt, group="optimizer")
print(f"np=2 vs np=1: model max abs diff {w:.3g}, optimizer state {worst_state:.2g} of its size; resumed after "
      "step 2 == uninterrupted, bitwise")

# 3. Clipping in longer runs: the losses still decrease.
mlp = write_job(d, name="clip_value", epochs=2, lr=0.05)
value = os.path.join(d, "value")
run(["train", mlp, "--run-dir", value, "--set", "optimizer.clip_grad_value=0.01"], np_=2)
m = metrics(value)
check("grad_norm" not in m[-1], f"clip_grad_value alone reports no grad_norm: {m[-1]}")
check(m[-1]["train_loss"] < m[0]["train_loss"] and m[-1]["test_loss"] < m[0]["test_loss"]
      and m[-1]["test_accuracy"] > 0.6, f"classifier with clip_grad_value 0.01: {m}")
both = os.path.join(d, "both")
norm_job = ae_job("clip_norm", "{type: adam, lr: 0.002, clip_grad_norm: 0.1}", decoder_section="    - name: decoder\n",
                  epochs=2, batch=100)
run(["train", norm_job, "--run-dir", both, "--set", "train.log_every_steps=10"], np_=2)
m = metrics(both)
for r in m + metrics(both, "step"):
    check("encoder_grad_norm" in r and "decoder_grad_norm" in r and "grad_norm" not in r,
          f"clip_grad_norm on both networks: record {r}")
check(m[-1]["train_loss"] < m[0]["train_loss"] and m[-1]["test_loss"] < m[0]["test_loss"],
      f"autoencoder with clip_grad_norm 0.1: {m}")
mv = metrics(value)
print(f"clip_grad_value 0.01: train loss {mv[0]['train_loss']:.4f} -> {mv[-1]['train_loss']:.4f}; clip_grad_norm "
      f"0.1 on both networks: test loss {m[0]['test_loss']:.4f} -> {m[-1]['test_loss']:.4f}")
cleanup(d)
print("PASS")
