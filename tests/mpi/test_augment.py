"""Augmentation in training (data.augment): a batch is augmented the same
at 1, 2 and 3 ranks (the runs agree to rounding, as without it), the same
world size is bitwise repeatable, a run resumed mid-epoch ends bitwise equal
to an uninterrupted one, and the augmentation does change training."""
import os

from ctrain_test import check, cleanup, compare, latest_checkpoint, run, tempdir, tensors, write_job

d = tempdir()
plain = write_job(d, name="plain", epochs=2)
with open(plain) as f:
    text = f.read()
augmented = write_job(d, name="augmented", text=text.replace(
    "  path: ", "  augment: {random_crop: {padding: 2}, horizontal_flip: {p: 0.5}}\n  path: "))
steps = ["--set", "train.max_steps=30"]

runs = {}
for np_ in (1, 2, 3):
    runs[np_] = os.path.join(d, f"np{np_}")
    run(["train", augmented, "--run-dir", runs[np_]] + steps, np_=np_)
ref = latest_checkpoint(runs[1])
for np_ in (2, 3):
    worst = compare(latest_checkpoint(runs[np_]), ref, rtol=1e-4, atol=1e-5)
    print(f"augmented, np={np_} vs np=1 after 30 steps: max abs diff {worst:.3g}")
again = os.path.join(d, "np2-again")
run(["train", augmented, "--run-dir", again] + steps, np_=2)
compare(latest_checkpoint(again), latest_checkpoint(runs[2]))
print("two augmented np=2 runs bitwise identical")

unaugmented = os.path.join(d, "plain")
run(["train", plain, "--run-dir", unaugmented] + steps, np_=2)
differ = any((a != b).any() for a, b in zip(tensors(latest_checkpoint(unaugmented)).values(),
                                             tensors(latest_checkpoint(runs[2])).values()))
check(differ, "the augmented run ended with the same weights as the plain one")

# Two epochs uninterrupted against one stopped at step 50 (mid-epoch 2) and resumed.
whole, cut = os.path.join(d, "whole"), os.path.join(d, "cut")
run(["train", augmented, "--run-dir", whole], np_=2)
run(["train", augmented, "--run-dir", cut, "--set", "train.max_steps=50"], np_=2)
run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
compare(latest_checkpoint(cut), latest_checkpoint(whole))
compare(latest_checkpoint(cut), latest_checkpoint(whole), group="optimizer")
print("resumed mid-epoch with augmentation == uninterrupted, bitwise")
cleanup(d)
print("PASS")
