"""TensorBoard events (RUN_DIR/tensorboard), read back by the independent
reader tests/output/tfevents.py, against metrics.jsonl: every metric of
every record (step records every log_every_steps steps, epoch records, with
grad_norm from clipping, samples_per_s and the ranks' timing) is one scalar "<type>/<name>" at
the record's step whose float32 is bitwise that of the JSON number, in the
same order, and there is nothing else but the file version. A resumed run
writes a new events file that starts with a SessionLog START at the resume
step, and the two files together hold the records of the run, which equal
the uninterrupted run's. An autoencoder's epoch pictures are "reconstructions"
images whose PNG bytes are RUN_DIR/reconstructions/epoch-N.png's.
output.tensorboard: false writes no events."""
import os

from ctrain_test import (check, cleanup, png_check, records, record_scalars, run, tempdir, tensorboard_events,
                         write_ae_job, write_job)
from tfevents import check_events  # noqa: E402 (found through ctrain_test)

d = tempdir()
job = write_job(d, epochs=2, batch=100)  # 40 steps per epoch
opts = ["--set", "train.log_every_steps=7", "--set", "optimizer.clip_grad_norm=1.0"]


def scalars_only(events):
    return [e for e in events if "value" in e]


def expect_records_in(events, recs, what):
    problems = check_events(scalars_only(events), record_scalars(recs))
    check(not problems, f"{what}: TensorBoard differs from metrics.jsonl:\n" + "\n".join(problems[:20]))


# 1. A whole run at 2 ranks: one events file, exactly the records' metrics.
full = os.path.join(d, "full")
run(["train", job, "--run-dir", full] + opts, np_=2)
recs = records(full)
steps = [r["step"] for r in recs if r["type"] == "step"]
check(steps == [7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77], f"step records at steps {steps}")
check([r["step"] for r in recs if r["type"] == "epoch"] == [40, 80], f"epoch records: {recs}")
for r in recs:
    want = {"train_loss", "grad_norm", "samples_per_s"} | ({"test_loss", "test_accuracy"} if r["type"] == "epoch"
                                                           else set())
    check(want <= set(r), f"record at step {r['step']} lacks {want - set(r)}: {r}")
files = tensorboard_events(full)
check(len(files) == 1, f"expected one events file, found {[f for f, _ in files]}")
events = files[0][1]
check(len(scalars_only(events)) == len(events) - 1, f"events other than scalars: "
      f"{[e for e in events[1:] if 'value' not in e][:3]}")
expect_records_in(events[1:], recs, "whole run")
print(f"whole run: {len(events) - 1} scalars == the {len(recs)} records of metrics.jsonl, bitwise as float32")

# 2. Stopped at step 55 and resumed: a second file, starting with SessionLog START at step 55.
cut = os.path.join(d, "cut")
run(["train", job, "--run-dir", cut, "--set", "train.max_steps=55"] + opts, np_=2)
run(["train", "--resume", cut, "--set", "train.max_steps=0"], np_=2)
files = tensorboard_events(cut)
check(len(files) == 2, f"expected two events files after a resume, found {[f for f, _ in files]}")
(first_path, first), (second_path, second) = files
check(len(second) > 1 and second[1].get("session_log") == 1 and second[1]["step"] == 55,
      f"{second_path}: the event after the file version should be SessionLog START at step 55: {second[1:2]}")
check(not any("session_log" in e for e in first), f"{first_path}: a fresh run wrote a SessionLog")
check(not any("session_log" in e for e in second[2:]), f"{second_path}: more than one SessionLog")
check(max(e["step"] for e in first) <= 55 and min(e["step"] for e in second[2:]) > 55,
      "events of the first file after step 55 or of the resumed one at or before it")
cut_recs = records(cut)
expect_records_in(first[1:] + second[2:], cut_recs, "resumed run")
timing = ("samples_per_s", "seconds", "compute_seconds_mean", "compute_seconds_max", "slowest_rank")
check([{k: v for k, v in r.items() if k not in timing} for r in cut_recs] ==
      [{k: v for k, v in r.items() if k not in timing} for r in recs],
      "the resumed run's metrics (but timing) differ from the uninterrupted run's")
print("resumed at step 55: new events file starts with SessionLog START at 55; both files == metrics.jsonl, "
      "whose metrics equal the uninterrupted run's")

# 3. An autoencoder: scalars and the epoch pictures.
ae = os.path.join(d, "ae")
run(["train", write_ae_job(d, epochs=2), "--run-dir", ae, "--set", "train.log_every_steps=10"], np_=2)
files = tensorboard_events(ae)
check(len(files) == 1, f"autoencoder: {len(files)} events files")
events = files[0][1]
expect_records_in(events[1:], records(ae), "autoencoder")
images = [e for e in events[1:] if "image" in e]
check(len(images) + len(scalars_only(events)) == len(events) - 1, "autoencoder: events of another kind")
check([(e["tag"], e["step"]) for e in images] == [("reconstructions", 40), ("reconstructions", 80)],
      f"autoencoder: images {[(e['tag'], e['step']) for e in images]}")
pictures = sorted(os.listdir(os.path.join(ae, "reconstructions")))
check(pictures == ["epoch-1.png", "epoch-2.png"], f"RUN_DIR/reconstructions holds {pictures}")
for epoch, e in enumerate(images, 1):
    path = os.path.join(ae, "reconstructions", f"epoch-{epoch}.png")
    with open(path, "rb") as f:
        on_disk = f.read()
    width, height, colour = png_check(on_disk, path)
    image = e["image"]
    png_check(image["png"], f"the TensorBoard image at step {e['step']}")
    check(image["png"] == on_disk, f"the TensorBoard image at step {e['step']} is not {path}")
    check((image["width"], image["height"]) == (width, height),
          f"image at step {e['step']}: declared {image['width']}x{image['height']}, PNG {width}x{height}")
    # TensorBoard's colorspace: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; PNG colour types 0, 4, 2, 6.
    check({1: 0, 2: 4, 3: 2, 4: 6}.get(image["colorspace"]) == colour,
          f"image at step {e['step']}: colorspace {image['colorspace']} but PNG colour type {colour}")
print(f"autoencoder: reconstructions at steps 40 and 80, {width}x{height} PNGs equal to the epoch files")

# 4. output.tensorboard: false.
off = os.path.join(d, "off")
run(["train", job, "--run-dir", off, "--set", "output.tensorboard=false", "--set", "train.max_steps=5"], np_=1)
check(not os.path.exists(os.path.join(off, "tensorboard")), "output.tensorboard: false wrote RUN_DIR/tensorboard")
check(os.path.exists(os.path.join(off, "checkpoints", "step-5.h5")), "output.tensorboard: false: no checkpoint")
cleanup(d)
print("PASS")
