"""Silent and slow ranks. A rank stopped with SIGSTOP holds the others in
their next collective: with train.collective_timeout_s 3 the waiting ranks
print the step and the operation they waited in, and the job ends with
MPI_Abort, status 69, within the timeout plus 15 s. A rank slowed down
(`nice -n 10` on a core shared with a busy process) is named in every
epoch line and record as the slowest rank, its compute time well above
the mean."""
import os
import random
import re
import signal
import subprocess
import time

from ctrain_test import CTRAIN, check, cleanup, metrics, mpi_prefix, tempdir, write_job

TIMEOUT_S = 3
d = tempdir()
env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
job = write_job(d, name="silent", epochs=400, batch=100)

# SIGSTOP of a random rank once the run has made steps.
run_dir = os.path.join(d, "stopped")
cmd = mpi_prefix(3) + [CTRAIN, "train", job, "--run-dir", run_dir, "--set", f"train.collective_timeout_s={TIMEOUT_S}"]
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
deadline = time.time() + 120
while not os.path.exists(os.path.join(run_dir, "metrics.jsonl")) and p.poll() is None and time.time() < deadline:
    time.sleep(0.05)
ranks = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
check(p.poll() is None and len(ranks) == 3, f"test bug: the run is not running 3 ranks (exit {p.poll()})")
victim = int(random.choice(ranks))
t0 = time.time()
os.kill(victim, signal.SIGSTOP)
try:
    out, err = p.communicate(timeout=TIMEOUT_S + 15)
except subprocess.TimeoutExpired:
    p.kill()
    os.kill(victim, signal.SIGKILL)
    out, err = p.communicate()
    check(False, f"the job did not end within {TIMEOUT_S + 15} s of a rank's SIGSTOP\nstderr:\n{err}")
seconds = time.time() - t0
subprocess.run(["pkill", "-KILL", "-P", str(p.pid)])
waits = re.findall(r"rank (\d) of 3 \(.*?\): watchdog: step (\d+): waited ([0-9.]+) s in ([^,]+), longer than "
                   r"train.collective_timeout_s 3", err)
check(p.returncode == 69, f"exit status {p.returncode}, expected 69\nstderr:\n{err}")
check(waits, f"no rank printed the watchdog's message\nstderr:\n{err}")
check(all(float(w[2]) >= TIMEOUT_S for w in waits), f"a rank gave up before the timeout: {waits}")
print(f"SIGSTOP of one of 3 ranks: the job ended with status 69 {seconds:.1f} s later (timeout {TIMEOUT_S} s); "
      f"{len(waits)} rank(s) said where they waited, e.g. rank {waits[0][0]} at step {waits[0][1]}: {waits[0][2]} s in "
      f"{waits[0][3]}")

# A straggler: rank 1, niced, shares core 1 with a busy process; rank 0 has
# core 0. (Without nice, the time a rank yields while it waits in MPI earns
# it the scheduler's credit, and it computes at full speed even beside
# busy processes: its slowness then shows only in the others' waits.)
job = write_job(d, name="straggler", epochs=2, batch=200)
with open(job) as f:
    text = f.read()
with open(job, "w") as f:
    f.write(text.replace("out_features: 64", "out_features: 256"))
run_dir = os.path.join(d, "straggler")
hogs = [subprocess.Popen(["taskset", "-c", "1", "sh", "-c", "while :; do :; done"]) for _ in range(1)]
try:
    cmd = (mpi_prefix(1) + ["taskset", "-c", "0", CTRAIN, "train", job, "--run-dir", run_dir] + [":", "-np", "1"] +
           ["taskset", "-c", "1", "nice", "-n", "10", CTRAIN, "train", job, "--run-dir", run_dir])
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
finally:
    for h in hogs:
        h.kill()
check(p.returncode == 0, f"the straggler run failed: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
epochs = metrics(run_dir)
lines = re.findall(r"compute mean ([0-9.]+) s, slowest rank (\d+) ([0-9.]+) s \(([0-9.]+)x\)", p.stdout)
check(len(lines) == len(epochs) == 2, f"expected 2 epoch lines with the ranks' timing:\n{p.stdout}")
for e in epochs:
    ratio = e["compute_seconds_max"] / e["compute_seconds_mean"]
    print(f"epoch {e['epoch']}: slowest rank {e['slowest_rank']}, compute {e['compute_seconds_max']:.2f} s vs "
          f"mean {e['compute_seconds_mean']:.2f} s ({ratio:.2f}x)")
    # Named every epoch; by how much varies with what else the machine runs (1.25x-1.80x seen).
    check(e["slowest_rank"] == 1 and ratio > 1.1, f"epoch {e['epoch']}: the slowed rank 1 was not named: {e}")
print("the slowed rank is named in every epoch's line and record")
cleanup(d)
