"""The DQN family on CartPole-v1, end to end:
1. learning happens at 1 and 2 ranks (Ape-X actors): after 15,000
   environment steps per rank the mean return of the last 100 episodes and
   of the greedy evaluation are far above a random policy's ~22;
2. a 2-rank run stopped mid-epoch (max_steps) and resumed ends bitwise equal
   to an uninterrupted one: weights, optimizer, replay shards, environments,
   counters and the metric records;
3. the exploration rate of each rank: Ape-X's 0.4^(1 + 7 i / (N - 1)) at 3
   ranks, the schedule at 1 rank and with exploration: schedule;
4. bad input fails before anything is written, naming the field;
5. 3-step returns with prioritised replay learn at 2 ranks and resume
   bitwise (priority trees included); `ctrain plot` draws the learning
   curves of the runs."""
import os

import numpy as np

from ctrain_test import (check, cleanup, compare, latest_checkpoint, metrics, png_size, records, run, tempdir,
                         tensors)

d = tempdir()

JOB = """\
name: dqn_test
seed: 2
model:
  family: dqn
  dqn:
    replay_capacity: 20000
    learning_starts: 500
    train_every: 128
    gradient_steps: 64
    target_update_every: 64
    epsilon_end: 0.04
    epsilon_decay_steps: 4000
    eval_episodes: 10
  networks:
    - name: q
      layers:
        - linear: {out_features: 64}
        - relu
        - linear: {out_features: 64}
        - relu
        - linear: {out_features: 2}
optimizer: {type: adam, lr: 0.0023, clip_grad_norm: 10}
train: {epochs: 3, steps_per_epoch: 5000, batch_size: 64}
checkpoint: {keep: 0}
output: {progress: lines, tensorboard: false}
"""
job = os.path.join(d, "dqn.yaml")
with open(job, "w") as f:
    f.write(JOB)

