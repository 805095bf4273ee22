"""Unfinished temporary files that a crashed writer left (`<name>.tmp.<digits>`)
in RUN_DIR and RUN_DIR/checkpoints are removed when a run starts there, with
a line saying so; other files (`notes.tmp.txt`, `x.tmp.12a`, files in other
folders) stay. A resume that is refused (another seed) removes nothing."""
import os

from ctrain_test import check, cleanup, latest_checkpoint, run, tempdir, write_job

d = tempdir()
job = write_job(d, epochs=1)
rd = os.path.join(d, "run")
run(["train", job, "--run-dir", rd, "--set", "train.max_steps=5"], np_=2)

stale = [os.path.join(rd, "checkpoints", "step-9.h5.tmp.12345"), os.path.join(rd, "metrics.jsonl.tmp.999")]
kept = [os.path.join(rd, "notes.tmp.txt"), os.path.join(rd, "checkpoints", "notes.tmp.txt"),
        os.path.join(rd, "job.yaml.tmp.12a"), os.path.join(rd, "tmp.1"),
        os.path.join(rd, "reports", "summary.h5.tmp.77")]
os.makedirs(os.path.join(rd, "reports"))
for path in stale + kept:
    with open(path, "w") as f:
        f.write("left behind\n")

rc, out, err, _ = run(["train", "--resume", rd, "--set", "seed=8"], np_=2, expect_ok=False)
check(rc != 0 and "seed" in err, f"a resume with another seed should be refused: {err}")
check(all(os.path.exists(p) for p in stale + kept), "a refused resume removed files")
check("removed" not in out, f"a refused resume says it removed files: {out}")

_, out, _, _ = run(["train", "--resume", rd, "--set", "train.max_steps=10"], np_=2)
check(f"removed 2 unfinished temporary files of an earlier run in {rd}" in out,
      f"no line about the removed files in: {out}")
gone = [p for p in stale if os.path.exists(p)]
check(not gone, f"stale temporary files were not removed: {gone}")
removed = [p for p in kept if not os.path.exists(p)]
check(not removed, f"files that are not temporary ones were removed: {removed}")
check(latest_checkpoint(rd).endswith("step-10.h5"), "the resumed run did not reach step 10")

_, out, _, _ = run(["train", "--resume", rd, "--set", "train.max_steps=12"], np_=2)
check("removed" not in out, f"nothing was left to remove, yet: {out}")
cleanup(d)
print("resumed: step-9.h5.tmp.12345 and metrics.jsonl.tmp.999 removed (said once), notes.tmp.txt and others kept")
print("PASS")
