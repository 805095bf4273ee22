#!/usr/bin/env python3
"""PyTorch reference for bench_mlp_step: training steps of a 784-256-128-10
ReLU MLP, batch 128, cross-entropy, SGD momentum 0.9, on random data, one
thread. Prints samples/s in the same format as bench_mlp_step.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_mlp_step.py [steps]
"""
import sys

import torch

from torch_step import time_steps


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    warmup = 20
    batch = 128
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))

    time_steps("mlp 784-256-128-10", model, opt, loss_fn, x, y, steps, warmup)


if __name__ == "__main__":
    main()
