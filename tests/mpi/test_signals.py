"""Stopping on a signal: SIGTERM, SIGINT and SIGUSR1 sent to mpirun (which
passes them on to the ranks) and SIGINT to a single process stop the run at
the next step boundary with a checkpoint of that very step, a `stopped by`
line, and exit status 75 (stopped, resumable) where the launcher passes the
ranks' status on (mpirun forwards SIGUSR1 and passes 75 on; it answers
SIGTERM and SIGINT by sending the ranks SIGTERM and reports its own non-zero
status). Resuming then ends bitwise
equal to an uninterrupted run, with --resume or (SIGUSR1's case, as a
requeued batch script would) by the same `train JOB --run-dir DIR` command
again; another job into that directory is refused."""
import os
import re
import signal
import subprocess
import time

from ctrain_test import CTRAIN, check, cleanup, compare, latest_checkpoint, mpi_prefix, run, tempdir, write_job

d = tempdir()
job = write_job(d, name="signals", epochs=40, batch=100)
whole = {2: os.path.join(d, "whole2"), None: os.path.join(d, "whole1")}
for ranks, run_dir in whole.items():
    run(["train", job, "--run-dir", run_dir], np_=ranks)
env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
for sig, ranks in ((signal.SIGTERM, 2), (signal.SIGINT, 2), (signal.SIGUSR1, 2), (signal.SIGINT, None)):
    name = signal.Signals(sig).name
    run_dir = os.path.join(d, f"{name}-{ranks}")
    cmd = (mpi_prefix(ranks) if ranks else []) + [CTRAIN, "train", job, "--run-dir", run_dir]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(run_dir, "metrics.jsonl")) and p.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    check(p.poll() is None, f"{name}: test bug: the run ended before the signal; give it more epochs")
    t0 = time.time()
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    seconds = time.time() - t0
    m = re.search(r"stopped by (\w+) at epoch (\d+), step (\d+): checkpoint (\S+);", out)
    check(m is not None, f"{name}: no 'stopped by' line; exit {p.returncode}\nstdout:\n{out}\nstderr:\n{err}")
    # mpirun answers SIGTERM and SIGINT by sending the ranks SIGTERM (then SIGKILL, later).
    arrived = "SIGTERM" if ranks and sig != signal.SIGUSR1 else name
    check(m.group(1) == arrived, f"{name}: the line names {m.group(1)}, expected {arrived}")
    step = int(m.group(3))
    check(m.group(4) == latest_checkpoint(run_dir) and latest_checkpoint(run_dir).endswith(f"step-{step}.h5"),
          f"{name}: the checkpoint {m.group(4)}, latest {latest_checkpoint(run_dir)}")
    expected = 75 if sig == signal.SIGUSR1 or not ranks else None
    check(p.returncode == expected if expected else p.returncode != 0, f"{name}: exit status {p.returncode}")
    check(seconds < 10, f"{name}: took {seconds:.1f} s to stop")
    if sig == signal.SIGUSR1:
        # What a requeued batch script does: the same command again continues the run.
        rc, out, err, _ = run(["train", job, "--run-dir", run_dir, "--set", "optimizer.lr=0.1"], np_=ranks,
                              expect_ok=False)
        check(rc == 1 and f"--run-dir {run_dir} holds checkpoints of another job" in err,
              f"another job into the directory: exit {rc}\n{err}")
        out = run(["train", job, "--run-dir", run_dir], np_=ranks)[1]
        check("resuming from" in out, f"the same command again did not resume:\n{out}")
    else:
        run(["train", "--resume", run_dir], np_=ranks)
    compare(latest_checkpoint(run_dir), latest_checkpoint(whole[ranks]))
    print(f"{name} to {'mpirun -np 2' if ranks else 'one process'}: stopped at step {step} within {seconds:.1f} s, "
          f"exit {p.returncode}, checkpoint of that step; resumed == uninterrupted, bitwise")
cleanup(d)
