"""An independent reader of TensorBoard event files: the oracle of ctrain's
writer (cluster/output/tensorboard.c). It parses the TFRecord framing itself,
checks both masked CRC-32C values of every record with its own CRC, and
decodes each record as a tensorflow.Event with Python protobuf, from
cluster/output/tensorboard.proto compiled by protoc at run time.

    from tfevents import read_events
    for e in read_events(path): ...

read_events returns one dict per event (per Summary.Value, for a summary
holding several), each with "wall_time" (float seconds) and "step" (int):
    {"file_version": "brain.Event:2"}                 the first event of a file
    {"tag": str, "value": float}                      a scalar (a float32, widened exactly)
    {"tag": str, "image": {"height": int, "width": int, "colorspace": int, "png": bytes}}
    {"session_log": 1}                                a restart (SessionLog START) at step

Command line:
    tfevents.py EVENTS_FILE                 prints the events, one JSON object a line
    tfevents.py EVENTS_FILE EXPECTED.json   checks the events after the file version
                                            against a JSON list (see check_events)

Needs Debian's python3-protobuf and protoc (protobuf-compiler); $PROTOC names
another protoc, $CT_SOURCE_DIR another source tree.
"""
import base64
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SOURCE_DIR = os.environ.get("CT_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PROTO = os.path.join(SOURCE_DIR, "cluster", "output", "tensorboard.proto")


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of bytes."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's masked CRC-32C of bytes."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


_pb2 = None


def _event_class():
    """tensorflow.Event, compiled from tensorboard.proto once per process."""
    global _pb2
    if _pb2 is None:
        protoc = os.environ.get("PROTOC") or shutil.which("protoc") or "/usr/bin/protoc"
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([protoc, "--proto_path=" + os.path.dirname(PROTO), "--python_out=" + out,
                            os.path.basename(PROTO)], check=True)
            spec = importlib.util.spec_from_file_location("ct_tensorboard_pb2",
                                                          os.path.join(out, "tensorboard_pb2.py"))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        _pb2 = module
    return _pb2.Event


def read_records(path):
    """The data of every TFRecord record of the file, after checking its
    framing and both masked CRCs; raises ValueError naming the file and the
    byte offset of a bad or cut record."""
    with open(path, "rb") as f:
        data = f.read()
    records = []
    at = 0
    while at < len(data):
        if len(data) - at < 12:
            raise ValueError(f"{path}: record at byte {at}: cut in its 12-byte header")
        length, length_crc = struct.unpack_from("<QI", data, at)
        if masked_crc32c(data[at:at + 8]) != length_crc:
            raise ValueError(f"{path}: record at byte {at}: bad CRC of its length")
        if len(data) - at - 12 < length + 4:
            raise ValueError(f"{path}: record at byte {at}: {length} bytes of data announced, "
                             f"{len(data) - at - 12} bytes left")
        payload = data[at + 12:at + 12 + length]
        (payload_crc,) = struct.unpack_from("<I", data, at + 12 + length)
        if masked_crc32c(payload) != payload_crc:
            raise ValueError(f"{path}: record at byte {at}: bad CRC of its data")
        records.append(payload)
        at += 12 + length + 4
    return records


def read_events(path):
    """The events of a TensorBoard event file, as dicts (see the module's
    doc); raises ValueError for a bad record or a kind of event this subset
    of TensorBoard's format does not hold."""
    Event = _event_class()
    events = []
    for index, payload in enumerate(read_records(path)):
        event = Event.FromString(payload)
        head = {"wall_time": event.wall_time, "step": event.step}
        what = event.WhichOneof("what")
        if what == "file_version":
            events.append(dict(head, file_version=event.file_version))
        elif what == "summary":
            for value in event.summary.value:
                kind = value.WhichOneof("value")
                if kind == "simple_value":
                    events.append(dict(head, tag=value.tag, value=value.simple_value))
                elif kind == "image":
                    image = value.image
                    events.append(dict(head, tag=value.tag, image={
                        "height": image.height, "width": image.width, "colorspace": image.colorspace,
                        "png": image.encoded_image_string}))
                else:
                    raise ValueError(f"{path}: event {index}: value {value.tag!r} holds {kind}")
        elif what == "session_log":
            events.append(dict(head, session_log=event.session_log.status))
        else:
            raise ValueError(f"{path}: event {index} holds {what}")
    return events


def events_files(directory):
    """The TensorBoard event files in a directory (e.g. RUN_DIR/tensorboard),
    by name."""
    return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                  if name.startswith("events.out.tfevents."))


def float32_bits(value):
    """The bit pattern of a Python float rounded to float32."""
    return struct.unpack("<I", struct.pack("<f", value))[0]


def check_events(events, expected):
    """Differences between events (read_events' dicts, file version left out)
    and a list of expected ones, in order, as strings (none: they agree).
    An expected scalar is {"step", "tag", "value"} with value a number
    (compared bitwise as float32; NaN, Infinity allowed) or {"step", "tag",
    "value_bits"} with the float32's bit pattern; an image is {"step", "tag",
    "image": {"height", "width", "colorspace", "png_base64"}}."""
    problems = []
    if len(events) != len(expected):
        problems.append(f"{len(events)} events, expected {len(expected)}")
    for i, (got, want) in enumerate(zip(events, expected)):
        where = f"event {i} ({want['tag']!r} at step {want['step']})"
        if got.get("tag") != want["tag"] or got["step"] != want["step"]:
            problems.append(f"{where}: found {got.get('tag')!r} at step {got['step']}")
        elif "image" in want:
            image = got.get("image")
            w = want["image"]
            if image is None:
                problems.append(f"{where}: not an image")
                continue
            for key in ("height", "width", "colorspace"):
                if image[key] != w[key]:
                    problems.append(f"{where}: {key} {image[key]}, expected {w[key]}")
            if image["png"] != base64.b64decode(w["png_base64"]):
                problems.append(f"{where}: {len(image['png'])} bytes of PNG differ from the expected ones")
        else:
            bits = want["value_bits"] if "value_bits" in want else float32_bits(want["value"])
            if "value" not in got:
                problems.append(f"{where}: not a scalar")
            elif float32_bits(got["value"]) != bits:
                problems.append(f"{where}: value {got['value']!r}, expected the float32 of bits {bits:#010x}")
    return problems


def _printable(event):
    if "image" in event:
        image = dict(event["image"], png=base64.b64encode(event["image"]["png"]).decode())
        event = dict(event, image=image)
    return json.dumps(event)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    events = read_events(argv[1])
    if len(argv) == 2:
        for event in events:
            print(_printable(event))
        return 0
    with open(argv[2]) as f:
        expected = json.load(f)
    if not events or events[0].get("file_version") != "brain.Event:2":
        print(f"{argv[1]}: the first event is not file_version brain.Event:2")
        return 1
    problems = check_events(events[1:], expected)
    for problem in problems:
        print(f"{argv[1]}: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
