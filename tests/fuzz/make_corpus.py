"""Writes the seed corpus of the dataset, CSV and model/statistics-loader fuzz targets
(tests/fuzz/corpus/<target>/) from small valid inputs made by libchurn itself: a simulated
dataset and its CSV exports; a fitted model; sufficient statistics with the score outer products
of an HC0 pass (the optional 'meat' field of the format 1.1).  Each file is also written as its
bare payload (the fuzz target wraps raw bytes in a valid envelope).  The model and statistics
seeds are loaded back before they are written.  Older seeds in the folders (suffstats.msgpack: format 1.0, no 'meat';
fitted_model.msgpack) are kept as they are.
Run: CHURN_LIBRARY=build/lib/libchurn.so /usr/bin/python3 tests/fuzz/make_corpus.py"""
import ctypes
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
import churn  # noqa: E402
from churn._lib import CHURN_E_BUFFER, LIB, check  # noqa: E402


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
    put("csv", "issue21_bom_quoted_header.csv", b'\x00\xef\xbb\xbf"subscriber_id","region"\nS1,north\n')
    put("csv", "issue21_hostile_fields.csv", b'\x00subscriber_id, region ,price\nS1 ,nor\x00th,"12"5\nS2,\xb1\xb1\xbe\xa9,3\n""\n')
    put("csv", "issue21_unix_times.csv", b'\x05subscriber_id,time,kind,value,code,reason,Code\nS1,1719792000,cancel,,99,x,y\nS1,20240701,view,1,007,,\nS1,45474,bill,2,,,\n')
    put("csv", "issue21_utf16.csv", b'\x00\xff\xfes\x00u\x00b\x00,\x00')


def saved(save, h):
    """The bytes of a libchurn *_save_buffer call (size query, then the write)."""
    needed = ctypes.c_size_t()
    st = save(h, None, 0, ctypes.byref(needed))
    if st != CHURN_E_BUFFER:
        check(st)
    buf = ctypes.create_string_buffer(needed.value)
    check(save(h, buf, needed.value, ctypes.byref(needed)))
    return buf.raw[:needed.value]


rng = np.random.default_rng(3)
X = rng.standard_normal((60, 3))
y = (rng.random(60) < 1 / (1 + np.exp(-X[:, 0]))).astype(np.float64)
model = churn.LogisticRegression(penalty=None, cov_type="HC0").fit(X, y)
raw = saved(LIB.churn_model_save_buffer, model._model.ptr)
out = ctypes.c_void_p()
check(LIB.churn_model_load_buffer(raw, len(raw), ctypes.byref(out)))
LIB.churn_model_free(out)
put("model_load", "fitted_model_hc0.msgpack", raw)
put("model_load", "fitted_model_hc0_payload.msgpack", payload_of(raw))

# statistics of one HC0 pass at a non-trivial point: hessian, gradient and meat
stats = ctypes.c_void_p()
center, scale = X.mean(0), X.std(0)
check(LIB.churn_suffstats_new(3, 1, center.ctypes.data, scale.ctypes.data, 1.0, 1.0,
                              ctypes.byref(stats)))
Xc = np.ascontiguousarray(X)
beta = np.array([0.1, 0.9, -0.2, 0.3])
check(LIB.churn_suffstats_accumulate(stats, Xc.ctypes.data, 1, 60, 3, 3, y.ctypes.data, None,
                                     beta.ctypes.data, 2, 0))  # 1 = CHURN_F64, 2 = with meat
raw = saved(LIB.churn_suffstats_save_buffer, stats)
LIB.churn_suffstats_free(stats)
check(LIB.churn_suffstats_load_buffer(raw, len(raw), ctypes.byref(out)))
assert LIB.churn_suffstats_score_products(out, None) == 0, "the seed lost its meat"
LIB.churn_suffstats_free(out)
assert b"\xa4meat" in raw
put("model_load", "suffstats_meat.msgpack", raw)
put("model_load", "suffstats_meat_payload.msgpack", payload_of(raw))
print("corpus written")
