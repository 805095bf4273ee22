"""Shared helpers of the end-to-end tests: run ctrain (under mpirun), make
small jobs and data files, compare checkpoints. Run with Debian's python3."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

CTRAIN = os.environ["CTRAIN"]
MPIEXEC = os.environ.get("MPIEXEC", "mpirun")
DATA_DIR = os.environ["CT_TEST_DATA"]
SMALL = os.path.join(DATA_DIR, "fashion-small.h5")
FULL = os.path.join(DATA_DIR, "fashion.h5")  # all of Fashion-MNIST, as `ctrain data import` wrote it
# tests/output/tfevents.py, the independent TensorBoard reader: `import tfevents` after this module.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "output"))


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def mpi_prefix(np_):
    cmd = [MPIEXEC, "-np", str(np_), "--oversubscribe", "--bind-to", "none"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def run(args, np_=None, timeout=300, expect_ok=True, cwd=None):
    """Runs ctrain ARGS (under mpirun -np np_ when given); returns (rc, out, err, seconds)."""
    cmd = (mpi_prefix(np_) if np_ else []) + [CTRAIN] + [str(a) for a in args]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    dt = time.time() - t0
    if expect_ok and p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p.returncode, p.stdout, p.stderr, dt


MLP_JOB = """\
name: {name}
seed: {seed}
data:
  path: {data}
model:
  family: classifier
  loss: cross_entropy
  networks:
    - layers:
        - linear: {{in_features: 784, out_features: 64}}
        - relu: {{}}
        - linear: {{out_features: 32}}
        - tanh: {{}}
        - linear: {{out_features: 10}}
optimizer:
  type: {optimizer}
  lr: {lr}
  momentum: 0.9
train:
  epochs: {epochs}
  batch_size: {batch}
  eval_batch_size: 500
checkpoint:
  every_epoch: true
  keep: 0
output:
  progress: lines
"""


def write_job(directory, name="t", seed=7, data=SMALL, optimizer="sgd", lr=0.05, epochs=2, batch=100, text=None):
    path = os.path.join(directory, name + ".yaml")
    with open(path, "w") as f:
        f.write(text if text is not None else MLP_JOB.format(
            name=name, seed=seed, data=data, optimizer=optimizer, lr=lr, epochs=epochs, batch=batch))
    return path


AE_JOB = """\
name: {name}
seed: {seed}
data:
  path: {data}
model:
  family: autoencoder
  loss: {loss}
  autoencoder: {{latent_size: {latent}, noise_std: {noise_std}, mask_prob: {mask_prob}}}
  networks:
    - name: encoder
      layers:
        - linear: {{in_features: 784, out_features: 128}}
        - relu
        - linear: {{out_features: {latent}}}
    - name: decoder
      layers:
        - linear: {{out_features: 128}}
        - relu
        - linear: {{out_features: 784}}
optimizer: {{type: adam, lr: {lr}}}
train: {{epochs: {epochs}, batch_size: {batch}, eval_batch_size: 300}}
checkpoint: {{every_epoch: true, keep: 0}}
output: {{progress: lines}}
"""


def write_ae_job(directory, name="ae", seed=3, data=SMALL, loss="bce_with_logits", latent=16, noise_std=0.0,
                 mask_prob=0.0, lr=0.002, epochs=2, batch=100):
    """A dense autoencoder 784-128-latent-128-784 (tensors encoder.0.weight, decoder.2.bias, ...)."""
    return write_job(directory, name=name, text=AE_JOB.format(
        name=name, seed=seed, data=data, loss=loss, latent=latent, noise_std=noise_std, mask_prob=mask_prob,
        lr=lr, epochs=epochs, batch=batch))


GAN_JOB = """\
name: {name}
seed: {seed}
data: {{path: {data}, normalize: {{mean: 0.5, std: 0.5}}}}
model:
  family: gan
  gan: {{latent_size: {latent}, loss: {loss}, d_steps: {d_steps}, conditional: {conditional}, samples: 20}}
  networks:
    - name: generator
      layers:
        - linear: {{in_features: {g_in}, out_features: 64}}
        - leaky_relu: {{negative_slope: 0.2}}
        - linear: {{out_features: 784}}
        - tanh
        - unflatten: {{unflattened_size: [28, 28]}}
    - name: discriminator
      layers:
        - flatten
        - linear: {{out_features: 64}}
        - leaky_relu: {{negative_slope: 0.2}}
        - linear: {{out_features: {d_out}}}
