"""A run stopped mid-epoch and resumed equals an uninterrupted run bitwise
(same world size), and resumes correctly at another world size."""
import os

from ctrain_test import check, cleanup, compare, latest_checkpoint, metrics, run, tempdir, write_job

d = tempdir()
job = write_job(d, epochs=2, optimizer="adam", lr=0.002)  # 4000 rows / 100 = 40 steps per epoch
full, cut, other = (os.path.join(d, n) for n in ("full", "cut", "other"))

cosine = ["--set", "optimizer.lr_schedule=cosine"]  # the rate is a function of the step: resumes must agree
run(["train", job, "--run-dir", full] + cosine, np_=2)
run(["train", job, "--run-dir", cut, "--set", "train.max_steps=55"] + cosine, np_=2)
check(latest_checkpoint(cut).endswith("step-55.h5"), "the interrupted run should stop at step 55")
_, out, _, _ = run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
check("resuming from" in out, f"no 'resuming from' line in: {out}")

final_full, final_cut = latest_checkpoint(full), latest_checkpoint(cut)
check(final_full.endswith("step-80.h5") and final_cut.endswith("step-80.h5"), "both runs should end at step 80")
compare(final_cut, final_full)
compare(final_cut, final_full, group="optimizer")
keys = ("epoch", "step", "train_loss", "test_loss", "test_accuracy")
m_full = [{k: m[k] for k in keys} for m in metrics(full)]
m_cut = [{k: m[k] for k in keys} for m in metrics(cut)]
check(m_full == m_cut, f"metrics differ:\n{m_full}\n{m_cut}")
print("resumed at np=2 == uninterrupted np=2, bitwise (model, optimizer, metrics)")

# The same cut, resumed on 3 ranks, still converges to nearly the same weights.
run(["train", job, "--run-dir", other, "--set", "train.max_steps=55"] + cosine, np_=2)
run(["train", "--resume", other, "--set", "train.max_steps=0"], np_=3)
worst = compare(latest_checkpoint(other), final_full, rtol=1e-3, atol=1e-4)
print(f"resumed at np=3: max abs diff {worst:.3g} from the np=2 run")
cleanup(d)
print("PASS")
