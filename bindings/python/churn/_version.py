"""The version of this Python package: the C library's it was written for, defined once in
include/churn.h.  setup.py reads it from there when the package is built; imported from a
checkout, this module reads the same header; installed, the package's metadata holds it."""
import pathlib
import re


def header_version(path):
    """MAJOR.MINOR.PATCH from the CHURN_VERSION_* macros of churn.h at path (None if absent)."""
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    parts = [re.search(rf"^#define CHURN_VERSION_{p} (\d+)", text, re.M) for p in
             ("MAJOR", "MINOR", "PATCH")]
    return ".".join(m.group(1) for m in parts) if all(parts) else None


def _version():
    checkout = header_version(pathlib.Path(__file__).resolve().parents[3] / "include" / "churn.h")
    if checkout:
        return checkout
    try:
        from importlib.metadata import version
        return version("churn")
    except Exception:  # not installed either: a copied package
        return "0+unknown"


__version__ = _version()
