"""churn.kpi -- the retention figures operators report (section 8 of churn.h), as DataFrames.

Survival curves on plain arrays (km, cif) and the KPIs of a churn.Dataset: the monthly
movement table with churn rate against target (movement), ARPU (arpu), snapshot retention
against a time-series target (snapshot), churn by segment (segments), win-back success
(winback), warning accuracy of a warning list or of a model's top-k risk list
(warning_accuracy, topk_accuracy), and retention curves by tenure (retention_curve,
churn_incidence).  Times are anything pandas reads as a timestamp (naive = UTC) or Unix seconds;
time columns of the results come back as datetimes.  Settings are the kpi.* options by name
without the prefix (target=0.03, rate_base="average", ...).
"""
import ctypes

import numpy as np
import pandas as pd

from ._arrays import StringArray, as_vector, ptr
from ._lib import LIB, check, cstr
from ._table import table_to_frame
from .features import _datetimes, _options, to_unix

__all__ = ["km", "cif", "movement", "arpu", "snapshot", "segments", "winback",
           "warning_accuracy", "topk_accuracy", "retention_curve", "churn_incidence"]

_RATE_BASE = {"opening": 0, "average": 1, "exposed": 2}
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
    check(LIB.churn_km(ptr(d), ptr(e), ptr(en), d.shape[0], float(alpha), ctypes.byref(h)))
    return table_to_frame(h)


def cif(duration, category, entry=None, alpha=0.05):
    """Aalen-Johansen cumulative incidence by churn category (category 0 = censored, else the
    cause): time, category, cif, std_err, ci_low, ci_high (long format)."""
    d = as_vector(duration, name="duration")
    c = as_vector(category, d.shape[0], "category", dtype=np.int64)
    en = _entry(entry, d.shape[0])
    h = ctypes.c_void_p()
    check(LIB.churn_cif(ptr(d), ptr(c), ptr(en), d.shape[0], float(alpha), ctypes.byref(h)))
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
