"""churn.kpi -- the retention figures operators report (section 8 of churn.h), as DataFrames.

Survival curves on plain arrays (km, cif) and the KPIs of a churn.Dataset: the monthly
movement table with churn rate against target (movement), ARPU (arpu), snapshot retention
against a time-series target (snapshot), churn by segment (segments), win-back success
(winback), warning accuracy of a warning list or of a model's top-k risk list
(warning_accuracy, topk_accuracy), and retention curves by tenure (retention_curve,
churn_incidence), and (section 8c) Gray's test, the snapshot forecast against target and the
effect of a retention campaign.  Times are anything pandas reads as a timestamp (naive = UTC) or Unix seconds;
time columns of the results come back as datetimes.  Settings are the kpi.* options by name
without the prefix (target=0.03, rate_base="average", ...).
"""
import ctypes

import numpy as np
import pandas as pd

from ._arrays import StringArray, as_vector, ptr
from ._lib import ENUM_COHORT_KIND, ENUM_KPI_RATE_BASE, LIB, check, cstr, enum_names
from ._table import table_to_frame
from .features import _datetimes, _options, to_unix

__all__ = ["km", "cif", "movement", "arpu", "snapshot", "segments", "winback",
           "warning_accuracy", "topk_accuracy", "retention_curve", "churn_incidence",
           "kaplan_meier", "cumulative_incidence", "gray_test", "snapshot_forecast",
           "campaign_effect"]

_RATE_BASE = enum_names(ENUM_KPI_RATE_BASE)
_TIME_UNIT = {"days": 0, "months": 1}
_ARPU_SOURCE = {"bill": 0, "payment": 1}
_TIME_NONE = np.iinfo(np.int64).min


def _kpi_options(settings):
    s = dict(settings)
    for key, table in (("rate_base", _RATE_BASE), ("time_unit", _TIME_UNIT),
                       ("arpu_source", _ARPU_SOURCE)):
        if isinstance(s.get(key), str):
            if s[key] not in table:
                raise ValueError(f"{key} must be one of {sorted(table)}; got {s[key]!r}")
            s[key] = table[s[key]]
    return _options({"kpi"}, s)


def _frame(h, time_columns=("month_start", "as_of")):
    df = table_to_frame(h)
    for col in time_columns:
        if col in df:
            df[col] = _datetimes(df[col].to_numpy())
    return df


def _entry(entry, n):
    return None if entry is None else as_vector(entry, n, "entry")


# --- survival on arrays ----------------------------------------------------------------------

def km(duration, event, entry=None, alpha=0.05):
    """Kaplan-Meier survival (retention) of subjects followed to duration (event 1 = churned,
    0 = censored; entry = delayed-entry times or None): time, at_risk, events, survival,
    std_err (Greenwood), ci_low, ci_high (log-log).  Equals statsmodels' SurvfuncRight."""
    d = as_vector(duration, name="duration")
    e = as_vector(event, d.shape[0], "event")
    en = _entry(entry, d.shape[0])
    h = ctypes.c_void_p()
    check(LIB.churn_survival_km(ptr(d), ptr(e), ptr(en), d.shape[0], float(alpha), ctypes.byref(h)))
    return table_to_frame(h)


def cif(duration, category, entry=None, alpha=0.05):
    """Aalen-Johansen cumulative incidence by churn category (category 0 = censored, else the
    cause): time, category, cif, std_err, ci_low, ci_high (long format)."""
    d = as_vector(duration, name="duration")
    c = as_vector(category, d.shape[0], "category", dtype=np.int64)
    en = _entry(entry, d.shape[0])
    h = ctypes.c_void_p()
    check(LIB.churn_survival_cif(ptr(d), ptr(c), ptr(en), d.shape[0], float(alpha), ctypes.byref(h)))
    return table_to_frame(h)


# --- KPIs of a dataset -----------------------------------------------------------------------

def movement(ds, start, end, segment=None, **settings):
    """The monthly movement table (离网率 report) for every month from start's to end's:
    [segment], month, month_start, opening, activations, churned, closing, churn_rate, target,
    margin.  Settings: rate_base ("opening", "average", "exposed"), target."""
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_movement(ds.handle, to_unix(start), to_unix(end), cstr(segment),
                                 _kpi_options(settings).handle, ctypes.byref(h)))
    return _frame(h)


