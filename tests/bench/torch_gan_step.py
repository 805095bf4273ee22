#!/usr/bin/env python3
"""PyTorch reference for the GAN round of `ctrain train tests/bench/gan_round.yaml`:
MLP G 64-256-784 (tanh), D 784-256-1 (LeakyReLU 0.2), batch 128, Adam(2e-4,
beta1 0.5), non-saturating BCE-with-logits losses; one round = the
discriminator on 128 reals and 128 detached fakes, then the generator on 128
fresh fakes through it (as ctrain does). Random reals in [-1, 1], one thread.
Prints samples/s in bench_step's format (a sample = one real of the round).

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_gan_step.py [steps]
"""
import sys
import time

import torch
from torch import nn


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    warmup, batch, latent, reps = 20, 128, 64, 3
    torch.set_num_threads(1)
    torch.manual_seed(0)
    gen = nn.Sequential(nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
    dis = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(dis.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    reals = torch.rand(batch, 784) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def round_():
        fake = gen(torch.randn(batch, latent)).detach()
        opt_d.zero_grad()
        d_loss = bce(dis(reals), ones) + bce(dis(fake), zeros)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(dis(gen(torch.randn(batch, latent))), ones)
        g_loss.backward()
        opt_g.step()
        return g_loss

    for _ in range(warmup):
        round_()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = round_()
        loss.item()
        best = min(best, time.perf_counter() - t0)
    print("torch   gan round batch %d: %d steps, best %.3f ms/step, %.0f samples/s" %
          (batch, steps, 1e3 * best / steps, batch * steps / best))


if __name__ == "__main__":
    main()
