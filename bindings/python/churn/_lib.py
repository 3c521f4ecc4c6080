"""_lib.py -- loads libchurn and declares every C function the binding calls, in one place.

The library is found, in this order:
  1. the path in the CHURN_LIBRARY environment variable;
  2. the meson build trees next to the source checkout (``<repo>/build*/lib/libchurn.so*``),
     preferring ``build``, then ``build-test``, then any other in name order, skipping
     sanitizer builds and passing over libraries that lack a declared function (used only
     as a fallback);
  3. the system (``ctypes.util.find_library("churn")``, i.e. the installed libchurn.so.1).

Every function gets its ``argtypes`` and ``restype`` here (handles are ``c_void_p``, so 64-bit
pointers are never cut to an int).  A function the loaded library does not have (an older
build, a part not implemented yet) is left out of ``LIB``; calling it raises ChurnError naming
it.  Every status-returning call goes through ``check``, which raises the ChurnError subclass of
the status with the library's thread-local message.
"""
import ctypes
import ctypes.util
import glob
import os

from ._errors import ChurnError, error_for

#: The C library version this binding was written for (MAJOR*10000 + MINOR*100 + PATCH).
REQUIRED_VERSION = 10200

c_int, c_uint, c_double, c_char_p, c_void_p = (ctypes.c_int, ctypes.c_uint, ctypes.c_double,
                                               ctypes.c_char_p, ctypes.c_void_p)
c_int64, c_uint64, c_size_t = ctypes.c_int64, ctypes.c_uint64, ctypes.c_size_t
P = ctypes.POINTER
status = c_int          # churn_status
enum = c_int            # every other C enum
handle = c_void_p       # every opaque handle (churn_options *, churn_table *, churn_model *, ...)
dptr = c_void_p         # const double * / any numeric array: passed as a raw address

