"""One churn definition for the labels and every KPI (churn.h, churn_label_definition): the
monthly movement table of a simulated operator against spells rebuilt here in plain
Python/pandas from the events and the rules as churn.h states them; labels against the
movement table; the rate base shared by movement and segments; bad definition names."""
import numpy as np
import pandas as pd
import pytest

import churn

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def sim():
    ds, _ = churn.simulate(subscribers=800, months=10, silent_share=0.5, seed=7)
    return ds


def oracle_spells(ds, definition, months):
    """(start, end, how) of every spell, rebuilt from the events: cancellations end a spell
    (cancel, either), N x 30 days without a view or usage event end it (non_use, either) when
    the clock starts at the later of the activation
    and the first use of the whole dataset, the next use after a non-use churn is a return."""
    subs, ev = ds.subscribers, ds.events
    idle = pd.Timedelta(days=30 * months)
    use = ev[ev.kind.isin(["view", "usage"])]
    ustart = use.time.min()
    non_use = definition != "cancel" and len(use) > 0
    cancel = definition != "non_use"
    order = {"table_act": 0, "activation": 1, "use": 2, "cancel": 3, "table_cancel": 4}
    out = []
    by_sub = {sid: g for sid, g in ev.groupby("subscriber_id", sort=False)}
    for sid, row in subs.iterrows():
        g = by_sub.get(sid, ev.iloc[:0])
        ch = []
        if not pd.isna(row.activation):
            ch.append((row.activation, order["table_act"]))
        for t, k in zip(g.time, g.kind):
            if k == "activation":
                ch.append((t, order["activation"]))
            elif k == "cancel":
                ch.append((t, order["cancel"]))
            elif non_use and k in ("view", "usage"):
                ch.append((t, order["use"]))
        if not pd.isna(row.cancellation):
            ch.append((row.cancellation, order["table_cancel"]))
        ch.sort()
        firsts = [o for _, o in ch if o != order["use"]]
        active = pd.isna(row.activation) and not (firsts and firsts[0] <= 1)
        start, last, silent = None, ustart, False
        for t, o in ch:
            if active and non_use and last + idle < t:
                out.append((sid, start, last + idle, "non_use"))
                active, silent = False, True
            if o <= 1:
                if not active:
                    active, silent, start = True, False, t
                    last = max(t, ustart) if non_use else t
            elif o == order["use"]:
                if active:
                    last = max(last, t)
                elif silent:
                    active, silent, start, last = True, False, t, t
            elif active and cancel:
                out.append((sid, start, t, "cancel"))
                active = False
        if active and non_use:
            out.append((sid, start, last + idle, "non_use"))
            active = False
        if active:
            out.append((sid, start, None, "open"))
    return pd.DataFrame(out, columns=["subscriber_id", "start", "end", "how"])


@pytest.mark.parametrize("definition", ["cancel", "non_use", "either"])
def test_movement_against_rebuilt_spells(sim, definition):
    mv = churn.kpi.movement(sim, "2024-02-01", "2024-10-01", definition=definition,
                            inactive_months=2)
    sp = oracle_spells(sim, definition, 2)
    ended = sp[sp.how != "open"].copy()
    ended["month"] = pd.to_datetime(ended.end).dt.strftime("%Y-%m")
    sp["first"] = ~sp.subscriber_id.duplicated()
    started = sp[sp.start.notna()].copy()
    started["month"] = pd.to_datetime(started.start).dt.strftime("%Y-%m")
    for _, r in mv.iterrows():
        e = ended[ended.month == r.month]
        s = started[started.month == r.month]
        assert r.churned == len(e), (definition, r.month)
        assert r.churned_cancel == (e.how == "cancel").sum()
        assert r.churned_non_use == (e.how == "non_use").sum()
        assert r.activations == len(s)
        assert r.rejoins == (~s["first"]).sum()
    if definition == "cancel":
        assert mv.churned_non_use.sum() == 0
    else:
        assert mv.churned_non_use.sum() > 0   # the silent churners reach the table
        assert mv.rejoins.sum() >= 0