optimizer: {{type: adam, lr: 0.001, beta1: 0.5}}
train: {{epochs: {epochs}, batch_size: {batch}}}
checkpoint: {{every_epoch: true, keep: 0}}
output: {{progress: lines}}
"""


def write_gan_job(directory, name="gan", seed=3, data=SMALL, latent=16, loss="non_saturating", d_steps=1,
                  conditional=False, g_in=None, d_out=1, epochs=1, batch=60):
    """An MLP GAN: G latent(+10)-64-784 tanh as [28, 28], D 784(+10)-64-1 (no batch norm: any world size agrees)."""
    g_in = g_in if g_in is not None else latent + (10 if conditional else 0)
    return write_job(directory, name=name, text=GAN_JOB.format(
        name=name, seed=seed, data=data, latent=latent, loss=loss, d_steps=d_steps,
        conditional=str(conditional).lower(), g_in=g_in, d_out=d_out, epochs=epochs, batch=batch))


CONV_AE_JOB = """\
name: {name}
seed: {seed}
data:
  path: {data}
model:
  family: autoencoder
  loss: bce_with_logits
  autoencoder: {{latent_size: 392}}
  networks:
    - name: encoder
      layers:
        - conv2d: {{in_channels: 1, out_channels: 4, kernel_size: 3, stride: 2, padding: 1}}
        - relu
        - conv2d: {{out_channels: 8, kernel_size: 3, stride: 2, padding: 1}}
        - relu
    - name: decoder
      layers:
        - conv_transpose2d: {{out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}}
        - relu
        - conv_transpose2d: {{out_channels: 1, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}}
