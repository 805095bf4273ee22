"""A checkpoint may be named four ways: the step file, the run's
checkpoints/latest pointer, its checkpoints/ directory or the run directory.
`eval` gives the same numbers for all four at 1 and 2 ranks (and from
another working directory, by relative path); `reconstruct`, `embed` and
`search` of an autoencoder's run directory write the same files as of its
step file; `train --init-from` takes a run directory; a directory without
checkpoints is refused naming it."""
import os
import re

import h5py

from ctrain_test import (check, cleanup, latest_checkpoint, parse_eval, png_size, run, tempdir, write_ae_job,
                         write_job)

d = tempdir()


def forms(rd):
    step = latest_checkpoint(rd)
    return {"run directory": rd, "checkpoints/": os.path.join(rd, "checkpoints"),
            "checkpoints/latest": os.path.join(rd, "checkpoints", "latest"), "step file": step}


# 1. eval, classifier trained for one epoch at 2 ranks.
rd = os.path.join(d, "mlp")
run(["train", write_job(d, epochs=1), "--run-dir", rd], np_=2)
results = {}
for np_ in (1, 2):
    for name, path in forms(rd).items():
        _, out, _, _ = run(["eval", path], np_=np_)
        results[(np_, name)] = parse_eval(out)
        _, out, _, _ = run(["eval", path, "--json"], np_=np_)
        results[(np_, name, "json")] = out.strip()
    # By paths relative to the working directory.
    _, out, _, _ = run(["eval", "mlp"], np_=np_, cwd=d)
    results[(np_, "relative run directory")] = parse_eval(out)
    _, out, _, _ = run(["eval", os.path.join("checkpoints", "latest")], np_=np_, cwd=rd)
    results[(np_, "relative checkpoints/latest")] = parse_eval(out)
    values = {k: v for k, v in results.items() if k[0] == np_ and len(k) == 2}
    check(len(set(values.values())) == 1, f"np={np_}: eval differs with the way the checkpoint is named: {values}")
    jsons = {k: v for k, v in results.items() if k[0] == np_ and len(k) == 3}
    check(len(set(jsons.values())) == 1, f"np={np_}: eval --json differs: {jsons}")
(l1, a1, n1), (l2, a2, n2) = results[(1, "step file")], results[(2, "step file")]
check(n1 == n2 == 1000 and a1 == a2 and abs(l1 - l2) < 1e-5, f"eval at np=1 {results[(1, 'step file')]}, "
      f"np=2 {results[(2, 'step file')]}")
print(f"eval: run directory, checkpoints/, checkpoints/latest, step file (and relative paths) give "
      f"loss={l1} accuracy={a1} at np=1 and 2")

# 2. The autoencoder tools on a run directory.
ae = os.path.join(d, "ae")
run(["train", write_ae_job(d, epochs=1), "--run-dir", ae, "--set", "train.max_steps=20"], np_=1)
outputs = {}
for name, path in forms(ae).items():
    tag = name.replace("/", "-").replace(" ", "-")
    recon, lat, found = (os.path.join(d, f"{tag}.{ext}") for ext in ("recon.png", "latents.h5", "found.png"))
    _, out, _, _ = run(["reconstruct", path, "--out", recon])
    check(png_size(recon) == (72 + 16 * 60, 2 * 60 + 8), f"{name}: reconstruct wrote {png_size(recon)}")
    loss = re.search(r"reconstruction loss \(bce_with_logits\) ([0-9.]+)", out).group(1)
    run(["embed", path, "--out", lat])
    _, out, _, _ = run(["search", path, "--query", "3", "--out", found])
    rows = re.findall(r"^\s+\d+\. row (\d+)", out, re.M)
    with open(recon, "rb") as f1, open(found, "rb") as f2, h5py.File(lat, "r") as f3:
        outputs[name] = (loss, rows, f1.read(), f2.read(), f3["latents"][()].tobytes())
ref = outputs["step file"]
for name, got in outputs.items():
    check(got == ref, f"reconstruct/embed/search of the {name} differ from those of the step file")
print(f"reconstruct, embed, search: the same outputs from the run directory, checkpoints/, latest and the step file "
      f"(loss {ref[0]}, neighbours of row 3: {' '.join(ref[1])})")

# 3. train --init-from a run directory; a directory without checkpoints.
_, out, _, _ = run(["train", write_job(d, epochs=1), "--run-dir", os.path.join(d, "init"), "--init-from", rd,
                    "--set", "train.max_steps=2"], np_=2)
check(f"weights initialised from {latest_checkpoint(rd)}" in out, f"--init-from RUN_DIR: {out}")
empty = os.path.join(d, "empty")
os.makedirs(empty)
rc, _, err, _ = run(["eval", empty], np_=2, expect_ok=False)
check(rc != 0 and "empty" in err and "no checkpoint" in err, f"eval of a directory without checkpoints: {err}")
print("--init-from RUN_DIR works; eval of a directory without checkpoints is refused")
cleanup(d)
print("PASS")
