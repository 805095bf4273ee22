#!/usr/bin/env python3
"""PyTorch reference for bench_lm_step: training steps of a character-level
language model, token ids -> nn.Embedding(96, 256) -> nn.LSTM, nn.GRU or
nn.RNN (tanh) of hidden size 256 (batch_first) -> nn.Linear(256, 96) on
every step, cross-entropy over all n*T targets, Adam, batch 32 of T = 64
steps, random tokens, one thread. Prints tokens/s in the same format as
bench_lm_step.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/torch_lm_step.py lstm|gru|rnn [steps]
"""
import sys

import torch
from torch import nn

from torch_step import time_steps

BATCH, STEPS, VOCAB, EMBED, HIDDEN = 32, 64, 96, 256, 256


class LanguageModel(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](EMBED, HIDDEN, batch_first=True)
        self.linear = nn.Linear(HIDDEN, VOCAB)

    def forward(self, ids):
        out, _ = self.rnn(self.embedding(ids))
        return self.linear(out).reshape(-1, VOCAB)  # a row per (sample, step)


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "lstm"
    if kind not in ("lstm", "gru", "rnn"):
        sys.exit("usage: torch_lm_step.py lstm|gru|rnn [steps]")
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = LanguageModel(kind)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ids = torch.randint(0, VOCAB, (BATCH, STEPS))
    targets = torch.randint(0, VOCAB, (BATCH * STEPS,))
    time_steps("lm %s 96-256-256-96 T=%d" % (kind, STEPS), model, opt, nn.CrossEntropyLoss(), ids, targets, steps,
               warmup=3, rows=STEPS)


if __name__ == "__main__":
    main()
