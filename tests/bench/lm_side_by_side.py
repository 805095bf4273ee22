"""A ctrain language model run against the same model trained in PyTorch
1.13 from the same initial weights on the same windows for the same budget
(word_language_model's loop: train.batch_size streams, windows of bptt
tokens, hidden state carried and detached, reset each epoch; Adam with
clip_grad_norm_), compared on the validation loss (target: ctrain <= 1.02x
PyTorch's). Not part of CI. Usage:

    /usr/bin/python3 tests/bench/lm_side_by_side.py JOB.yaml RUN_DIR [BUILD]

RUN_DIR is a finished `ctrain train JOB.yaml --run-dir RUN_DIR`; the
initial weights are ctrain's own for the job's seed, taken from a
one-step run at learning rate 1e-30 (an Adam step of about 1e-30 leaves every weight as it
was): BUILD/ctrain train JOB.yaml --set optimizer.lr=1e-30 --set
train.max_steps=1. PyTorch runs on 1 thread (2 intra-op threads on 2 busy cores were over 5x slower)."""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import h5py
import torch
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.join(ROOT, "tests", "fixtures"))
import torch_lm  # noqa: E402  (the same model and loop as tests/mpi/test_lm_parity.py)


def initial_weights(job, build):
    d = tempfile.mkdtemp(prefix="lm-init-")
    subprocess.run([os.path.join(build, "ctrain"), "train", job, "--run-dir", os.path.join(d, "run"), "--set",
                    "optimizer.lr=1e-30", "--set", "train.max_steps=1", "--set", "output.progress=none"], check=True)
    ckpts = os.path.join(d, "run", "checkpoints")
    with open(os.path.join(ckpts, "latest")) as f, h5py.File(os.path.join(ckpts, f.read().strip()), "r") as h:
        return {k: torch.tensor(h["model"][k][()]) for k in h["model"]}


def main():
    job_path, run_dir = sys.argv[1], sys.argv[2]
    build = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "build")
    torch.set_num_threads(1)
    with open(job_path) as f:
        job = yaml.safe_load(f)
    lm, opt_cfg, train = job["model"].get("language_model", {}), job["optimizer"], job["train"]
    bptt, eval_streams = lm.get("bptt", 35), lm.get("eval_streams", 10)
    with h5py.File(os.path.join(ROOT, job["data"]["path"]) if not os.path.isabs(job["data"]["path"])
                   else job["data"]["path"], "r") as f:
        train_ids, test_ids = f["train/tokens"][()], f["test/tokens"][()]
    model = torch_lm.from_layers(job["model"]["networks"][0]["layers"])
    model.load_state_dict(initial_weights(job_path, build))
    opt = torch.optim.Adam(model.parameters(), lr=opt_cfg["lr"])
    data = torch_lm.streams(train_ids, train["batch_size"])
    test = torch_lm.streams(test_ids, eval_streams)
    t0, losses = time.time(), []
    for epoch in range(train.get("epochs", 1)):
        torch_lm.train(model, data, bptt, opt, opt_cfg.get("clip_grad_norm", 0), epochs=1)
        losses.append(torch_lm.evaluate(model, test, bptt))
        print(f"pytorch epoch {epoch + 1}: test_loss {losses[-1]:.4f} ({time.time() - t0:.0f} s)", flush=True)
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        ours = [r["test_loss"] for r in map(json.loads, f) if r.get("type", "epoch") == "epoch"]
    ln2 = math.log(2)
    print(f"{job['name']}: validation loss ctrain {ours[-1]:.4f} nats ({ours[-1] / ln2:.4f} bits), "
          f"PyTorch {losses[-1]:.4f} nats ({losses[-1] / ln2:.4f} bits): ratio {ours[-1] / losses[-1]:.4f} "
          f"(target <= 1.02)")


if __name__ == "__main__":
    main()