def arpu(ds, start, end, segment=None, **settings):
    """ARPU per month: [segment], month, month_start, revenue, billed, average_base, arpu,
    change, change_rate.  Settings: arpu_source ("bill" or "payment")."""
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_arpu(ds.handle, to_unix(start), to_unix(end), cstr(segment),
                             _kpi_options(settings).handle, ctypes.byref(h)))
    return _frame(h)


def snapshot(ds, base_date, months, column=None, label=None, members=None, target=None,
             **settings):
    """Snapshot retention (拍照用户保有率) of the cohort active at base_date (optionally only
    subscribers whose `column` is `label`, e.g. "tier" / "high", and/or the ids in members)
    for months 1..months: month_index, month, cohort, active, retention, target, margin.
    target: a list of per-month targets, or None for target_start + k * target_step
    (settings; default 1 - 0.0125 k)."""
    mem = None
    if members is not None:
        mem = np.ascontiguousarray([ds.find_subscriber(m) for m in members], dtype=np.int64)
    tgt = None if target is None else as_vector(target, int(months), "target")
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_snapshot(ds.handle, to_unix(base_date), int(months), cstr(column),
                                 cstr(label), ptr(mem), 0 if mem is None else len(mem),
                                 ptr(tgt), _kpi_options(settings).handle, ctypes.byref(h)))
    return _frame(h)


def segments(ds, start, end, segment=None, **settings):
    """Churn by segment over [start, end): segment, opening, activations, exposed, churned,
    churn_rate, ci_low, ci_high, natural, competitive, service, unknown; the last row is
    "(all)"."""
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_segments(ds.handle, to_unix(start), to_unix(end), cstr(segment),
                                 _kpi_options(settings).handle, ctypes.byref(h)))
    return _frame(h)


def winback(ds, start, end, by=None, **settings):
    """Win-back success rate (用户挽回成功率) of the retention contacts in [start, end), by
    "reason_category", a categorical subscriber column (e.g. "manager") or None: group,
    attempted, won_back, success_rate, ci_low, ci_high."""
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_winback(ds.handle, to_unix(start), to_unix(end), cstr(by),
                                _kpi_options(settings).handle, ctypes.byref(h)))
    return _frame(h)


def warning_accuracy(ds, as_of, horizon_end, warnings):
    """Warning accuracy (流失预警准确率) of a warning list raised as of as_of, judged by churn
    before horizon_end: per rule and "(any)": rule, warned, warned_churned, churners, recall,
    precision, outside_base.  warnings is the DataFrame of churn.warnings (columns
    subscriber_id and rule) or a list of subscriber ids (one rule named "warning")."""
    if isinstance(warnings, pd.DataFrame):
        ids, rules = warnings["subscriber_id"].tolist(), warnings["rule"].tolist()
    else:
        ids, rules = list(warnings), None
    subs = np.ascontiguousarray([ds.find_subscriber(i) for i in ids], dtype=np.int64)
    rule_c = StringArray(rules) if rules is not None else None
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_warning_accuracy(ds.handle, to_unix(as_of), to_unix(horizon_end),
                                         ptr(subs), rule_c.ptr if rule_c else None, len(subs),
                                         ctypes.byref(h)))
    return table_to_frame(h)


def topk_accuracy(ds, as_of, horizon_end, score, k=(100, 500, 1000)):
    """Recall and precision of a model's risk list: the base at as_of ranked by score, for
    each list length in k: k, flagged, flagged_churned, churners, recall, precision.  score is
    a Series indexed by subscriber_id (e.g. predict_proba of a features frame; subscribers
    without a score must be outside the base) or an array with one value per subscriber in
    dense-index order."""
    n = ds.num_subscribers
    if isinstance(score, pd.Series):
        s = np.full(n, np.nan)
        idx = score.index.get_level_values(-1)
        pos = np.array([ds.find_subscriber(i) for i in idx], dtype=np.int64)
        s[pos] = score.to_numpy(dtype=np.float64)
    else:
        s = as_vector(score, n, "score")
    kk = np.ascontiguousarray(np.atleast_1d(k), dtype=np.int64)
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_topk_accuracy(ds.handle, to_unix(as_of), to_unix(horizon_end), ptr(s),
                                      n, ptr(kk), len(kk), ctypes.byref(h)))
    return table_to_frame(h)


def _window(window_start):
    return _TIME_NONE if window_start is None else to_unix(window_start)


