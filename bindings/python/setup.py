"""Packaging: the version comes from include/churn.h, where it is defined once."""
import pathlib
import sys

from setuptools import setup

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "churn"))
from _version import header_version  # noqa: E402

version = header_version(pathlib.Path(__file__).resolve().parents[2] / "include" / "churn.h")
if version is None:
    sys.exit("setup.py: include/churn.h not found: build the package from a libchurn checkout")
setup(version=version)
