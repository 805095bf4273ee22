"""`ctrain plot` end to end: two fake run directories (one with step and
epoch records, one in the older format without "type"), the PNG's size
for one and for three panels, its pixels (each run's colour drawn where the
panels are, many shades), and the errors of bad input.

    test_plot.py CTRAIN WORK_DIR
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np

CTRAIN, WORK = sys.argv[1], sys.argv[2]
PANEL_W, PANEL_H, MARGIN = 520, 340, 14  # as cluster/commands/plot.c lays them out
BLUE, ORANGE = (31, 119, 180), (255, 127, 14)  # the first two runs' colours (tab10)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def decode_png(path):
    """(height, width, 3) uint8 pixels of an 8-bit RGB PNG, as cairo writes them."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file")
    pos, idat = 8, b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        check(zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + size:pos + 12 + size])[0],
              f"{path}: bad CRC in {kind}")
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            check((depth, color, interlace) == (8, 2, 0), f"{path}: not 8-bit RGB: {depth}, {color}, {interlace}")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + size
    raw = zlib.decompress(idat)
    stride = 3 * width
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], prev[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return np.frombuffer(b"".join(rows), np.uint8).reshape(height, width, 3)


def write_run(name, lines):
    """A run directory holding metrics.jsonl of lines (dicts, or raw text)."""
    path = os.path.join(WORK, name)
    os.makedirs(path)
    with open(os.path.join(path, "metrics.jsonl"), "w") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def plot(*args, ok=True):
    p = subprocess.run([CTRAIN, "plot"] + [str(a) for a in args], capture_output=True, text=True, timeout=60)
    if ok:
        check(p.returncode == 0, f"plot {args} exited {p.returncode}: {p.stderr}")
    return p


def expect_error(args, *words):
    p = plot(*args, ok=False)
    lines = p.stderr.splitlines()
    check(p.returncode == 1, f"plot {args}: exit status {p.returncode}, expected 1 ({p.stderr})")
    check(len(lines) == 1 and lines[0].startswith("ctrain: error: plot: "), f"plot {args}: stderr {p.stderr!r}")
    for w in words:
        check(w in lines[0], f"plot {args}: '{w}' not in: {lines[0]}")


def near(img, color, tolerance=12):
    return np.abs(img.astype(int) - np.array(color)).max(axis=2) <= tolerance


def fake_runs():
    alpha, step = [], 0
    for epoch in range(1, 4):
        for _ in range(469):
            step += 1
            if step % 50 == 0:
                loss = 0.4 + 2 / (1 + step / 200) + 0.05 * np.sin(step)
                alpha.append({"type": "step", "epoch": epoch, "step": step, "train_loss": loss,
                              "grad_norm": 1 + 0.1 * np.cos(step), "samples_per_s": 80000.0})
        loss = 0.4 + 2 / (1 + step / 200)
        alpha.append({"type": "epoch", "epoch": epoch, "step": step, "train_loss": loss, "test_loss": 1.1 * loss,
                      "test_accuracy": 0.7 + 0.05 * epoch, "samples_per_s": 81000.0, "seconds": 5.8})
    beta = [{"epoch": e, "step": 469 * e, "train_loss": 0.3 + 1 / e, "test_loss": None if e == 2 else 0.35 + 1 / e,
             "test_accuracy": 0.75 + 0.04 * e, "samples_per_s": 79000.0, "seconds": 6.0} for e in range(1, 4)]
    return write_run("alpha", alpha), write_run("beta", beta)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    alpha, beta = fake_runs()

    # Default metrics (the epoch records' but bookkeeping): 3 panels in a 2 x 2 grid.
    three = os.path.join(WORK, "three.png")
    p = plot(alpha, beta, "--out", three)
    check(p.stdout.strip() == f"{three}: train_loss, test_loss, test_accuracy of 2 runs", f"stdout: {p.stdout}")
    big = decode_png(three)
    check(big.shape[1] == 2 * MARGIN + 2 * PANEL_W, f"{three}: width {big.shape[1]}")
    check(sorted(f for f in os.listdir(WORK) if f.startswith("three")) == ["three.png"], "temporary files left")

    # One panel: a metric of the step records only, and one of each kind.
    one = os.path.join(WORK, "one.png")
    plot(alpha, beta, "--out", one, "--metric", "train_loss", "--title", "two runs: alpha, beta")
    img = decode_png(one)
    height, width, _ = img.shape
    check(width == 2 * MARGIN + PANEL_W, f"{one}: width {width}")
    check(big.shape[0] - height == PANEL_H, f"heights {big.shape[0]} (2 rows), {height} (1 row)")
    panel = img[height - PANEL_H:]
    for name, color in (("alpha", BLUE), ("beta", ORANGE)):
        n = int(near(panel, color).sum())
        check(n > 150, f"{one}: {n} pixels of {name}'s colour {color} in the panel")
    light = int((near(panel, (177, 207, 229), 14)).sum())  # alpha's step line: blue at 35% on white
    check(light > 40, f"{one}: {light} pixels of alpha's light step line")
    dark = int((panel.max(axis=2) < 80).sum())
    check(dark > 500, f"{one}: {dark} dark pixels (tick labels, axis labels)")
    colors = len(np.unique(panel.reshape(-1, 3), axis=0))
    check(colors > 50, f"{one}: only {colors} colours in the panel")
    plot(alpha, "--out", os.path.join(WORK, "grad.png"), "--metric", "grad_norm", "--metric", "samples_per_s")

    # Errors: one line each, exit status 1, no picture.
    empty = os.path.join(WORK, "empty")
    os.makedirs(empty)
    out = os.path.join(WORK, "never.png")
    expect_error([empty, "--out", out], f"{empty}: no metrics.jsonl in it")
    expect_error([os.path.join(WORK, "absent"), "--out", out], "No such file or directory")
    nested = write_run("nested", ['{"step": 1, "train_loss": 0.5}', "", '{"step": 3, "train_loss": [0.5]}'])
    expect_error([alpha, nested, "--out", out], f"{nested}/metrics.jsonl:3:27: expected a number, a string",
                 "nested objects and arrays are not read")
    garbage = write_run("garbage", ['{"step": 1, "train_loss": 0.5}', "train_loss=0.4"])
    expect_error([garbage, "--out", out], f"{garbage}/metrics.jsonl:2:1: expected a JSON object",
                 "found 'train_loss=0...'")
    stepless = write_run("stepless", ['{"epoch": 1, "train_loss": 0.5}'])
    expect_error([stepless, "--out", out], f"{stepless}/metrics.jsonl:1: expected a record with a \"step\" number")
    timing = write_run("timing", ['{"type": "epoch", "epoch": 1, "step": 9, "seconds": 1.5, "samples_per_s": 9.0}'])
    expect_error([timing, "--out", out], "hold bookkeeping only (epoch, seconds, samples_per_s): pick with --metric")
    expect_error([write_run("blank", ["", "  "]), "--out", out], "the runs' metrics.jsonl files hold no metrics")
    expect_error([alpha, beta, "--out", out, "--metric", "nope"],
                 "--metric nope: no run has it (metrics found: epoch, train_loss, grad_norm, samples_per_s,")
    expect_error([alpha], "--out FILE.png is required")
    expect_error(["--out", out], "no RUN_DIR given")
    expect_error([alpha, "--out", out, "--size", "3"], "unknown option '--size'")
    check(not os.path.exists(out), f"{out} written by a failing plot")
    shutil.rmtree(WORK)
    print("ok")


main()
