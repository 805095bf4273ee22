#!/usr/bin/python3
"""`ctrain data import text|fortunes|csv` on Debian's real files (fortunes,
python3-vega-datasets), checked against Python's own reading of the same
files, and the errors of bad input (non-zero exit, a message naming the
file, column or option, nothing written).

    test_import_corpora.py CTRAIN WORK_DIR
"""
import csv
import math
import os
import shutil
import struct
import subprocess
import sys

import h5py
import numpy as np

CTRAIN, WORK = sys.argv[1], sys.argv[2]
FORTUNES = "/usr/share/games/fortunes"
SEATTLE = "/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-temps.csv"


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def run(*args):
    return subprocess.run([CTRAIN, "data", "import", *args], capture_output=True, text=True)


def imports(*args):
    r = run(*args)
    check(r.returncode == 0, f"{args}: exit {r.returncode}: {r.stderr}")
    return r.stdout


def test_rows(n, fraction):
    """The importers' test part: n * fraction rounded to the nearest."""
    return math.floor(n * fraction + 0.5)


def vocab_ids(units):
    vocab = sorted(set(units))
    index = {u: i for i, u in enumerate(vocab)}
    return vocab, np.array([index[u] for u in units], dtype=np.int64)


def check_vocab(d, vocab, unit, name):
    check(d.attrs["unit"] == unit, f"{name}: unit {d.attrs['unit']}")
    check(int(d.attrs["vocab_size"]) == len(vocab), f"{name}: vocab_size {d.attrs['vocab_size']} != {len(vocab)}")
    check(list(d.attrs["vocabulary"]) == vocab, f"{name}: vocabulary differs")
    check(d.dtype == (np.uint8 if len(vocab) <= 256 else np.int32), f"{name}: dtype {d.dtype}")


def text_case(files, unit, fraction, name):
    out = os.path.join(WORK, name)
    imports("text", *files, "--out", out, "--unit", unit, "--test-fraction", str(fraction))
    data = b"".join(open(f, "rb").read() for f in files)
    units = list(data) if unit == "byte" else [ord(c) for c in data.decode("utf-8")]
    vocab, ids = vocab_ids(units)
    test = test_rows(len(ids), fraction)
    with h5py.File(out, "r") as f:
        for split, want in (("train", ids[:len(ids) - test]), ("test", ids[len(ids) - test:])):
            d = f[split + "/tokens"]
            check_vocab(d, vocab, unit, f"{name} /{split}/tokens")
            check(np.array_equal(d[()], want), f"{name}: /{split}/tokens differ from Python's ids")
    return vocab


def test_text():
    goedel, magic, pets = (os.path.join(FORTUNES, n) for n in ("goedel", "magic", "pets"))
    vocab = text_case([goedel, magic], "byte", 0.05, "text_bytes.h5")
    check(len(vocab) < 128, "goedel + magic are ASCII")
    vocab = text_case([pets], "char", 0.1, "text_chars.h5")
    check(max(vocab) > 127, "pets has characters beyond ASCII")
    # More than 256 characters: int32 ids.
    wide = os.path.join(WORK, "wide.txt")
    with open(wide, "w", encoding="utf-8") as f:
        f.write("".join(chr(0x400 + i % 300) for i in range(2000)) + "\U0001F600 end\n")
    vocab = text_case([wide], "char", 0.3, "text_wide.h5")
    check(len(vocab) > 256, "the wide text has more than 256 characters")


def parse_fortunes(path):
    """The fortunes of a file: the runs of lines between lines holding only %."""
    fortunes, cur = [], b""
    for line in open(path, "rb").read().split(b"\n"):
        if line == b"%":
            fortunes.append(cur)
            cur = b""
        else:
            cur += line + b"\n"
    fortunes.append(cur[:-1])  # the last line has no newline of its own
    return [f for f in fortunes if f]


def strfile_count(path):
    """The number of fortunes strfile counted, from the .dat header."""
    with open(path + ".dat", "rb") as f:
        return struct.unpack(">II", f.read(8))[1]


