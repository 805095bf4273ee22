"""Three "hosts" on one machine for multi-host MPI tests: network namespaces
NAME-n1..n3, each with loopback and an eth0 (10.213.7.1..3/24), joined by a
bridge in a fourth namespace NAME-h, where mpirun runs (10.213.7.254 on the
bridge). Open MPI starts its daemons through a launcher script, its
plm_rsh_agent, that runs them in the host's namespace (`ip netns exec`)
under a hostname of their own (`unshare --uts`), so that Open MPI takes
them for three nodes. Nothing is created in the machine's own namespace:
the veth pairs are made inside the namespaces and the addresses exist only
there, so parallel runs (one prefix per process id) do not clash, and
deleting the namespaces removes everything. Root only.

    c = NetnsCluster(directory)   # creates; c.stop() (also at exit) removes
    p = c.mpirun(["ctrain", "train", ...], np_=3)   # a Popen, in its own session
    c.counters()                  # {"v1": (rx_bytes, tx_bytes), ...}: the bridge's ports
    c.cut(2)                      # host 2's link down (its eth0)

mpirun's namespace gives up an unacknowledged TCP connection after about
1.4 s instead of 15 minutes (TCP_RETRIES2), so that mpirun ends soon after
a partition: see _create.
"""
import atexit
import json
import os
import signal
import subprocess
import time

SUBNET = "10.213.7"  # a /24 that exists only inside the namespaces
PREFIX = "ctnet"     # namespaces are PREFIX<pid>-h, PREFIX<pid>-n1, ...
MPIEXEC = os.environ.get("MPIEXEC", "mpirun")
TCP_RETRIES2 = 2     # in mpirun's namespace only: see _create

AGENT = """\
#!/bin/sh
# Open MPI's plm_rsh_agent: called as `agent HOST COMMAND...` (COMMAND for a
# remote shell, with its own quoting, as ssh would pass it); runs COMMAND
# in HOST's network namespace under hostname HOST.
host=$1
shift
case "$host" in
{cases}
  *) echo "netns agent: unknown host $host" >&2; exit 255 ;;
esac
echo "$host $ns $*" >> {log}
exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec sh -c "$1"' "$host" "$*"
"""


def ip(*args, check=True):
    p = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def _pids_in(ns):
    p = ip("netns", "pids", ns, check=False)
    return [int(x) for x in p.stdout.split()] if p.returncode == 0 else []


def _remove(namespaces):
    """Kills every process left in the namespaces (the daemons Open MPI
    started there daemonize, so only the namespace knows them), then
    deletes the namespaces, which deletes their links and the bridge."""
    for _ in range(50):
        pids = [pid for ns in namespaces for pid in _pids_in(ns)]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    for ns in namespaces:
        ip("netns", "del", ns, check=False)


def remove_stale():
    """Removes the namespaces of earlier runs whose process is gone (a run
    killed by a test timeout cannot clean up after itself)."""
    p = ip("netns", "list", check=False)
    stale = {}
    for line in p.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX) or "-" not in name:
            continue
        pid = name[len(PREFIX):].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            stale.setdefault(pid, []).append(name)
    for names in stale.values():
        _remove(names)


class NetnsCluster:
    def __init__(self, directory, hosts=3):
        if os.geteuid() != 0:
            raise PermissionError("the multi-host test needs root: it creates network namespaces")
        remove_stale()
        tag = f"{PREFIX}{os.getpid()}"
        self.head = f"{tag}-h"
        self.nodes = [f"{tag}-n{i}" for i in range(1, hosts + 1)]
        self.addresses = [f"{SUBNET}.{i}" for i in range(1, hosts + 1)]
        self.directory = directory
        self.agent_log = os.path.join(directory, "agent.log")
        self.agent = os.path.join(directory, "netns-agent")
        self._created = []
        self._procs = []
        atexit.register(self.stop)
        try:
            self._create()
        except BaseException:
            self.stop()
            raise

    def _create(self):
        h = self.head
        ip("netns", "add", h)
        self._created.append(h)
        ip("-n", h, "link", "set", "lo", "up")
        ip("-n", h, "link", "add", "br0", "type", "bridge")
        ip("-n", h, "addr", "add", f"{SUBNET}.254/24", "dev", "br0")
        ip("-n", h, "link", "set", "br0", "up")
        # After an MPI_Abort mpirun waits for every daemon to confirm that its
        # ranks are gone; one behind a cut link never answers, and mpirun's
        # order to it stays unacknowledged until the kernel gives the TCP
        # connection up: after net.ipv4.tcp_retries2 retransmissions, 15 by
        # default (about 15 minutes), 2 here (1.4 s: veths lose nothing). On
        # a cluster, the node mpirun runs on needs it lowered too for a job
        # to end soon after a partition (8: about 100 s).
        ip("netns", "exec", h, "sysctl", "-q", "-w", f"net.ipv4.tcp_retries2={TCP_RETRIES2}")
        for i, (ns, addr) in enumerate(zip(self.nodes, self.addresses), 1):
            ip("netns", "add", ns)
            self._created.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
            ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", f"v{i}", "netns", h)
            ip("-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")
            ip("-n", h, "link", "set", f"v{i}", "master", "br0", "up")
        cases = "\n".join(f'  {addr}) ns={ns} ;;' for ns, addr in zip(self.nodes, self.addresses))
        with open(self.agent, "w") as f:
            f.write(AGENT.format(cases=cases, log=self.agent_log))
        os.chmod(self.agent, 0o755)

    def mpirun_command(self, args, np_=None):
        """mpirun in the head namespace, one rank a host, TCP only, on the /24 only."""
        net = f"{SUBNET}.0/24"
        cmd = ["ip", "netns", "exec", self.head, MPIEXEC, "--allow-run-as-root",
               "--host", ",".join(self.addresses), "-np", str(np_ or len(self.nodes)), "--bind-to", "none",
               "--mca", "plm_rsh_agent", self.agent, "--mca", "plm_rsh_no_tree_spawn", "1",
               "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", net, "--mca", "oob_tcp_if_include", net,
               # the session directories in ours: a daemon killed at the end
               # (behind a cut link) leaves its own behind
               "--mca", "orte_tmpdir_base", self.directory,
               # one rank a 2-core "node" looks undersubscribed to Open MPI, but the
               # hosts share the machine's cores: busy polling would starve them
               "--mca", "mpi_yield_when_idle", "1"]
        return cmd + [str(a) for a in args]

    def mpirun(self, args, np_=None, **popen):
        p = subprocess.Popen(self.mpirun_command(args, np_), start_new_session=True, **popen)
        self._procs.append(p)
        return p

    def counters(self):
        """(rx_bytes, tx_bytes) of each bridge port v1..vN (the head's side of a host's link)."""
        links = json.loads(ip("-n", self.head, "-s", "-j", "link", "show").stdout)
        return {link["ifname"]: (link["stats64"]["rx"]["bytes"], link["stats64"]["tx"]["bytes"])
                for link in links if link["ifname"].startswith("v")}

    def cut(self, host):
        """Host `host` (1-based) loses its link, as when its network fails: its eth0 goes down."""
        ip("-n", self.nodes[host - 1], "link", "set", "eth0", "down")

    def launched_hosts(self):
        """The hosts the agent started a command on, in order."""
        try:
            with open(self.agent_log) as f:
                return [line.split()[0] for line in f if line.strip()]
        except OSError:
            return []

    def stop(self):
        for p in self._procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        self._procs = []
        if self._created:
            _remove(self._created)
            self._created = []
