"""All the speed figures, side by side in one run (ratios, since
the machine is noisy). Usage, after building into BUILD (default build/):

    /usr/bin/python3 tests/bench/run_benchmarks.py [BUILD]

1. engine training steps vs PyTorch, batch 128, one thread each:
   bench_X_step vs torch_X_step.py for the MLP 784-256-128-10 (SGD
   momentum), a dense autoencoder and a convolutional one (Adam, MSE);
   and a language model (embedding, lstm/gru/rnn of 256, linear per step,
   Adam), batch 32 of 64 steps: bench_lm_step vs torch_lm_step.py; and a
   GAN round (MLP G 64-256-784, D 784-256-1, Adam): `ctrain train
   tests/bench/gan_round.yaml` on one rank (the whole family step, data
   included) vs torch_gan_step.py;
2. weak scaling of `ctrain train` on Fashion-MNIST: 128 samples per rank,
   1 rank vs 2 ranks (one BLAS thread each), global samples/s;
3. the data reader (data store exchange, bench_datastore) vs what training
   consumes, both at 2 ranks with a global batch of 256;
4. the DQN update (q 4-128-128-2 and its target, batch 128 from a replay
   memory, Double DQN, Huber, clipping, Adam), one thread: bench_dqn_step vs
   torch_dqn_step.py; and CartPole-v1's environment steps/s alone
   (bench_env_steps).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
CTRAIN = os.path.join(BUILD, "ctrain")
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_MCA_btl="self,vader")
# mpirun's default binding (a core per rank): unbound ranks migrate and scale worse here.
MPI = ["mpirun"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])


def sh(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def rate(text):
    return float(re.search(r"best [0-9.]+ ms/step, ([0-9.]+) (?:samples|tokens)/s", text).group(1))


def train_rate(data, ranks, batch, tmp, job="tests/bench/weak_scaling.yaml"):
    """Training samples/s of `ctrain train` (best of 2 epochs, from metrics.jsonl)."""
    run_dir = tempfile.mkdtemp(dir=tmp)
    sh(MPI + ["-np", str(ranks), CTRAIN, "train", job, "--run-dir", run_dir,
              "--set", f"data.path={data}", "--set", f"train.batch_size={batch}",
              "--set", "train.epochs=2", "--set", "output.progress=none"])
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return max(json.loads(line)["samples_per_s"] for line in f)


def main():
    print(f"# benchmarks, {os.cpu_count()} cores, build {BUILD}")
    for label, name, steps, target in (("1. MLP 784-256-128-10, SGD momentum", "mlp", 300, "target >= 1.2"),
                                       ("1b. dense AE 784-256-64-256-784, Adam", "dense_ae", 300, "target >= 1.0"),
                                       ("1c. conv AE (conv/conv_transpose), Adam", "conv_ae", 100,
                                        "target >= 1.0, aim 1.5")):
        ours = rate(sh([os.path.join(BUILD, "tests", "bench", f"bench_{name}_step"), str(steps)]))
        torch = rate(sh(["/usr/bin/python3", os.path.join(ROOT, "tests", "bench", f"torch_{name}_step.py"),
                         str(steps)]))
        print(f"{label}, batch 128, 1 thread: ctrain {ours:.0f} samples/s, PyTorch {torch:.0f} samples/s: "
              f"ratio {ours / torch:.2f} ({target})")
    for cell, target in (("lstm", "target >= 1.2"), ("gru", "target >= 1.2"), ("rnn", "target >= 1.5")):
        # Best of three, interleaved, as PyTorch's own timing varies by a third from run to run here.
        ours, torch = 0.0, 0.0
        for _ in range(3):
            ours = max(ours, rate(sh([os.path.join(BUILD, "tests", "bench", "bench_lm_step"), cell, "20"])))
            torch = max(torch, rate(sh(["/usr/bin/python3", os.path.join(ROOT, "tests", "bench", "torch_lm_step.py"),
                                        cell, "20"])))
        print(f"1d. language model, {cell} 256, batch 32 x 64 steps, Adam, 1 thread: ctrain {ours:.0f} tokens/s, "
              f"PyTorch {torch:.0f} tokens/s: ratio {ours / torch:.2f} ({target})")

    # Best of three, interleaved, as in 1d.
    ours, torch = 0.0, 0.0
    for _ in range(3):
        ours = max(ours, rate(sh([os.path.join(BUILD, "tests", "bench", "bench_dqn_step"), "2000"])))
        torch = max(torch, rate(sh(["/usr/bin/python3", os.path.join(ROOT, "tests", "bench", "torch_dqn_step.py"),
                                    "2000"])))
    print(f"4. DQN update 4-128-128-2, batch 128 from a replay, double DQN, Huber, Adam, 1 thread: ctrain "
          f"{ours:.0f} samples/s, PyTorch {torch:.0f} samples/s: ratio {ours / torch:.2f} (target >= 3)")
    env = sh([os.path.join(BUILD, "tests", "bench", "bench_env_steps"), "CartPole-v1"])
    print("4b. " + env.strip())

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "fashion.h5")
        sh([CTRAIN, "data", "import", "fashion-mnist", "--out", data])
        # Best of three, interleaved: other load on the machine hits both sides alike.
        one, two = 0.0, 0.0
        for _ in range(3):
            one = max(one, train_rate(data, 1, 128, tmp))
            two = max(two, train_rate(data, 2, 256, tmp))
        ours, torch = 0.0, 0.0
        for _ in range(2):
            ours = max(ours, train_rate(data, 1, 128, tmp, "tests/bench/gan_round.yaml"))
            torch = max(torch, rate(sh(["/usr/bin/python3", os.path.join(ROOT, "tests", "bench", "torch_gan_step.py")])))
        print(f"1e. GAN round, MLP G 64-256-784 and D 784-256-1, batch 128, Adam, 1 thread: ctrain train "
              f"{ours:.0f} samples/s, PyTorch {torch:.0f} samples/s: ratio {ours / torch:.2f} (target >= 1.5)")
        print(f"2. weak scaling, 128 samples per rank: 1 rank {one:.0f} samples/s, 2 ranks {two:.0f} samples/s: "
              f"ratio {two / one:.2f} (target >= 1.8)")
        out = sh(MPI + ["-np", "2", os.path.join(BUILD, "tests", "bench", "bench_datastore"), data, "256", "2000"])
        reader = float(re.search(r"batches/s, ([0-9.]+) samples/s", out).group(1))
        print(f"3. data reader at 2 ranks: {reader:.0f} samples/s delivered, training consumes {two:.0f} samples/s: "
              f"ratio {reader / two:.1f} (target >= 5)")
        print("   " + out.strip())


main()
