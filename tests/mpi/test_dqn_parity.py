"""One DQN update against PyTorch: dqn_update_dump builds the job's q and
target networks (the target nudged away from q), draws a fixed batch of 32
transitions (some terminated, some 3-step returns) and makes one update as
the family does (Double DQN target with no gradient, loss on the taken
actions, Adam); from the same state_dict and batch, PyTorch's update must
give q's weights and the loss within 1e-4. Cases: huber with double DQN,
mse without, on CartPole-v1 (2 actions) and Acrobot-v1 (3 actions), and
huber with importance weights (prioritised replay's weighted mean)."""
import os
import subprocess
import sys

import numpy as np
import torch
from torch import nn

from ctrain_test import check, cleanup, tempdir

DUMP = sys.argv[1]
N = 32
d = tempdir()

JOB = """\
name: dqn_parity
seed: 3
model:
  family: dqn
  dqn: {{env: {env}, gamma: 0.9, loss: {loss}, double_dqn: {double}}}
  networks:
    - name: q
      layers:
        - linear: {{out_features: 16}}
        - relu
        - linear: {{out_features: 16}}
        - relu
        - linear: {{out_features: {actions}}}
optimizer: {{type: adam, lr: 0.01}}
train: {{batch_size: {n}, steps_per_epoch: 1}}
"""


def parse(out):
    before, after, batch, loss = {}, {}, [], None
    for line in out.splitlines():
        kind, *rest = line.split()
        if kind in ("before", "after"):
            (before if kind == "before" else after)[rest[0]] = np.array([float(v) for v in rest[1:]])
        elif kind == "batch":
            batch.append([float(v) for v in rest[1:]])
        elif kind == "loss":
            loss = float(rest[0])
    return before, after, np.array(batch), loss


def net(actions, obs, tensors, prefix):
    m = nn.Sequential(nn.Linear(obs, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, actions))
    state = {k: torch.tensor(v, dtype=torch.float32).reshape(m.state_dict()[k].shape)
             for k, v in ((k.split(".", 1)[1], v) for k, v in tensors.items() if k.startswith(prefix + "."))}
    m.load_state_dict(state)
    return m


def case(env, obs, actions, loss, double, weighted=False):
    name = f"{env}_{loss}_{'double' if double else 'vanilla'}{'_weighted' if weighted else ''}"
    job = os.path.join(d, name + ".yaml")
    with open(job, "w") as f:
        f.write(JOB.format(env=env, loss=loss, double=str(double).lower(), actions=actions, n=N))
    out = subprocess.run([DUMP, job, str(N)] + (["weighted"] if weighted else []), capture_output=True, text=True,
                         check=True).stdout
    before, after, batch, our_loss = parse(out)
    check(batch.shape == (N, 4 + 2 * obs), f"{name}: batch of shape {batch.shape}")
    q, target = net(actions, obs, before, "q"), net(actions, obs, before, "target")
    a = torch.tensor(batch[:, 0], dtype=torch.int64)
    r = torch.tensor(batch[:, 1], dtype=torch.float32)
    discount = torch.tensor(batch[:, 2], dtype=torch.float32)
    w = torch.tensor(batch[:, 3], dtype=torch.float32)
    x = torch.tensor(batch[:, 4:4 + obs], dtype=torch.float32)
    x_next = torch.tensor(batch[:, 4 + obs:], dtype=torch.float32)
    check(len(set(batch[:, 2])) == 3, f"{name}: test bug: the batch should mix terminated, 1- and 3-step returns")
    check(weighted == (len(set(batch[:, 3])) > 1), f"{name}: test bug: weights {sorted(set(batch[:, 3]))[:3]}...")
    opt = torch.optim.Adam(q.parameters(), lr=0.01)
    with torch.no_grad():  # the usual DQN code: Double DQN's argmax from q, value from the target
        if double:
            next_a = q(x_next).argmax(1, keepdim=True)
            v = target(x_next).gather(1, next_a).squeeze(1)
        else:
            v = target(x_next).max(1).values
        y = r + discount * v
    q_a = q(x).gather(1, a.unsqueeze(1)).squeeze(1)
    f = nn.functional.smooth_l1_loss if loss == "huber" else nn.functional.mse_loss
    torch_loss = (w * f(q_a, y, reduction="none")).mean()
    opt.zero_grad()
    torch_loss.backward()
    opt.step()
    check(abs(float(torch_loss) - our_loss) < 1e-4 * max(1.0, abs(our_loss)),
          f"{name}: loss {our_loss}, PyTorch {float(torch_loss)}")
    worst, moved = 0.0, 0.0
    for k, v in q.state_dict().items():
        ours = after["q." + k]
        ref = v.numpy().ravel()
        diff = float(np.abs(ours - ref).max())
        worst = max(worst, diff)
        moved = max(moved, float(np.abs(ref - before["q." + k]).max()))
        check(diff < 1e-4, f"{name}: q.{k} differs from PyTorch by {diff:.3g}")
    check(moved > 1e-3, f"{name}: test bug: the update moved no weight by more than {moved:.3g}")
    print(f"{name}: one update == PyTorch, loss {our_loss:.6f} (PyTorch {float(torch_loss):.6f}), "
          f"worst abs diff {worst:.2g}")


case("CartPole-v1", 4, 2, "huber", True)
case("CartPole-v1", 4, 2, "mse", False)
case("Acrobot-v1", 6, 3, "huber", True)
case("CartPole-v1", 4, 2, "huber", True, weighted=True)
cleanup(d)
