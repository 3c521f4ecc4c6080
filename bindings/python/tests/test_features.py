"""churn.features / labels / warnings on a small hand-built dataset whose values are worked
out by hand from DOMAIN rules and the header's definitions (30-day months, windows (T-L, T])."""
import pathlib

import numpy as np
import pandas as pd
import pytest

import churn


@pytest.fixture(scope="module")
def ds():
    subs = pd.DataFrame({
        "subscriber_id": ["S1", "S2", "S3"],
        "activation": pd.to_datetime(["2023-01-01", "2023-06-01", "2024-03-01"]),
        "cancellation": pd.to_datetime([None, "2024-05-10", None]),
        "tier": ["high", "low", "low"], "vip": [1, 0, 0], "services": [2, 1, 1]})
    ev = pd.DataFrame({
        "subscriber_id": ["S1", "S1", "S1", "S2", "S2", "S3", "S2"],
        "time": pd.to_datetime(["2024-03-01", "2024-03-20", "2024-04-02", "2024-02-01",
                                "2024-04-01", "2024-03-15", "2024-05-10"]),
        "kind": ["view", "view", "fault", "view", "view", "view", "cancel"],
        "value": [120.0, 60.0, 0, 300.0, 10.0, 50.0, 0],
        "code": [1, 2, 0, 1, 1, 3, 2]})  # the cancel's code 2 = competitor
    return churn.Dataset.from_frames(subs, ev)


def test_features_by_hand(ds):
    f = churn.features(ds, "2024-04-30", window_months=2)
    assert list(f.index) == ["S1", "S2", "S3"] and f.index.name == "subscriber_id"
    # W = (2024-03-01, 2024-04-30]: S1's view at exactly 03-01 00:00 is outside, 03-20 inside
    assert f["usage.view_minutes"].tolist() == [60.0, 10.0, 50.0]
    assert f["usage.view_minutes_prev"].tolist() == [120.0, 300.0, 0.0]
    assert f["usage.view_drop"].tolist() == pytest.approx([0.5, 290 / 300, 0.0])
    assert f["service.faults"].tolist() == [1.0, 0.0, 0.0]
    assert f["service.unresolved"].tolist() == [1.0, 0.0, 0.0]
    # tenure: days since activation / 30
    assert f["account.tenure_months"].tolist() == pytest.approx([485 / 30, 334 / 30, 60 / 30])
    assert f["account.tier=high"].tolist() == [1.0, 0.0, 0.0]  # "low" is the reference
    assert f.attrs["categories"]["service.faults"] == "service"
    assert f.attrs["categories"]["device.days_since_connect"] == "unknown"  # silence: ask


def test_snapshots_stack_and_selection(ds):
    f = churn.features(ds, ["2024-03-31", "2024-05-31"], names=["usage.view_minutes",
                                                                "service.*"])
    assert f.index.names == ["as_of", "subscriber_id"]
    # S2 cancelled on 2024-05-10 is out of the base at 05-31
    assert [(str(t.date()), s) for t, s in f.index] == [
        ("2024-03-31", "S1"), ("2024-03-31", "S2"), ("2024-03-31", "S3"),
        ("2024-05-31", "S1"), ("2024-05-31", "S3")]
    assert f.columns[0] == "usage.view_minutes"
    assert all(c.startswith("service.") for c in f.columns[1:])
    with pytest.raises(churn.ChurnNotFoundError) as e:
        churn.features(ds, "2024-04-30", names=["usage.nope"])
    assert "usage.nope" in e.value.message
    with pytest.raises(TypeError, match="unknown setting"):
        churn.features(ds, "2024-04-30", window=3)


def test_labels_by_hand(ds):
    lab = churn.labels(ds, "2024-04-30", horizon_days=30)
    assert lab.churned.tolist() == [0, 1, 0]
    assert lab.category.tolist() == [None, "competitive", None]
    assert lab.churn_time.iloc[1] == pd.Timestamp("2024-05-10")
    # non-use: 90 days after the last view (S1: 03-20 -> 06-18, S3: 03-15 -> 06-13)
    lab = churn.labels(ds, "2024-04-30", horizon_days=60)
    assert lab.churned.tolist() == [1, 1, 1]
    assert lab.churn_time.iloc[0] == pd.Timestamp("2024-06-18")
    assert lab.category.tolist() == ["unknown", "competitive", "unknown"]
    lab = churn.labels(ds, "2024-04-30", horizon_days=60, definition="cancel")
    assert lab.churned.tolist() == [0, 1, 0]


def test_labels_follow_a_feature_index(ds):
    f = churn.features(ds, ["2024-03-31", "2024-04-30"], names=["usage.view_minutes"])
    lab = churn.labels(ds, None, index=f, horizon_days=45)
    assert lab.index.equals(f.index)
    # horizons: to 2024-05-15 (S2 cancels 05-10) and to 2024-06-14 (S3's 90 days end 06-13)
    assert lab.churned.tolist() == [0, 1, 0, 0, 1, 1]


