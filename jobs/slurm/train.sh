#!/bin/bash
# The common part of the sbatch scripts in this directory, which set the
# job and the resources and exec this as the batch shell:
#     exec jobs/slurm/train.sh JOB.yaml
# It trains JOB.yaml with `srun --mpi=pmix ctrain train` into a run
# directory that does not depend on the allocation, so that the run spans
# several allocations:
#   - SIGUSR1 (sbatch --signal=B:USR1@SECONDS ahead of the time limit, or
#     `scancel --signal=USR1 --batch`) reaches this shell only: it is passed
#     on to srun, which passes it to the ranks; they write a checkpoint at
#     the next step boundary and exit with status 75 ("stopped, resumable");
#   - on status 75 the job requeues itself (scontrol requeue; the job needs
#     --requeue) and its next allocation runs this script again, where
#     `ctrain train` finds the checkpoints of the same job in the run
#     directory and resumes from the newest.
# The environment may override CTRAIN (the program), DATA (the data file,
# imported when missing), RUN_DIR (default runs/<Slurm job name>).
set -uo pipefail
JOB=$1
CTRAIN=${CTRAIN:-build/ctrain}
DATA=${DATA:-data/fashion-mnist.h5}
RUN_DIR=${RUN_DIR:-runs/${SLURM_JOB_NAME:-$(basename "$JOB" .yaml)}}
srun_pid=
forwarded=0
# Set before anything else: bash's default action for SIGUSR1 is to exit.
trap 'forwarded=1; echo "train.sh: SIGUSR1, passed on to the ranks"; [ -z "$srun_pid" ] || kill -USR1 "$srun_pid"' USR1

echo "train.sh: job ${SLURM_JOB_ID:-?} allocation $((${SLURM_RESTART_COUNT:-0} + 1)) on ${SLURM_JOB_NODELIST:-?}," \
     "$JOB into $RUN_DIR"
# One BLAS thread per core Slurm gave each task.
export OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
[ -f "$DATA" ] || "$CTRAIN" data import fashion-mnist --out "$DATA" || exit 1
if [ "$forwarded" = 1 ]; then
    status=75 # stopped before the ranks started: nothing to checkpoint
else
    # srun starts the ranks through Slurm's PMIx; mpirun inside the allocation works too.
    srun --mpi=pmix "$CTRAIN" train "$JOB" --set "data.path=$DATA" --run-dir "$RUN_DIR" &
    srun_pid=$!
    [ "$forwarded" = 0 ] || kill -USR1 "$srun_pid" # came before srun_pid was set
    # A trapped signal ends `wait` early: wait again until srun itself has exited.
    while :; do
        forwarded=0
        wait "$srun_pid"
        status=$?
        [ "$forwarded" = 1 ] || break
    done
fi
if [ "$status" = 75 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
    echo "train.sh: stopped, resumable (status 75): requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID"
fi
exit "$status"