def retention_curve(ds, as_of, window_start=None, segment=None, alpha=0.05, **settings):
    """Kaplan-Meier retention by tenure of the subscribers' active spells observed over
    [window_start, as_of] (spells begun earlier enter late): [segment], time, at_risk, events,
    survival, std_err, ci_low, ci_high.  Settings: time_unit ("days" or "months")."""
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_km(ds.handle, _window(window_start), to_unix(as_of), cstr(segment),
                           float(alpha), _kpi_options(settings).handle, ctypes.byref(h)))
    return table_to_frame(h)


def churn_incidence(ds, as_of, window_start=None, segment=None, alpha=0.05, **settings):
    """Cumulative incidence of churn by category (natural, competitive, service, unknown) by
    tenure, as retention_curve observes the spells: [segment], time, category, cif, std_err,
    ci_low, ci_high."""
    h = ctypes.c_void_p()
    check(LIB.churn_kpi_cif(ds.handle, _window(window_start), to_unix(as_of), cstr(segment),
                            float(alpha), _kpi_options(settings).handle, ctypes.byref(h)))
    return table_to_frame(h)


# --- issue 14's names: survival on arrays with labelled categories ------------------------------

def kaplan_meier(duration, event, entry=None, alpha=0.05):
    """Kaplan-Meier survival with delayed entry: DataFrame indexed by `time` (the distinct
    times with at least one event) with columns at_risk, events, survival, std_err
    (Greenwood's standard error of S), ci_low, ci_high (the log(-log) interval; see km).
    Equals statsmodels' SurvfuncRight(duration, event, entry=entry)."""
    return km(duration, event, entry=entry, alpha=alpha).set_index("time")


def _is_censored(v):
    if v is None:
        return True
    if isinstance(v, (float, np.floating)) and np.isnan(v):
        return True
    try:
        return not isinstance(v, str) and v == 0
    except (TypeError, ValueError):
        return False


def _event_codes(event, n=None):
    """Category codes (0 censored, 1..K) of any labels, and the labels of 1..K."""
    values = event.tolist() if hasattr(event, "tolist") else list(event)
    if n is not None and len(values) != n:
        raise ValueError(f"event has {len(values)} elements; expected {n}")
    cens = [_is_censored(v) for v in values]
    labels = {v for v, c in zip(values, cens) if not c}
    try:
        labels = sorted(labels)
    except TypeError:
        labels = sorted(labels, key=str)
    code = {v: i + 1 for i, v in enumerate(labels)}
    codes = np.ascontiguousarray([0 if c else code[v] for v, c in zip(values, cens)],
                                 dtype=np.int64)
    return codes, labels


def cumulative_incidence(duration, event, entry=None, alpha=0.05):
    """Aalen-Johansen cumulative incidence of each churn category with delayed entry.  event
    is 0 (or None/NaN) for censored and any other label names the category ("competitive",
    2, ...).  Long DataFrame with columns time, category (the labels), cif, std_err, ci_low,
    ci_high: one row per distinct event time and category; with the overall Kaplan-Meier
    survival the curves sum to one at every time."""
    d = as_vector(duration, name="duration")
    codes, labels = _event_codes(event, d.shape[0])
    df = cif(d, codes, entry=entry, alpha=alpha)
    df["category"] = pd.Series([labels[c - 1] for c in df["category"]], dtype=object)
    return df


def gray_test(duration, event, group, rho=0.0):
    """Gray's (1988) test that each category's cumulative incidence is the same in two groups
    (the statistic of R's cmprsk::cuminc, one stratum, no delayed entry).  event as in
    cumulative_incidence; group holds two distinct labels (the first in sorted order is group
    0).  DataFrame: category, statistic, df, p_value, score (of the first group), variance."""
    d = as_vector(duration, name="duration")
    codes, labels = _event_codes(event, d.shape[0])
    g = group.tolist() if hasattr(group, "tolist") else list(group)
    if len(g) != d.shape[0]:
        raise ValueError(f"group has {len(g)} elements; expected {d.shape[0]}")
    levels = sorted(set(g), key=str)
    if len(levels) != 2:
        raise ValueError(f"group must hold exactly two distinct labels; got {len(levels)}")
    gc = np.ascontiguousarray([levels.index(v) for v in g], dtype=np.int64)
    h = ctypes.c_void_p()
    check(LIB.churn_survival_gray_test(ptr(d), ptr(codes), ptr(gc), d.shape[0], float(rho),
                              ctypes.byref(h)))
    df = table_to_frame(h)
    df["category"] = pd.Series([labels[c - 1] for c in df["category"]], dtype=object)
    return df


