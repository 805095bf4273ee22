"""jobs/slurm/fashion_mlp.sbatch under a real Slurm of two virtual nodes
(slurm_cluster.py): `sbatch -N 2 --ntasks-per-node=1` runs one rank on each
node through srun and PMIx, and the result equals an mpirun -np 2 run of the
same job bitwise (same world size, same seed)."""
import atexit
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import slurm_cluster  # noqa: E402
from ctrain_test import CTRAIN, SMALL, check, cleanup, compare, latest_checkpoint, run, tempdir, write_job  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
d = tempdir()
os.chmod(d, 0o755)  # munged runs as user munge
atexit.register(cleanup, d)  # registered first, so it runs after the cluster has stopped
t_start = time.time()
env = slurm_cluster.start(os.path.join(d, "slurm"))
print(f"two-node cluster up in {time.time() - t_start:.1f} s")
slurm_run, mpi_run = os.path.join(d, "slurm-run"), os.path.join(d, "mpi-run")
# The script runs `ctrain train $JOB` as it is: the job itself stops after 30 steps.
job_short = write_job(d, epochs=1)
with open(job_short) as f:
    text = f.read()
with open(job_short, "w") as f:
    f.write(text.replace("  eval_batch_size: 500", "  eval_batch_size: 500\n  max_steps: 30"))
# The two nodes are one host to the kernel but two to Open MPI (PMIx names
# them n1 and n2): shared memory (vader) does not reach across, TCP does.
env.update(CTRAIN=CTRAIN, JOB=job_short, DATA=SMALL, RUN_DIR=slurm_run, CTRAIN_HOME=ROOT, OMPI_MCA_btl="self,tcp")
t0 = time.time()
job_id = slurm_cluster.submit(env, ["-N", "2", "--ntasks-per-node=1", "--cpus-per-task=1", f"--output={d}/slurm.out",
                                    os.path.join(ROOT, "jobs", "slurm", "fashion_mlp.sbatch")], cwd=d)
info = slurm_cluster.wait_job(env, job_id, 300)  # polls; sbatch --wait polls every few seconds
log = open(os.path.join(d, "slurm.out")).read() if os.path.exists(os.path.join(d, "slurm.out")) else ""
print(f"job {job_id} {info['JobState']} after {time.time() - t0:.1f} s on {info.get('NodeList')}")
print(log)
check(info["JobState"] == "COMPLETED", f"the job ended {info['JobState']} ({info.get('ExitCode')})")
check("allocation 1 on n[1-2]" in log, "the job did not get both nodes")
check("2 ranks (slurm) on n1 (rank 0), n2 (rank 1)" in log, "the start line does not show one rank on each node")
check("done:" in log, "no final summary in the job's output")

run(["train", job_short, "--run-dir", mpi_run], np_=2)
compare(latest_checkpoint(slurm_run), latest_checkpoint(mpi_run))
print("sbatch -N 2 + srun (PMIx) run == mpirun -np 2 run, bitwise")
print(f"PASS in {time.time() - t_start:.1f} s")
