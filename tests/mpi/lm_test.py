"""Shared helpers of the language model tests: a small token file in the
layout `ctrain data import text` writes, a job for it, and the export of a
PyTorch model (tests/fixtures/torch_lm.py) for --init-from."""
import os

import h5py
import numpy as np

from ctrain_test import write_job

VOCAB = 11  # ids 0..10 decode to "abcdefghij" and " "
UNITS = [ord(c) for c in " abcdefghij"]


def token_stream(n, seed):
    """n ids of a random Markov chain (some structure to learn)."""
    rng = np.random.default_rng(seed)
    trans = rng.dirichlet(np.full(VOCAB, 0.3), size=VOCAB)
    ids = np.zeros(n, dtype=np.uint8)
    for i in range(1, n):
        ids[i] = rng.choice(VOCAB, p=trans[ids[i - 1]])
    return ids


def write_tokens(path, train, test):
    """/train/tokens and /test/tokens with the vocabulary attributes."""
    with h5py.File(path, "w") as f:
        for split, ids in (("train", train), ("test", test)):
            d = f.create_dataset(f"{split}/tokens", data=np.asarray(ids, dtype=np.uint8))
            d.attrs["vocab_size"] = np.int64(VOCAB)
            d.attrs["vocabulary"] = np.array(UNITS, dtype=np.int32)
            d.attrs["unit"] = "byte"
            d.attrs["scale"] = np.float32(1)
            d.attrs["offset"] = np.float32(0)
    return path


LM_JOB = """\
name: {name}
seed: {seed}
data: {{path: {data}, input: tokens}}
model:
  family: language_model
  language_model: {{bptt: {bptt}, eval_streams: {eval_streams}}}
  networks:
    - layers:
        - embedding: {{num_embeddings: {vocab}, embedding_dim: 6}}
        - {cell}: {{hidden_size: {hidden}, num_layers: 2}}
        - linear: {{out_features: {vocab}, last_dim: true}}
optimizer: {{type: {optimizer}, lr: {lr}, clip_grad_norm: {clip}}}
train: {{epochs: {epochs}, batch_size: {batch}}}
checkpoint: {{every_steps: {every}, keep: 0}}
output: {{progress: lines, tensorboard: false}}
"""


def write_lm_job(directory, data, name="lm", seed=5, cell="lstm", bptt=8, eval_streams=3, hidden=10, optimizer="sgd",
                 lr=0.5, clip=0.25, epochs=2, batch=4, every=0, vocab=VOCAB):
    return write_job(directory, name=name, text=LM_JOB.format(
        name=name, seed=seed, data=data, bptt=bptt, eval_streams=eval_streams, vocab=vocab, cell=cell,
        hidden=hidden, optimizer=optimizer, lr=lr, clip=clip, epochs=epochs, batch=batch, every=every))


def export(path, model):
    """A PyTorch state_dict as /model/<name> for --init-from."""
    with h5py.File(path, "w") as f:
        for k, v in model.state_dict().items():
            f.create_dataset(f"model/{k}", data=v.detach().numpy())
    return path


def data_file(directory, n_train=4 * 21, n_test=3 * 30, seed=3):
    return write_tokens(os.path.join(directory, "tokens.h5"), token_stream(n_train, seed),
                        token_stream(n_test, seed + 1))
