"""churn.features / churn.labels / churn.warnings -- point-in-time features, churn labels and the
early-warning list of a churn.Dataset (section 5 of churn.h), as pandas DataFrames.

Times (as_of) may be date strings as the library reads them (churn_time_parse: "2024-06-30",
"20240630", "2024-06-30T08:00:00+08:00"; naive times are UTC), datetime, Timestamp, numpy
datetime64, or Unix seconds as an int.  Settings are keyword
arguments named like the library's options without their family prefix (window_months=6 sets
"features.window_months"; horizon_days=60 sets "labels.horizon_days"; late_months=3 sets
"warnings.late_months"); an unknown name raises TypeError listing the known ones.
"""
import ctypes
import os

import numpy as np
import pandas as pd

from ._arrays import StringArray, ptr
from ._handle import Handle
from ._lib import (ENUM_CATEGORY, ENUM_LABEL_DEFINITION, LIB, check, cstr, enum_names,
                   parse_time, pystr)
from ._options import Options, option_names
from ._table import table_to_frame

__all__ = ["features", "labels", "warnings", "feature_catalog", "feature_category",
           "CATEGORIES"]

#: churn_churn_category values by number (names from the library)
CATEGORIES = {v: k for k, v in enum_names(ENUM_CATEGORY).items()}
_DEFINITIONS = enum_names(ENUM_LABEL_DEFINITION)
_TIME_NONE = np.iinfo(np.int64).min


