"""churn.Dataset: pandas frames, CSV files and msgpack files in and out, the ingest report, and
errors with status and message (unknown ids, strict mode, bad files)."""
import numpy as np
import pandas as pd
import pytest

import churn
from churn.dataset import Dataset, event_kind_names


@pytest.fixture()
def frames():
    subs = pd.DataFrame({
        "subscriber_id": ["S1", "S2", "S3"],
        "activation": pd.to_datetime(["2023-01-01", "2023-02-01", "2023-03-01"]),
        "cancellation": pd.to_datetime([None, "2024-05-01", None]),
        "region": ["north", None, "south"],
        "price": [30.0, 45.5, 20.0],
        "services": [1, 2, 3],
        "vip": [False, True, False],
        "score": [0.5, np.nan, 1.0],
        "plan": pd.Categorical(["a", "b", "a"])})
    ev = pd.DataFrame({
        "subscriber_id": ["S2", "S1", "S1", "S3"],
        "time": pd.to_datetime(["2024-01-05", "2024-01-03 10:30", "2024-01-01", "2024-02-01"]),
        "kind": ["bill", "payment", "bill", "fault"],
        "value": [45.5, 30.0, 30.0, 0.0],
        "aux1": pd.array([None, None, 864000, 600], dtype="Int64")})
    return subs, ev


def test_frames_round_trip(frames):
    subs, ev = frames
    ds = Dataset.from_frames(subs, ev)
    assert (ds.num_subscribers, ds.num_events, len(ds)) == (3, 4, 3) and ds.is_finalized
    s = ds.subscribers
    assert list(s.index) == ["S1", "S2", "S3"] and s.index.name == "subscriber_id"
    assert list(s.activation) == list(subs.activation)
    assert s.cancellation.isna().tolist() == [True, False, True]
    assert s.cancellation.iloc[1] == pd.Timestamp("2024-05-01")
    assert s.region.tolist()[0] == "north" and pd.isna(s.region.iloc[1])
    assert s.price.tolist() == [30.0, 45.5, 20.0] and s.services.tolist() == [1, 2, 3]
    assert s.vip.tolist() == [0, 1, 0]
    assert s.score.iloc[0] == 0.5 and np.isnan(s.score.iloc[1])  # numeric extra attribute
    assert s.plan.tolist() == ["a", "b", "a"]                       # categorical extra attribute
    e = ds.events  # sorted by subscriber (dense index order), then time
    assert e.subscriber_id.tolist() == ["S1", "S1", "S2", "S3"]
    assert e.kind.tolist() == ["bill", "payment", "bill", "fault"]
    assert e.time.tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-03 10:30"),
                               pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-01")]
    assert e.value.tolist() == [30.0, 30.0, 45.5, 0.0]
    assert e.aux1.tolist()[0] == 864000 and pd.isna(e.aux1.iloc[1]) and e.aux1.iloc[3] == 600
    assert ds.find_subscriber("S3") == 2
    assert "bill" in event_kind_names().values()


def test_index_named_subscriber_id_and_numeric_kinds(frames):
    subs, ev = frames
    ev = ev.assign(kind=ev.kind.map({v: k for k, v in event_kind_names().items()}))
    ds = Dataset.from_frames(subs.set_index("subscriber_id"), ev)
    assert list(ds.subscriber_ids) == ["S1", "S2", "S3"]
    assert ds.events.kind.tolist() == ["bill", "payment", "bill", "fault"]


def test_csv_files_give_the_same_dataset(frames, tmp_path):
    subs, ev = frames
    subs.assign(vip=subs.vip.astype(int)).to_csv(tmp_path / "subs.csv", index=False,
                                                  date_format="%Y-%m-%d")
    ev.drop(columns="aux1").to_csv(tmp_path / "events.csv", index=False,
                                   date_format="%Y-%m-%dT%H:%M:%S")
    a = Dataset.from_csv(tmp_path / "subs.csv", tmp_path / "events.csv")
    b = Dataset.from_frames(subs, ev.drop(columns="aux1"))
    c = churn.Dataset(str(tmp_path / "subs.csv"), tmp_path / "events.csv")  # the constructor
    d = churn.Dataset(subs, ev.drop(columns="aux1"))
    pd.testing.assert_frame_equal(c.events, d.events)
    pd.testing.assert_frame_equal(a.events, b.events)
    sa, sb = a.subscribers, b.subscribers
    for col in ("activation", "cancellation", "price", "services", "vip", "score"):
        np.testing.assert_array_equal(sa[col].to_numpy(), sb[col].to_numpy())
    assert sa.region.tolist()[::2] == ["north", "south"] and pd.isna(sa.region.iloc[1])


def test_msgpack_round_trip(frames, tmp_path):
    subs, ev = frames
    ds = Dataset.from_frames(subs, ev)
    path = tmp_path / "ds.churn"
    ds.save(path)
    for back in (Dataset.load(path), Dataset.from_msgpack(path.read_bytes())):
        pd.testing.assert_frame_equal(back.events, ds.events)
        pd.testing.assert_frame_equal(back.subscribers, ds.subscribers)
        assert back.ingest_report == ds.ingest_report


