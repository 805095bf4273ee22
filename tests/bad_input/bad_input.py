"""Bad input under mpirun -np 2 (the one-process commands without mpirun):
each case must exit non-zero within 10 s with one clear ctrain error naming
the file/field/dataset and what was expected/found, no crash, and leave
existing checkpoints untouched.
Usage: bad_input.py CASE (see CASES)."""
import hashlib
import os
import re
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mpi"))
from ctrain_test import (AE_JOB, CONV_AE_JOB, MLP_JOB, SMALL, check, cleanup, data_slice, fail,  # noqa: E402
                         write_gan_job, reg_data, write_reg_job,
                         latest_checkpoint, run, tempdir, write_ae_job, write_bn_job, write_job)

D = tempdir()


def job_with(**kw):
    return write_job(D, **kw)


def edited_job(old, new):
    text = MLP_JOB.format(name="t", seed=1, data=SMALL, optimizer="sgd", lr=0.05, epochs=1, batch=100)
    check(old in text, f"test bug: {old!r} not in the job")
    return write_job(D, text=text.replace(old, new))


def h5_file(name, images, labels, attrs=None):
    path = os.path.join(D, name)
    with h5py.File(path, "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/images", data=images)
            f.create_dataset(f"{split}/labels", data=labels)
            for k, v in (attrs or {}).items():
                f[f"{split}/labels"].attrs[k] = v
    return path


def good_images(n=200):
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, size=(n, 28, 28), dtype=np.uint8)


def good_labels(n=200):
    return (np.arange(n) % 10).astype(np.int64)


def existing_run():
    """A run stopped at step 3, to be resumed by a failing run."""
    rd = os.path.join(D, "run")
    run(["train", job_with(epochs=1), "--run-dir", rd, "--set", "train.max_steps=3"], np_=2)
    return rd