@pytest.mark.parametrize("definition", ["cancel", "non_use", "either"])
def test_labels_agree_with_movement(sim, definition):
    # every subscriber (not the features' base, which follows cancellations only): under
    # non_use a subscriber who cancelled is still in the base until its non-use churn
    everyone = pd.Index(sim.subscriber_ids)
    mv = churn.kpi.movement(sim, "2024-03-01", "2024-08-01", definition=definition)
    for _, r in mv.iterrows():
        start = r.month_start
        days = (start + pd.offsets.MonthBegin(1) - start).days
        lab = churn.labels(sim, start - pd.Timedelta(seconds=1), horizon_days=days,
                           definition=definition, index=everyone)
        assert lab.churned.sum() == r.churned, (definition, r.month)


def test_rate_base_one_month(sim):
    for base in ("opening", "average", "exposed", "closing"):
        mv = churn.kpi.movement(sim, "2024-05-01", "2024-05-01", rate_base=base)
        sg = churn.kpi.segments(sim, "2024-05-01", "2024-06-01", rate_base=base)
        assert sg.churn_rate.iloc[-1] == pytest.approx(mv.churn_rate.iloc[0], rel=1e-12)
        denom = {"opening": mv.opening, "closing": mv.closing,
                 "average": (mv.opening + mv.closing) / 2,
                 "exposed": mv.opening + mv.activations}[base]
        assert mv.churn_rate.iloc[0] == pytest.approx(mv.churned.iloc[0] / denom.iloc[0])


def test_bad_definition(sim):
    with pytest.raises(ValueError, match="definition must be one of"):
        churn.kpi.movement(sim, "2024-02-01", "2024-03-01", definition="silence")
    with pytest.raises(churn.ChurnError, match="churn.inactive_months"):
        churn.kpi.segments(sim, "2024-02-01", "2024-03-01", inactive_months=0)
    with pytest.raises(ValueError, match="rate_base must be one of"):
        churn.kpi.movement(sim, "2024-02-01", "2024-03-01", rate_base="middle")


def test_non_use_without_usage_data():
    subs = pd.DataFrame({"subscriber_id": ["a", "b"],
                         "activation": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    ev = pd.DataFrame({"subscriber_id": ["a"], "time": pd.to_datetime(["2024-02-10"]),
                       "kind": ["cancel"], "code": [1], "value": [0.0]})
    ds = churn.Dataset.from_frames(subs, ev)
    with pytest.raises(churn.ChurnError, match="non-use cannot be judged"):
        churn.kpi.movement(ds, "2024-01-01", "2024-03-01", definition="non_use")
    mv = churn.kpi.movement(ds, "2024-01-01", "2024-03-01")  # either: cancellations alone
    assert mv.churned.tolist() == [0, 1, 0]
    assert mv.churned_non_use.tolist() == [0, 0, 0]


def test_winback_against_pandas():
    """Win-back on a random base whose returns, contacts and second cancellations are counted
    here with pandas: a churn is a cancellation in January 2024; won back when an activation
    of the same id (or a new id of the same person) follows within 90 days; attempted when a
    retention contact falls in [churn, churn + 90 days]; kept when no cancellation ends the
    return within 90 days of it."""
    rng = np.random.default_rng(5)
    n = 300
    ids = [f"s{i}" for i in range(n)]
    t0 = pd.Timestamp("2024-01-01")
    cancel = t0 + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    back = cancel + pd.to_timedelta(rng.integers(20, 200, n), unit="D")
    has_back = rng.random(n) < 0.5
    again = back + pd.to_timedelta(rng.integers(20, 180, n), unit="D")
    has_again = has_back & (rng.random(n) < 0.5)
    contact = cancel + pd.to_timedelta(rng.integers(-10, 120, n), unit="D")
    has_contact = rng.random(n) < 0.6
    # a new id for some returns: person links it
    new_id = has_back & (rng.random(n) < 0.3)
    subs = pd.DataFrame({"subscriber_id": ids, "activation": pd.Timestamp("2023-01-01"),
                         "person": [f"p{i}" for i in range(n)]})
    extra = pd.DataFrame({"subscriber_id": [f"n{i}" for i in np.flatnonzero(new_id)],
                          "activation": back[new_id],
                          "person": [f"p{i}" for i in np.flatnonzero(new_id)]})
    rows = [("cancel", ids[i], cancel[i], 1) for i in range(n)]
    rows += [("activation", ids[i], back[i], 0) for i in range(n) if has_back[i] and not new_id[i]]
    rows += [("cancel", ids[i] if not new_id[i] else f"n{i}", again[i], 2)
             for i in range(n) if has_again[i]]
    rows += [("retention", ids[i], contact[i], 2) for i in range(n) if has_contact[i]]
    ev = pd.DataFrame(rows, columns=["kind", "subscriber_id", "time", "code"])
    ev["value"] = 0.0
    ds = churn.Dataset.from_frames(pd.concat([subs, extra], ignore_index=True), ev)

    # second cancellations come 40 days or more after the first: none falls in January
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")
    W = pd.Timedelta(days=90)
    churned = (cancel >= start) & (cancel < end)
    won = churned & has_back & (back - cancel <= W)
    tried = churned & has_contact & (contact >= cancel) & (contact - cancel <= W)
    kept = won & ~(has_again & (again - back <= W))
    wb = churn.kpi.winback(ds, start, end)
    r = wb.iloc[-1]
    assert r.group == "(all)"
    assert r.churned == churned.sum()
    assert r.won_back == won.sum()
    assert r.attempted == tried.sum()
    assert r.success_rate == pytest.approx((tried & won).sum() / tried.sum())
    assert r.kept == kept.sum()
    assert r.kept_rate == pytest.approx(kept.sum() / won.sum())
    from statsmodels.stats.proportion import proportion_confint
    lo, hi = proportion_confint(won.sum(), churned.sum(), method="wilson")
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), abs=1e-12)
    # by category: every cancellation code 1 (price) is competitive
    cat = churn.kpi.winback(ds, start, end, by="category").set_index("group")
    assert list(cat.index) == ["natural", "competitive", "service", "unknown", "(all)"]
    assert cat.loc["competitive", "won_back"] == won.sum()
    # a shorter window counts fewer returns
    short = churn.kpi.winback(ds, start, end, winback_days=30).iloc[-1]
    assert short.won_back == (won & (back - cancel <= pd.Timedelta(days=30))).sum()


