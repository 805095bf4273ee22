"""Several hosts over TCP (issue 10, parts 3 and 4), on one machine: three
network namespaces joined by a bridge (netns_cluster.py), Open MPI across
them with `btl tcp,self`, one rank a host.

1. A 3-rank training run across the hosts equals the shared-memory
   `mpirun -np 3` run bitwise, and its gradients crossed the bridge: every
   host's link carried at least the bytes a 3-rank allreduce of the model's
   gradients must send and receive.
2. A partition: a longer run with train.collective_timeout_s=5 loses host
   3's link after a few steps; mpirun must exit non-zero within the timeout
   plus 15 s, a reachable rank having printed the watchdog's message (step
   and operation). Beside ctrain's watchdog this needs mpirun's kernel to
   give up its connection to the unreachable daemon soon (netns_cluster.py
   sets net.ipv4.tcp_retries2 in mpirun's namespace): without that mpirun
   waits about 15 minutes after the watchdog's MPI_Abort.

Root only (it creates network namespaces): as another user it fails."""
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mpi"))
from ctrain_test import (CTRAIN, check, cleanup, compare, fail, latest_checkpoint, run, tempdir,  # noqa: E402
                         tensors, write_job)
from netns_cluster import NetnsCluster  # noqa: E402

if os.geteuid() != 0:
    fail("this test needs root: it creates network namespaces and runs mpirun in them")

WATCHDOG_S = 5
EXIT_LIMIT_S = WATCHDOG_S + 15
t_start = time.time()


def stop_on_sigterm(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # runs the finally blocks and atexit


signal.signal(signal.SIGTERM, stop_on_sigterm)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def mpirun(cluster, d, name, args, timeout):
    """Runs ctrain ARGS across the hosts; returns (rc, stdout + stderr, seconds)."""
    out = open(os.path.join(d, name + ".out"), "w")
    t0 = time.time()
    p = cluster.mpirun([CTRAIN] + args, stdout=out, stderr=subprocess.STDOUT, cwd=d)
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"mpirun across the namespaces did not end within {timeout} s:\n{read(out.name)}")
    out.close()
    return rc, read(out.name), time.time() - t0


def step_records(run_dir):
    recs = []
    for line in read(os.path.join(run_dir, "metrics.jsonl")).splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue  # a line being written
        if r.get("type") == "step":
            recs.append(r)
    return recs


def parity(cluster, d):
    job = write_job(d, name="mh", epochs=1)
    shm_dir, net_dir = os.path.join(d, "shm"), os.path.join(d, "net")
    _, _, _, shm_s = run(["train", job, "--run-dir", shm_dir], np_=3)
    before = cluster.counters()
    rc, out, net_s = mpirun(cluster, d, "net", ["train", job, "--run-dir", net_dir], timeout=120)
    after = cluster.counters()
    print(out)
    check(rc == 0, f"the run across the namespaces exited {rc}")
    start = next((line for line in out.splitlines() if "3 ranks (mpirun)" in line), "")
    check(start, "the run did not start 3 ranks")
    check(all(a in start for a in cluster.addresses), f"the start line does not name the 3 hosts: {start}")
    hosts = cluster.launched_hosts()
    check(sorted(hosts) == sorted(cluster.addresses), f"the agent launched on {hosts}, not once on each host")
    compare(latest_checkpoint(shm_dir), latest_checkpoint(net_dir))
    print(f"3 hosts over TCP == mpirun -np 3 over shared memory, bitwise ({net_s:.1f} s vs {shm_s:.1f} s)")

    # Every step, each rank sends and receives at least 2/3 of the gradients
    # (3 ranks: it must get the sums of the 2/3 of them it does not reduce
    # itself, and pass on its share of those): a floor, without headers.
    ckpt = latest_checkpoint(net_dir)
    step = int(re.search(r"step-(\d+)", ckpt).group(1))
    grad_bytes = sum(t.size for t in tensors(ckpt).values()) * 4
    floor = step * grad_bytes * 2 // 3
    for link in sorted(after):
        rx, tx = (after[link][k] - before[link][k] for k in (0, 1))
        print(f"bridge port {link}: {rx} bytes from its host, {tx} bytes to it "
              f"(floor {floor}: {step} steps x {grad_bytes} bytes of gradients x 2/3)")
        check(rx >= floor and tx >= floor, f"{link} carried {rx}/{tx} bytes, under the floor of {floor}: "
              "the gradients did not cross the bridge")


def partition(cluster, d):
    job = write_job(d, name="cut", epochs=100)
    run_dir = os.path.join(d, "cut")
    out_path = os.path.join(d, "cut.out")
    with open(out_path, "w") as out:
        p = cluster.mpirun([CTRAIN, "train", job, "--run-dir", run_dir, "--set", "train.log_every_steps=5",
                            "--set", f"train.collective_timeout_s={WATCHDOG_S}"],
                           stdout=out, stderr=subprocess.STDOUT, cwd=d)
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None:
        recs = step_records(run_dir)
        if recs:
            break
        time.sleep(0.1)
    check(p.poll() is None, f"the run ended (status {p.returncode}) before the cut:\n{read(out_path)}")
    check(step_records(run_dir), f"no step record within 60 s:\n{read(out_path)}")
    time.sleep(0.3)  # into the next steps' gradient allreduces, most likely
    cut_step = step_records(run_dir)[-1]["step"]
    t_cut = time.time()
    cluster.cut(3)
    try:
        rc = p.wait(timeout=EXIT_LIMIT_S + 10)
    except subprocess.TimeoutExpired:
        rc = None
    waited = time.time() - t_cut
    out = read(out_path)
    print(out)
    print(f"host 3's link cut after step {cut_step}: mpirun "
          + (f"exited {rc} after {waited:.1f} s" if rc is not None else f"still running after {waited:.1f} s"))
    check(rc is not None, f"mpirun did not exit within {waited:.0f} s of the cut (limit {EXIT_LIMIT_S} s)")
    check(rc != 0, "mpirun exited 0 after the cut")
    check(waited <= EXIT_LIMIT_S, f"mpirun exited {waited:.1f} s after the cut: over the limit of {EXIT_LIMIT_S} s")
    m = re.search(r"rank ([01]) of 3 .*watchdog: step (\d+): waited ([0-9.]+) s in ([^,\n]+)", out)
    check(m is not None, "no reachable rank (0 or 1) printed the watchdog's message (step and operation)")
    print(f"rank {m.group(1)} waited {m.group(3)} s at step {m.group(2)} in {m.group(4)}")


d = tempdir()
cluster = None
try:
    cluster = NetnsCluster(d)
    print(f"namespaces up in {time.time() - t_start:.1f} s")
    parity(cluster, d)
    partition(cluster, d)
finally:
    if cluster:
        cluster.stop()
    cleanup(d)
print(f"wall time {time.time() - t_start:.1f} s")
print("PASS")