optimizer: {{type: adam, lr: 0.003}}
train: {{epochs: {epochs}, batch_size: 100, eval_batch_size: 250}}
checkpoint: {{every_epoch: true, keep: 0}}
output: {{progress: lines}}
"""


def write_conv_ae_job(directory, name="conv", seed=3, data=SMALL, epochs=1):
    """A convolutional autoencoder: 1x28x28 -> 8x7x7 (392 values) -> 1x28x28."""
    return write_job(directory, name=name, text=CONV_AE_JOB.format(name=name, seed=seed, data=data, epochs=epochs))


def latest_checkpoint(run_dir):
    with open(os.path.join(run_dir, "checkpoints", "latest")) as f:
        return os.path.join(run_dir, "checkpoints", f.read().strip())


def tensors(path, group="model"):
    with h5py.File(path, "r") as f:
        out = {}
        f[group].visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
        return out


def compare(a, b, rtol=0.0, atol=0.0, group="model"):
    ta, tb = tensors(a, group), tensors(b, group)
    check(sorted(ta) == sorted(tb), f"{a} and {b} hold different tensors: {sorted(ta)} vs {sorted(tb)}")
    worst = 0.0
    for k in ta:
        check(ta[k].shape == tb[k].shape, f"{k}: shapes {ta[k].shape} vs {tb[k].shape}")
        if rtol == 0 and atol == 0:
            check(np.array_equal(ta[k], tb[k]), f"{k} differs between {a} and {b} (expected bitwise equality)")
        else:
            diff = np.abs(ta[k] - tb[k])
            worst = max(worst, float(diff.max()))
            check(np.allclose(ta[k], tb[k], rtol=rtol, atol=atol),
                  f"{k} differs: max abs diff {diff.max():.3g} (rtol {rtol}, atol {atol})")
    return worst


def png_size(path):
    """(width, height) of a PNG file, which must be one."""
    import struct
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG file")
    return struct.unpack(">II", head[16:24])


def tempdir():
    return tempfile.mkdtemp(prefix="ctrain-test-")


def cleanup(d):
    shutil.rmtree(d, ignore_errors=True)


def records(run_dir):
    """Every record of RUN_DIR/metrics.jsonl, in order."""
    import json
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def metrics(run_dir, kind="epoch"):
    """The records of RUN_DIR/metrics.jsonl of one type ("epoch" or "step")."""
    return [r for r in records(run_dir) if r.get("type", "epoch") == kind]


def parse_eval(out):
    m = re.search(r"loss=([0-9.eE+-]+) accuracy=([0-9.eE+-]+) samples=(\d+)", out)
    check(m is not None, f"no 'loss=... accuracy=...' line in: {out!r}")
    return float(m.group(1)), float(m.group(2)), int(m.group(3))


def job_yaml(run_dir):
    """RUN_DIR/job.yaml (the resolved job a resume starts from), parsed."""
    import yaml
    with open(os.path.join(run_dir, "job.yaml")) as f:
        return yaml.safe_load(f)


def data_slice(directory, n_train, n_test=1000, name=None):
    """An HDF5 file of the first n_train training and n_test test rows of the
    imported Fashion-MNIST (n_train up to 60000), with the same attributes."""
    path = os.path.join(directory, name or f"fashion-{n_train}.h5")
    with h5py.File(FULL, "r") as src, h5py.File(path, "w") as dst:
        for split, n in (("train", n_train), ("test", n_test)):
            for dataset in ("images", "labels"):
                d = src[split][dataset]
                new = dst.create_dataset(f"{split}/{dataset}", data=d[:n])
                for k, v in d.attrs.items():
                    new.attrs[k] = v
    return path


BN_JOB = """\
name: {name}
seed: {seed}
data:
  path: {data}
model:
  family: classifier
  loss: cross_entropy
  networks:
    - layers:
        - flatten
        - linear: {{out_features: 32}}
        - batch_norm1d: {{}}
        - relu
        - linear: {{out_features: 10}}