@pytest.mark.parametrize("offset,hours", [("+08:00", 8), ("-05:00", -5), ("+14:00", 14),
                                          ("-12:00", -12)])
def test_movement_months_in_local_time(sim, offset, hours):
    # the spells rebuilt above, each end and start put into the month of its local time
    # (UTC + offset); the library's months must agree, and differ from the UTC months
    mv = churn.kpi.movement(sim, "2024-02-15", "2024-09-15", definition="either",
                            inactive_months=2, utc_offset=offset)
    utc = churn.kpi.movement(sim, "2024-02-15", "2024-09-15", definition="either",
                             inactive_months=2)
    sp = oracle_spells(sim, "either", 2)
    shift = pd.Timedelta(hours=hours)
    ended = sp[sp.how != "open"]
    ended_month = (pd.to_datetime(ended.end) + shift).dt.strftime("%Y-%m")
    started = sp[sp.start.notna()]
    started_month = (pd.to_datetime(started.start) + shift).dt.strftime("%Y-%m")
    assert list(mv.month) == [f"2024-{m:02d}" for m in range(2, 10)]
    for _, r in mv.iterrows():
        assert r.churned == (ended_month == r.month).sum(), (offset, r.month)
        assert r.activations == (started_month == r.month).sum(), (offset, r.month)
        local_start = pd.Timestamp(r.month + "-01") - shift
        assert pd.Timestamp(r.month_start).tz_localize(None) == local_start
    utc_months = pd.to_datetime(ended.end).dt.strftime("%Y-%m")
    if (utc_months != ended_month).any():   # the offset moves a churn into another month
        assert not mv.churned.equals(utc.churned)


def test_some_offset_moves_a_churn(sim):
    # the parametrized test above would pass vacuously if no churn ever crossed a month
    moved = [not churn.kpi.movement(sim, "2024-02-15", "2024-09-15", utc_offset=o).churned.equals(
        churn.kpi.movement(sim, "2024-02-15", "2024-09-15").churned) for o in ("+14:00", "-12:00")]
    assert any(moved)


