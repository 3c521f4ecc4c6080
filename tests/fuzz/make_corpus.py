"""Writes the seed corpus of the dataset and CSV fuzz targets (tests/fuzz/corpus/<target>/) from
small valid inputs made by libchurn itself: a simulated dataset and its CSV exports.
Run: CHURN_LIBRARY=build/lib/libchurn.so /usr/bin/python3 tests/fuzz/make_corpus.py"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
import churn  # noqa: E402


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def payload_of(envelope):
    """The payload bytes of a libchurn file (the envelope's bin "payload" field)."""
    i = envelope.index(b"\xa7payload") + 8
    width = {0xC4: 1, 0xC5: 2, 0xC6: 4}[envelope[i]]
    n = int.from_bytes(envelope[i + 1:i + 1 + width], "big")
    return envelope[i + 1 + width:i + 1 + width + n]


with tempfile.TemporaryDirectory() as tmp:
    ds, _ = churn.simulate(subscribers=12, months=3, seed=5)
    ds.save(os.path.join(tmp, "d.msgpack"))
    raw = open(os.path.join(tmp, "d.msgpack"), "rb").read()
    put("dataset", "small.msgpack", raw)
    put("dataset", "small_payload.msgpack", payload_of(raw))
    ds.to_csv(os.path.join(tmp, "s.csv"), os.path.join(tmp, "e.csv"))
    subs = open(os.path.join(tmp, "s.csv"), "rb").read()
    events = open(os.path.join(tmp, "e.csv"), "rb").read()
    put("csv", "subscribers.csv", b"\x00" + subs)
    put("csv", "events.csv", b"\x01" + b"\n".join(events.split(b"\n")[:200]) + b"\n")
    put("csv", "quoted.csv", b"\x00subscriber_id,activation,region,extra\r\n"
        b"\"A,1\",2024-01-01,\"no\"\"rth\",1.5\r\nB,1704067200,,x\r\n")
print("corpus written")