# name: (restype, argtypes).  Grouped by the sections of include/churn.h.
PROTOTYPES = {
    # 1. version
    "churn_version_number": (c_uint, []),
    "churn_version_string": (c_char_p, []),
    # 2. status and errors
    "churn_status_name": (c_char_p, [status]),
    "churn_status_string": (c_char_p, [status]),
    "churn_last_error": (c_char_p, []),
    "churn_last_status": (status, []),
    "churn_clear_error": (None, []),
    "churn_file_write": (status, [c_char_p, c_void_p, c_size_t]),
    "churn_testing_fail_alloc": (c_uint64, [c_uint64]),
    # 2b. enum names; dates as text
    "churn_enum_name": (c_char_p, [enum, c_int]),
    "churn_enum_find": (status, [enum, c_char_p, P(c_int)]),
    "churn_enum_entry": (status, [enum, c_int, P(c_int), P(c_char_p)]),
    "churn_time_parse": (status, [c_char_p, P(c_int64)]),
    "churn_time_format": (status, [c_int64, ctypes.c_char_p, ctypes.c_size_t]),
    # 3. options
    "churn_options_new": (status, [P(handle)]),
    "churn_options_free": (None, [handle]),
    "churn_options_clone": (status, [handle, P(handle)]),
    "churn_options_reset": (status, [handle]),
    "churn_options_set_int": (status, [handle, enum, c_int64]),
    "churn_options_set_real": (status, [handle, enum, c_double]),
    "churn_options_set_string": (status, [handle, enum, c_char_p]),
    "churn_options_get_int": (status, [handle, enum, P(c_int64)]),
    "churn_options_get_real": (status, [handle, enum, P(c_double)]),
    "churn_options_get_string": (status, [handle, enum, P(c_char_p)]),
    "churn_option_bounds": (status, [enum, P(enum), P(c_double), P(c_double), P(c_double)]),
    "churn_option_name": (c_char_p, [enum]),
    "churn_option_find": (status, [c_char_p, P(enum)]),
    "churn_option_at": (status, [c_size_t, P(enum)]),
    # arrays and tables
    "churn_dtype_size": (c_size_t, [enum]),
    "churn_table_free": (None, [handle]),
    "churn_table_nrows": (c_int64, [handle]),
    "churn_table_ncols": (c_int64, [handle]),
    "churn_table_column_info": (status, [handle, c_int64, P(c_char_p), P(enum)]),
    "churn_table_find": (status, [handle, c_char_p, P(c_int64)]),
    "churn_table_f64": (status, [handle, c_int64, P(c_void_p)]),
    "churn_table_i64": (status, [handle, c_int64, P(c_void_p)]),
    "churn_table_str": (status, [handle, c_int64, P(c_void_p)]),
    # 4. dataset
    "churn_event_kind_name": (c_char_p, [c_int]),
    "churn_event_kind_find": (status, [c_char_p, P(enum)]),
    "churn_cancel_reason_category": (enum, [c_int]),
    "churn_dataset_new": (status, [P(handle)]),
    "churn_dataset_free": (None, [handle]),
    "churn_dataset_append_subscribers": (status, [handle, c_void_p, c_size_t, handle]),
    "churn_dataset_append_events": (status, [handle, c_void_p, c_size_t, handle]),
    "churn_dataset_read_subscribers_csv": (status, [handle, c_char_p, handle]),
    "churn_dataset_read_events_csv": (status, [handle, c_char_p, handle]),
    "churn_dataset_set_reason_map": (status, [handle, P(c_char_p), P(c_char_p), c_size_t]),
    "churn_dataset_read_reason_map_csv": (status, [handle, c_char_p]),
    "churn_dataset_reason_labels": (status, [handle, P(handle)]),
    "churn_dataset_read_mapping": (status, [handle, c_char_p, handle, P(handle)]),
    "churn_dataset_utc_offset": (status, [handle, P(c_int64)]),
    "churn_dataset_set_utc_offset": (status, [handle, c_int64]),
    "churn_dataset_finalize": (status, [handle, handle]),
    "churn_dataset_is_finalized": (c_int, [handle]),
    "churn_dataset_num_subscribers": (c_int64, [handle]),
    "churn_dataset_num_events": (c_int64, [handle]),
    "churn_dataset_subscriber_id": (status, [handle, c_int64, P(c_char_p)]),
    "churn_dataset_find_subscriber": (status, [handle, c_char_p, P(c_int64)]),
    "churn_dataset_subscriber_column_at": (status, [handle, c_int64, P(c_char_p), P(enum)]),
    "churn_dataset_subscriber_column": (status, [handle, c_char_p, P(enum), P(c_void_p)]),
    "churn_dataset_category_label": (status, [handle, c_char_p, ctypes.c_int32, P(c_char_p),
                                              P(ctypes.c_int32)]),
    "churn_dataset_event_column": (status, [handle, c_char_p, P(enum), P(c_void_p)]),
    "churn_dataset_event_offsets": (status, [handle, P(c_void_p)]),
    "churn_dataset_ingest_count": (status, [handle, enum, P(c_int64)]),
    "churn_dataset_rejections": (status, [handle, P(handle)]),
    "churn_dataset_clear_report": (None, [handle]),
    "churn_dataset_save": (status, [handle, c_char_p]),
    "churn_dataset_load": (status, [c_char_p, P(handle)]),
    "churn_dataset_load_buffer": (status, [c_void_p, c_size_t, P(handle)]),
    # 5. features, labels, warnings
    "churn_features_extract": (status, [handle, c_void_p, c_size_t, c_void_p, c_size_t, handle,
                                        P(handle)]),
    "churn_features_free": (None, [handle]),
    "churn_features_nrows": (c_int64, [handle]),
    "churn_features_ncols": (c_int64, [handle]),
    "churn_features_matrix": (c_void_p, [handle]),
    "churn_features_names": (c_void_p, [handle]),
    "churn_features_subscribers": (c_void_p, [handle]),
    "churn_features_times": (c_void_p, [handle]),
    "churn_features_column": (status, [handle, c_int64, P(c_char_p), P(enum)]),
    "churn_feature_catalog_size": (c_int64, []),
    "churn_feature_info": (status, [c_int64, P(c_char_p), P(c_char_p), P(enum)]),
    "churn_feature_category": (status, [c_char_p, P(enum)]),
    "churn_labels_compute": (status, [handle, c_void_p, c_void_p, c_int64, handle, dptr,
                                      c_void_p, c_void_p]),
    "churn_warnings_compute": (status, [handle, c_int64, handle, P(handle)]),
    "churn_time_parse": (status, [c_char_p, P(c_int64)]),
    "churn_calendar_load": (status, [c_char_p, P(handle)]),
    "churn_calendar_free": (None, [handle]),
    "churn_calendar_deadline": (status, [handle, c_int64, c_int64, c_int64, P(c_int64)]),
    # 6a. fitting: (X, dtype, n, d, ld, y, sample_weight, names, opts, &model)
    "churn_model_fit": (status, [c_void_p, enum, c_int64, c_int64, c_int64, dptr, dptr,
                                 c_void_p, handle, P(handle)]),
    # (X, dtype, n, d, ld, y, sample_weight, groups (int64), names, opts, &model)
    "churn_model_fit_clustered": (status, [c_void_p, enum, c_int64, c_int64, c_int64, dptr,
                                           dptr, dptr, c_void_p, handle, P(handle)]),
    # 6h. designs from flat tables
    "churn_design_new": (status, [handle, P(handle)]),
    "churn_design_free": (None, [handle]),
    "churn_design_fit_csv": (status, [handle, c_char_p, handle, P(handle)]),
    # (design, churn_column *cols, ncols, n)
    "churn_design_learn_columns": (status, [handle, c_void_p, c_int64, c_int64]),
    "churn_design_n_features": (c_int64, [handle]),
    "churn_design_feature_name": (c_char_p, [handle, c_int64]),
    # (design, cols, ncols, n, X, ld, kept (uint8), &rejected, &unseen)
    "churn_design_transform_columns": (status, [handle, c_void_p, c_int64, c_int64, dptr,
                                                c_int64, c_void_p, P(c_int64), P(c_int64)]),
    "churn_design_attach": (status, [handle, handle]),
    "churn_design_from_model": (status, [handle, P(handle)]),
    "churn_design_score_csv": (status, [handle, handle, c_char_p, c_char_p, handle,
                                        P(c_int64)]),
    "churn_design_report": (status, [handle, P(handle)]),
    "churn_model_free": (None, [handle]),
    # 6b. reading a model
    "churn_model_n_features": (c_int64, [handle]),
    "churn_model_feature_name": (c_char_p, [handle, c_int64]),
    "churn_model_coef": (status, [handle, dptr, P(c_double)]),
    "churn_model_scaling": (status, [handle, dptr, dptr]),
    "churn_model_covariance": (status, [handle, dptr]),
    "churn_model_summary": (status, [handle, P(handle)]),
    "churn_model_stat": (status, [handle, enum, P(c_double)]),
    "churn_model_fit_options": (status, [handle, P(handle)]),
    # 6c. scoring and reasons: (model, X, dtype, n, d, ld, ...)
    "churn_model_decision_function": (status, [handle, c_void_p, enum, c_int64, c_int64,
                                               c_int64, dptr]),
    "churn_model_predict_proba": (status, [handle, c_void_p, enum, c_int64, c_int64, c_int64,
                                           dptr]),
    "churn_model_check_features": (status, [handle, c_void_p, c_int64]),
    "churn_model_predict_proba_named": (status, [handle, c_void_p, c_void_p, enum, c_int64,
                                                 c_int64, c_int64, dptr]),
    "churn_model_explain": (status, [handle, c_void_p, enum, c_int64, c_int64, c_int64, c_int,
                                     c_void_p, dptr]),
    "churn_model_score": (status, [handle, c_void_p, enum, c_int64, c_int64, c_int64, enum,
                                   dptr]),
    "churn_model_explain_finite": (status, [handle, c_void_p, enum, c_int64, c_int64, c_int64,
                                            c_int, c_void_p, dptr]),
    # 6d. sufficient statistics and the Newton driver
    "churn_suffstats_new": (status, [c_int64, c_int, dptr, dptr, c_double, c_double,
                                     P(handle)]),
    "churn_suffstats_free": (None, [handle]),
    "churn_suffstats_reset": (None, [handle]),
    "churn_suffstats_accumulate": (status, [handle, c_void_p, enum, c_int64, c_int64, c_int64,
                                            dptr, dptr, dptr, c_int, c_int64]),
    "churn_suffstats_merge": (status, [handle, handle]),
    "churn_suffstats_dim": (c_int64, [handle]),
    "churn_suffstats_has_hessian": (c_int, [handle]),
    "churn_suffstats_hessian": (status, [handle, dptr]),
    "churn_suffstats_gradient": (status, [handle, dptr]),
    "churn_suffstats_score_products": (status, [handle, dptr]),
    "churn_suffstats_counts": (status, [handle, P(c_int64), P(c_double), P(c_int64),
                                        P(c_double), P(c_double)]),
    "churn_suffstats_save_buffer": (status, [handle, c_void_p, c_size_t, P(c_size_t)]),
    "churn_suffstats_load_buffer": (status, [c_void_p, c_size_t, P(handle)]),
    "churn_solver_new": (status, [c_int64, c_void_p, handle, P(handle)]),
    "churn_solver_free": (None, [handle]),
    "churn_solver_add_moments": (status, [handle, c_void_p, enum, c_int64, c_int64, c_int64,
                                          dptr, dptr, c_int64]),
    "churn_solver_get_moments": (status, [handle, dptr, c_int64]),
    "churn_solver_merge_moments": (status, [handle, dptr, c_int64]),
    "churn_solver_begin": (status, [handle]),
    "churn_solver_stats_new": (status, [handle, P(handle)]),
    "churn_solver_beta": (status, [handle, dptr]),
    "churn_solver_wants_hessian": (c_int, [handle]),
    "churn_solver_step": (status, [handle, handle, P(c_int)]),
    "churn_solver_finish": (status, [handle, P(handle)]),
    # 6e. persistence
    "churn_model_save": (status, [handle, c_char_p]),
    "churn_model_save_buffer": (status, [handle, c_void_p, c_size_t, P(c_size_t)]),
    "churn_model_load": (status, [c_char_p, P(handle)]),
    "churn_model_load_buffer": (status, [c_void_p, c_size_t, P(handle)]),
    # 8. KPIs and simulator
    "churn_survival_km": (status, [dptr, dptr, dptr, c_int64, c_double, P(handle)]),
    "churn_survival_cif": (status, [dptr, c_void_p, dptr, c_int64, c_double, P(handle)]),
    "churn_kpi_movement": (status, [handle, c_int64, c_int64, c_char_p, handle, P(handle)]),
    "churn_kpi_arpu": (status, [handle, c_int64, c_int64, c_char_p, handle, P(handle)]),
    "churn_kpi_snapshot": (status, [handle, c_int64, c_int64, c_char_p, c_char_p, c_void_p,
                                    c_int64, dptr, handle, P(handle)]),
    "churn_kpi_segments": (status, [handle, c_int64, c_int64, c_char_p, handle, P(handle)]),
    "churn_kpi_winback": (status, [handle, c_int64, c_int64, c_char_p, handle, P(handle)]),
    "churn_kpi_winback_rate": (status, [handle, c_int64, c_int64, c_char_p, handle, P(handle)]),
    "churn_kpi_retention_contacts": (status, [handle, c_int64, c_int64, c_char_p, handle,
                                              P(handle)]),
    "churn_kpi_warning_accuracy": (status, [handle, c_int64, c_int64, c_void_p, c_void_p,
                                            c_int64, P(handle)]),
    "churn_kpi_contact_compliance": (status, [handle, c_void_p, c_void_p, c_void_p, c_void_p,
                                              c_int64, handle, P(handle)]),
    "churn_kpi_warning_accuracy_opts": (status, [handle, c_int64, c_int64, c_void_p, c_void_p,
                                                 c_int64, handle, P(handle)]),
    "churn_kpi_topk_accuracy_opts": (status, [handle, c_int64, c_int64, dptr, c_int64, c_void_p,
                                              c_int64, handle, P(handle)]),
    "churn_kpi_topk_accuracy": (status, [handle, c_int64, c_int64, dptr, c_int64, c_void_p,
                                         c_int64, P(handle)]),
    "churn_kpi_km": (status, [handle, c_int64, c_int64, c_char_p, c_double, handle,
                              P(handle)]),
    "churn_kpi_cif": (status, [handle, c_int64, c_int64, c_char_p, c_double, handle,
                               P(handle)]),
    # 8c. forecasting and campaigns
    "churn_cohort_fit": (status, [enum, dptr, c_void_p, c_int64, P(handle)]),
    "churn_cohort_model_free": (None, [handle]),
    "churn_cohort_model_kind": (enum, [handle]),
    "churn_cohort_params": (status, [handle, P(c_int64), dptr, dptr, dptr, P(c_double)]),
    "churn_cohort_survival": (status, [handle, dptr, c_int64, dptr, dptr]),
    "churn_cohort_forecast": (status, [handle, c_double, c_int64, c_double, c_int64, dptr,
                                       c_double, P(handle)]),
    "churn_cohort_derl": (status, [handle, c_double, c_int64, P(c_double)]),
    "churn_kpi_snapshot_forecast": (status, [handle, c_int64, c_int64, c_int64, c_char_p,
                                             c_char_p, c_void_p, c_int64, dptr, enum, c_double,
                                             handle, P(handle), P(handle)]),
    "churn_survival_gray_test": (status, [dptr, c_void_p, c_void_p, c_int64, c_double, P(handle)]),
    "churn_campaign_effect": (status, [dptr, dptr, c_void_p, c_int64, c_double, P(handle)]),
    "churn_eval_qini_curve": (status, [dptr, dptr, dptr, c_int64, P(handle)]),
    "churn_eval_qini_auc": (status, [dptr, dptr, dptr, c_int64, P(c_double)]),
    "churn_simulate": (status, [handle, P(handle), P(handle)]),
    "churn_dataset_write_csv": (status, [handle, c_char_p, c_char_p]),
    "churn_dataset_write_operator_export": (status, [handle, c_char_p, c_int64]),
    # 6f. out-of-core fitting
    "churn_model_fit_stream": (status, [c_int64, c_void_p, c_void_p, c_void_p, c_int, handle,
                                        P(handle)]),
    "churn_model_fit_csv": (status, [c_char_p, c_char_p, c_char_p, handle, P(handle)]),
    # 6g. separation: (X, dtype, n, d, ld, y, fit_intercept, &kind, direction)
    "churn_separation_check": (status, [c_void_p, enum, c_int64, c_int64, c_int64, dptr, c_int,
                                        P(c_int), dptr]),
    # 7. evaluation: (y, score, weight, n, ...)
    "churn_eval_roc_auc": (status, [dptr, dptr, dptr, c_int64, P(c_double)]),
    "churn_eval_average_precision": (status, [dptr, dptr, dptr, c_int64, P(c_double)]),
    "churn_eval_log_loss": (status, [dptr, dptr, dptr, c_int64, P(c_double)]),
    "churn_eval_brier_score": (status, [dptr, dptr, dptr, c_int64, P(c_double)]),
    "churn_eval_confusion": (status, [dptr, dptr, dptr, c_int64, c_double, P(c_double),
                                      P(c_double), P(c_double), P(c_double)]),
    "churn_eval_confusion_table": (status, [dptr, dptr, dptr, c_int64, dptr, c_int64,
                                            P(handle)]),
    "churn_eval_lift_table": (status, [dptr, dptr, dptr, c_int64, c_int64, P(handle)]),
    "churn_eval_calibration_table": (status, [dptr, dptr, dptr, c_int64, c_int64, enum,
                                              P(handle)]),
}