# --- section 8c: forecast against target, campaign effect --------------------------------------

_COHORT_KIND = enum_names(ENUM_COHORT_KIND)


def snapshot_forecast(ds, base_date, as_of, months=None, column=None, label=None, members=None,
                      target=None, model="sbg", alpha=0.05, return_model=False, **settings):
    """The operator's question in one call: photographs the cohort active at base_date (as
    snapshot does: column/label, members), fits a cohort retention model ("sbg", "bdw" or
    "geometric") on the months ended by as_of and projects the rest up to `months` (default:
    the length of target).  DataFrame: month_index, month, observed, cohort, active,
    retention, expected, ci_low, ci_high, target, margin, prob_meet (see churn.h).  With
    return_model=True also the fitted churn.forecast model (the sBG falls back to the
    geometric model when churn runs at a constant rate; its fitted_kind_ says which)."""
    from .forecast import CohortModel
    if months is None:
        if target is None:
            raise ValueError("give months, or a target series whose length sets them")
        months = len(target)
    mem = None
    if members is not None:
        mem = np.ascontiguousarray([ds.find_subscriber(m) for m in members], dtype=np.int64)
    tgt = None if target is None else as_vector(target, int(months), "target")
    if model not in _COHORT_KIND:
        raise ValueError(f"model must be one of {sorted(_COHORT_KIND)}; got {model!r}")
    h, mh = ctypes.c_void_p(), ctypes.c_void_p()
    check(LIB.churn_kpi_snapshot_forecast(ds.handle, to_unix(base_date), to_unix(as_of),
                                          int(months), cstr(column), cstr(label), ptr(mem),
                                          0 if mem is None else len(mem), ptr(tgt),
                                          _COHORT_KIND[model], float(alpha),
                                          _kpi_options(settings).handle, ctypes.byref(h),
                                          ctypes.byref(mh)))
    df = table_to_frame(h)
    fitted = CohortModel()
    fitted._set(mh.value)
    # the photographed cohort's observed counts, so that fitted.forecast() works as after fit()
    seen = df["observed"].astype(bool).to_numpy()
    size = float(df["cohort"].iloc[0]) if len(df) else 0.0
    fitted.cohorts_ = [np.concatenate([[size], df["active"].to_numpy(dtype=np.float64)[seen]])]
    if not return_model:
        return df
    return df, fitted


def campaign_effect(treated, churned, segment=None, alpha=0.05):
    """Effect of a retention campaign with a randomly held-out control group: per segment
    (labels in byte order) and "(all)": segment, treated, control, treated_churned,
    control_churned, churn_rate_treated, churn_rate_control, difference (treated - control),
    ci_low, ci_high (Newcombe's hybrid Wilson interval, 1 - alpha), relative_reduction,
    saved_per_1000 (churners prevented per 1,000 contacted).  treated and churned are 0/1
    (or bool) arrays of the same length.

    Example on a simulated campaign whose effect is known (churn.simulate; the offer works on
    price and competitor churn, half as well on service churn, not on the rest)::

        ds, truth = churn.simulate(subscribers=40000, months=5, campaign_month=2,
                                   campaign_share=0.8, control_share=0.3)
        sel = truth[truth.campaign_selected == 1]
        end = pd.Timestamp("2024-06-01")      # the window: months 2 to 4 (horizon 3)
        churned = (sel.churn_time >= sel.campaign_time) & (sel.churn_time < end)
        region = np.where(sel.competitor_region == 1, "competitor", "other")
        campaign_effect(sel.campaign_treated, churned, segment=region)
        # difference and [ci_low, ci_high] per segment, against the truth:
        sel.groupby(region).campaign_true_effect.mean()
    """
    t = as_vector(np.asarray(treated, dtype=np.float64), name="treated")
    c = as_vector(np.asarray(churned, dtype=np.float64), t.shape[0], "churned")
    seg = None
    if segment is not None:
        labels = segment.tolist() if hasattr(segment, "tolist") else list(segment)
        if len(labels) != t.shape[0]:
            raise ValueError(f"segment has {len(labels)} elements; expected {t.shape[0]}")
        seg = StringArray(["(missing)" if v is None else v for v in labels])
    h = ctypes.c_void_p()
    check(LIB.churn_campaign_effect(ptr(t), ptr(c), seg.ptr if seg else None, t.shape[0],
                                    float(alpha), ctypes.byref(h)))
    return table_to_frame(h)