# 1. Learning at 1 and 2 ranks.
for np_ in (1, 2):
    run_dir = os.path.join(d, f"np{np_}")
    _, out, _, secs = run(["train", job, "--run-dir", run_dir], np_=np_)
    m = metrics(run_dir)
    last = m[-1]
    best_eval = max(r["test_mean_return"] for r in m)
    check(last["mean_return_100"] > 60, f"np={np_}: mean return of the last 100 episodes {last['mean_return_100']}"
          f" after {last['step']} steps per rank: no better than random (~22)\n{out}")
    check(best_eval > 100, f"np={np_}: greedy evaluations {[r['test_mean_return'] for r in m]}\n{out}")
    check(sum(r["episodes"] for r in m) > 0 and last["updates"] == 5000 // 128 * 64, f"np={np_}: counts {last}")
    print(f"np={np_}: {secs:.1f} s, mean_return_100 {[r['mean_return_100'] for r in m]}, greedy "
          f"{[r['test_mean_return'] for r in m]}, q_mean {last['q_mean']:.2f}")

# 2. Bitwise resume at 2 ranks, cut mid-epoch.
strip = lambda recs: [{k: v for k, v in r.items() if k not in ("seconds", "steps_per_s", "compute_seconds_mean",
                                                                "compute_seconds_max", "slowest_rank")}
                      for r in recs]


def resume_check(name, full_dir, extra=()):
    cut = os.path.join(d, name)
    run(["train", job, "--run-dir", cut, "--set", "train.max_steps=7300", *extra], np_=2)
    run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
    full = latest_checkpoint(full_dir)
    for group in ("model", "optimizer", "family"):
        compare(latest_checkpoint(cut), full, group=group)
    check(strip(records(cut)) == strip(records(full_dir)), f"{name}: resumed metric records differ")
    return tensors(full, "family")


family = resume_check("cut", os.path.join(d, "np2"))
check(any(k.startswith("replay_obs/rank1") for k in family) and "updates" in family,
      f"the checkpoint's family state: {sorted(family)}")
print("2 ranks: stopped at step 7300 of 15000 and resumed == uninterrupted, bitwise (model, optimizer, replay, "
      "environments, counters, records)")

# 3. The exploration rate of each rank.
def epsilons(np_, *extra):
    run_dir = os.path.join(d, f"eps{np_}{len(extra)}")
    _, out, _, _ = run(["train", job, "--run-dir", run_dir, "--set", "train.max_steps=10", "--set",
                        "train.log_every_steps=10", "--set", "model.dqn.learning_starts=0", *extra], np_=np_)
    line = next((l for l in out.splitlines() if l.startswith("dqn: ")), None)
    check(line is not None, f"no 'dqn:' line in the output:\n{out}")
    ranks = [w.split("=") for w in line.split(":", 2)[2].split() if "=" in w]
    return {int(r): float(e) for r, e in ranks}, line, records(run_dir)[-1]


eps3, line, rec = epsilons(3)
want = [0.4 ** (1 + 7 * i / 2) for i in range(3)]
check(all(abs(eps3[i] - want[i]) < 1e-6 * want[i] for i in range(3)), f"Ape-X at 3 ranks: {line}, expected {want}")
check(abs(rec["epsilon"] - 0.4) < 1e-6, f"the epsilon metric is rank 0's: {rec}")
eps1, line, rec = epsilons(1)
check(eps1 == {0: 1.0} and "(schedule)" in line, f"one rank follows the schedule: {line}")
check(abs(rec["epsilon"] - (1 - 0.96 * 9 / 4000)) < 1e-6, f"schedule after 9 steps: {rec}")
eps2, line, _ = epsilons(2, "--set", "model.dqn.exploration=schedule")
check(eps2 == {0: 1.0, 1: 1.0}, f"exploration: schedule at 2 ranks: {line}")
_, _, rec = epsilons(3, "--set", "model.dqn.learning_starts=500")
check(rec["epsilon"] == 1.0, f"before learning starts every actor acts at random: {rec}")
print(f"epsilons: 3 ranks {eps3}, 1 rank {eps1}, schedule at 2 ranks {eps2}; 1 before learning starts")

# 4. Bad input, each an error before anything is written.
bad = [
    (["--set", "model.dqn.env=Pong-v5"], "model.dqn.env: expected one of CartPole-v1, Acrobot-v1, found 'Pong-v5'"),
    (["--set", "model.networks.0.layers.4.linear.out_features=3"], "CartPole-v1 has 2 actions"),
    (["--set", "model.networks.0.layers.0.linear.in_features=6"], "an observation of CartPole-v1: 4 values"),
    (["--set", "model.dqn.gamma=1.5"], "model.dqn.gamma: expected a number >= 0 and <= 1, found 1.5"),
    (["--set", "model.dqn.replay_capacity=10"], "model.dqn.replay_capacity: expected at least train.batch_size"),
    (["--set", "model.dqn.loss=cross_entropy"], "model.dqn.loss: expected huber or mse, found cross_entropy"),
    (["--set", "train.steps_per_epoch=0"], "train.steps_per_epoch"),
    (["--set", "model.dqn.n_step=0"], "model.dqn.n_step: expected a number of steps >= 1 and <= 64, found 0"),
    (["--set", "model.dqn.prioritized.alpha=-1"], "model.dqn.prioritized.alpha: expected a number >= 0"),
    (["--set", "model.dqn.prioritized.beta_start=2"], "model.dqn.prioritized.beta_start: expected a probability"),
]
for i, (args, msg) in enumerate(bad):
    run_dir = os.path.join(d, f"bad{i}")
    rc, out, err, _ = run(["train", job, "--run-dir", run_dir, *args], np_=1, expect_ok=False)
    check(rc == 1 and msg in out + err, f"{args}: exit {rc}, expected an error with {msg!r}:\n{out}{err}")
    check(not os.path.exists(os.path.join(run_dir, "checkpoints")), f"{args}: a checkpoint was written")
print(f"{len(bad)} bad inputs refused with their field named")

# 5. n-step returns and prioritised replay.
per = ["--set", "model.dqn.n_step=3", "--set", "model.dqn.prioritized_replay=true"]
per_dir = os.path.join(d, "per")
_, out, _, secs = run(["train", job, "--run-dir", per_dir, *per], np_=2)
m = metrics(per_dir)
check(max(r["test_mean_return"] for r in m) > 100 and m[-1]["mean_return_100"] > 60,
      f"3-step prioritised replay at 2 ranks: {[(r['mean_return_100'], r['test_mean_return']) for r in m]}\n{out}")
family = resume_check("per_cut", per_dir, per)
check({"replay_priority_sum/rank1", "nstep_rewards/rank0"} <= set(family), f"family state: {sorted(family)}")
print(f"3-step prioritised replay, 2 ranks: {secs:.1f} s, mean_return_100 {[r['mean_return_100'] for r in m]}, "
      f"greedy {[r['test_mean_return'] for r in m]}; resumed bitwise")
png = os.path.join(d, "curves.png")
run(["plot", os.path.join(d, "np1"), os.path.join(d, "np2"), per_dir, "--out", png, "--metric", "test_mean_return",
     "--metric", "mean_return_100"])
width, height = png_size(png)
check(width >= 400 and height >= 300, f"learning curves of {width}x{height}")
print(f"ctrain plot: learning curves {width}x{height}")
cleanup(d)
