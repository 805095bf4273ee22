"""--set overrides survive resumes: a resumed run rewrites RUN_DIR/job.yaml
(and the checkpoints' /job) with its overrides applied on top of the
earlier ones, so that a later --resume without --set keeps them; the chain
of resumes equals, bitwise, one run with all the overrides. A refused resume
(changed seed) leaves the run directory as it was, and the run still
resumes. A resume at 3 ranks of a 2-rank run records world_size 3 in its
checkpoints' /state. (bad_input.py: resume_changed_batch, _seed, _data.)"""
import hashlib
import os

import h5py
import yaml

from ctrain_test import check, cleanup, compare, job_yaml, latest_checkpoint, metrics, run, tempdir, write_job

d = tempdir()
job = write_job(d, epochs=2, optimizer="adam", lr=0.002)  # 4000 rows / 100 = 40 steps an epoch; constant rate


def checkpoint_job(path):
    with h5py.File(path, "r") as f:
        return yaml.safe_load(f["job"][()].decode() if isinstance(f["job"][()], bytes) else f["job"][()])


def digest(directory):
    h = hashlib.sha256()
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            h.update(os.path.relpath(os.path.join(root, name), directory).encode())
            with open(os.path.join(root, name), "rb") as f:
                h.update(f.read())
    return h.hexdigest()


# The reference: one run with every override of the chain below.
ref = os.path.join(d, "ref")
run(["train", job, "--run-dir", ref, "--set", "optimizer.lr=0.003", "--set", "train.epochs=3"], np_=2)

# 1. Started with an override, stopped by max_steps.
rd = os.path.join(d, "run")
run(["train", job, "--run-dir", rd, "--set", "optimizer.lr=0.003", "--set", "train.max_steps=15"], np_=2)
j = job_yaml(rd)
check(j["optimizer"]["lr"] == 0.003 and j["train"]["max_steps"] == 15 and j["train"]["epochs"] == 2,
      f"job.yaml after the first run: optimizer {j['optimizer']}, train {j['train']}")

# 2. Resumed with other overrides: job.yaml holds both the old and the new ones.
_, out, _, _ = run(["train", "--resume", rd, "--set", "train.epochs=1", "--set", "train.max_steps=0"], np_=2)
j = job_yaml(rd)
check(j["optimizer"]["lr"] == 0.003 and j["train"]["epochs"] == 1 and j["train"]["max_steps"] == 0,
      f"job.yaml after the first resume: optimizer {j['optimizer']}, train {j['train']}")
ckpt = latest_checkpoint(rd)
check(ckpt.endswith("step-40.h5"), f"train.epochs=1 should stop at step 40: {ckpt}")
cj = checkpoint_job(ckpt)
check(cj["optimizer"]["lr"] == 0.003 and cj["train"]["epochs"] == 1, f"{ckpt}:/job {cj['optimizer']} {cj['train']}")
print("resume 1: job.yaml and the checkpoint's /job hold optimizer.lr=0.003 (run 1) and train.epochs=1 (resume 1)")

# 3. Resumed without --set: train.epochs=1 still holds, so there is nothing left to do.
_, out, _, _ = run(["train", "--resume", rd], np_=2)
check(latest_checkpoint(rd) == ckpt and "done: 1 epochs, 40 steps" in out,
      f"a resume without --set of a finished 1-epoch run should do nothing: {out}")
check(len(metrics(rd)) == 1, f"metrics after an empty resume: {metrics(rd)}")
check(job_yaml(rd)["train"]["epochs"] == 1, "job.yaml lost train.epochs=1")
print("resume 2 (no --set): train.epochs=1 kept, nothing to do")

# 4. A refused resume (another seed) changes nothing: job.yaml, checkpoints, events, metrics.
before = digest(rd)
rc, _, err, _ = run(["train", "--resume", rd, "--set", "seed=99", "--set", "train.epochs=3"], np_=2,
                    expect_ok=False)
check(rc != 0 and "seed 7" in err and "has 99" in err, f"a resume with another seed: {err}")
check(digest(rd) == before, "the refused resume changed the run directory")

# 5. Resumed to 3 epochs: the chain equals the one run, bitwise (model, optimizer, metrics).
run(["train", "--resume", rd, "--set", "train.epochs=3"], np_=2)
j = job_yaml(rd)
check(j["optimizer"]["lr"] == 0.003 and j["train"]["epochs"] == 3 and j["seed"] == 7, f"job.yaml: {j}")
final = latest_checkpoint(rd)
check(final.endswith("step-120.h5"), f"train.epochs=3 should end at step 120: {final}")
compare(final, latest_checkpoint(ref))
compare(final, latest_checkpoint(ref), group="optimizer")
keys = ("epoch", "step", "train_loss", "test_loss", "test_accuracy")
check([{k: e[k] for k in keys} for e in metrics(rd)] == [{k: e[k] for k in keys} for e in metrics(ref)],
      "the chain's metrics differ from the single run's")
print("resume 3 (train.epochs=3) after a refused one: == one run with both overrides, bitwise")

# 6. world_size in /state: the world size of the run that wrote the checkpoint.
other = os.path.join(d, "other")
run(["train", job, "--run-dir", other, "--set", "train.max_steps=10"], np_=2)
_, out, _, _ = run(["train", "--resume", other, "--set", "train.max_steps=20"], np_=3)
check("step 10 (written by 2 ranks)" in out, f"no 'written by 2 ranks' in the resume line: {out}")
for step, world in ((10, 2), (20, 3)):
    with h5py.File(os.path.join(other, "checkpoints", f"step-{step}.h5"), "r") as f:
        found = f["state"].attrs["world_size"]
    check(found == world, f"step-{step}.h5: /state world_size {found}, expected {world}")
print("a 2-rank run resumed at 3 ranks: /state world_size 2, then 3")
cleanup(d)
print("PASS")
