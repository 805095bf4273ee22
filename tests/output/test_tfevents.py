"""ctrain's TensorBoard writer, through the tb_write driver, read back by the
independent reader tfevents.py (which is first checked on records written by
another implementation).

    test_tfevents.py TB_WRITE WORK_DIR
"""
import base64
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfevents  # noqa: E402

# Three records written by tensorboard_logger with TensorFlow's own protos
# (TeamHG-Memex/tensorboard_logger, tests/test_tensorboard_logger.py,
# test_serialization).
GOLDEN = (b'\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK"\t\x00\x00\x00\x00\x00\x08p@\x1a\rbrain.Event:2'
          b'\xbc\x98!+'
          b'\x19\x00\x00\x00\x00\x00\x00\x00\x8b\xf1\x08(\t\x00\x00\x00\x00\x00\x08p@\x10\x01*\x0c\n\n\n'
          b'\x03v/1\x15\x00\x00\xc0?,\xec\xc0\x87'
          b'\x1a\x00\x00\x00\x00\x00\x00\x00\x12\x9b\xd8-\t\x00\x00\x00\x00\x00\x08p@\x10\x02*\r\n\x0b\n'
          b'\x04v/22\x15\x00\x00\x80A\x8f\xa3\xb6\x88')

bits = tfevents.float32_bits
# (tag, step, float32 bit pattern)
SCALARS = [
    ("train/loss", 0, 0x00000000),  # 0
    ("train/loss", 1, 0x80000000),  # -0
    ("train/loss", 2, bits(-1.5)),
    ("test/accuracy", 2, bits(0.1)),
    ("lr", 3, 0x7F7FFFFF),  # the largest float32
    ("lr", 4, 0x00000001),  # the smallest subnormal
    ("métrique/é", 5, bits(-123456.789)),
    ("big/step", 2**53 + 1, bits(1e30)),
    ("big/step", 2**62, bits(-3e38)),
    ("special", 6, 0x7F800000),  # inf
    ("special", 7, 0xFF800000),  # -inf
    ("special", 8, 0x7FC00000),  # NaN
    ("special", 9, 0xFFC00123),  # -NaN with a payload
]


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def make_png(width, height, color_type, channels, pixels, level=9):
    """A PNG of 8-bit samples; pixels: height * width * channels bytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    stride = width * channels
    rows = b"".join(b"\0" + pixels[y * stride:(y + 1) * stride] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, level)) + chunk(b"IEND", b""))


def png_shape(data):
    """(height, width, channels) of a PNG, after checking its signature, its
    chunks' CRCs and the size of its pixel data."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature")
    at, idat, ihdr = 8, b"", None
    while at < len(data):
        (length,) = struct.unpack_from(">I", data, at)
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        check(struct.unpack_from(">I", data, at + 8 + length)[0] == zlib.crc32(kind + body), f"PNG chunk {kind} CRC")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, _, color_type = ihdr[:4]
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[color_type]
    check(len(zlib.decompress(idat)) == height * (1 + width * channels), "PNG pixel data size")
    return height, width, channels


def expect_raises(path, data, what):
    with open(path, "wb") as f:
        f.write(data)
    try:
        tfevents.read_events(path)
    except ValueError as e:
        check(what in str(e), f"{what!r} not in {e}")
        return
    check(False, f"no error for {what}")


def test_reader_on_another_writer(work):
    path = os.path.join(work, "golden.tfevents")
    with open(path, "wb") as f:
        f.write(GOLDEN)
    events = tfevents.read_events(path)
    check(events == [
        {"wall_time": 256.5, "step": 0, "file_version": "brain.Event:2"},
        {"wall_time": 256.5, "step": 1, "tag": "v/1", "value": 1.5},
        {"wall_time": 256.5, "step": 2, "tag": "v/22", "value": 16.0},
    ], f"golden records read as {events}")
    for at, what in ((3, "bad CRC of its length"), (9, "bad CRC of its length"), (20, "bad CRC of its data"),
                     (39, "bad CRC of its data")):
        broken = bytearray(GOLDEN)
        broken[at] ^= 0x10
        expect_raises(path, bytes(broken), what)
    expect_raises(path, GOLDEN[:-1], "bytes left")
    expect_raises(path, GOLDEN[:46], "cut in its 12-byte header")


def scalar_op(tag, step, pattern):
    return ["scalar", tag, str(step), hex(pattern)]


def scalar_expected(tag, step, pattern):
    return {"tag": tag, "step": step, "value_bits": pattern}


def image_expected(tag, step, png, height, width, channels):
    return {"tag": tag, "step": step, "image": {"height": height, "width": width, "colorspace": channels,
                                                "png_base64": base64.b64encode(png).decode()}}


