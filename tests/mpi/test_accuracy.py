"""Training on a slice of real Fashion-MNIST (4000 train / 1000 test rows)
reaches an accuracy floor, and `ctrain eval` counts every test sample once
at 1, 2 and 3 ranks, agreeing with the run's own metrics."""
import os

from ctrain_test import check, cleanup, latest_checkpoint, metrics, parse_eval, run, tempdir, write_job

d = tempdir()
job = write_job(d, epochs=4, lr=0.05, batch=50)
rd = os.path.join(d, "run")
_, out, _, _ = run(["train", job, "--run-dir", rd], np_=2)
check("done:" in out, f"no final summary line in: {out}")
m = metrics(rd)
check(len(m) == 4, f"expected 4 metrics lines, found {len(m)}")
for key in ("epoch", "step", "train_loss", "test_loss", "test_accuracy", "samples_per_s", "seconds"):
    check(key in m[-1], f"metrics.jsonl lacks {key}")
acc = m[-1]["test_accuracy"]
print(f"test accuracy after 4 epochs on 4000 samples: {acc:.4f}")
check(acc >= 0.75, f"accuracy {acc} below the floor 0.75")
check(m[-1]["train_loss"] < m[0]["train_loss"], "train loss did not decrease")

ckpt = latest_checkpoint(rd)
results = []
for np_ in (1, 2, 3):
    _, out, _, _ = run(["eval", ckpt], np_=np_)
    results.append(parse_eval(out))
    check(results[-1][2] == 1000, f"np={np_}: eval counted {results[-1][2]} samples, expected 1000")
check(all(abs(r[1] - results[0][1]) < 1e-12 for r in results), f"eval accuracy differs across ranks: {results}")
check(abs(results[0][1] - acc) < 1e-6, f"eval accuracy {results[0][1]} != metrics {acc}")
check(all(abs(r[0] - results[0][0]) < 1e-5 * max(1, results[0][0]) for r in results), f"eval loss differs: {results}")
_, out, _, _ = run(["eval", ckpt, "--split", "train", "--json"], np_=2)
check('"samples": 4000' in out, f"eval --split train --json: {out}")
cleanup(d)
print("PASS")
