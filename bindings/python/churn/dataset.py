"""churn.Dataset -- an operator's subscribers and their event history (section 4 of churn.h).

Build one from pandas DataFrames (Dataset.from_frames), from billing CSV exports
(Dataset.from_csv), or load a saved msgpack file (Dataset.load).  Read it back as DataFrames
(.subscribers, .events) and inspect what ingestion rejected (.ingest_report, .rejections).

Columns go to the library as typed arrays: numeric columns of a DataFrame are read where they
lie when contiguous (the library copies the values into its own columns once); strings,
categoricals, datetimes and nullable columns are converted once.  Missing values (None, NaN in
a string column, NaT, pandas NA) are passed as "missing" through the column's valid mask.
Datetime columns become Unix seconds (UTC; naive datetimes are taken as UTC); event `kind` may
be given by name ("bill", "payment", ...).
"""
import ctypes
import os

import numpy as np
import pandas as pd

from ._arrays import ptr
from ._handle import Handle
from ._lib import (CHURN_F32, CHURN_F64, CHURN_I64, CHURN_STR, CHURN_U8, ENUM_INGEST_COUNTER, LIB,
                   check, cstr, enum_names, parse_time, pystr)
from ._options import Options
from ._table import table_to_frame

__all__ = ["Dataset", "event_kind_names", "simulate"]

CHURN_I32 = 4
TIME_NONE = np.iinfo(np.int64).min
AUX_NONE = np.iinfo(np.int32).min

# churn_ingest_counter names, from the library
_COUNTERS = enum_names(ENUM_INGEST_COUNTER)

_INGEST_KEYS = {"strict": "ingest.strict", "unknown_subscriber": "ingest.unknown_subscriber",
                "before_activation": "ingest.before_activation", "dedup": "ingest.dedup",
                "max_reported": "ingest.max_reported", "id_column": "ingest.id_column",
                "delimiter": "ingest.delimiter", "block_size": "ingest.block_size",
                "threads": "ingest.threads"}
_UNKNOWN = {"fail": 0, "reject": 1, "create": 2}
_BEFORE = {"reject": 0, "keep": 1}


class _Column(ctypes.Structure):
    """struct churn_column (fixed forever)."""
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("data", ctypes.c_void_p),
                ("length", ctypes.c_int64), ("valid", ctypes.c_void_p),
                ("reserved", ctypes.c_int64)]


def event_kind_names():
    """{kind number: name} of every event kind this library knows."""
    out, k = {}, 1
    while True:
        name = LIB.churn_event_kind_name(k)
        if name is None:
            return out
        out[k] = pystr(name)
        k += 1


def _kind_code(name):
    k = ctypes.c_int()
    check(LIB.churn_event_kind_find(cstr(str(name)), ctypes.byref(k)))
    return k.value


def _ingest_options(kw):
    opts = Options()
    for k, v in kw.items():
        if k not in _INGEST_KEYS:
            raise TypeError(f"unknown ingestion option {k!r}; known: {sorted(_INGEST_KEYS)}")
        if k == "unknown_subscriber" and isinstance(v, str):
            v = _UNKNOWN[v]
        if k == "before_activation" and isinstance(v, str):
            v = _BEFORE[v]
        if isinstance(v, bool):
            v = int(v)
        opts[_INGEST_KEYS[k]] = v
    return opts