def test_unknown_subscriber_fails_or_is_reported(frames):
    subs, ev = frames
    ev = pd.concat([ev, pd.DataFrame({"subscriber_id": ["S9"], "time": [pd.Timestamp("2024-01-01")],
                                      "kind": ["bill"], "value": [1.0]})], ignore_index=True)
    with pytest.raises(churn.ChurnNotFoundError) as e:
        Dataset.from_frames(subs, ev)
    assert e.value.status_name == "CHURN_E_NOT_FOUND"
    assert "'S9'" in e.value.message and "row 4" in e.value.message
    ds = Dataset.from_frames(subs, ev, unknown_subscriber="reject")
    assert ds.num_events == 4
    rep = ds.ingest_report
    assert rep["rejected"] == 1 and rep["rejected_unknown_subscriber"] == 1
    r = ds.rejections
    assert list(r.columns) == ["source", "row", "column", "reason"]
    assert r.row.tolist() == [4] and "S9" in r.reason.iloc[0]
    ds = Dataset.from_frames(subs, ev, unknown_subscriber="create")
    assert ds.num_subscribers == 4 and ds.ingest_report["subscribers_created"] == 1


def test_strict_mode_rejects_with_the_row(frames):
    subs, ev = frames
    bad = subs.assign(price=[30.0, np.inf, 20.0])
    with pytest.raises(churn.ChurnValueError) as e:
        Dataset.from_frames(bad, strict=True)
    assert e.value.status_name == "CHURN_E_REJECTED" and "row 1" in e.value.message
    ds = Dataset.from_frames(bad)
    assert ds.num_subscribers == 2 and ds.ingest_report["rejected_non_finite"] == 1


def test_bad_names_and_files(frames, tmp_path):
    subs, ev = frames
    with pytest.raises(churn.ChurnNotFoundError, match="teleport"):
        Dataset.from_frames(subs, ev.assign(kind="teleport"))
    with pytest.raises(TypeError, match="unknown ingestion option"):
        Dataset.from_frames(subs, nope=1)
    with pytest.raises(churn.ChurnIOError) as e:
        Dataset.from_csv(tmp_path / "missing.csv")
    assert e.value.status_name == "CHURN_E_IO" and "missing.csv" in e.value.message
    (tmp_path / "junk.churn").write_bytes(b"\x93\x01\x02")
    with pytest.raises(churn.ChurnFormatError):
        Dataset.load(tmp_path / "junk.churn")


def test_dates_the_library_accepts_reach_python(tmp_path):
    """Issue 21 #19: 0001-01-01 and 9999-12-31 are valid library times; ds.subscribers and
    ds.events used to raise pandas' OutOfBoundsDatetime.  The values come back exactly (the
    oracle is numpy's own datetime64[s] of the text)."""
    (tmp_path / "s.csv").write_text("subscriber_id,activation,contract_end\n"
                                    "A,0001-01-01,9999-12-31\nB,2024-03-01,\n")
    (tmp_path / "e.csv").write_text("subscriber_id,time,kind,value\n"
                                    "A,0001-06-01,payment,5\nB,2024-03-02,payment,7\n")
    ds = Dataset.from_csv(tmp_path / "s.csv", tmp_path / "e.csv")
    s, e = ds.subscribers, ds.events
    assert np.datetime64(s.activation["A"], "s") == np.datetime64("0001-01-01T00:00:00")
    assert np.datetime64(s.contract_end["A"], "s") == np.datetime64("9999-12-31T00:00:00")
    assert np.datetime64(s.activation["B"], "s") == np.datetime64("2024-03-01T00:00:00")
    assert pd.isna(s.contract_end["B"])
    assert [np.datetime64(t, "s") for t in e.time] == [np.datetime64("0001-06-01T00:00:00"),
                                                       np.datetime64("2024-03-02T00:00:00")]
    # within pandas' nanosecond range nothing changes: a datetime64 column as before
    (tmp_path / "s2.csv").write_text("subscriber_id,activation\nB,2024-03-01\n")
    (tmp_path / "e2.csv").write_text("subscriber_id,time,kind,value\nB,2024-03-02,payment,7\n")
    ds2 = Dataset.from_csv(tmp_path / "s2.csv", tmp_path / "e2.csv")
    assert pd.api.types.is_datetime64_any_dtype(ds2.events.time)
    assert pd.api.types.is_datetime64_any_dtype(ds2.subscribers.activation)


# --- the operator's own cancellation reason labels (issue 19 item 4) ---------------------------

def _labelled():
    """Six subscribers; their cancels carry the operator's labels.  The expected counts are
    pandas' value_counts of the code column over the rows whose code is not a library name."""
    subs = pd.DataFrame({"subscriber_id": list("ABCDEF"),
                         "activation": pd.to_datetime(["2024-01-01"] * 6)})
    ev = pd.DataFrame({"subscriber_id": list("ABCDEF"),
                       "time": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03",
                                               "2024-03-04", "2024-02-10", "2024-03-05"]),
                       "kind": ["cancel"] * 4 + ["cancel_request", "cancel"],
                       "code": ["搬迁", "搬迁", "资费高", "moving", "搬迁", "RELOCATED"]})
    return subs, ev