def test_writer(tb_write, work):
    rng = random.Random(1)
    images = [  # tag, step, png, height, width, channels
        ("samples/rgb", 10, make_png(2, 2, 2, 3, bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])), 2, 2, 3),
        ("samples/grey", 10, make_png(3, 1, 0, 1, bytes([0, 128, 255])), 1, 3, 1),
    ]
    # More than the writer's 64 KiB of pending records: written without a flush.
    noise = bytes(rng.randrange(256) for _ in range(160 * 160 * 3))
    big = ("samples/noise", 11, make_png(160, 160, 2, 3, noise, level=0), 160, 160, 3)
    check(len(big[2]) > 64 * 1024, "the noise PNG is too small")
    last = ("after", 12, 0x3F800000)
    for i, (tag, step, png, *_) in enumerate(images + [big]):
        with open(os.path.join(work, f"image{i}.png"), "wb") as f:
            f.write(png)

    ops, expected = [], []
    for s in SCALARS[:7]:
        ops += scalar_op(*s)
        expected.append(scalar_expected(*s))
    mid_run = os.path.join(work, "after-flush.tfevents")
    ops += ["flush", "copy", mid_run]
    n_mid_run = len(expected)
    for i, (tag, step, png, height, width, channels) in enumerate(images):
        ops += ["image", tag, str(step), str(height), str(width), str(channels), os.path.join(work, f"image{i}.png")]
        expected.append(image_expected(tag, step, png, height, width, channels))
    for s in SCALARS[7:]:
        ops += scalar_op(*s)
        expected.append(scalar_expected(*s))
    tag, step, png, height, width, channels = big
    ops += ["image", tag, str(step), str(height), str(width), str(channels), os.path.join(work, "image2.png")]
    expected.append(image_expected(tag, step, png, height, width, channels))
    auto_flushed = os.path.join(work, "after-big-image.tfevents")
    ops += ["copy", auto_flushed]
    n_auto_flushed = len(expected)
    ops += scalar_op(*last)  # pending when the writer closes
    expected.append(scalar_expected(*last))

    tb_dir = os.path.join(work, "run", "tensorboard")  # created by the writer
    t0 = time.time()
    proc = subprocess.Popen([tb_write, tb_dir] + ops, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=60)
    t1 = time.time()
    check(proc.returncode == 0, f"tb_write exited {proc.returncode}: {err}")
    path = out.strip()

    name = os.path.basename(path)
    check(os.path.dirname(path) == tb_dir and os.listdir(tb_dir) == [name], f"{os.listdir(tb_dir)} in {tb_dir}")
    m = re.fullmatch(r"events\.out\.tfevents\.(\d+)\.(.+)\.(\d+)", name)
    check(m is not None, f"file name {name}")
    check(t0 - 1 <= int(m.group(1)) <= t1 + 1, f"{name}: seconds not between {t0} and {t1}")
    check(m.group(2) == socket.gethostname(), f"{name}: host is not {socket.gethostname()}")
    check(int(m.group(3)) == proc.pid, f"{name}: pid is not {proc.pid}")
    check(tfevents.events_files(tb_dir) == [path], "events_files")

    events = tfevents.read_events(path)
    check(events[0].get("file_version") == "brain.Event:2" and events[0]["step"] == 0, f"first event {events[0]}")
    times = [e["wall_time"] for e in events]
    check(all(t0 - 1 <= t <= t1 + 1 for t in times) and times == sorted(times), f"wall times {times}")
    problems = tfevents.check_events(events[1:], expected)
    check(not problems, "\n".join(problems))
    for e in events:
        if "image" in e:
            image = e["image"]
            check(png_shape(image["png"]) == (image["height"], image["width"], image["colorspace"]),
                  f"{e['tag']}: PNG of shape {png_shape(image['png'])}, summary says {image}")

    # What a reader saw while the writer was open: whole records only.
    for snapshot, n in ((mid_run, n_mid_run), (auto_flushed, n_auto_flushed)):
        problems = tfevents.check_events(tfevents.read_events(snapshot)[1:], expected[:n])
        check(not problems, f"{snapshot}: " + "\n".join(problems))

    # The command line: dump, and check against expectations in JSON (as
    # numbers where JSON can say them).
    dump = subprocess.run([sys.executable, tfevents.__file__, path], capture_output=True, text=True, check=True)
    check(len(dump.stdout.splitlines()) == len(events), "tfevents.py dump")
    for e in expected:
        if "value_bits" in e and e["value_bits"] & 0x7F800000 != 0x7F800000:
            e["value"] = struct.unpack("<f", struct.pack("<I", e.pop("value_bits")))[0]
    expected_json = os.path.join(work, "expected.json")
    with open(expected_json, "w") as f:
        json.dump(expected, f)
    ok = subprocess.run([sys.executable, tfevents.__file__, path, expected_json], capture_output=True, text=True)
    check(ok.returncode == 0, f"tfevents.py check: {ok.stdout}{ok.stderr}")
    expected[0]["value"] = 1e-3
    with open(expected_json, "w") as f:
        json.dump(expected, f)
    bad = subprocess.run([sys.executable, tfevents.__file__, path, expected_json], capture_output=True, text=True)
    check(bad.returncode == 1 and "event 0 ('train/loss' at step 0): value 0.0" in bad.stdout,
          f"tfevents.py check of a wrong value: {bad.stdout}")


def main():
    tb_write, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    test_reader_on_another_writer(work)
    test_writer(tb_write, work)
    print("ok")


if __name__ == "__main__":
    main()
