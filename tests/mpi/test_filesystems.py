"""Files and filesystems (root: the test mounts tmpfs filesystems).
- Disk full while checkpointing: the run directory sits on a tmpfs sized
  so that the first checkpoint fits and the second does not. The job ends
  on every rank with an error naming the file and the cause; the first
  checkpoint is intact and still `latest`; no partial file is left.
- A read-only runs directory, and one that cannot be made (under a regular
  file): a clear error before training starts, nothing written."""
import glob
import os
import subprocess

from ctrain_test import check, cleanup, compare, latest_checkpoint, run, tempdir, write_job

check(os.geteuid() == 0, "this test mounts tmpfs filesystems: run it as root (as the README's commands are)")
d = tempdir()
mounts = []


def mount_tmpfs(path, options):
    os.makedirs(path)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], check=True)
    mounts.append(path)


try:
    # How large one checkpoint is, from a run on the ordinary disk.
    job = write_job(d, name="full", epochs=2, batch=100)
    reference = os.path.join(d, "reference")
    run(["train", job, "--run-dir", reference, "--set", "train.epochs=1"], np_=2)
    size = os.path.getsize(latest_checkpoint(reference))
    small = os.path.join(d, "small")
    mount_tmpfs(small, f"size={int(size * 1.6) // 4096 * 4096}")
    run_dir = os.path.join(small, "run")
    rc, out, err, seconds = run(["train", job, "--run-dir", run_dir], np_=2, expect_ok=False, timeout=120)
    first = os.path.join(run_dir, "checkpoints", "step-40.h5")
    second = os.path.join(run_dir, "checkpoints", "step-80.h5")
    check(rc != 0, f"the run succeeded on a full disk\n{out}")
    check(f"checkpoint {second}" in err and "No space left on device" in err,
          f"the error does not name the checkpoint and the cause:\n{err}")
    check(latest_checkpoint(run_dir) == first, f"latest is {latest_checkpoint(run_dir)}, expected {first}")
    compare(first, latest_checkpoint(reference))
    left = sorted(os.listdir(os.path.dirname(first)))
    check(left == ["latest", "step-40.h5"], f"files left in checkpoints/: {left}")
    check(not glob.glob(os.path.join(run_dir, "**", "*.tmp*"), recursive=True), "a temporary file was left")
    message = [line for line in err.splitlines() if "No space left" in line][0]
    print(f"disk full at the second checkpoint: exit {rc} after {seconds:.1f} s; the first checkpoint intact and "
          f"latest; no partial file. The error: {message}")

    # A read-only runs directory, and one under a regular file.
    readonly = os.path.join(d, "readonly")
    mount_tmpfs(readonly, "ro,size=64k")
    not_a_dir = os.path.join(d, "file")
    open(not_a_dir, "w").close()
    for runs_dir, cause in ((readonly, "Read-only file system"), (os.path.join(not_a_dir, "runs"), "a file of that name exists")):
        rc, out, err, seconds = run(["train", job, "--set", f"output.runs_dir={runs_dir}/runs"], np_=2,
                                    expect_ok=False)
        check(rc == 1 and f"cannot create directory: {cause}" in err and "epoch" not in out,
              f"runs_dir {runs_dir}/runs: exit {rc}\nstdout:\n{out}\nstderr:\n{err}")
        print(f"output.runs_dir {runs_dir}/runs: exit {rc} in {seconds:.1f} s, before training: {err.strip()}")
finally:
    for m in reversed(mounts):
        subprocess.run(["umount", m])
    cleanup(d)