def test_unmapped_labels_are_kept_and_listed(tmp_path):
    subs, ev = _labelled()
    ds = Dataset.from_frames(subs, ev)
    assert ds.num_events == 6 and ds.ingest_report["rejected"] == 0
    r = ds.reason_labels
    expect = ev.code[ev.code != "moving"].value_counts(sort=False)   # pandas: the oracle
    assert dict(zip(r.label, r.events)) == expect.to_dict()
    assert r.label.iloc[0] == "搬迁" and set(r.reason) == {"unknown"}
    e = ds.events.set_index("subscriber_id")
    assert e.loc["A", "label"] == "搬迁" and e.loc["E", "label"] == "搬迁"
    assert e.loc["D", "label"] is None and e.loc["F", "label"] == "RELOCATED"
    # the CSV reader gives the same
    subs.to_csv(tmp_path / "s.csv", index=False)
    ev.to_csv(tmp_path / "e.csv", index=False, date_format="%Y-%m-%d")
    r2 = Dataset.from_csv(tmp_path / "s.csv", tmp_path / "e.csv").reason_labels
    pd.testing.assert_frame_equal(r, r2)


def test_reason_map_dict_and_file(tmp_path):
    subs, ev = _labelled()
    m = {"搬迁": "moving", "资费高": "competitive"}
    ds = Dataset.from_frames(subs, ev, reason_map=m)
    codes = ds.events.set_index("subscriber_id").code
    # moving = 7, other_competitive = 12 (churn.h, churn_cancel_reason)
    assert codes.to_dict() == {"A": 7, "B": 7, "C": 12, "D": 7, "E": 7, "F": 0}
    r = ds.reason_labels.set_index("label")
    assert r.loc["资费高", "category"] == "competitive" and r.loc["搬迁", "category"] == "natural"
    assert r.loc["RELOCATED", "reason"] == "unknown"
    subs.to_csv(tmp_path / "s.csv", index=False)
    ev.to_csv(tmp_path / "e.csv", index=False, date_format="%Y-%m-%d")
    ds2 = Dataset.from_csv(tmp_path / "s.csv", tmp_path / "e.csv", reason_map=m)
    assert ds2.events.set_index("subscriber_id").code.to_dict() == codes.to_dict()
    (tmp_path / "m.csv").write_text("label,reason\n搬迁,moving\n资费高,competitive\n",
                                    encoding="utf-8")
    ds3 = Dataset.from_csv(tmp_path / "s.csv", tmp_path / "e.csv", reason_map=tmp_path / "m.csv")
    assert ds3.events.set_index("subscriber_id").code.to_dict() == codes.to_dict()


def test_reason_map_naming_an_unknown_reason_fails():
    subs, ev = _labelled()
    with pytest.raises(churn.ChurnValueError, match="'relocation'"):
        Dataset.from_frames(subs, ev, reason_map={"搬迁": "relocation"})


def test_events_csv_on_two_threads_matches_pandas_and_one_thread(tmp_path):
    # ingest.threads (issue 22): 3,000 events cut into 4 KiB blocks, a quoted note with a line
    # break in every fourth row and a bad time every 101st; pandas reads the same file (oracle
    # for the accepted rows and their values), one thread gives the same rejections.
    rng = np.random.default_rng(7)
    n = 3000
    subs = pd.DataFrame({"subscriber_id": [f"S{i}" for i in range(40)],
                         "activation": "2020-01-01"})
    subs.to_csv(tmp_path / "s.csv", index=False)
    ev = pd.DataFrame({"subscriber_id": [f"S{i % 40}" for i in range(n)],
                       "time": [f"2024-03-{1 + i % 28:02d}" for i in range(n)],
                       "kind": "bill", "value": np.round(rng.uniform(1, 99, n), 2),
                       "note": [("two\nlines" if i % 4 == 0 else "x") for i in range(n)]})
    ev.loc[ev.index % 101 == 50, "time"] = "not a date"
    ev.to_csv(tmp_path / "e.csv", index=False)
    back = pd.read_csv(tmp_path / "e.csv")
    good = back[back.time != "not a date"]
    got = {}
    for threads in (1, 2):
        ds = Dataset.from_csv(tmp_path / "s.csv", tmp_path / "e.csv", threads=threads,
                              block_size=4096, max_reported=1000)
        got[threads] = ds
        e = ds.events
        assert len(e) == len(good)
        np.testing.assert_allclose(np.sort(e.value.to_numpy()), np.sort(good.value.to_numpy()),
                                   rtol=0, atol=1e-9)
    r1, r2 = got[1].rejections, got[2].rejections
    pd.testing.assert_frame_equal(r1, r2)
    # the rejected lines: header line 1, each row one line plus one for a note's line break
    line_of = 2 + np.arange(n) + np.concatenate([[0], np.cumsum(ev.note.str.count("\n"))[:-1]])
    bad = line_of[(ev.index % 101 == 50)]
    assert r2[r2.reason.str.contains("time")].row.tolist() == bad.tolist()
