"""2- and 3-rank training matches 1-rank training for the same global batch
(to float rounding); plain `ctrain` (MPI singleton) equals mpirun -np 1
bitwise; the same world size and seed give bitwise-identical runs, however
the gradient buffer is cut into allreduce buckets."""
import os

from ctrain_test import check, cleanup, compare, latest_checkpoint, run, tempdir, write_job

d = tempdir()
job = write_job(d, epochs=1)
steps = ["--set", "train.max_steps=25"]

runs = {}
for np_ in (1, 2, 3):
    runs[np_] = os.path.join(d, f"np{np_}")
    run(["train", job, "--run-dir", runs[np_]] + steps, np_=np_)
single = os.path.join(d, "single")
run(["train", job, "--run-dir", single] + steps)
again = os.path.join(d, "np2-again")
run(["train", job, "--run-dir", again] + steps, np_=2)

# ~100 gradient buckets of 524 floats instead of one.
buckets = os.path.join(d, "np2-small-buckets")
run(["train", job, "--run-dir", buckets, "--set", "train.bucket_mb=0.002"] + steps, np_=2)

ref = latest_checkpoint(runs[1])
check(ref.endswith("step-25.h5"), f"expected a checkpoint at step 25, found {ref}")
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), ref, rtol=1e-4, atol=1e-5)
    print(f"np={np_} vs np=1 after 25 steps: max abs diff {worst:.3g}")
compare(latest_checkpoint(single), ref)
print("singleton == mpirun -np 1 bitwise")
compare(latest_checkpoint(again), latest_checkpoint(runs[2]))
compare(latest_checkpoint(again), latest_checkpoint(runs[2]), group="optimizer")
print("two np=2 runs bitwise identical")
compare(latest_checkpoint(buckets), latest_checkpoint(runs[2]))
print("np=2 with 100 small gradient buckets == one bucket, bitwise")
cleanup(d)
print("PASS")
