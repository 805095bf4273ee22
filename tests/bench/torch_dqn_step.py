#!/usr/bin/env python3
"""PyTorch reference for bench_dqn_step: DQN updates of q 4-128-128-2 (ReLU)
with a target copy, a batch of 128 transitions drawn from a replay memory of
10,000 random ones (tensors indexed by random positions), Double DQN targets
under no_grad, Huber (smooth L1) loss on the taken actions, backward,
clip_grad_norm_ 10, Adam lr 2.3e-3; one thread.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_dqn_step.py [steps]
"""
import copy
import sys

import torch
from torch import nn
from torch.nn import functional as F

from torch_step import time_fn

BATCH, REPLAY, GAMMA = 128, 10000, 0.99


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    torch.set_num_threads(1)
    torch.manual_seed(0)
    q = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
    target = copy.deepcopy(q)
    for p in target.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(q.parameters(), lr=2.3e-3)
    obs, next_obs = torch.randn(REPLAY, 4), torch.randn(REPLAY, 4)
    actions = torch.randint(0, 2, (REPLAY,))
    rewards = torch.ones(REPLAY)
    terminated = (torch.arange(REPLAY) % 20 == 0).float()

    def update():
        i = torch.randint(0, REPLAY, (BATCH,))
        o, a, r, o2, done = obs[i], actions[i], rewards[i], next_obs[i], terminated[i]
        with torch.no_grad():
            a2 = q(o2).argmax(1, keepdim=True)
            y = r + GAMMA * (1 - done) * target(o2).gather(1, a2).squeeze(1)
        q_taken = q(o).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q_taken, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(q.parameters(), 10.0)
        opt.step()
        return loss

    time_fn("DQN update 4-128-128-2 (double DQN, Huber, Adam)", update, BATCH, steps, 200)


if __name__ == "__main__":
    main()
