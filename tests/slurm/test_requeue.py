"""Time limits, requeue and scancel under a real Slurm of two virtual nodes
(slurm_cluster.py), through jobs/slurm/fashion_mlp.sbatch and train.sh:

(a) submitted with --time=1 --signal=B:USR1@25, the job gets SIGUSR1 in its
    batch shell ahead of the limit, which passes it to srun and the ranks;
    they checkpoint and exit 75, the script requeues the job, and its next
    allocation resumes in the same run directory and finishes: at least two
    allocations (Restarts >= 1), final checkpoint bitwise equal to an
    uninterrupted mpirun -np 2 run;
(b) scancel of a running job leaves a resumable checkpoint: `ctrain train`
    with the same run directory (under mpirun) finishes the run, bitwise
    equal to the same uninterrupted run.

Slurm checks time limits, and sends --signal warnings, every 30 s: a job
with --time=1 --signal=B:USR1@25 gets its warning at the first check at or
after 5 s into the job (60 - 25 - 30). The test submits (a) held and
releases it 9 s before a check (slurmctld's debug2 log shows the checks), so
the warning comes ~8 s after the start instead of up to 35 s; (b) and the
uninterrupted run go first, while the first check (30 s after slurmctld
starts) comes near. So that the
training is longer than that on any machine, whatever its speed, the test
stops (SIGSTOP) the ranks of the first allocation once they catch SIGUSR1,
and continues them (SIGCONT) when the batch shell has passed the warning on.
A requeued job waits cred_expire + 1 s (slurm_cluster.py sets 5)."""
import atexit
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import slurm_cluster  # noqa: E402
from ctrain_test import CTRAIN, SMALL, check, cleanup, compare, latest_checkpoint, run, tempdir, write_job  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "jobs", "slurm", "fashion_mlp.sbatch")
LEAD = 25  # --signal=B:USR1@LEAD with --time=1: the warning at the first check >= 5 s into the job
t_start = time.time()
d = tempdir()
os.chmod(d, 0o755)  # munged runs as user munge
atexit.register(cleanup, d)  # registered first, so it runs after the cluster has stopped
cluster_dir = os.path.join(d, "slurm")
env = slurm_cluster.start(cluster_dir, ctld_debug="debug2")
print(f"two-node cluster up in {time.time() - t_start:.1f} s")
# The two nodes are one host to the kernel but two to Open MPI: TCP, not shared memory.
env.update(CTRAIN=CTRAIN, DATA=SMALL, CTRAIN_HOME=ROOT, OMPI_MCA_btl="self,tcp")
# 8 epochs of 40 steps (a few seconds); checkpoints at every epoch end.
job = write_job(d, name="rq", epochs=8)


def stamp(what):
    print(f"[{time.time() - t_start:5.1f} s] {what}", flush=True)


def sbatch(name, *args):
    """Submits the script for JOB into run directory NAME; returns (job id, run dir, output file)."""
    run_dir, out = os.path.join(d, name), os.path.join(d, name + ".out")
    job_id = slurm_cluster.submit(dict(env, JOB=job, RUN_DIR=run_dir), [
        "-N", "2", "--ntasks-per-node=1", "--cpus-per-task=1", f"--job-name={name}", f"--output={out}"]
        + list(args) + [SCRIPT], cwd=d)
    return job_id, run_dir, out


