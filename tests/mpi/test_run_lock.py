"""Two runs into one run directory: while a run trains, a second `ctrain
train --run-dir` (and a `--resume`) of that directory fails at once with an
error naming the directory and the process that holds it, and the first run
ends as an uninterrupted one does, bitwise; once it has ended, the
directory resumes."""
import os
import signal
import subprocess
import time

from ctrain_test import CTRAIN, check, cleanup, compare, latest_checkpoint, mpi_prefix, run, tempdir, write_job

d = tempdir()
job = write_job(d, name="lock", epochs=40, batch=100)
busy = os.path.join(d, "busy")
first = subprocess.Popen(mpi_prefix(2) + [CTRAIN, "train", job, "--run-dir", busy], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
deadline = time.time() + 120
# Its first checkpoint written: a --resume has something to resume before it meets the lock.
while not os.path.exists(os.path.join(busy, "checkpoints", "latest")) and first.poll() is None and \
        time.time() < deadline:
    time.sleep(0.1)
with open(os.path.join(busy, ".lock")) as f:
    holder = f.read().strip()
# Rank 0 (the lock's holder) stopped, so that the first run is surely still running, and
# its lock held, while the others try; rank 1 waits for it in the next collective.
os.kill(int(holder), signal.SIGSTOP)
try:
    check(first.poll() is None, "test bug: the first run ended before the second could start; give it more epochs")
    for args in (["train", job, "--run-dir", busy], ["train", "--resume", busy]):
        rc, out, err, seconds = run(args, np_=2, expect_ok=False)
        ours = [line for line in err.splitlines() if line.startswith("ctrain: error:")]
        check(rc != 0 and len(ours) == 1, f"{args}: exit {rc}, stderr:\n{err}")
        check(f"{busy} is in use by another ctrain run (process {holder} " in ours[0], f"the message: {ours[0]}")
        check(seconds < 10, f"{args}: took {seconds:.1f} s")
finally:
    os.kill(int(holder), signal.SIGCONT)
out, err = first.communicate(timeout=600)
check(first.returncode == 0, f"the first run failed:\n{out}\n{err}")
alone = os.path.join(d, "alone")
run(["train", job, "--run-dir", alone], np_=2)
compare(latest_checkpoint(busy), latest_checkpoint(alone))
run(["train", "--resume", busy, "--set", "train.epochs=41"], np_=2)
check(latest_checkpoint(busy).endswith("step-1640.h5"), f"the resume after the lock's release: {latest_checkpoint(busy)}")
print(f"a second run and a resume into a busy run directory were refused (lock held by process {holder}); "
      "the first run == an uninterrupted one, bitwise; the directory resumed once free")
cleanup(d)
