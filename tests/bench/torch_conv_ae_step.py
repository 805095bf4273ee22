#!/usr/bin/env python3
"""PyTorch reference for bench_conv_ae_step: training steps of a small
convolutional autoencoder on 1x28x28 inputs, batch 128, MSE against the
input, Adam, random data (the same batch every step), one thread. Prints
samples/s in the same format as bench_conv_ae_step.

    Conv2d(1, 16, 3, stride=2, padding=1), ReLU,            -> 16x14x14
    Conv2d(16, 32, 3, stride=2, padding=1), ReLU,           -> 32x7x7
    ConvTranspose2d(32, 16, 3, 2, 1, output_padding=1), ReLU, -> 16x14x14
    ConvTranspose2d(16, 1, 3, 2, 1, output_padding=1), Sigmoid -> 1x28x28

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_conv_ae_step.py [steps]
"""
import sys

import torch
from torch import nn

from torch_step import time_steps


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    warmup = 10
    batch = 128
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    x = torch.rand(batch, 1, 28, 28)

    time_steps("conv autoencoder 1x28x28", model, opt, loss_fn, x, x, steps, warmup)


if __name__ == "__main__":
    main()