#: churn_row_source: (ctx, pass, capacity, X, y, weight, *nrows) -> churn_status
ROW_SOURCE = ctypes.CFUNCTYPE(c_int, c_void_p, c_int64, c_int64, P(c_double), P(c_double),
                              P(c_double), P(c_int64))

# Status and enum values used by the binding (fixed forever in churn.h).
CHURN_OK = 0
CHURN_E_BUFFER = 13
CHURN_F64, CHURN_F32, CHURN_I64, CHURN_I32, CHURN_U8, CHURN_STR = 1, 2, 3, 4, 5, 6


class _MissingFunction:
    """Stands in for a function the loaded library lacks; raises when called."""

    def __init__(self, name, path):
        self.name, self.path = name, path

    def __call__(self, *args):
        raise ChurnError(-1, "CHURN_E_UNAVAILABLE",
                         f"{self.name} is not in the loaded libchurn ({self.path}); "
                         "rebuild the library or point CHURN_LIBRARY at a newer one")


class _Library:
    """The loaded library: one attribute per declared function."""

    def __init__(self, cdll, path):
        self.path = path
        self.cdll = cdll
        self.missing = []
        for name, (restype, argtypes) in PROTOTYPES.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                self.missing.append(name)
                setattr(self, name, _MissingFunction(name, path))
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)

    def has(self, name):
        return name not in self.missing and hasattr(self.cdll, name)


