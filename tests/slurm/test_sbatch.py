"""jobs/slurm/fashion_mlp.sbatch under a real Slurm (slurmctld + slurmd):
the job runs its 2 ranks through srun and PMIx, and its result equals an
mpirun -np 2 run of the same job bitwise (same world size, same seed)."""
import atexit
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
import slurm_cluster  # noqa: E402
from ctrain_test import CTRAIN, SMALL, check, cleanup, compare, latest_checkpoint, run, tempdir, write_job  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
d = tempdir()
os.chmod(d, 0o755)  # munged runs as user munge
atexit.register(cleanup, d)  # registered first, so it runs after the cluster has stopped
env = slurm_cluster.start(os.path.join(d, "slurm"))
slurm_run, mpi_run = os.path.join(d, "slurm-run"), os.path.join(d, "mpi-run")
# The script runs `ctrain train $JOB` as it is: the job itself stops after 30 steps.
job_short = write_job(d, epochs=1)
with open(job_short) as f:
    text = f.read()
with open(job_short, "w") as f:
    f.write(text.replace("  eval_batch_size: 500", "  eval_batch_size: 500\n  max_steps: 30"))
env.update(CTRAIN=CTRAIN, JOB=job_short, DATA=SMALL, RUN_DIR=slurm_run, OMPI_MCA_btl="self,vader")
t0 = time.time()
p = subprocess.run(["sbatch", "--wait", f"--output={d}/slurm-%j.out", os.path.join(ROOT, "jobs", "slurm", "fashion_mlp.sbatch")],
                   capture_output=True, text=True, env=env, cwd=d, timeout=300)
outputs = [f for f in os.listdir(d) if f.startswith("slurm-") and f.endswith(".out")]
log = open(os.path.join(d, outputs[0])).read() if outputs else ""
print(f"sbatch --wait returned after {time.time() - t0:.1f} s")
print(p.stdout, p.stderr, log)
check(p.returncode == 0, f"sbatch --wait exited {p.returncode}")
check("2 ranks (slurm)" in log, "the job did not run 2 ranks under Slurm")
check("done:" in log, "no final summary in the job's output")

run(["train", job_short, "--run-dir", mpi_run], np_=2)
compare(latest_checkpoint(slurm_run), latest_checkpoint(mpi_run))
print("sbatch + srun (PMIx) run == mpirun -np 2 run, bitwise")
print("PASS")
