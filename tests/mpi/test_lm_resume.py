"""The language model family beyond the step: a run cut mid-epoch (with
hidden state carried into the next window) and resumed equals the
uninterrupted run bitwise at the same world size (model, optimizer, the
carried state /family/hidden, metrics); `ctrain generate` prints the prime
and n tokens of the vocabulary, the same for the same --seed; and bad
inputs are clear errors before anything is written: a token id >= the
embedding's num_embeddings, bptt 0, bptt longer than a stream, `generate`
given a checkpoint of another family."""
import os
import subprocess
import sys

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, run, tempdir, tensors
from lm_test import UNITS, data_file, write_lm_job

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
d = tempdir()
data = data_file(d, n_train=4 * 40)  # S = 40: 5 windows of 8 per epoch
job = write_lm_job(d, data, name="lm", optimizer="adam", lr=0.01, clip=0.5, every=1)

# Resume bitwise: cut at step 7 (window 1 of epoch 2: the state was reset at step 5 and carried since).
full = os.path.join(d, "full")
run(["train", job, "--run-dir", full], np_=2)
for cut_step in (7,):
    cut = os.path.join(d, f"cut{cut_step}")
    run(["train", job, "--run-dir", cut, "--set", f"train.max_steps={cut_step}"], np_=2)
    hidden = tensors(latest_checkpoint(cut), group="family")["hidden"]
    check(hidden.shape == (4, 2 * 2 * 10) and abs(hidden).max() > 0,
          f"cut at {cut_step}: /family/hidden {hidden.shape} should hold the carried h and c of 4 streams")
    run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
    for group in ("model", "optimizer", "family"):
        compare(latest_checkpoint(cut), latest_checkpoint(full), group=group)
    check(metrics(cut)[-1]["test_loss"] == metrics(full)[-1]["test_loss"], f"cut at {cut_step}: test_loss differs")
    print(f"cut at step {cut_step}, resumed: bitwise equal to the uninterrupted run (carried state included)")

# generate: the prime, then n tokens of the vocabulary; repeatable with --seed.
ckpt = latest_checkpoint(full)
outs = {}
for seed in (3, 3, 4):
    _, out, _, _ = run(["generate", ckpt, "--prime", "ab", "--n", "60", "--seed", seed, "--temperature", "0.9"])
    text = out.rstrip("\n")
    check(text.startswith("ab") and len(text) == 62 and all(ord(c) in UNITS for c in text),
          f"generate printed {out!r}")
    outs.setdefault(seed, []).append(text)
check(outs[3][0] == outs[3][1], f"--seed 3 twice gave {outs[3]}")
check(outs[3][0] != outs[4][0], "--seed 3 and --seed 4 gave the same text")
print(f"generate --seed 3: {outs[3][0]!r} (twice the same; --seed 4 differs)")


def refused(args, words, np_=2):
    rd = os.path.join(d, "bad")
    rc, out, err, _ = run(args + ["--run-dir", rd] if args[0] == "train" else args, np_=np_, expect_ok=False)
    check(rc != 0, f"{args}: expected an error, exit {rc}")
    for w in words:
        check(w in err, f"{args}: expected {w!r} in the error, found {err!r}")
    check(not os.path.exists(rd), f"{args}: {rd} was written before the error")
    print("refused:", next(line for line in err.splitlines() if "error" in line))


refused(["train", write_lm_job(d, data, name="v8", vocab=8)], ["token id", "num_embeddings 8", "row"])
refused(["train", write_lm_job(d, data, name="b0", bptt=0)], ["model.language_model.bptt", ">= 1"], np_=1)
refused(["train", write_lm_job(d, data, name="b99", bptt=99)], ["bptt 99 is longer than a stream"], np_=1)

# generate given a regressor's checkpoint (the worked backprop example).
subprocess.run([sys.executable, os.path.join(ROOT, "tests", "fixtures", "make_backprop_example.py"), "data"],
               cwd=d, check=True)
reg = os.path.join(d, "reg")
run(["train", os.path.join(ROOT, "jobs", "backprop_example.yaml"), "--init-from",
     os.path.join("data", "backprop_example_init.h5"), "--run-dir", reg], cwd=d)
refused(["generate", latest_checkpoint(reg)], ["language_model", "regressor"], np_=None)
cleanup(d)
