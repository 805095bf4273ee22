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
import time

import torch
from torch import nn


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

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), x)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    best = float("inf")
    total = 0.0
    reps = 3
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        loss.item()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        total += dt
    print("torch   conv autoencoder 1x28x28 batch %d: %d steps, best %.3f ms/step, "
          "%.0f samples/s (mean %.0f samples/s), final loss %.4f"
          % (batch, steps, 1e3 * best / steps, batch * steps / best,
             batch * steps * reps / total, loss.item()))


if __name__ == "__main__":
    main()
