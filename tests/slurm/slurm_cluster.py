"""A real one-node Slurm cluster for tests: munged, slurmctld and slurmd
started from Debian's packages with a configuration in a temporary
directory (own ports, own munge socket), stopped again at exit. Root only."""
import atexit
import os
import signal
import socket
import subprocess
import time

CONF = """\
ClusterName=ctrain-test
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
AuthInfo=socket={d}/munge/munge.socket
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(directory):
    """Starts the cluster; returns the environment to run Slurm commands in.
    munged runs as user munge: every parent of directory must be searchable."""
    for sub in ("state", "spool", "munge"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    subprocess.run(["chown", "munge:munge", os.path.join(directory, "munge")], check=True)
    conf = os.path.join(directory, "slurm.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(host=socket.gethostname().split(".")[0], d=directory, ctld_port=free_port(),
                            d_port=free_port(), cpus=os.cpu_count()))
    env = dict(os.environ, SLURM_CONF=conf)
    m = os.path.join(directory, "munge")
    subprocess.run(["mungekey", "--create", f"--keyfile={m}/munge.key"], check=True)
    subprocess.run(["chown", "munge:munge", f"{m}/munge.key"], check=True)
    subprocess.run(["runuser", "-u", "munge", "--", "munged", f"--socket={m}/munge.socket",
                    f"--pid-file={m}/munged.pid", f"--key-file={m}/munge.key",
                    f"--log-file={m}/munged.log", f"--seed-file={m}/seed"], check=True)
    subprocess.run(["slurmctld"], check=True, env=env)
    subprocess.run(["slurmd"], check=True, env=env)
    atexit.register(stop, directory, env)
    for _ in range(100):
        p = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=env)
        if p.returncode == 0 and p.stdout.strip() == "idle":
            return env
        time.sleep(0.2)
    raise RuntimeError(f"the test Slurm cluster did not come up; see {directory}/*.log")


def stop(directory, env):
    """Stops the daemons and waits (up to 10 s) until they are gone."""
    pids = []
    for pidfile in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
        try:
            with open(os.path.join(directory, pidfile)) as f:
                pids.append(int(f.read().strip()))
        except (OSError, ValueError):
            pass
    subprocess.run(["scontrol", "shutdown"], env=env, capture_output=True)
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
        os.kill(pid, signal.SIGKILL)