optimizer: {{type: sgd, lr: {lr}, momentum: 0.9}}
train: {{epochs: {epochs}, batch_size: {batch}, drop_last: {drop_last}, eval_batch_size: 500}}
checkpoint: {{every_epoch: true, keep: 0}}
output: {{progress: lines}}
"""


def write_bn_job(directory, name="bn", seed=7, data=SMALL, lr=0.05, epochs=1, batch=100, drop_last=False):
    """A classifier with batch norm over 32 features (tensors 2.running_mean, 2.num_batches_tracked, ...),
    which needs 2 samples per rank in training."""
    return write_job(directory, name=name, text=BN_JOB.format(
        name=name, seed=seed, data=data, lr=lr, epochs=epochs, batch=batch, drop_last=str(drop_last).lower()))


def tensorboard_events(run_dir):
    """The events of every file in RUN_DIR/tensorboard, decoded by the
    independent reader tests/output/tfevents.py: a list of (path, events),
    in the order the files were started (their file_version's wall time)."""
    from tfevents import events_files, read_events
    files = [(path, read_events(path)) for path in events_files(os.path.join(run_dir, "tensorboard"))]
    for path, events in files:
        check(events and events[0].get("file_version") == "brain.Event:2",
              f"{path}: the first event is not file_version brain.Event:2: {events[:1]}")
    return sorted(files, key=lambda f: f[1][0]["wall_time"])


# Keys of a metrics.jsonl record that are not metrics (TensorBoard has no scalar for them).
RECORD_KEYS = ("type", "epoch", "step", "seconds")


def record_scalars(recs):
    """The TensorBoard scalars that metrics.jsonl records stand for, in order,
    as tfevents.check_events expects them: {"tag": "<type>/<name>", "step",
    "value"} for every metric of every record."""
    out = []
    for r in recs:
        for key, value in r.items():
            if key in RECORD_KEYS:
                continue
            check(isinstance(value, (int, float)), f"record at step {r['step']}: {key} is {value!r}")
            out.append({"tag": f"{r['type']}/{key}", "step": r["step"], "value": value})
    return out


def png_check(data, what="PNG"):
    """Checks that bytes are a whole, valid PNG (signature, chunk CRCs, IHDR
    first, IEND last, image data of the declared size once inflated);
    returns (width, height, colour type)."""
    import struct
    import zlib
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{what}: no PNG signature")
    at, chunks, idat = 8, [], b""
    while at < len(data):
        check(len(data) - at >= 12, f"{what}: chunk at byte {at} is cut")
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        check(len(body) == length and len(data) >= at + 12 + length, f"{what}: chunk {kind!r} is cut")
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        check(zlib.crc32(kind + body) == crc, f"{what}: bad CRC of chunk {kind!r}")
        chunks.append((kind, body))
        if kind == b"IDAT":
            idat += body
        at += 12 + length
    check(chunks and chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", f"{what}: not IHDR ... IEND")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    check(depth == 8 and interlace == 0, f"{what}: bit depth {depth}, interlace {interlace}")
    pixels = zlib.decompress(idat)
    check(len(pixels) == height * (1 + width * channels), f"{what}: {len(pixels)} bytes of image data for "
          f"{width}x{height} with {channels} channels")
    return width, height, colour


REG_JOB = """\
name: {name}
seed: {seed}
data: {{path: {data}, input: inputs, target: targets}}
model:
  family: regressor
  loss: {loss}
  networks:
    - layers:
        - linear: {{out_features: 32}}
        - tanh
        - linear: {{out_features: 32}}
        - tanh
        - linear: {{out_features: {out}}}
{tail}optimizer: {{type: adam, lr: 0.01}}
train: {{epochs: {epochs}, batch_size: {batch}, eval_batch_size: 200}}
checkpoint: {{every_epoch: true, keep: 0}}
output: {{progress: lines}}
"""


def write_reg_job(directory, data, name="reg", seed=5, loss="mse", out=2, tail="", epochs=3, batch=64):
    """A regressor MLP in-32-32-out (tanh; tensors 0.*, 2.*, 4.*) on the inputs and targets of reg_data;
    tail: YAML of more layers after the last linear ("        - unflatten: ...\\n")."""
    return write_job(directory, name=name, text=REG_JOB.format(
        name=name, seed=seed, data=data, loss=loss, out=out, tail=tail, epochs=epochs, batch=batch))


def reg_targets(x, shape=(2,)):
    """Quadratic functions of inputs [n, 3]: float32 targets [n, *shape], shape (), (2,) or (2, 2)."""
    y0 = x[:, 0] * x[:, 1] + 0.5 * x[:, 2]
    y1 = x[:, 0] ** 2 - 0.5 * x[:, 1]
    values = {(): [y0], (2,): [y0, y1], (2, 2): [y0, y1, y0 - y1, y0 + y1]}[shape]
    return np.stack(values, axis=1).reshape((len(x),) + shape).astype(np.float32)


def reg_data(directory, name="reg.h5", n_train=2048, n_test=512, shape=(2,), seed=0):
    """An HDF5 file of /train and /test: inputs [n, 3] float32 in U(-1, 1) and their reg_targets."""
    rng = np.random.default_rng(seed)
    path = os.path.join(directory, name)
    with h5py.File(path, "w") as f:
        for split, n in (("train", n_train), ("test", n_test)):
            x = rng.uniform(-1, 1, size=(n, 3)).astype(np.float32)
            f.create_dataset(f"{split}/inputs", data=x)
            f.create_dataset(f"{split}/targets", data=reg_targets(x, shape))
    return path