def text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def ranks(run_dir, catching=True):
    """Process ids of the ranks training into RUN_DIR (those that catch SIGUSR1 already, when catching)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/status") as f:
                caught = int(next(line for line in f if line.startswith("SigCgt:")).split()[1], 16)
        except (OSError, StopIteration):
            continue
        if argv[0] == CTRAIN.encode() and run_dir.encode() in argv and (caught & 1 << (signal.SIGUSR1 - 1)
                                                                          or not catching):
            pids.append(int(pid))
    return pids


def wait_for(what, cond, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = cond()
        if value:
            return value
        check(time.time() < deadline, f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# (a) is submitted held, and released ~8 s before a time limit check,
# after (b) and the uninterrupted run.
a_id, a_dir, a_out = sbatch("requeue", "--hold", "--time=1", f"--signal=B:USR1@{LEAD}")

# (b) scancel of a running job. Cancelled once rank 0 has
# printed its start line (training begins), it leaves a checkpoint.
b_id, b_dir, b_out = sbatch("cancel")
wait_for("the start line of (b)", lambda: "2 ranks (slurm)" in text(b_out) and len(ranks(b_dir)) == 2)
subprocess.run(["scancel", b_id], check=True, env=env)
stamp(f"(b) job {b_id} cancelled")
b_info = slurm_cluster.wait_job(env, b_id, 60)
wait_for("the ranks of (b) to exit", lambda: not ranks(b_dir, catching=False))
b_log = text(b_out)
stamp(f"(b) job {b_id} {b_info['JobState']}")
print(b_log)
check(b_info["JobState"] == "CANCELLED", f"(b) ended {b_info['JobState']}, not CANCELLED")
check("stopped by SIGTERM" in b_log, "(b): the ranks did not report the stop")
cancelled_at = latest_checkpoint(b_dir)
_, out, _, _ = run(["train", job, "--set", f"data.path={SMALL}", "--run-dir", b_dir], np_=2)
stamp("(b) finished under mpirun")
print(out)
check(f"resuming from {cancelled_at}" in out, "(b): `ctrain train` did not resume from scancel's checkpoint")

ref_dir = os.path.join(d, "uninterrupted")
run(["train", job, "--set", f"data.path={SMALL}", "--run-dir", ref_dir], np_=2)
stamp("the uninterrupted run done")
compare(latest_checkpoint(b_dir), latest_checkpoint(ref_dir))
print("(b) scancel, then ctrain train: == the uninterrupted run, bitwise")

check_at = wait_for("a time limit check in slurmctld's log", lambda: slurm_cluster.next_limit_check(cluster_dir), 40)
while check_at - time.time() < 9:
    check_at += slurm_cluster.PERIODIC
time.sleep(max(0.0, check_at - 9 - time.time()))
subprocess.run(["scontrol", "release", a_id], check=True, env=env)
stamp(f"(a) job {a_id} released, the next time limit check expected ~{check_at - time.time():.0f} s from now")
a_ranks = wait_for("the ranks of (a) catching SIGUSR1", lambda: len(ranks(a_dir)) == 2 and ranks(a_dir))
for pid in a_ranks:
    os.kill(pid, signal.SIGSTOP)
stamp(f"(a) ranks {a_ranks} stopped until Slurm's warning")

wait_for("Slurm's warning to (a)", lambda: "SIGUSR1, passed on" in text(a_out), 70)
stamp("(a) warned")
for pid in a_ranks:
    os.kill(pid, signal.SIGCONT)
a_info = slurm_cluster.wait_job(env, a_id, 180)
a_log = text(a_out)
stamp(f"(a) job {a_id} {a_info['JobState']}, Restarts={a_info.get('Restarts')}")
print(a_log)
check(a_info["JobState"] == "COMPLETED", f"(a) ended {a_info['JobState']}")
check(int(a_info.get("Restarts", 0)) >= 1, "(a) ran in one allocation")
check("allocation 2 on n[1-2]" in a_log, "(a): no second allocation in the output")
check("stopped by SIGUSR1" in a_log and "requeueing job" in a_log, "(a): no stop and requeue in the output")
check("resuming from" in a_log and "done:" in a_log, "(a): the second allocation did not resume and finish")
compare(latest_checkpoint(a_dir), latest_checkpoint(ref_dir))
print("(a) time limit, SIGUSR1, requeue, resume: == the uninterrupted run, bitwise")
print(f"PASS in {time.time() - t_start:.1f} s")