def check_fortunes(out, directory, categories, fraction, max_length):
    per = [parse_fortunes(os.path.join(directory, c)) for c in categories]
    train, test = [], []
    for label, fortunes in enumerate(per):
        for j, text in enumerate(fortunes):
            (test if math.floor((j + 1) * fraction) > math.floor(j * fraction) else train).append((text, label))
    alltext = b"".join(open(os.path.join(directory, c), "rb").read() for c in categories) + b"%\n"
    vocab = sorted(set(alltext))
    index = {u: i for i, u in enumerate(vocab)}
    longest = max(len(t) for fortunes in per for t in fortunes)
    T = min(max_length, longest) if max_length else longest
    with h5py.File(out, "r") as f:
        for split, docs in (("train", train), ("test", test)):
            stream = b"".join(text + b"%\n" for text, _ in docs)
            d = f[split + "/tokens"]
            check_vocab(d, vocab, "byte", f"/{split}/tokens")
            check(np.array_equal(d[()], [index[b] for b in stream]), f"/{split}/tokens differ from the fortunes")
            g = f["docs/" + split]
            check(g["inputs"].shape == (len(docs), T), f"/docs/{split}/inputs: shape {g['inputs'].shape}")
            check_vocab(g["inputs"], vocab, "byte", f"/docs/{split}/inputs")
            check(g["inputs"].attrs["scale"] == 1 and g["inputs"].attrs["offset"] == 0, "ids are not rescaled")
            want = np.zeros((len(docs), T), np.int64)
            for i, (text, _) in enumerate(docs):
                want[i, :min(len(text), T)] = [index[b] for b in text[:T]]
            check(np.array_equal(g["inputs"][()], want), f"/docs/{split}/inputs differ from the fortunes")
            check(np.array_equal(g["lengths"][()], [min(len(t), T) for t, _ in docs]), f"/docs/{split}/lengths")
            bags = np.zeros((len(docs), len(vocab)), np.float32)
            for i, (text, _) in enumerate(docs):
                for b in text[:T]:
                    bags[i, index[b]] += 1
            check(g["counts"].dtype == np.float32 and np.array_equal(g["counts"][()], bags),
                  f"/docs/{split}/counts: not each fortune's count of every id")
            labels = g["labels"]
            check(np.array_equal(labels[()], [label for _, label in docs]), f"/docs/{split}/labels")
            check(list(labels.attrs["class_names"]) == categories, f"class_names {labels.attrs['class_names']}")
            check(int(labels.attrs["num_classes"]) == len(categories), "num_classes")
        counts = np.bincount(np.concatenate([f["docs/train/labels"][()], f["docs/test/labels"][()]]),
                             minlength=len(categories))
    check(list(counts) == [len(p) for p in per], f"fortunes per category {counts}")
    return per


def test_fortunes():
    categories = ["pets", "goedel", "magic", "pratchett"]  # class ids in this order; pratchett ends without %
    out = os.path.join(WORK, "fortunes.h5")
    log = imports("fortunes", "--categories", ",".join(categories), "--out", out, "--max-length", "300",
                  "--test-fraction", "0.2")
    check("4 categories" in log, log)
    per = check_fortunes(out, FORTUNES, categories, 0.2, 300)
    for c, fortunes in zip(categories, per):
        check(len(fortunes) == strfile_count(os.path.join(FORTUNES, c)), f"{c}: not strfile's count")
    # Every file without '.' of the directory, in name order; .dat, .u8
    # and directories are not categories.
    src = os.path.join(WORK, "fortune_dir")
    os.makedirs(os.path.join(src, "subdir"), exist_ok=True)
    for name in ("pets", "goedel", "goedel.dat"):
        shutil.copy(os.path.join(FORTUNES, name), src)
    if not os.path.lexists(os.path.join(src, "goedel.u8")):
        os.symlink("goedel", os.path.join(src, "goedel.u8"))
    out = os.path.join(WORK, "fortunes_dir.h5")
    imports("fortunes", "--from", src, "--out", out)
    check_fortunes(out, src, ["goedel", "pets"], 0.1, 0)


