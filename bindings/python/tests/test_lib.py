"""Loading the library, versions, options by name and the mapping of statuses to exceptions."""
import os
import subprocess
import sys

import pytest

import churn
from churn import _lib


def test_versions_agree():
    assert churn.__version__ == churn.library_version()
    assert _lib.LIB.churn_version_number() >= _lib.REQUIRED_VERSION
    assert os.path.exists(churn.library_path())


def test_every_declared_function_has_a_prototype():
    for name, (restype, argtypes) in _lib.PROTOTYPES.items():
        fn = getattr(_lib.LIB, name)
        if _lib.LIB.has(name):
            assert fn.argtypes == argtypes and fn.restype == restype, name


def test_the_library_has_every_declared_function():
    assert _lib.LIB.missing == []


def test_options_by_name_round_trip():
    o = churn.Options({"fit.C": 2.5, "fit.max_iter": 7})
    assert o["fit.C"] == 2.5 and o["fit.max_iter"] == 7
    assert o["fit.tol"] == 1e-8  # documented default
    assert "fit.penalty" in churn.option_names()
    kind, lo, hi, default = churn.option_info("fit.max_iter")
    assert kind == "int" and lo == 1 and default == 100
    o.close()
    o.close()  # idempotent


def test_range_error_carries_status_and_message():
    o = churn.Options()
    with pytest.raises(churn.ChurnValueError) as e:
        o["fit.C"] = -1.0
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, churn.ChurnError)
    assert err.status == 15 and err.status_name == "CHURN_E_RANGE"
    assert "fit.C" in err.message and "outside" in err.message
    assert "CHURN_E_RANGE" in str(err)
    assert o["fit.C"] == 1.0  # unchanged on failure


def test_integer_option_rejects_fraction():
    o = churn.Options()
    with pytest.raises(ValueError, match="fit.max_iter' takes an integer"):
        o["fit.max_iter"] = 2.5


def test_unknown_option_is_not_found():
    with pytest.raises(churn.ChurnNotFoundError) as e:
        churn.Options({"fit.nope": 1})
    assert isinstance(e.value, LookupError)
    assert e.value.status == 8 and e.value.status_name == "CHURN_E_NOT_FOUND"
    assert "fit.nope" in e.value.message


def test_error_classes_per_status():
    from churn._errors import error_for
    cases = {1: ValueError, 2: MemoryError, 3: OSError, 4: churn.ChurnFormatError,
             5: churn.ChurnFormatError, 6: ValueError, 7: churn.ChurnSchemaError,
             8: LookupError, 9: churn.ChurnFitError, 10: churn.ChurnFitError,
             11: churn.ChurnFitError, 12: RuntimeError, 15: ValueError, 16: RuntimeError,
             99: churn.ChurnInternalError}
    for st, cls in cases.items():
        err = error_for(st, _lib.status_name(st), "msg")
        assert isinstance(err, cls) and isinstance(err, churn.ChurnError), st
        assert err.status == st and str(err) == f"msg [{_lib.status_name(st)}]"
    assert _lib.status_name(99) == "CHURN_E_UNKNOWN"


def test_missing_function_raises_churn_error():
    missing = _lib._MissingFunction("churn_nothing", "/x/libchurn.so")
    with pytest.raises(churn.ChurnError, match="churn_nothing is not in the loaded libchurn"):
        missing()


def _import_with(env_value):
    env = dict(os.environ, CHURN_LIBRARY=env_value,
               PYTHONPATH=os.path.dirname(os.path.dirname(churn.__file__)))
    return subprocess.run([sys.executable, "-c", "import churn; print(churn.library_path())"],
                          env=env, capture_output=True, text=True)


def test_churn_library_env_is_used():
    r = _import_with(churn.library_path())
    assert r.returncode == 0 and r.stdout.strip() == churn.library_path()


def test_churn_library_env_missing_file_is_refused():
    r = _import_with("/nonexistent/libchurn.so")
    assert r.returncode != 0 and "CHURN_LIBRARY='/nonexistent/libchurn.so' does not exist" \
        in r.stderr


def test_build_tree_search_prefers_build_and_skips_sanitized(tmp_path, monkeypatch):
    for d, flavour in (("build-asan", b"__asan_init"), ("build-test", b""), ("build", b""),
                       ("build-zz", b"")):
        (tmp_path / d / "lib").mkdir(parents=True)
        (tmp_path / d / "lib" / "libchurn.so.1").write_bytes(b"\x7fELF" + flavour)
    monkeypatch.setattr(_lib, "_repo_root", lambda: str(tmp_path))
    got = [os.path.relpath(p, tmp_path) for p in _lib._build_tree_candidates()]
    assert got == ["build/lib/libchurn.so.1", "build-test/lib/libchurn.so.1",
                   "build-zz/lib/libchurn.so.1"]


def test_enum_names_come_from_the_library():
    # the spellings documented in churn.h, written out here by hand
    assert _lib.enum_names(_lib.ENUM_PENALTY) == {"none": 0, "l2": 1, "l1": 2, "elasticnet": 3,
                                                  "firth": 4}
    assert _lib.enum_names(_lib.ENUM_COV_TYPE) == {"nonrobust": 0, "HC0": 1, "HC1": 2,
                                                   "cluster": 3}
    assert _lib.enum_names(_lib.ENUM_STAT)["llr_p_value"] == 5
    from churn.features import CATEGORIES
    assert CATEGORIES == {0: "unknown", 1: "natural", 2: "competitive",
                          3: "service"}
    assert _lib.enum_names(999) == {}


def test_dates_are_read_by_the_library_parser():
    from churn.features import to_unix
    assert to_unix("2024-07-01") == 1719792000
    assert to_unix("20240701") == 1719792000
    assert to_unix("2024-08-01T00:30:00+08:00") == 1722443400
    for bad in ("2024-02-30", "2024-07-01 ", "1719792000"):
        with pytest.raises(churn.ChurnFormatError, match="is not a date"):
            to_unix(bad)