def test_warnings_list(ds):
    w = churn.warnings(ds, "2024-04-30")
    assert w.rule.tolist() == ["contact_breach", "fix_breach"]
    assert set(w.subscriber_id) == {"S1"} and set(w.route) == {"vip_manager"}
    assert set(w.category) == {"service"}
    # deadline: 2 working days after Tuesday 2024-04-30
    assert w.deadline.iloc[0] == pd.Timestamp("2024-05-02")
    # two-month windows: S1 fell from 120 to 60 minutes (50%), S2 from 300 to 10
    w = churn.warnings(ds, "2024-04-30", view_drop_pct=40, window_months=2)
    assert "viewing_drop" in set(w.rule)
    assert set(w[w.rule == "viewing_drop"].subscriber_id) == {"S1", "S2"}


def test_catalog_and_reason_categories(ds):
    cat = churn.feature_catalog()
    assert {"name", "description", "category"} <= set(cat.columns)
    assert "service.faults" in set(cat.name)
    assert churn.feature_category("service.fix_breaches") == "service"
    assert churn.feature_category("price") is None
    X = churn.features(ds, ["2024-03-31", "2024-04-30"], names=["service.faults",
                                                                 "usage.view_minutes"])
    y = np.array([0, 1, 0, 1, 1, 0])
    m = churn.LogisticRegression().fit(X, y)
    r = m.explain(X, top_k=2)
    assert set(r.category_1) <= {"service", "unknown"}  # usage.* is "unknown" (silence)


def test_dates_as_text_go_through_the_library_parser():
    """Issue 21 #5: the binding reads text dates as the CLI and the CSV readers do."""
    from churn.features import to_unix
    assert to_unix("2024-10-01") == 1727740800          # calendar.timegm((2024, 10, 1, 0, 0, 0))
    assert to_unix("20241001") == 1727740800
    assert to_unix("0001-01-01") == -62135596800
    for bad in ("2024-02-30", "1727740800", "yesterday"):
        with pytest.raises(churn.ChurnError) as e:
            to_unix(bad)
        assert e.value.status_name == "CHURN_E_FORMAT" and bad in e.value.message


CN_CALENDAR = pathlib.Path(__file__).resolve().parents[3] / "examples" / "calendar_cn_2024_2025.csv"


@pytest.fixture(scope="module")
def asked():
    """R1 asked to cancel on Sunday 2024-09-29; R2 asked 20 days before; R3 never asked."""
    subs = pd.DataFrame({"subscriber_id": ["R1", "R2", "R3"],
                         "activation": pd.to_datetime(["2023-01-01"] * 3), "vip": [1, 0, 0]})
    ev = pd.DataFrame({"subscriber_id": ["R1", "R2"],
                       "time": pd.to_datetime(["2024-09-29", "2024-09-10"]),
                       "kind": ["cancel_request", "cancel_request"]})
    return churn.Dataset.from_frames(subs, ev)


def test_cancel_request_to_the_retention_desk(asked):
    w = churn.warnings(asked, "2024-09-30")
    # only R1 is within the default 14 days; a VIP, but a request goes to the retention desk
    assert w.subscriber_id.tolist() == ["R1"] and w.rule.tolist() == ["cancel_request"]
    assert w.route.tolist() == ["retention_desk"] and w.observed.tolist() == [1.0]
    w = churn.warnings(asked, "2024-09-30", request_days=21)
    assert w.subscriber_id.tolist() == ["R1", "R2"] and w.observed.tolist() == [1.0, 20.0]


def test_deadline_with_the_chinese_calendar(asked):
    # Monday 30 September 2024 + 2 working days: Wednesday 2 October counting weekends only,
    # Wednesday 9 October with the State Council calendar (1-7 October holidays)
    assert churn.warnings(asked, "2024-09-30").deadline.iloc[0] == pd.Timestamp("2024-10-02")
    w = churn.warnings(asked, "2024-09-30", calendar=CN_CALENDAR)
    assert w.deadline.iloc[0] == pd.Timestamp("2024-10-09")
    # 17:00 UTC is 01:00 on 1 October in Beijing (a holiday): + 2 local working days is
    # 9 October 01:00 local = 8 October 17:00 UTC; counted in UTC it is 9 October 17:00
    w = churn.warnings(asked, "2024-09-30T17:00:00", calendar=str(CN_CALENDAR), utc_offset="+08:00")
    assert w.deadline.iloc[0] == pd.Timestamp("2024-10-08 17:00")
    w = churn.warnings(asked, "2024-09-30T17:00:00", calendar=CN_CALENDAR)
    assert w.deadline.iloc[0] == pd.Timestamp("2024-10-09 17:00")
    assert churn.contact_deadline("2024-09-30", 2, calendar=CN_CALENDAR) == \
        pd.Timestamp("2024-10-09")
    assert churn.contact_deadline("2024-09-30T17:00:00", 2, calendar=CN_CALENDAR,
                                  utc_offset="+08:00") == pd.Timestamp("2024-10-08 17:00")
    assert churn.contact_deadline("2024-09-27", 1) == pd.Timestamp("2024-09-30")


def test_calendar_errors(asked, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,type\n2024-10-01,holiday\n2024-10-02,day off\n", encoding="utf-8")
    with pytest.raises(churn.ChurnFormatError, match="line 3"):
        churn.warnings(asked, "2024-09-30", calendar=bad)
    with pytest.raises(churn.ChurnFormatError, match="line 3"):
        churn.contact_deadline("2024-09-30", 2, calendar=bad)
    with pytest.raises(churn.ChurnValueError, match="utc_offset"):
        churn.warnings(asked, "2024-09-30", utc_offset="8 hours")
