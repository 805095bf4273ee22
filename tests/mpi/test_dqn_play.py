"""`ctrain play` on DQN checkpoints:
1. the summary line's format, its mean and std recomputed from the
   per-episode returns (--returns), the same numbers on a second run, and
   with the job's seed the training's last greedy evaluation
   (test_mean_return: the same episodes);
2. --png: a valid PNG of the size the layout gives for the printed episode
   length, at CartPole's 180x120 and Acrobot's 120x120 frames;
3. bad input, each a one-line error with a non-zero exit and no picture:
   a classifier checkpoint, an unknown environment, one q does not fit,
   bad numbers, --every without --png, a missing checkpoint, a PNG in a
   missing directory, two ranks."""
import os
import re

import numpy as np

from ctrain_test import check, cleanup, metrics, png_check, png_size, run, tempdir, write_job

d = tempdir()

JOB = """\
name: dqn_play
seed: 2
model:
  family: dqn
  dqn:
    env: {env}
    replay_capacity: 10000
    learning_starts: 500
    train_every: 128
    gradient_steps: 64
    target_update_every: 64
    epsilon_decay_steps: 2000
    eval_episodes: 10
  networks:
    - name: q
      layers:
        - linear: {{out_features: 32}}
        - relu
        - linear: {{out_features: {actions}}}
optimizer: {{type: adam, lr: 0.0023, clip_grad_norm: 10}}
train: {{epochs: 2, steps_per_epoch: 2000, batch_size: 64}}
checkpoint: {{keep: 0}}
output: {{progress: lines, tensorboard: false}}
"""


def train(env, actions):
    job = os.path.join(d, f"{env}.yaml")
    with open(job, "w") as f:
        f.write(JOB.format(env=env, actions=actions))
    run_dir = os.path.join(d, env)
    run(["train", job, "--run-dir", run_dir])
    return run_dir


SUMMARY = re.compile(r"^mean_return=(-?\d+\.\d{6}) std=(\d+\.\d{6}) episodes=(\d+) env=(\S+) seed=(\d+)$", re.M)


def summary(out):
    m = SUMMARY.search(out)
    check(m is not None, f"no 'mean_return=... std=... episodes=...' line in:\n{out}")
    return float(m.group(1)), float(m.group(2)), int(m.group(3)), m.group(4), int(m.group(5))


def strip_size(out, frame_w, every):
    """The PNG's size the layout gives (env_strip.c) for the episode length that play printed."""
    m = re.search(r"(\d+) frames of episode 0 \((\d+) steps, return (\S+)\), every (\d+) steps, (\d+)x(\d+) pixels", out)
    check(m is not None, f"no frames line in:\n{out}")
    steps = int(m.group(2))
    frames = steps // every + 1 + (steps % every != 0)
    cols, rows = min(frames, 10), (frames + 9) // 10
    want = (20 + cols * frame_w + (cols - 1) * 6, 20 + 24 + rows * 136 + (rows - 1) * 6)
    check(int(m.group(1)) == frames and (int(m.group(5)), int(m.group(6))) == want,
          f"the printed layout {m.group(0)!r}, expected {frames} frames of {want}")
    return want, steps, float(m.group(3))


cart = train("CartPole-v1", 2)

# 1. The summary, recomputed; repeatable; the training's evaluation.
_, out, _, _ = run(["play", cart, "--episodes", 30, "--returns"])
mean, std, n, env, seed = summary(out)
eps = [(int(e), float(r), int(t)) for e, r, t in re.findall(r"^episode=(\d+) return=(\S+) steps=(\d+)$", out, re.M)]
returns = np.array([r for _, r, _ in eps])
check([e for e, _, _ in eps] == list(range(30)) and n == 30 and env == "CartPole-v1" and seed == 2,
      f"episodes {[e for e, _, _ in eps]}, summary {mean, std, n, env, seed}")
check(all(r == t for _, r, t in eps), f"CartPole's return is its length: {eps}")
check(abs(returns.mean() - mean) < 1e-6 and abs(returns.std() - std) < 1e-6,
      f"mean {mean} std {std}; recomputed {returns.mean()} {returns.std()} from {returns}")
