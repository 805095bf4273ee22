"""Dead ranks: kill -9 of a random rank at a random point of the run, ten
times over one run directory (as a job requeued after each loss would do).
The point is a random number of steps (10-80) after the run (re)starts,
read from its step lines, so that it does not depend on the machine's
speed; checkpoints come every 15 steps, so kills land before, during and
after their writes. Each time the job exits non-zero within 10 s, the
newest checkpoint loads (`ctrain eval`), and the same command continues
the run from it; the run's end is bitwise equal to an uninterrupted run.
The seed of the random draws is printed, and CT_KILL_SEED repeats it."""
import os
import random
import re
import signal
import subprocess
import threading
import time

from ctrain_test import CTRAIN, check, cleanup, compare, latest_checkpoint, mpi_prefix, run, tempdir, write_job

RANKS, KILLS = 3, 10
seed = int(os.environ.get("CT_KILL_SEED", time.time_ns() % 1000000))
rng = random.Random(seed)
print(f"random draws from CT_KILL_SEED={seed}")
d = tempdir()
job = write_job(d, name="dead", epochs=60, batch=100)
with open(job) as f:
    text = f.read()
with open(job, "w") as f:  # a checkpoint every 15 steps as well, the newest 3 kept; a line every 5 steps
    f.write(text.replace("  every_epoch: true\n  keep: 0", "  every_epoch: true\n  every_steps: 15\n  keep: 3")
            .replace("  eval_batch_size: 500", "  eval_batch_size: 500\n  log_every_steps: 5"))
whole, killed = os.path.join(d, "whole"), os.path.join(d, "killed")
run(["train", job, "--run-dir", whole], np_=RANKS)
env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
cmd = mpi_prefix(RANKS) + [CTRAIN, "train", job, "--run-dir", killed]
exits, kills = [], 0
STEP = re.compile(r"^epoch \d+/\d+ step (\d+) ")
while kills < KILLS:
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(120, p.kill)  # a run that stops printing fails the test, not hangs it
    watchdog.start()
    wait_steps, first, step = rng.randint(10, 80), None, None
    for line in p.stdout:
        m = STEP.match(line)
        if m:
            step = int(m.group(1))
            first = step if first is None else first
            if step - first >= wait_steps:
                break
    watchdog.cancel()
    ranks = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    if p.poll() is not None or len(ranks) != RANKS:
        out, err = p.communicate(timeout=60)
        check(False, f"the run ended before kill {kills + 1} (exit {p.returncode}, step {step}): give the job more "
              f"epochs\nstderr:\n{err}")
    victim = rng.choice(ranks)
    t0 = time.time()
    os.kill(int(victim), signal.SIGKILL)
    out, err = p.communicate(timeout=60)
    seconds = time.time() - t0
    kills += 1
    exits.append(seconds)
    check(p.returncode != 0, f"kill {kills}: mpirun exited 0 after a rank was killed")
    check(seconds < 10, f"kill {kills}: mpirun took {seconds:.1f} s to exit")
    position = "before its first checkpoint"
    if os.path.exists(os.path.join(killed, "checkpoints", "latest")):
        newest = latest_checkpoint(killed)
        rc, eval_out, eval_err, _ = run(["eval", newest], expect_ok=False)
        check(rc == 0 and "accuracy=" in eval_out, f"kill {kills}: the newest checkpoint {newest} does not load: "
              f"exit {rc}\n{eval_err}")
        position = f"newest checkpoint {os.path.basename(newest)} loads"
    print(f"kill {kills}: rank pid {victim} at step {step} ({step - first} after the run's (re)start); "
          f"mpirun exited {p.returncode} within {seconds:.2f} s; {position}")
out = run(["train", job, "--run-dir", killed], np_=RANKS)[1]
check("done:" in out, f"the last run did not finish:\n{out}")
compare(latest_checkpoint(killed), latest_checkpoint(whole))
print(f"{KILLS} kills, exits within {min(exits):.2f}-{max(exits):.2f} s; the run continued to its end bitwise equal "
      f"to an uninterrupted run")
cleanup(d)
