#!/usr/bin/env python3
"""PyTorch reference for bench_dense_ae_step: training steps of a dense
autoencoder 784-256-64-256-784 (ReLU between, Sigmoid at the end), batch
128, MSE against the input, Adam, random data, one thread.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_dense_ae_step.py [steps]
"""
import sys

import torch
from torch import nn

from torch_step import time_steps


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
        nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(128, 784)
    time_steps("dense autoencoder 784-256-64-256-784", model, opt, nn.MSELoss(), x, x, steps, 20)


if __name__ == "__main__":
    main()