_, again, _, _ = run(["play", os.path.join(cart, "checkpoints", "latest"), "--episodes", 30])
check(summary(again)[:2] == (mean, std), f"a second play: {again}")
last_eval = metrics(cart)[-1]["test_mean_return"]
_, out10, _, _ = run(["play", cart, "--episodes", 10])
check(abs(summary(out10)[0] - last_eval) < 1e-6, f"play's 10 episodes {out10} != training's last evaluation {last_eval}")
_, other, _, _ = run(["play", cart, "--episodes", 30, "--seed", 99])
check(summary(other)[4] == 99, f"--seed 99: {other}")
print(f"CartPole: mean_return {mean} std {std} over 30 episodes (recomputed from --returns), "
      f"== training's evaluation {last_eval} over its 10; seed 99: {summary(other)[0]}")

# 2. Frame strips.
png = os.path.join(d, "cart.png")
_, out, _, _ = run(["play", cart, "--episodes", 3, "--png", png, "--every", 25])
want, steps, ret = strip_size(out, 180, 25)
with open(png, "rb") as f:
    check(png_check(f.read(), png)[:2] == want, f"{png}: {png_size(png)}, expected {want}")
check(ret == eps[0][1], f"the drawn episode is episode 0: return {ret}, --returns said {eps[0]}")
acro = train("Acrobot-v1", 3)
apng = os.path.join(d, "acrobot.png")
_, out, _, _ = run(["play", acro, "--episodes", 2, "--png", apng])
awant, asteps, _ = strip_size(out, 120, 10)
with open(apng, "rb") as f:
    check(png_check(f.read(), apng)[:2] == awant, f"{apng}: {png_size(apng)}, expected {awant}")
print(f"strips: CartPole {steps} steps every 25 -> {want}, Acrobot {asteps} steps every 10 -> {awant}; "
      f"Acrobot {summary(out)[0]}")

# 3. Bad input.
clf = os.path.join(d, "clf")
run(["train", write_job(d, epochs=1), "--run-dir", clf])
out_png = os.path.join(d, "bad.png")
bad = [
    ([clf], "play: " + clf, "model.family is classifier; expected dqn"),
    ([cart, "--env", "Pong-v5"], "play: --env: expected one of CartPole-v1, Acrobot-v1, found 'Pong-v5'", ""),
    ([cart, "--env", "Acrobot-v1"], "play: --env Acrobot-v1: its observations have 6 values and it has 3 actions",
     "takes 4 values and gives 2"),
    ([cart, "--episodes", 0], "play: --episodes expects a whole number in [1, 1000000], found '0'", ""),
    ([cart, "--episodes", "ten"], "play: --episodes expects a whole number", "found 'ten'"),
    ([cart, "--seed", "-1"], "play: --seed expects a whole number", ""),
    ([cart, "--png", out_png, "--every", 0], "play: --every expects a whole number in [1, 1000000]", ""),
    ([cart, "--every", 5], "play: --every sets the frames of --png", ""),
    ([os.path.join(d, "nothing")], "nothing", ""),
    ([cart, "--png", os.path.join(d, "no", "dir", "x.png")], "play: --png", "x.png"),
    ([cart, "--episodes"], "play: --episodes needs a value", ""),
]
for args, msg, also in bad:
    rc, out, err, _ = run(["play", *args], expect_ok=False)
    lines = err.strip().splitlines()
    check(rc != 0 and len(lines) == 1 and lines[0].startswith("ctrain: error: ") and msg in err and also in err,
          f"play {args}: exit {rc}, expected one error line with {msg!r} and {also!r}:\n{out}{err}")
    check(not os.path.exists(out_png), f"play {args} wrote {out_png}")
rc, out, err, _ = run(["play", cart], np_=2, expect_ok=False)
check(rc != 0 and "play runs as one process" in out + err, f"2 ranks: exit {rc}\n{out}{err}")
print(f"{len(bad) + 1} bad inputs refused")
cleanup(d)