def read_csv(path, columns):
    """The columns of a CSV file as float64 [rows, columns] (names and fields trimmed of spaces)."""
    with open(path, newline="") as f:
        rows = [{k.strip(): v.strip() for k, v in r.items()} for r in csv.DictReader(f)]
    return np.array([[float(r[c]) for c in columns] for r in rows], dtype=np.float64)


def check_windows(out, path, columns, target, window, horizon, fraction):
    names = columns + ([target] if target not in columns else [])
    x = read_csv(path, names)
    L = len(x)
    R = L - test_rows(L, fraction)
    mean, std = x[:R].mean(axis=0), x[:R].std(axis=0)
    t = names.index(target)
    F = len(columns)
    with h5py.File(out, "r") as f:
        check(int(f.attrs["window"]) == window and int(f.attrs["horizon"]) == horizon, "window, horizon")
        s = f["series/values"]
        check(np.allclose(s[()], x.astype(np.float32), rtol=0, atol=0), "/series/values are not the raw rows")
        check(int(s.attrs["test_start"]) == R, f"test_start {s.attrs['test_start']} != {R}")
        check(list(s.attrs["columns"]) == names, "/series/values columns")
        for split, first, end in (("train", 0, R), ("test", R, L)):
            n = end - first - window - horizon + 1
            inp, tgt = f[split + "/inputs"], f[split + "/targets"]
            check(inp.shape == (n, window, F) and inp.dtype == np.float32, f"/{split}/inputs {inp.shape}")
            check(tgt.shape == (n, horizon) and tgt.dtype == np.float32, f"/{split}/targets {tgt.shape}")
            check(list(inp.attrs["columns"]) == columns and tgt.attrs["column"] == target, "column names")
            check(np.allclose(inp.attrs["mean"], mean[:F], rtol=1e-12) and
                  np.allclose(inp.attrs["std"], std[:F], rtol=1e-12), f"/{split}/inputs mean, std")
            check(math.isclose(tgt.attrs["mean"], mean[t], rel_tol=1e-12) and
                  math.isclose(tgt.attrs["std"], std[t], rel_tol=1e-12), f"/{split}/targets mean, std")
            # Window i of a part uses its rows only: inputs [first+i, +window),
            # targets the next horizon rows, all before `end`.
            rows = first + np.arange(n)[:, None]
            want_in = (x[rows + np.arange(window)[None, :], :F] - mean[:F]) / std[:F]
            want_out = x[rows + window + np.arange(horizon)[None, :], t]
            check(np.max(rows) + window + horizon <= end, "a window crosses the split")
            check(np.allclose(inp[()], want_in, atol=1e-5), f"/{split}/inputs differ from the CSV's windows")
            back = tgt[()] * tgt.attrs["std"] + tgt.attrs["mean"]  # in the file's units again
            check(np.allclose(back, want_out, atol=1e-4), f"/{split}/targets differ from the CSV's next values")


def test_csv():
    out = os.path.join(WORK, "seattle.h5")
    log = imports("csv", SEATTLE, "--columns", "temp", "--window", "72", "--horizon", "24", "--out", out)
    check("8759 rows" in log, log)
    check_windows(out, SEATTLE, ["temp"], "temp", 72, 24, 0.2)
    # Several columns, a target that is not an input, quotes, CRLF, a blank line.
    path = os.path.join(WORK, "multi.csv")
    with open(path, "w", newline="") as f:
        f.write('"time", a ,b,c\r\n')
        for r in range(60):
            f.write(f'"t{r}",{math.sin(r / 5):.6f}, {r * 0.5} ,"{(r % 7) - 3.25}"\r\n' + ("\r\n" if r == 30 else ""))
    out = os.path.join(WORK, "multi.h5")
    imports("csv", path, "--columns", "b,a", "--target", "c", "--window", "5", "--horizon", "3",
            "--test-fraction", "0.25", "--out", out)
    check_windows(out, path, ["b", "a"], "c", 5, 3, 0.25)