def _repo_root():
    # <repo>/bindings/python/churn/_lib.py -> <repo>
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))


def _sanitized(path):
    """True for a library built with ASan/TSan: loading it into an uninstrumented Python
    aborts the process, so the build-tree search skips it (CHURN_LIBRARY can still name it,
    with the sanitizer runtime preloaded)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return True
    return b"__asan_init" in data or b"__tsan_init" in data


def _build_tree_candidates():
    root = _repo_root()
    dirs = sorted(glob.glob(os.path.join(root, "build*")))
    preferred = [os.path.join(root, "build"), os.path.join(root, "build-test")]
    ordered = [d for d in preferred if d in dirs] + [d for d in dirs if d not in preferred]
    out = []
    for d in ordered:
        for name in ("libchurn.so.1", "libchurn.so", "libchurn.dylib"):
            p = os.path.join(d, "lib", name)
            if os.path.exists(p):
                if not _sanitized(p):
                    out.append(p)
                break
    return out


def candidate_paths():
    """The paths tried, in order (for diagnostics)."""
    env = os.environ.get("CHURN_LIBRARY")
    if env:
        return [env]
    paths = _build_tree_candidates()
    system = ctypes.util.find_library("churn")
    if system:
        paths.append(system)
    return paths


def _version_error(path, have):
    return ImportError(
        f"libchurn at {path} is version {have // 10000}.{have // 100 % 100}.{have % 100};"
        f" this binding needs {REQUIRED_VERSION // 10000}.x >= "
        f"{REQUIRED_VERSION // 10000}.{REQUIRED_VERSION // 100 % 100}.{REQUIRED_VERSION % 100}")


def load():
    """The library: CHURN_LIBRARY's if set (it must load and be recent enough); otherwise the
    first candidate that has every declared function, or failing that the first one that
    loads with a suitable version (a stale build tree then raises on the missing calls)."""
    env = os.environ.get("CHURN_LIBRARY")
    if env and not os.path.exists(env):
        raise ImportError(f"CHURN_LIBRARY={env!r} does not exist")
    errors, fallback = [], None
    for path in candidate_paths():
        try:
            cdll = ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
            continue
        lib = _Library(cdll, path)
        have = lib.churn_version_number()
        if have < REQUIRED_VERSION or have // 10000 != REQUIRED_VERSION // 10000:
            if env:
                raise _version_error(path, have)
            errors.append(str(_version_error(path, have)))
            continue
        if env or not lib.missing:
            return lib
        fallback = fallback or lib
    if fallback is not None:
        return fallback
    detail = "; ".join(errors) if errors else "none found"
    raise ImportError("cannot find libchurn: set CHURN_LIBRARY to the path of libchurn.so, "
                      f"or build it with meson next to this package ({detail})")


LIB = load()


def last_error():
    """This thread's last libchurn message ("" if none)."""
    msg = LIB.churn_last_error()
    return msg.decode("utf-8", "replace") if msg else ""