def to_unix(t):
    """Unix seconds (int) of a time-like value; ints pass through.  Text goes through the
    library's own parser (churn_time_parse, as the CLI and the CSV readers), so "2024-02-30" is
    refused and "20241001" is 2024-10-01 everywhere."""
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        return int(t)
    if isinstance(t, str):
        return parse_time(t)  # the library's parser: the CLI and Lua read dates the same way
    ts = pd.Timestamp(t)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int((ts - pd.Timestamp(0)) // pd.Timedelta(seconds=1))


def _times_list(as_of):
    if isinstance(as_of, (list, tuple, np.ndarray, pd.Index, pd.Series)):
        return [to_unix(t) for t in as_of], True
    return [to_unix(as_of)], False


# What pandas < 2 can hold in a datetime64[ns] column (about 1677-09-22 .. 2262-04-11).
_NS_MIN, _NS_MAX = pd.Timestamp.min.value // 10**9 + 1, pd.Timestamp.max.value // 10**9
_PANDAS_NON_NANO = int(pd.__version__.split(".")[0]) >= 2


def _datetimes(a):
    """Unix seconds (CHURN_TIME_NONE = NaT) as datetime64[s], for every time the library accepts
    (years 1..9999).  pandas >= 2 keeps datetime64[s] columns as they are; older pandas turns a
    column into datetime64[ns], which cannot hold 0001-01-01, so such a column is handed over as
    an object array of numpy.datetime64[s] values instead of raising OutOfBoundsDatetime."""
    a = np.asarray(a, dtype=np.int64)
    out = a.astype("datetime64[s]")
    none = a == _TIME_NONE
    out[none] = np.datetime64("NaT")
    if not _PANDAS_NON_NANO and ((a[~none] < _NS_MIN) | (a[~none] > _NS_MAX)).any():
        obj = np.empty(len(out), dtype=object)
        obj[:] = list(out)
        return obj
    return out


def _options(families, kw):
    """An Options object from keyword settings of the given families ("features", ...)."""
    known = {}
    for name in option_names():
        fam, _, key = name.partition(".")
        if fam in families:
            known.setdefault(key, name)
    opts = Options()
    for k, v in kw.items():
        if k not in known:
            raise TypeError(f"unknown setting {k!r}; known: {sorted(known)}")
        if k == "definition" and isinstance(v, str):
            if v not in _DEFINITIONS:
                raise ValueError(f"definition must be one of {sorted(_DEFINITIONS)}; got {v!r}")
            v = _DEFINITIONS[v]
        if isinstance(v, bool):
            v = int(v)
        if isinstance(v, (list, tuple)) and k == "vip_tiers":
            v = ",".join(v)
        if k == "calendar" and v is not None:
            v = os.fspath(v)
        opts[known[k]] = v
    return opts


def feature_category(name):
    """The churn category ("natural", "competitive", "service", "unknown") a feature column
    points to, or None for a name outside the catalog."""
    c = ctypes.c_int()
    if LIB.churn_feature_category(cstr(name), ctypes.byref(c)) != 0:
        LIB.churn_clear_error()
        return None
    return CATEGORIES.get(c.value, "unknown")


def feature_catalog():
    """Every catalog entry: DataFrame with name, description, category."""
    rows = []
    name, desc, cat = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_int()
    for i in range(LIB.churn_feature_catalog_size()):
        check(LIB.churn_feature_info(i, ctypes.byref(name), ctypes.byref(desc),
                                     ctypes.byref(cat)))
        rows.append((pystr(name.value), pystr(desc.value), CATEGORIES.get(cat.value)))
    return pd.DataFrame(rows, columns=["name", "description", "category"])


class _Features:
    """Owns a churn_features handle."""

    def __init__(self, ds, times, names, opts):
        t = np.ascontiguousarray(times, dtype=np.int64)
        sel = StringArray(names) if names else None
        out = ctypes.c_void_p()
        check(LIB.churn_features_extract(ds.handle, ptr(t), len(t), sel.ptr if sel else None,
                                         sel.length if sel else 0, opts.handle,
                                         ctypes.byref(out)))
        self.h = Handle(out.value, LIB.churn_features_free)

    def arrays(self):
        h = self.h.ptr
        n, d = LIB.churn_features_nrows(h), LIB.churn_features_ncols(h)
        X = _copy(LIB.churn_features_matrix(h), n * d, np.float64).reshape(n, d)
        subs = _copy(LIB.churn_features_subscribers(h), n, np.int64)
        times = _copy(LIB.churn_features_times(h), n, np.int64)
        names_p = ctypes.cast(LIB.churn_features_names(h), ctypes.POINTER(ctypes.c_char_p))
        names = [pystr(names_p[j]) for j in range(d)]
        cats = []
        c = ctypes.c_int()
        for j in range(d):
            check(LIB.churn_features_column(h, j, None, ctypes.byref(c)))
            cats.append(CATEGORIES.get(c.value, "unknown"))
        return X, subs, times, names, cats


def _copy(addr, count, dtype):
    if not addr or count == 0:
        return np.empty(count, dtype=dtype)
    nbytes = count * np.dtype(dtype).itemsize
    return np.frombuffer((ctypes.c_char * nbytes).from_address(addr), dtype=dtype).copy()


def _index(ds, subs, times, stacked):
    ids = ds.subscriber_ids[subs] if len(subs) else np.empty(0, dtype=object)
    if stacked:
        return pd.MultiIndex.from_arrays([_datetimes(times), ids], names=["as_of",
                                                                           "subscriber_id"])
    return pd.Index(ids, name="subscriber_id")


def features(ds, as_of, names=None, **settings):
    """The point-in-time feature matrix of the subscribers in the base at as_of, from events
    at or before as_of only.  as_of is one time (rows indexed by subscriber_id) or a list
    (snapshots stacked, indexed by (as_of, subscriber_id)).  names selects features (catalog
    names, groups such as "service.*", one-hot columns); None takes all.  Settings: the
    features.* options (window_months, grace_days, due_days, promo_days, contact_minutes,
    fix_hours, threads, onehot_reference, attr_missing).  The DataFrame's
    attrs["categories"] maps each column to its churn category."""
    times, stacked = _times_list(as_of)
    f = _Features(ds, times, list(names) if names is not None else None,
                  _options({"features"}, settings))
    X, subs, t, cols, cats = f.arrays()
    df = pd.DataFrame(X, index=_index(ds, subs, t, stacked), columns=cols)
    df.attrs["categories"] = dict(zip(cols, cats))
    return df


def labels(ds, as_of, horizon_days=None, index=None, **settings):
    """Churn labels: for each subscriber in the base at as_of (or each row of index, e.g. a
    features DataFrame's index), whether they churned in (as_of, as_of + horizon_days].
    Returns a DataFrame with churned (0/1 int), category (the churn category of the
    cancellation reason; None for non-churners) and churn_time (NaT for non-churners), indexed
    like features(ds, as_of).  Settings: the labels.* options (definition "cancel", "non_use"
    or "either"; inactive_months)."""
    if horizon_days is not None:
        settings = dict(settings, horizon_days=horizon_days)
    opts = _options({"labels"}, settings)
    if index is None:
        times, stacked = _times_list(as_of)
        f = _Features(ds, times, ["account.tenure_months"], Options())
        _, subs, t, _, _ = f.arrays()
        idx = _index(ds, subs, t, stacked)
    else:
        idx = index.index if isinstance(index, pd.DataFrame) else index
        if isinstance(idx, pd.MultiIndex):
            t = np.array([to_unix(v) for v in idx.get_level_values(0)], dtype=np.int64)
            ids = idx.get_level_values(-1)
        else:
            t = np.full(len(idx), to_unix(as_of), dtype=np.int64)
            ids = idx
        subs = np.array([ds.find_subscriber(i) for i in ids], dtype=np.int64)
    n = len(subs)
    subs = np.ascontiguousarray(subs, dtype=np.int64)
    t = np.ascontiguousarray(t, dtype=np.int64)
    y = np.zeros(n)
    cat = np.zeros(n, dtype=np.int32)
    when = np.zeros(n, dtype=np.int64)
    check(LIB.churn_labels_compute(ds.handle, ptr(subs), ptr(t), n, opts.handle, ptr(y),
                                   cat.ctypes.data, ptr(when)))
    return pd.DataFrame({"churned": y.astype(np.int64),
                         "category": [None if c < 0 else CATEGORIES.get(int(c), "unknown")
                                      for c in cat],
                         "churn_time": _datetimes(when)}, index=idx)


def contact_deadline(t, working_days=2, calendar=None, utc_offset=None):
    """t plus working_days working days (a Timestamp): Monday to Friday, minus the holidays and
    plus the make-up working days of calendar (the path of a `date,type` CSV such as
    examples/calendar_cn_2024_2025.csv), counted on the local days of utc_offset ("+08:00";
    None = UTC), keeping the time of day (churn_calendar_deadline)."""
    offset = 0
    if utc_offset not in (None, "", "Z"):
        # the library's one date parser reads the offset: local midnight 1970-01-01 is -offset
        offset = -_parse_time("1970-01-01T00:00:00" + str(utc_offset))
    cal = ctypes.c_void_p()
    if calendar is not None:
        check(LIB.churn_calendar_load(cstr(os.fspath(calendar)), ctypes.byref(cal)))
    try:
        out = ctypes.c_int64()
        check(LIB.churn_calendar_deadline(cal, to_unix(t), int(working_days), offset,
                                          ctypes.byref(out)))
    finally:
        if cal.value:
            LIB.churn_calendar_free(cal)
    return pd.Timestamp(out.value, unit="s")


def _parse_time(text):
    """Unix seconds of a date text, read by the library's one parser (churn_time_parse)."""
    out = ctypes.c_int64()
    check(LIB.churn_time_parse(cstr(text), ctypes.byref(out)))
    return out.value


def warnings(ds, as_of, **settings):
    """The early-warning list as of as_of: one row per (subscriber, rule fired) with
    subscriber_id, rule, category, observed, threshold, detail, as_of, deadline (contact
    by), vip, tier, manager and route (who gets the work order; "retention_desk" for the
    cancel_request rule).  Settings: the warnings.* options (late_months, arrears,
    view_drop_pct, view_min_prev, offline_days, contact_breaches, fix_breaches, deadline_days,
    vip_tiers, request_days, calendar = the path of a `date,type` working-day calendar CSV,
    utc_offset = the operator's local time such as "+08:00") and the features.* ones."""
    opts = _options({"warnings", "features"}, settings)
    h = ctypes.c_void_p()
    check(LIB.churn_warnings_compute(ds.handle, to_unix(as_of), opts.handle, ctypes.byref(h)))
    df = table_to_frame(h)
    for col in ("as_of", "deadline"):
        if col in df:
            df[col] = _datetimes(df[col].to_numpy())
    return df