class _Columns:
    """DataFrame columns as a churn_column array; keeps every buffer alive."""

    def __init__(self, frame, kind_column=False):
        self.keep = []
        cols = []
        for name in frame.columns:
            cols.append(self._column(str(name), frame[name], kind_column and name == "kind"))
        self.array = (_Column * max(1, len(cols)))(*cols)
        self.count = len(cols)

    def _column(self, name, s, is_kind):
        n = len(s)
        valid = None
        if is_kind and (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            codes = {v: _kind_code(v) for v in pd.unique(s.dropna())}
            s = s.map(codes)
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            mask = s.isna().to_numpy()
            data = s.to_numpy(dtype="datetime64[s]").astype(np.int64)
            data[mask] = 0
            dtype = CHURN_I64
            if mask.any():
                valid = (~mask).astype(np.uint8)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            mask = s.isna().to_numpy()
            enc = [b"" if m else str(v).encode("utf-8") for v, m in zip(s.to_numpy(), mask)]
            arr = (ctypes.c_char_p * max(1, n))(*enc)
            self.keep.append(enc)
            data, dtype = arr, CHURN_STR
            if mask.any():
                valid = (~mask).astype(np.uint8)
        else:
            if pd.api.types.is_extension_array_dtype(s.dtype):  # nullable Int64, boolean, Float64
                mask = s.isna().to_numpy()
                target = "float64" if pd.api.types.is_float_dtype(s.dtype) else "int64"
                data = s.to_numpy(dtype=target, na_value=0)
                if mask.any():
                    valid = (~mask).astype(np.uint8)
            else:
                data = s.to_numpy()
            data, dtype = _numeric(data, name)
        self.keep.append(data)
        if valid is not None:
            self.keep.append(valid)
        addr = ctypes.cast(data, ctypes.c_void_p).value if dtype == CHURN_STR else ptr(data)
        return _Column(cstr(name), dtype, addr, n, None if valid is None else ptr(valid), 0)


def _numeric(a, name):
    """A 1-D contiguous array of a dtype the C API takes (a view when it already is one)."""
    if a.dtype == np.bool_:
        return np.ascontiguousarray(a, dtype=np.uint8), CHURN_U8
    table = {np.dtype(np.float64): CHURN_F64, np.dtype(np.float32): CHURN_F32,
             np.dtype(np.int64): CHURN_I64, np.dtype(np.int32): CHURN_I32,
             np.dtype(np.uint8): CHURN_U8}
    if a.dtype in table:
        return np.ascontiguousarray(a), table[a.dtype]
    if np.issubdtype(a.dtype, np.integer):
        return np.ascontiguousarray(a, dtype=np.int64), CHURN_I64
    if np.issubdtype(a.dtype, np.floating):
        return np.ascontiguousarray(a, dtype=np.float64), CHURN_F64
    raise TypeError(f"column {name!r} has unsupported dtype {a.dtype}")


def _view(addr, n, dtype):
    if n == 0 or not addr:
        return np.empty(0, dtype=dtype)
    nbytes = n * np.dtype(dtype).itemsize
    return np.frombuffer((ctypes.c_char * nbytes).from_address(addr), dtype=dtype)


_NP = {CHURN_F64: np.float64, CHURN_I64: np.int64, CHURN_I32: np.int32, CHURN_U8: np.uint8}


def _times(a):
    from .features import _datetimes  # one conversion for every table (features imports us)
    return _datetimes(a)


class Dataset:
    """Subscribers and their time-stamped events, held by libchurn.

    A new Dataset is empty; fill it with append_subscribers / append_events (DataFrames) or
    read_subscribers_csv / read_events_csv (files), then finalize() (sorts and indexes the
    events; done for you by from_frames, from_csv and save).  Ingestion options (keyword
    arguments of every append/read call): strict (bool), unknown_subscriber ("fail", "reject",
    "create"), before_activation ("reject", "keep"), dedup (bool), max_reported, id_column,
    delimiter, block_size.  Rejected rows are counted (ingest_report) and the first are listed
    (rejections); with strict=True any rejection raises ChurnValueError (CHURN_E_REJECTED).
    Not thread-safe while being filled; a finalized dataset may be read from many threads.
    """

    def __init__(self, subscribers=None, events=None, **options):
        """An empty dataset, or, given subscribers (a DataFrame or a CSV path) and optionally
        events (the same), one filled and finalized like from_frames / from_csv."""
        out = ctypes.c_void_p()
        check(LIB.churn_dataset_new(ctypes.byref(out)))
        self._h = Handle(out.value, LIB.churn_dataset_free)
        if subscribers is None and events is None:
            if options:
                raise TypeError("ingestion options need subscribers or events to read")
            return
        for data, frame_fn, csv_fn in ((subscribers, self.append_subscribers,
                                        self.read_subscribers_csv),
                                       (events, self.append_events, self.read_events_csv)):
            if data is None:
                continue
            if isinstance(data, pd.DataFrame):
                frame_fn(data, **options)
            else:
                csv_fn(data, **options)
        self.finalize(**options)

    @property
    def handle(self):
        return self._h.ptr

    # --- construction ------------------------------------------------------------------------

    @classmethod
    def from_frames(cls, subscribers, events=None, reason_map=None, **options):
        """A finalized dataset from a subscribers DataFrame (column or index subscriber_id)
        and an optional events DataFrame (its code column may hold names and the operator's
        own cancellation reason labels).  reason_map: see set_reason_map."""
        ds = cls()
        if reason_map is not None:
            ds.set_reason_map(reason_map)
        ds.append_subscribers(subscribers, **options)
        if events is not None:
            ds.append_events(events, **options)
        return ds.finalize(**options)

    @classmethod
    def from_csv(cls, subscribers_path, events_path=None, reason_map=None, **options):
        """A finalized dataset from billing CSV exports.  reason_map: see set_reason_map."""
        ds = cls()
        if reason_map is not None:
            ds.set_reason_map(reason_map)
        ds.read_subscribers_csv(subscribers_path, **options)
        if events_path is not None:
            ds.read_events_csv(events_path, **options)
        return ds.finalize(**options)

    def set_reason_map(self, reason_map):
        """Maps the operator's own cancellation reason labels ("搬迁") to a reason ("moving")
        or a category ("natural", "competitive", "service", "unknown"): a dict label ->
        target, or the path of a CSV file of lines `label,reason`.  Events already stored get
        the mapped reason; later reads use the map.  A cancel whose label is not mapped keeps
        reason "unknown" and is listed in reason_labels.  A target that is neither a reason
        nor a category raises ChurnValueError naming it.  Returns self."""
        if isinstance(reason_map, (str, os.PathLike)):
            check(LIB.churn_dataset_read_reason_map_csv(self.handle,
                                                        cstr(os.fspath(reason_map))))
            return self
        items = list(dict(reason_map).items())
        labels = (ctypes.c_char_p * max(1, len(items)))(*[cstr(str(k)) for k, _ in items])
        targets = (ctypes.c_char_p * max(1, len(items)))(*[cstr(str(v)) for _, v in items])
        check(LIB.churn_dataset_set_reason_map(self.handle, labels, targets, len(items)))
        return self

    @property
    def reason_labels(self):
        """The operator's cancellation reason labels seen (CANCEL and CANCEL_REQUEST events):
        DataFrame with label, reason, category, events, mapped (1 when the reason map names
        the label), most events first.  The rows with mapped 0 are the unmapped labels."""
        h = ctypes.c_void_p()
        check(LIB.churn_dataset_reason_labels(self.handle, ctypes.byref(h)))
        return table_to_frame(h)

    @classmethod
    def from_mapping(cls, mapping_path, **options):
        """A finalized dataset from an operator's own exports read through a mapping file
        (INI; churn.h: churn_dataset_read_mapping; README: "From your own exports").  The
        per-file summary (rows read, stored, rejected, unmapped reason labels, first rejected
        row) is kept as .mapping_summary, a DataFrame."""
        ds = cls()
        ds.read_mapping(mapping_path, **options)
        return ds.finalize(**options)

    def read_mapping(self, mapping_path, **options):
        """Reads the exports a mapping file names; sets .mapping_summary.  Returns self."""
        opts = _ingest_options(options)
        h = ctypes.c_void_p()
        check(LIB.churn_dataset_read_mapping(self.handle, cstr(os.fspath(mapping_path)),
                                             opts.handle, ctypes.byref(h)))
        self.mapping_summary = table_to_frame(h)
        return self

    @property
    def utc_offset(self):
        """The exports' local time in seconds east of UTC (28800 for +08:00) as the mapping
        recorded it, or None."""
        v = ctypes.c_int64()
        if LIB.churn_dataset_utc_offset(self.handle, ctypes.byref(v)) != 0:
            LIB.churn_clear_error()
            return None
        return v.value

    @utc_offset.setter
    def utc_offset(self, seconds):
        check(LIB.churn_dataset_set_utc_offset(self.handle, int(seconds)))

    @classmethod
    def load(cls, path_or_bytes):
        """Loads a dataset saved with save() (a path, or the file's bytes)."""
        ds = cls.__new__(cls)
        out = ctypes.c_void_p()
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            buf = bytes(path_or_bytes)
            check(LIB.churn_dataset_load_buffer(buf, len(buf), ctypes.byref(out)))
        else:
            check(LIB.churn_dataset_load(cstr(os.fspath(path_or_bytes)), ctypes.byref(out)))
        ds._h = Handle(out.value, LIB.churn_dataset_free)
        return ds

    from_msgpack = load
    from_pandas = from_frames

    def to_csv(self, subscribers_path, events_path=None):
        """Writes the two CSV files from_csv reads back to the same dataset (atomically);
        either path may be None to skip it."""
        check(LIB.churn_dataset_write_csv(
            self.handle, None if subscribers_path is None else cstr(os.fspath(subscribers_path)),
            None if events_path is None else cstr(os.fspath(events_path))))

    def to_operator_export(self, folder, utc_offset="+08:00"):
        """Writes the dataset the way an operator's billing system exports it, into the existing
        folder: users.csv and one file per event kind, GB18030 with Chinese headers, local times
        at utc_offset ("+08:00" or seconds east of UTC), plus the mapping.ini with which
        Dataset.from_mapping reads them back (churn.h: churn_dataset_write_operator_export;
        `churn simulate --export-style operator` from the command line).  Returns the
        mapping file's path."""
        seconds = utc_offset
        if isinstance(utc_offset, str):
            # the library's parser: 1970-01-01 00:00 at +08:00 is 28,800 seconds before the epoch
            seconds = -parse_time("1970-01-01T00:00:00" + utc_offset)
        check(LIB.churn_dataset_write_operator_export(self.handle, cstr(os.fspath(folder)),
                                                      int(seconds)))
        return os.path.join(os.fspath(folder), "mapping.ini")

    def save(self, path):
        """Writes the dataset as a versioned msgpack file, atomically (finalizes it first)."""
        check(LIB.churn_dataset_save(self.handle, cstr(os.fspath(path))))

    def append_subscribers(self, frame, **options):
        """Appends subscribers from a DataFrame; see churn_dataset_append_subscribers for the
        column names (subscriber_id, activation, cancellation, contract_end, promotion_end,
        region, age_band, tier, package, manager, price, services, vip, and any extra
        attribute).  A DataFrame indexed by subscriber_id is accepted.  Returns self."""
        frame = _with_id(frame)
        cols = _Columns(frame)
        opts = _ingest_options(options)
        check(LIB.churn_dataset_append_subscribers(self.handle, ctypes.addressof(cols.array),
                                                   cols.count, opts.handle))
        return self

    def append_events(self, frame, **options):
        """Appends events from a DataFrame with subscriber_id (or subscriber_index), time,
        kind (number or name) and optional code, code2, value, aux1, aux2.  Returns self."""
        cols = _Columns(frame, kind_column=True)
        opts = _ingest_options(options)
        check(LIB.churn_dataset_append_events(self.handle, ctypes.addressof(cols.array),
                                              cols.count, opts.handle))
        return self

    def read_subscribers_csv(self, path, **options):
        opts = _ingest_options(options)
        check(LIB.churn_dataset_read_subscribers_csv(self.handle, cstr(os.fspath(path)),
                                                     opts.handle))
        return self

    def read_events_csv(self, path, **options):
        opts = _ingest_options(options)
        check(LIB.churn_dataset_read_events_csv(self.handle, cstr(os.fspath(path)),
                                                opts.handle))
        return self

    def finalize(self, **options):
        """Sorts and indexes the events (idempotent).  Returns self."""
        opts = _ingest_options({k: v for k, v in options.items() if k == "dedup"})
        check(LIB.churn_dataset_finalize(self.handle, opts.handle))
        return self

    # --- reading -------------------------------------------------------------------------------

    @property
    def is_finalized(self):
        return bool(LIB.churn_dataset_is_finalized(self.handle))

    @property
    def num_subscribers(self):
        return int(LIB.churn_dataset_num_subscribers(self.handle))

    @property
    def num_events(self):
        return int(LIB.churn_dataset_num_events(self.handle))

    def __len__(self):
        return self.num_subscribers

    def __repr__(self):
        return (f"<churn.Dataset: {self.num_subscribers} subscribers, {self.num_events} events"
                f"{'' if self.is_finalized else ', not finalized'}>")

    @property
    def subscriber_ids(self):
        """The external ids, in dense-index order (an object array of str)."""
        out = np.empty(self.num_subscribers, dtype=object)
        s = ctypes.c_char_p()
        for i in range(len(out)):
            check(LIB.churn_dataset_subscriber_id(self.handle, i, ctypes.byref(s)))
            out[i] = pystr(s.value)
        return out

    def find_subscriber(self, subscriber_id):
        """The dense index of an id (ChurnNotFoundError if unknown)."""
        i = ctypes.c_int64()
        check(LIB.churn_dataset_find_subscriber(self.handle, cstr(str(subscriber_id)),
                                                ctypes.byref(i)))
        return i.value

    def _labels(self, column):
        count = ctypes.c_int32()
        st = LIB.churn_dataset_category_label(self.handle, cstr(column), -1, None,
                                              ctypes.byref(count))
        if st != 0:
            LIB.churn_clear_error()
            return None
        s = ctypes.c_char_p()
        out = []
        for code in range(count.value):
            check(LIB.churn_dataset_category_label(self.handle, cstr(column), code,
                                                   ctypes.byref(s), None))
            out.append(pystr(s.value))
        return out

    @property
    def subscribers(self):
        """The subscriber table as a DataFrame indexed by subscriber_id: dates as
        datetime64[s] (NaT = none; with pandas < 2 a column holding a date outside
        1677..2262, such as 0001-01-01, is an object column of numpy.datetime64[s] values),
        categorical columns as pandas categoricals, the rest as
        numbers.  A copy: it stays valid after later appends."""
        n = self.num_subscribers
        cols = {}
        j = 0
        name, dt = ctypes.c_char_p(), ctypes.c_int()
        while LIB.churn_dataset_subscriber_column_at(self.handle, j, ctypes.byref(name),
                                                     ctypes.byref(dt)) == 0:
            col = pystr(name.value)
            dtype, data = ctypes.c_int(), ctypes.c_void_p()
            check(LIB.churn_dataset_subscriber_column(self.handle, cstr(col),
                                                      ctypes.byref(dtype), ctypes.byref(data)))
            values = _view(data.value, n, _NP[dtype.value]).copy()
            labels = self._labels(col) if dtype.value == CHURN_I32 else None
            if labels is not None:
                cols[col] = pd.Categorical.from_codes(values, categories=_unique(labels))
            elif dtype.value == CHURN_I64:
                cols[col] = _times(values)
            else:
                cols[col] = values
            j += 1
        LIB.churn_clear_error()
        return pd.DataFrame(cols, index=pd.Index(self.subscriber_ids, name="subscriber_id"))

    @property
    def events(self):
        """The event log as a DataFrame (sorted by subscriber and time once finalized):
        subscriber_id, time (datetime64), kind (name), code, label (the code's label for
        kinds with a label dictionary: VIEW genres, FAULT types, COMPLAINT categories, the
        operator's own reason label of CANCEL and CANCEL_REQUEST; else None), code2, value, aux1, aux2 (the last two nullable Int32, <NA> where not given)."""
        n = self.num_events
        raw = {}
        for col in ("subscriber", "time", "kind", "code", "code2", "value", "aux1", "aux2"):
            dtype, data = ctypes.c_int(), ctypes.c_void_p()
            check(LIB.churn_dataset_event_column(self.handle, cstr(col), ctypes.byref(dtype),
                                                 ctypes.byref(data)))
            raw[col] = _view(data.value, n, _NP[dtype.value]).copy()
        ids = self.subscriber_ids
        kinds = event_kind_names()
        kind_names = np.array([kinds.get(k, str(k)) for k in range(max(kinds) + 1)],
                              dtype=object)
        label = np.full(n, None, dtype=object)
        for k, kname in kinds.items():
            labels = self._labels(kname)
            sel = raw["kind"] == k
            if labels and sel.any():
                table = np.array(labels + [None] * (256 - len(labels)), dtype=object)
                if kname in ("cancel", "cancel_request"):  # the reason label is in aux1
                    sel &= (raw["aux1"] >= 0) & (raw["aux1"] < len(labels))
                    label[sel] = table[raw["aux1"][sel]]
                else:
                    label[sel] = table[raw["code"][sel]]
        return pd.DataFrame({
            "subscriber_id": ids[raw["subscriber"]] if n else np.empty(0, dtype=object),
            "time": _times(raw["time"]),
            "kind": kind_names[raw["kind"]] if n else np.empty(0, dtype=object),
            "code": raw["code"], "label": label, "code2": raw["code2"], "value": raw["value"],
            "aux1": _aux(raw["aux1"]), "aux2": _aux(raw["aux2"])})

    @property
    def ingest_report(self):
        """The ingestion counters as a dict (cumulative over the dataset's life)."""
        out = {}
        v = ctypes.c_int64()
        for name, i in _COUNTERS.items():
            if LIB.churn_dataset_ingest_count(self.handle, i, ctypes.byref(v)) == 0:
                out[name] = v.value
        LIB.churn_clear_error()
        return out

    @property
    def rejections(self):
        """The first rejected rows: DataFrame with source, row, column, reason."""
        h = ctypes.c_void_p()
        check(LIB.churn_dataset_rejections(self.handle, ctypes.byref(h)))
        return table_to_frame(h)

    def clear_report(self):
        LIB.churn_dataset_clear_report(self.handle)


def _aux(a):
    """An aux column as nullable Int32: CHURN_AUX_NONE ("not given") becomes <NA>."""
    return pd.arrays.IntegerArray(a.astype(np.int32), a == AUX_NONE)


def simulate(**settings):
    """A seeded, realistic operator from libchurn's simulator: (Dataset, truth DataFrame).
    Settings are the sim.* options without the prefix: subscribers (10000), months (24), seed
    (42), start (a time; 2024-01-01), threads, regions, base_churn, new_rate, high_value_share,
    competitor_regions, competitor_start, competitor_uplift, poor_signal_regions,
    contract_share, promo_share, late_payment, fault_rate, sla_breach, retention_success,
    view_events, heartbeat_days, silent_share, and a retention campaign with a randomly
    held-out control group: campaign_month (-1 = none), campaign_share, control_share,
    campaign_effect, campaign_horizon (see churn.h, churn_simulate, for the effect's rule),
    and the operator's realism: propensity_spread (0.6: spread of the churn propensity; larger
    flattens a cohort's retention curve), silent_other_share (0: churners of other drivers than
    moving who never cancel), seasonality (0) and season_peak (3), churn_scale (1: the churn
    level), return_same_id (0: win-back returns under the old id rather than a new id with the
    same person).
    The truth table (one row per subscriber, indexed by subscriber_id) says who churned, when,
    why (category, driver, reason) and the latent risk, and for the campaign who was eligible
    (campaign_time set), selected and treated, the driver of the churn in the campaign's
    window without the offer (campaign_driver) and the subscriber's true effect
    (campaign_true_effect), which churn was which (churn_type cancel / silent / none,
    return_type new_id / same_id / none, return_time, person); churn_time, signal_start,
    campaign_time and return_time come back as datetimes."""
    from .features import _datetimes, _options, to_unix
    if "start" in settings:
        settings = dict(settings, start=to_unix(settings["start"]))
    opts = _options({"sim"}, settings)
    out, truth = ctypes.c_void_p(), ctypes.c_void_p()
    check(LIB.churn_simulate(opts.handle, ctypes.byref(out), ctypes.byref(truth)))
    ds = Dataset.__new__(Dataset)
    ds._h = Handle(out.value, LIB.churn_dataset_free)
    t = table_to_frame(truth.value)
    for col in ("churn_time", "signal_start", "campaign_time", "return_time"):
        if col in t:
            t[col] = _datetimes(t[col].to_numpy())
    return ds, t.set_index("subscriber_id")


def _with_id(frame):
    if "subscriber_id" not in frame.columns and frame.index.name == "subscriber_id":
        return frame.reset_index()
    return frame


def _unique(labels):
    # pandas categoricals need unique categories; a dictionary's labels are unique already
    return pd.Index(labels)