def status_name(st):
    name = LIB.churn_status_name(st)
    return name.decode() if name else "CHURN_E_UNKNOWN"


def check(st):
    """Raises the ChurnError for a non-OK status, carrying the library's message."""
    if st != CHURN_OK:
        raise error_for(st, status_name(st), last_error())
    return st


def cstr(s):
    return None if s is None else (s.encode("utf-8") if isinstance(s, str) else bytes(s))


def pystr(b):
    return None if b is None else b.decode("utf-8", "replace")


# churn_enum (churn.h, section 2b): which public enum a name table is read from.
ENUM_STATUS, ENUM_EVENT_KIND, ENUM_CANCEL_REASON, ENUM_CATEGORY = 1, 2, 3, 4
ENUM_INGEST_COUNTER, ENUM_LABEL_DEFINITION, ENUM_WARNING_RULE = 10, 11, 12
ENUM_PENALTY, ENUM_COV_TYPE, ENUM_STAT, ENUM_CALIBRATION_STRATEGY = 13, 14, 15, 16
ENUM_KPI_RATE_BASE, ENUM_COHORT_KIND, ENUM_SIM_DRIVER = 17, 18, 19


def enum_names(which):
    """{name: value} of a public enum, in the library's order: the C list macro is the one
    place a name is spelled, so the binding keeps no table of its own."""
    out, value, name, k = {}, ctypes.c_int(), ctypes.c_char_p(), 0
    while LIB.churn_enum_entry(which, k, ctypes.byref(value), ctypes.byref(name)) == CHURN_OK:
        out[name.value.decode()] = value.value
        k += 1
    LIB.churn_clear_error()
    return out


def parse_time(text):
    """Unix seconds of a date string, by the library's own parser (churn_time_parse); raises
    ChurnValueError naming the text for anything that is not a date (2024-02-30 included)."""
    out = ctypes.c_int64()
    check(LIB.churn_time_parse(cstr(text), ctypes.byref(out)))
    return out.value