def test_bad_utc_offset(sim):
    with pytest.raises(churn.ChurnError, match=r"kpi.utc_offset = 'UTC\+8'"):
        churn.kpi.movement(sim, "2024-02-01", "2024-03-01", utc_offset="UTC+8")


@pytest.mark.parametrize("by", ["route", "rule", "manager", None])
def test_contact_compliance_against_pandas(sim, by):
    # two warning lists stacked; the oracle counts each (group, subscriber, as_of) once with its
    # earliest deadline, contacted when a retention event lies in [as_of, deadline]
    w = pd.concat([churn.warnings(sim, "2024-05-01"), churn.warnings(sim, "2024-07-01")],
                  ignore_index=True)
    assert len(w) > 20
    cc = churn.kpi.contact_compliance(sim, w, by=by).set_index("group")
    ev = sim.events
    ret = ev[ev.kind == "retention"]
    first_after = {}
    for sid, g in ret.groupby("subscriber_id"):
        first_after[sid] = np.sort(g.time.to_numpy())
    key = w[by].replace("", "(none)") if by else pd.Series("(all)", index=w.index)
    x = w.assign(g=key).groupby(["g", "subscriber_id", "as_of"], sort=False).deadline.min()
    x = x.reset_index()

    def first_contact(r):
        t = first_after.get(r.subscriber_id)
        if t is None:
            return pd.NaT
        t = t[t >= np.datetime64(r.as_of.tz_localize(None) if r.as_of.tzinfo else r.as_of)]
        return t[0] if len(t) else pd.NaT

    fc = pd.to_datetime(x.apply(first_contact, axis=1))
    dl = x.deadline.dt.tz_localize(None) if x.deadline.dt.tz is not None else x.deadline
    x["contacted"] = fc.notna() & (fc <= dl)
    x["late"] = fc.notna() & (fc > dl)
    want = x.groupby("g", sort=False).agg(warned=("contacted", "size"),
                                          contacted=("contacted", "sum"), late=("late", "sum"))
    if by:
        assert list(cc.index[:-1]) == list(want.index)
        allw = w.groupby(["subscriber_id", "as_of"]).deadline.min().reset_index()
        assert cc.loc["(all)", "warned"] == len(allw)
    for g, r in want.iterrows():
        assert cc.loc[g, ["warned", "contacted", "late"]].tolist() == \
            [r.warned, r.contacted, r.late], g
        assert cc.loc[g, "compliance"] == pytest.approx(r.contacted / r.warned, rel=1e-12)
    assert cc.contacted.sum() > 0


def test_contact_compliance_bad_column(sim):
    w = churn.warnings(sim, "2024-05-01")
    with pytest.raises(KeyError, match="region"):
        churn.kpi.contact_compliance(sim, w, by="region")


@pytest.mark.parametrize("definition", ["cancel", "non_use", "either"])
def test_warning_accuracy_counts_the_definitions_churners(sim, definition):
    # churners = subscribers whose spell active at as_of ends before horizon_end, from the
    # spells rebuilt above; the old call (no settings) counts the default, either
    as_of, end = pd.Timestamp("2024-06-01"), pd.Timestamp("2024-09-01")
    sp = oracle_spells(sim, definition, 2)
    start = pd.to_datetime(sp.start)
    stop = pd.to_datetime(sp.end)
    active = (start.isna() | (start <= as_of)) & (stop.isna() | (stop > as_of)) & \
        ~((sp.how == "open") & stop.notna() & (stop <= as_of))
    churned = active & (sp.how != "open") & (stop < end)
    want = sp[churned].subscriber_id.nunique()
    ids = list(sim.subscribers.index[:50])
    acc = churn.kpi.warning_accuracy(sim, as_of, end, ids, definition=definition,
                                     inactive_months=2)
    assert acc.churners.iloc[-1] == want
    top = churn.kpi.topk_accuracy(sim, as_of, end, np.arange(sim.num_subscribers, dtype=float),
                                  k=[10], definition=definition, inactive_months=2)
    assert top.churners.iloc[0] == want
