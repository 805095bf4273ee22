"""A real Slurm cluster of two virtual nodes for tests: munged, slurmctld and
two slurmd (`slurmd -N n1`, `slurmd -N n2`) started from Debian's packages
(built with --enable-multiple-slurmd) on this machine, with a configuration in
a temporary directory (own ports, spool directories, pid and log files, own
munge key and socket), stopped by process id at exit, even after a failure.
Root only."""
import atexit
import os
import signal
import socket
import subprocess
import time

NODES = ("n1", "n2")

# %n is the node name: each slurmd has its own spool directory, pid and log
# file, and TmpFS, where srun's PMIx plugin puts spmix_appdir_<uid>_<step>
# (in one shared /tmp the second node's step fails: "File exists").
# A requeued job waits cred_expire + 1 s before it may start again (120 s by
# default; values under 5 are refused, and 120 is used); the main scheduler
# runs every second, not every minute, so that it starts then.
CONF = """\
ClusterName=ctrain-test
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
AuthInfo=socket={d}/munge/munge.socket,cred_expire=5
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool-%n
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd-%n.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd-%n.log
SlurmctldDebug={ctld_debug}
TmpFS={d}/tmp-%n
SlurmctldPort={ctld_port}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
SchedulerParameters=sched_interval=1
{nodes}
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
"""
NODE = "NodeName={name} NodeHostname={host} NodeAddr=127.0.0.1 Port={port} CPUs=1 State=UNKNOWN"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pidfiles(directory):
    return [os.path.join(directory, f) for f in
            [f"slurmd-{n}.pid" for n in NODES] + ["slurmctld.pid", "munge/munged.pid"]]


def start(directory, ctld_debug="info"):
    """Starts the cluster; returns the environment to run Slurm commands in
    (SLURM_CONF set). munged runs as user munge: every parent of directory
    must be searchable. ctld_debug "debug2" logs slurmctld's time limit
    checks (next_limit_check())."""
    for sub in ["state", "munge"] + [f"{s}-{n}" for n in NODES for s in ("spool", "tmp")]:
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    subprocess.run(["chown", "munge:munge", os.path.join(directory, "munge")], check=True)
    host = socket.gethostname().split(".")[0]
    nodes = "\n".join(NODE.format(name=n, host=host, port=free_port()) for n in NODES)
    conf = os.path.join(directory, "slurm.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(host=host, d=directory, ctld_port=free_port(), nodes=nodes, ctld_debug=ctld_debug))
    env = dict(os.environ, SLURM_CONF=conf)
    # Registered before anything starts: whatever did start is stopped.
    atexit.register(stop, directory, env)
    m = os.path.join(directory, "munge")
    subprocess.run(["mungekey", "--create", f"--keyfile={m}/munge.key"], check=True)
    subprocess.run(["chown", "munge:munge", f"{m}/munge.key"], check=True)
    subprocess.run(["runuser", "-u", "munge", "--", "munged", f"--socket={m}/munge.socket",
                    f"--pid-file={m}/munged.pid", f"--key-file={m}/munge.key",
                    f"--log-file={m}/munged.log", f"--seed-file={m}/seed"], check=True)
    subprocess.run(["slurmctld"], check=True, env=env)
    for n in NODES:
        subprocess.run(["slurmd", "-N", n], check=True, env=env)
    for _ in range(150):
        p = subprocess.run(["sinfo", "-h", "-N", "-o", "%N %T"], capture_output=True, text=True, env=env)
        if p.returncode == 0 and sorted(p.stdout.split("\n")[:-1]) == [f"{n} idle" for n in NODES]:
            return env
        time.sleep(0.2)
    raise RuntimeError(f"the test Slurm cluster did not come up; see {directory}/*.log")


def stop(directory, env):
    """Cancels the jobs still in the cluster (their slurmstepd and ranks would
    outlive the daemons), stops the daemons by process id and waits (up to
    10 s) until they are gone."""
    p = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True, env=env)
    if p.returncode == 0 and p.stdout.split():
        subprocess.run(["scancel"] + p.stdout.split(), env=env, capture_output=True)
        deadline = time.time() + 10
        while time.time() < deadline and subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True,
                                                        text=True, env=env).stdout.strip():
            time.sleep(0.2)
    pids = []
    for pidfile in pidfiles(directory):
        try:
            with open(pidfile) as f:
                pids.append(int(f.read().strip()))
        except (OSError, ValueError):
            pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.time() + 10
    while pids and time.time() < deadline:
        pids = [p for p in pids if os.path.exists(f"/proc/{p}")]
        time.sleep(0.1)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def job_info(env, job_id):
    """`scontrol show job JOB_ID` as a dict of its Key=Value fields."""
    p = subprocess.run(["scontrol", "-o", "show", "job", str(job_id)], capture_output=True, text=True, env=env)
    return dict(f.split("=", 1) for f in p.stdout.split() if "=" in f)


ENDED = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL",
         "DEADLINE")


def submit(env, args, cwd):
    """sbatch ARGS; returns the job id."""
    p = subprocess.run(["sbatch", "--parsable"] + args, capture_output=True, text=True, env=env, cwd=cwd)
    if p.returncode != 0:
        raise RuntimeError(f"sbatch {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p.stdout.strip().split(";")[0]


def wait_job(env, job_id, timeout, states=ENDED):
    """Polls the job every 0.2 s (sbatch --wait polls every few seconds, with
    backoff) until its state is one of STATES; returns job_info()."""
    deadline = time.time() + timeout
    while True:
        info = job_info(env, job_id)
        if info.get("JobState") in states:
            return info
        if time.time() > deadline:
            raise RuntimeError(f"job {job_id} still {info.get('JobState')} after {timeout} s")
        time.sleep(0.2)


PERIODIC = 30  # slurmctld checks time limits every 30 s (PERIODIC_TIMEOUT)


def next_limit_check(directory):
    """When slurmctld will next check time limits and send --signal warnings
    (a job's warning goes out at the first check at or after its end time
    minus the signal's lead minus 30 s): 30 s after the whole second of the
    last check its log shows (start(ctld_debug="debug2")), or of its start
    before the first; within a second (it counts in whole seconds)."""
    last = None
    with open(os.path.join(directory, "slurmctld.log")) as f:
        for line in f:
            if "Testing job time limits" in line or (last is None and "slurmctld version" in line):
                last = line[1:line.index("]")]
    if last is None:
        return None
    return time.mktime(time.strptime(last.split(".")[0], "%Y-%m-%dT%H:%M:%S")) + PERIODIC
