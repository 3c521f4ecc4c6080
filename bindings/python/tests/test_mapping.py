"""churn.Dataset.from_mapping: GB18030 exports with Chinese headers, local dates and thousands
separators, checked against pandas reading the same files (encoding and strptime formats done
by Python and pandas, an independent oracle), with exact equality of times and values."""
import numpy as np
import pandas as pd
import pytest

import churn

MAPPING = """[input]
encoding = gb18030
date_format = %Y%m%d
utc_offset = +08:00
number_format = 1,234.50
[subscribers]
file = users.csv
subscriber_id = 用户编号
activation = 开户日期
region = 区域
[events:bill]
file = bills.csv
subscriber_id = 用户编号
time = 账期
value = 应收金额
[events:cancel]
file = cancels.csv
subscriber_id = 用户编号
time = 销户时间
time_format = %Y/%m/%d %H:%M:%S
code = 销户原因
[reasons]
搬迁 = moving
"""


@pytest.fixture
def exports(tmp_path):
    (tmp_path / "mapping.ini").write_text(MAPPING, encoding="utf-8")
    rng = np.random.default_rng(7)
    n = 200
    ids = [f"用户{i:04d}" for i in range(n)]
    act = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    users = pd.DataFrame({"用户编号": ids, "开户日期": act.strftime("%Y%m%d"),
                          "区域": rng.choice(["北区", "南区", "东区"], n)})
    users.loc[5, "开户日期"] = "20230230"      # no such day: rejected
    users.loc[6, "开户日期"] = "1672531200"    # a bare number with %Y%m%d: rejected
    users.to_csv(tmp_path / "users.csv", index=False, encoding="gb18030")
    rows = []
    for i in range(n):
        for m in range(3):
            amount = float(rng.integers(100, 500000)) / 100
            rows.append((ids[i], f"2024{m + 1:02d}01", f"¥{amount:,.2f}"))
    bills = pd.DataFrame(rows, columns=["用户编号", "账期", "应收金额"])
    bills.to_csv(tmp_path / "bills.csv", index=False, encoding="gb18030")
    cancels = pd.DataFrame({"用户编号": ids[:20],
                            "销户时间": [f"2024/04/{d + 1:02d} 08:30:00" for d in range(20)],
                            "销户原因": ["搬迁"] * 10 + ["其他"] * 10})
    cancels.to_csv(tmp_path / "cancels.csv", index=False, encoding="gb18030")
    return tmp_path


def _utc(local, fmt):
    t = pd.to_datetime(local, format=fmt, errors="coerce")
    return t.dt.tz_localize("Etc/GMT-8").dt.tz_convert("UTC").dt.tz_localize(None)


def test_from_mapping_matches_pandas(exports):
    ds = churn.Dataset.from_mapping(exports / "mapping.ini", unknown_subscriber="reject")
    users = pd.read_csv(exports / "users.csv", encoding="gb18030", dtype=str)
    users["t"] = _utc(users["开户日期"], "%Y%m%d")
    kept = users.dropna(subset=["t"])
    assert ds.num_subscribers == len(kept) == 198
    subs = ds.subscribers
    got = subs.loc[kept["用户编号"], "activation"].to_numpy()
    np.testing.assert_array_equal(got.astype("datetime64[s]"),
                                  kept["t"].to_numpy().astype("datetime64[s]"))
    assert list(subs.loc[kept["用户编号"], "region"].astype(str)) == list(kept["区域"])
    assert ds.utc_offset == 8 * 3600

    bills = pd.read_csv(exports / "bills.csv", encoding="gb18030", dtype=str)
    bills = bills[bills["用户编号"].isin(kept["用户编号"])]
    ev = ds.events
    b = ev[ev["kind"] == "bill"]
    assert len(b) == len(bills)
    want = bills["应收金额"].str.replace("¥", "").str.replace(",", "").astype(float)
    np.testing.assert_array_equal(np.sort(b["value"].to_numpy()), np.sort(want.to_numpy()))
    want_t = _utc(bills["账期"], "%Y%m%d").to_numpy().astype("datetime64[s]")
    np.testing.assert_array_equal(np.sort(b["time"].to_numpy().astype("datetime64[s]")),
                                  np.sort(want_t))
    c = ev[ev["kind"] == "cancel"]
    assert len(c) == 18  # users 5 and 6 were rejected, so are their cancellations
    assert (c["code"] == 7).sum() == 8  # CHURN_REASON_MOVING; the 10 "其他" are 0 (unknown)
    s = ds.mapping_summary
    assert list(s["rows_read"]) == [200, 600, 20]
    assert list(s["rows_rejected"]) == [2, 6, 2]  # 2 bad dates; the rows of those 2 ids
    assert list(s["unmapped_labels"]) == [0, 0, 10]
    assert s["first_rejected_line"][0] == 7 and s["first_rejected_column"][0] == "开户日期"


def test_bad_mapping_raises_naming_section_and_key(exports):
    text = MAPPING.replace("value = 应收金额", "value = 金额")
    (exports / "mapping.ini").write_text(text, encoding="utf-8")
    with pytest.raises(churn.ChurnError, match=r"\[events:bill\] value = 金额"):
        churn.Dataset.from_mapping(exports / "mapping.ini")


def test_to_operator_export_reads_back_through_its_mapping(tmp_path):
    """Dataset.to_operator_export writes GB18030 exports at +08:00 and a mapping.ini; read back
    with from_mapping, the same subscribers and the same event times and kinds come out (pandas
    compares the two event logs sorted by id, time and kind)."""
    ds, _ = churn.simulate(subscribers=300, months=12, seed=3)
    mapping = ds.to_operator_export(tmp_path, utc_offset="+08:00")
    assert open(tmp_path / "users.csv", "rb").read().decode("gb18030").startswith("用户编号")
    back = churn.Dataset.from_mapping(mapping)
    assert back.utc_offset == 8 * 3600
    assert (back.mapping_summary.rows_rejected == 0).all()
    assert (back.mapping_summary.rows_read == back.mapping_summary.rows_stored).all()
    a, b = ds.subscribers, back.subscribers
    assert sorted(a.index.astype(str)) == sorted(b.index.astype(str))
    key = ["subscriber_id", "time", "kind"]
    ea = ds.events[key].astype({"subscriber_id": str, "kind": str}).sort_values(key)
    eb = back.events[key].astype({"subscriber_id": str, "kind": str}).sort_values(key)
    assert len(ea) == len(eb)
    assert (ea.to_numpy() == eb.to_numpy()).all()
    with pytest.raises(churn.ChurnError, match="utc_offset|offset|range"):
        ds.to_operator_export(tmp_path, utc_offset=19 * 3600)