def test_bad_input():
    def fails(args, *parts):
        out_dir = os.path.join(WORK, "bad_out")
        shutil.rmtree(out_dir, ignore_errors=True)
        out = os.path.join(out_dir, "x.h5")
        r = run(*args, "--out", out)
        check(r.returncode != 0, f"{args}: exit 0")
        check(r.stderr.startswith("ctrain: error: ") and r.stderr.count("\n") == 1, f"{args}: {r.stderr!r}")
        for p in parts:
            check(p in r.stderr, f"{args}: {p!r} not in {r.stderr!r}")
        check(not os.path.exists(out_dir), f"{args}: {out_dir} was created")

    empty, short, latin1, nums = (os.path.join(WORK, n) for n in ("empty.txt", "short.txt", "latin1.txt", "bad.csv"))
    open(empty, "w").close()
    open(short, "w").write("abc")
    open(latin1, "wb").write("first line\ncaf\u00e9\n".encode("latin-1"))
    open(nums, "w").write("a,b\n1,2\n3,4\n5,x\n")
    missing = os.path.join(WORK, "no-such.txt")
    fails(["text", empty], empty, "empty: expected text")
    fails(["text", missing], missing, "no such file")
    fails(["text", latin1, "--unit", "char"], latin1, "line 2", "invalid UTF-8 (0xe9)")
    fails(["text", short], short, "3 bytes", "expected at least 2 in each")
    for bad in ("0", "1", "1.5", "-0.1", "abc"):
        fails(["text", short, "--test-fraction", bad], "--test-fraction", f"found '{bad}'")
    fails(["text", short, "--unit", "word"], "--unit", "found 'word'")
    fails(["fortunes", "--categories", "goedel,no-such"], FORTUNES, "no category 'no-such'", "goedel, humorists")
    fails(["fortunes", "--from", os.path.join(WORK, "no-such-dir")], "no-such-dir: no such directory")
    fails(["fortunes", "--categories", "goedel", "--test-fraction", "1"], "--test-fraction")
    fails(["fortunes", "--categories", "pratchett"], "2 fortunes with test fraction 0.1 give 0 test fortunes")
    emptydir = os.path.join(WORK, "empty_fortunes")
    os.makedirs(emptydir, exist_ok=True)
    open(os.path.join(emptydir, "nothing"), "w").write("%\n%\n")
    fails(["fortunes", "--from", emptydir], os.path.join(emptydir, "nothing"), "no fortunes")
    seattle = ["csv", SEATTLE, "--columns", "temp"]
    fails(seattle + ["--window", "9000", "--horizon", "24"], SEATTLE, "--window 9000 + --horizon 24",
          "longer than the series, which has 8759")
    fails(seattle + ["--window", "72", "--horizon", "7000"], "--horizon 7000", "longer than the training part",
          "the first 7007 of the 8759 rows")
    fails(seattle + ["--window", "1700", "--horizon", "60"], "longer than the test part", "the last 1752")
    fails(seattle + ["--window", "72", "--horizon", "24", "--test-fraction", "0"], "--test-fraction", "found '0'")
    fails(seattle + ["--window", "0", "--horizon", "24"], "--window", "found '0'")
    fails(["csv", SEATTLE, "--columns", "temp,humidity", "--window", "72", "--horizon", "24"], SEATTLE,
          "no column 'humidity'", "has date, temp")
    fails(["csv", SEATTLE, "--columns", "date", "--window", "72", "--horizon", "24"], SEATTLE, "line 2",
          "column 'date'", "expected a finite number, found '2010/01/01 00:00'")
    fails(["csv", nums, "--columns", "b", "--window", "1", "--horizon", "1"], nums, "line 4", "found 'x'")
    fails(["csv", missing, "--columns", "temp", "--window", "1", "--horizon", "1"], missing, "no such file")
    fails(["csv", SEATTLE, "--window", "72", "--horizon", "24"], "--columns is required")
    leftovers = [n for n in os.listdir(WORK) if ".tmp." in n]
    check(not leftovers, f"temporary files left: {leftovers}")


if __name__ == "__main__":
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    test_text()
    test_fortunes()
    test_csv()
    test_bad_input()
    print("ok")