def digest(directory):
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(directory)):
        for f in sorted(files):
            h.update(f.encode())
            with open(os.path.join(root, f), "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def case_missing_job():
    return ["train", os.path.join(D, "nope.yaml")], [r"nope\.yaml", r"[Nn]o such file"]


def case_unreadable_job():
    return ["train", D], [D, r"(directory|read)"]


def case_yaml_syntax():
    path = write_job(D, text="train:\n  epochs: [1, 2\nseed: 3\n")
    return ["train", path], [r"t\.yaml:\d+:\d+"]


def case_unknown_key():
    return ["train", edited_job("  lr: 0.05", "  lerning_rate: 0.05")], [r"t\.yaml:\d+:\d+", "lerning_rate", "lr"]


def case_wrong_type():
    return ["train", edited_job("epochs: 1", "epochs: ten")], [r"t\.yaml:\d+:\d+", r"train\.epochs", "ten"]


def case_negative_batch():
    return ["train", edited_job("batch_size: 100", "batch_size: -5")], [r"train\.batch_size", "-5"]


def case_data_missing():
    return ["train", job_with(data=os.path.join(D, "absent.h5"))], [r"absent\.h5"]


def case_data_not_hdf5():
    path = os.path.join(D, "text.h5")
    with open(path, "w") as f:
        f.write("this is not HDF5\n" * 100)
    return ["train", job_with(data=path)], [r"text\.h5", "HDF5"]


def case_data_truncated():
    path = os.path.join(D, "cut.h5")
    with open(SMALL, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read(os.path.getsize(SMALL) // 2))
    return ["train", job_with(data=path)], [r"cut\.h5"]


def case_dataset_absent():
    return ["train", edited_job("  path: ", "  input: pixels\n  path: ")], [r"pixels", r"/train"]


def case_length_mismatch():
    path = h5_file("len.h5", good_images(100), good_labels(90))
    return ["train", job_with(data=path)], [r"len\.h5", "100", "90"]


def case_label_out_of_range():
    labels = good_labels()
    labels[137] = 12
    path = h5_file("labels.h5", good_images(), labels)
    return ["train", job_with(data=path)], [r"labels\.h5", r"\b12\b", r"row 137"]


def case_shape_mismatch():
    return ["train", edited_job("in_features: 784", "in_features: 100")], [r"layer 0", "100", "784"]


def case_augment_flip_p():
    return ["train", edited_job("  path: ", "  augment: {horizontal_flip: {p: 1.5}}\n  path: ")], [
        r"t\.yaml:\d+:\d+", r"data\.augment\.horizontal_flip\.p", r"\[0, 1\]", "1.5"]


def case_augment_negative_padding():
    return ["train", edited_job("  path: ", "  augment: {random_crop: {padding: -2}}\n  path: ")], [
        r"t\.yaml:\d+:\d+", r"data\.augment\.random_crop\.padding", "unsigned", "-2"]


def case_augment_crop_not_image():
    """Crops need images; these samples are vectors of 784 values."""
    path = h5_file("vectors.h5", good_images().reshape(200, 784), good_labels())
    job = edited_job("  path: ", "  augment: {random_crop: {padding: 2}}\n  path: ")
    return ["train", job, "--set", f"data.path={path}"], [r"data\.augment\.random_crop", "image", r"\[784\]"]


def case_nan_in_data():
    images = good_images().astype(np.float32) / 255
    images[57, 3, 4] = np.nan
    path = h5_file("nan.h5", images, good_labels())
    return ["train", job_with(data=path)], [r"nan\.h5", r"row 57", r"(NaN|non-finite|nan)"]


def case_loss_overflow():
    """A resumed run that meets a non-finite loss stops on every rank and
    leaves the checkpoints it resumed from intact (job.yaml takes the new
    overrides and TensorBoard a new events file, by design)."""
    images = np.full((4000, 28, 28), 3e38, dtype=np.float32)  # as many rows as the resumed run's data
    path = h5_file("huge.h5", images, good_labels(4000))
    rd = existing_run()
    # The job's tanh would saturate the overflow into finite logits: use relu.
    return (["train", "--resume", rd, "--set", f"data.path={path}", "--set", "train.max_steps=0",
             "--set", "model.networks.0.layers.3=relu"],
            [r"non-finite train_loss", r"step 4"], os.path.join(rd, "checkpoints"))


def case_resume_no_checkpoint():
    empty = os.path.join(D, "empty-run")
    os.makedirs(empty)
    return ["train", job_with(), "--resume", empty], [r"empty-run", r"no checkpoint"]


def case_resume_corrupt():
    rd = existing_run()
    with open(os.path.join(rd, "checkpoints", "latest")) as f:
        ckpt = os.path.join(rd, "checkpoints", f.read().strip())
    with open(ckpt, "r+b") as f:
        f.truncate(os.path.getsize(ckpt) // 3)
    return ["train", "--resume", rd], [os.path.basename(ckpt), r"(corrupt|truncated|HDF5)"], rd


def edited_ae_job(old, new):
    text = AE_JOB.format(name="t", seed=1, data=SMALL, loss="mse", latent=16, noise_std=0, mask_prob=0, lr=0.001,
                         epochs=1, batch=100)
    check(old in text, f"test bug: {old!r} not in the job")
    return write_job(D, text=text.replace(old, new))


def case_ae_decoder_shape():
    job = edited_ae_job("        - linear: {out_features: 784}", "        - linear: {out_features: 700}")
    return ["train", job], [r"layer decoder\.2 \(linear\)", r"\[700\]", r"\[28, 28\]", "784"]


def case_ae_latent_zero():
    job = edited_ae_job("latent_size: 16", "latent_size: 0")
    return ["train", job], [r"t\.yaml:\d+:\d+", r"model\.autoencoder\.latent_size", r"found 0"]


def case_ae_latent_mismatch():
    job = edited_ae_job("latent_size: 16", "latent_size: 32")
    return ["train", job], [r"layer encoder\.2 \(linear\)", r"\[16\]", r"latent_size is 32"]


def case_ae_conv_transpose_negative():
    """A transposed convolution whose output size, (7 - 1)*1 - 2*5 + 3 + 0, is negative."""
    text = CONV_AE_JOB.format(name="t", seed=1, data=SMALL, epochs=1)
    old = "conv_transpose2d: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}"
    check(old in text, f"test bug: {old!r} not in the job")
    job = write_job(D, text=text.replace(old, "conv_transpose2d: {out_channels: 4, kernel_size: 3, padding: 5}"))
    return ["train", job], [r"layer decoder\.0 \(conv_transpose2d\)", r"-1", r"not positive"]


def case_reconstruct_classifier():
    """A classifier's checkpoint is no autoencoder: said before any tensor is read."""
    rd = existing_run()
    return (["reconstruct", latest_checkpoint(rd), "--out", os.path.join(D, "r.png")],
            [r"step-3\.h5:/job", r"model\.family is classifier", "autoencoder"], rd)


def case_reconstruct_other_architecture():
    """Weights of another architecture (here, a 16-value code where the job has 8): the tensor is named."""
    rd = os.path.join(D, "ae-run")
    run(["train", write_ae_job(D, name="ae16", latent=16), "--run-dir", rd, "--set", "train.max_steps=3"])
    other = write_ae_job(D, name="ae8", latent=8)
    return (["reconstruct", latest_checkpoint(rd), "--job", other, "--out", os.path.join(D, "r.png")],
            [r"step-3\.h5", r"encoder\.2\.weight", r"\[16, 128\]", r"\[8, 128\]"], rd)


def case_init_from_missing():
    """Each --init-from case runs in D without --run-dir: a run directory would appear in D/runs."""
    return ["train", job_with(), "--init-from", os.path.join(D, "absent.h5")], [r"--init-from", r"absent\.h5",
                                                                                 r"no such"]


def case_init_from_not_hdf5():
    path = os.path.join(D, "weights.h5")
    with open(path, "w") as f:
        f.write("0.weight 0.1 0.2 0.3\n" * 50)
    return ["train", job_with(), "--init-from", path], [r"weights\.h5", r"not an HDF5 file"]


def case_init_from_wrong_shape():
    """A state_dict of a 784-32 first layer for the job's 784-64 one."""
    path = os.path.join(D, "narrow.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("model/0.weight", data=np.zeros((32, 784), np.float32))
        f.create_dataset("model/0.bias", data=np.zeros(32, np.float32))
    return ["train", job_with(), "--init-from", path], [r"narrow\.h5", r"0\.weight", r"\[32, 784\]",
                                                         r"\[64, 784\]"]


def case_out_features_huge():
    """A layer of 2e9 x 784 weights: refused before any allocation, naming the layer and the bytes."""
    return (["train", job_with(), "--set", "model.networks.0.layers.0.linear.out_features=2000000000"],
            [r"layer 0 \(linear\)", r"needs [0-9.]+ [KMGTPE]iB", r"[0-9.]+ [KMGTPE]?i?B are available"])


def case_rows_huge():
    """A file that declares 2^40 rows (chunked, so it is tiny on disk)."""
    path = os.path.join(D, "rows.h5")
    with h5py.File(path, "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/images", shape=(2**40, 28, 28), dtype="u1", chunks=(1, 28, 28))
            f.create_dataset(f"{split}/labels", shape=(2**40,), dtype="u1", chunks=(1,))
    return ["train", job_with(data=path)], [r"rows\.h5", r"/train/images", r"needs [0-9.]+ [KMGTPE]iB",
                                            r"available"]


def case_batchnorm_one_sample():
    """Batch norm over 32 features with batch 3 at 2 ranks (parts 1 and 2); drop_last does not help."""
    return (["train", write_bn_job(D, batch=3, drop_last=True)],
            [r"bn\.yaml", r"batch normalisation", r"needs 2 samples per rank", r"train\.batch_size 3 over 2 ranks",
             r"gives a rank 1\b", r"at least 4"])


def case_batchnorm_last_batch():
    """4001 rows in batches of 100: the last batch of one row leaves a rank one sample (or none)."""
    return (["train", write_bn_job(D, data=data_slice(D, 4001, 100), batch=100)],
            [r"bn\.yaml", r"batch normalisation", r"last batch", r"1 of the 4001 rows", r"train\.drop_last"])


def case_resume_changed_batch():
    rd = existing_run()
    return (["train", "--resume", rd, "--set", "train.batch_size=50"],
            [r"train\.batch_size 100", r"this run has 50", r"--init-from"], rd)


def case_resume_changed_seed():
    rd = existing_run()
    return ["train", "--resume", rd, "--set", "seed=8"], [r"job\.yaml", r"seed 7", r"this run has 8"], rd


def case_resume_changed_data():
    rd = existing_run()
    path = data_slice(D, 3000, 100)
    return (["train", "--resume", rd, "--set", f"data.path={path}"],
            [r"rows of the training data 4000", r"this run has 3000"], rd)


def gan_job(**kw):
    """A GAN job of ctrain_test.write_gan_job (in D), the `text` edits applied."""
    edits = kw.pop("edits", ())
    path = write_gan_job(D, **kw)
    text = open(path).read()
    for old, new in edits:
        check(old in text, f"test bug: {old!r} not in the GAN job")
        text = text.replace(old, new)
    open(path, "w").write(text)
    return path


def case_gan_output_shape():
    """The generator makes 100 values where the data's samples are [28, 28]."""
    job = gan_job(edits=[("        - linear: {out_features: 784}\n        - tanh\n"
                          "        - unflatten: {unflattened_size: [28, 28]}\n",
                          "        - linear: {out_features: 100}\n        - tanh\n")])
    return ["train", job], [r"gan\.yaml", r"generator\.3", r"generator's output \[100\]", r"\[28, 28\]"]


def case_gan_d_output():
    """The discriminator gives 2 values per sample."""
    return ["train", gan_job(d_out=2)], [r"gan\.yaml", r"discriminator\.3", r"\[2\] has 2 values", "one"]


def case_gan_latent_mismatch():
    """The generator's first layer takes 50 values; model.gan.latent_size is 16."""
    return ["train", gan_job(g_in=50)], [r"gan\.yaml", r"generator\.0", "50", r"latent_size 16"]


def case_gan_conditional_no_labels():
    """A conditional GAN on a file whose splits have images only."""
    path = os.path.join(D, "images-only.h5")
    with h5py.File(path, "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/images", data=good_images())
    return ["train", gan_job(data=path, conditional=True)], [r"images-only\.h5", r"labels", "no|not|absent|missing"]


def case_gan_label_out_of_range():
    """model.gan.classes 5, and the data has labels up to 9."""
    job = gan_job(conditional=True, g_in=21, edits=[("conditional: true,", "conditional: true, classes: 5,")])
    return ["train", job], [r"fashion-small\.h5", r"labels has 10 classes", r"conditional on 5 classes"]


def case_sample_classifier():
    """ctrain sample on a classifier's checkpoint."""
    rd = existing_run()
    return (["sample", latest_checkpoint(rd), "--out", os.path.join(D, "s.png")],
            [r"sample", r"step-3\.h5:/job", r"model\.family is classifier", "gan"], rd)


def case_fid_features_shape():
    """fid's classifier takes [28, 28] images; the generator makes [14, 14] ones."""
    small = os.path.join(D, "small.h5")
    h5_file("small.h5", good_images()[:, :14, :14].copy(), good_labels())
    job = gan_job(data=small, edits=[("out_features: 784}", "out_features: 196}"),
                                     ("[28, 28]", "[14, 14]")])
    gan = os.path.join(D, "gan-run")
    run(["train", job, "--run-dir", gan, "--set", "train.max_steps=1"])
    clf = os.path.join(D, "clf-run")
    run(["train", job_with(), "--run-dir", clf, "--set", "train.max_steps=1"])
    return (["fid", latest_checkpoint(gan), "--features", latest_checkpoint(clf), "--n", "100"],
            [r"fid", r"clf-run", r"\[28, 28\]", r"gan-run", r"\[14, 14\]"], gan)


def case_eval_gan():
    """ctrain eval on a GAN's checkpoint: the family has no evaluation (it crashed once)."""
    rd = os.path.join(D, "gan-run")
    run(["train", gan_job(), "--run-dir", rd, "--set", "train.max_steps=2"])
    return ["eval", rd], [r"eval", r"step-2\.h5:/job", r"a gan model has no evaluation", r"ctrain fid"], rd


def reg_file(name, targets, inputs=None):
    """A regressor's file: /train and /test with inputs [100, 3] float32 (or `inputs`) and these targets
    (None: none)."""
    path = os.path.join(D, name)
    with h5py.File(path, "w") as f:
        for split in ("train", "test"):
            f.create_dataset(f"{split}/inputs", data=inputs if inputs is not None else np.zeros((100, 3), np.float32))
            if targets is not None:
                f.create_dataset(f"{split}/targets", data=targets)
    return path


def case_regressor_no_targets():
    path = reg_file("inputs-only.h5", None)
    return ["train", write_reg_job(D, path)], [r"inputs-only\.h5", r"no dataset /train/targets", r"inputs"]


def case_regressor_integer_targets():
    path = reg_file("int.h5", np.zeros((100, 2), np.int64))
    return ["train", write_reg_job(D, path)], [r"int\.h5", r"/train/targets", r"expected float targets", r"int64",
                                               r"labels train a classifier"]


def case_regressor_target_rows():
    path = reg_file("rows.h5", np.zeros((90, 2), np.float32))
    return ["train", write_reg_job(D, path)], [r"rows\.h5", r"/train/targets has 90 rows", r"/train/inputs has 100"]


def case_regressor_target_shape():
    """Targets of [2, 2] per sample; the network gives 2 values."""
    path = reg_data(D, shape=(2, 2))
    return ["train", write_reg_job(D, path)], [r"reg\.h5", r"/test/targets", r"output shape \[2\]", r"found \[2, 2\]"]


def case_regressor_nan_target():
    targets = np.zeros((100, 2), np.float32)
    targets[57, 1] = np.nan
    path = reg_file("nan.h5", targets)
    return ["train", write_reg_job(D, path)], [r"nan\.h5", r"/train/targets", r"row 57", r"finite", r"nan"]


def case_regressor_cross_entropy():
    text = open(write_reg_job(D, reg_data(D))).read().replace("loss: mse", "loss: cross_entropy")
    return ["train", write_job(D, name="reg", text=text)], [r"reg\.yaml:\d+:\d+", r"model\.loss", r"mse, l1 or huber",
                                                            r"found cross_entropy", r"model\.family: classifier"]


def case_classifier_float_targets():
    """As a new user tries first: a classifier with MSE on float targets is pointed at the regressor."""
    text = open(write_reg_job(D, reg_data(D))).read().replace("family: regressor", "family: classifier")
    return ["train", write_job(D, name="reg", text=text)], [r"reg\.yaml", r"model\.loss", r"classifier",
                                                            r"model\.family: regressor"]


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}
# Commands that run as one process, started without mpirun.
ONE_PROCESS = {"reconstruct_classifier", "reconstruct_other_architecture", "sample_classifier", "fid_features_shape"}


def main():
    name = sys.argv[1]
    if name not in CASES:
        fail(f"unknown case {name}; cases: {', '.join(CASES)}")
    args, patterns, *guarded = CASES[name]()
    guarded = guarded[0] if guarded else None
    before = digest(guarded) if guarded else None
    rc, out, err, seconds = run(args, np_=None if name in ONE_PROCESS else 2, timeout=60, expect_ok=False, cwd=D)
    print(f"exit {rc} after {seconds:.1f} s\nstderr:\n{err}")
    check(rc != 0, "expected a non-zero exit")
    check(seconds < 10, f"took {seconds:.1f} s, expected < 10 s")
    ours = [line for line in err.splitlines() if line.startswith("ctrain: error:")]
    check(len(ours) == 1, f"expected exactly one 'ctrain: error:' line, found {len(ours)}")
    for p in patterns:
        check(re.search(p, ours[0]), f"the message does not match /{p}/: {ours[0]}")
    for bad in ("Segmentation fault", "core dumped", "signal", "Aborted", "AddressSanitizer", "runtime error"):
        check(bad not in err, f"crash marker '{bad}' in stderr")
    if guarded:
        check(digest(guarded) == before, f"{guarded} was modified by the failed run")
    check(not os.path.exists(os.path.join(D, "runs")), "the failed run left a run directory behind")
    cleanup(D)
    print("PASS")


main()
