"""Shared fixtures of the Python binding's tests: the package from the source tree, the Telco
reference data (CHURN_SHARED_DATA, else ../shared/data next to the repository)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))  # bindings/python, so `import churn` is this tree's


def shared_data_dir():
    env = os.environ.get("CHURN_SHARED_DATA")
    if env:
        return env
    return os.path.join(os.path.dirname(REPO), "shared", "data")


@pytest.fixture(scope="session")
def telco():
    """(X DataFrame 7032 x 23, y array, oracle dict) from the shared Telco data."""
    import json

    import pandas as pd
    d = os.path.join(shared_data_dir(), "telco")
    design = pd.read_csv(os.path.join(d, "telco_design.csv"))
    with open(os.path.join(d, "telco_oracle.json")) as f:
        oracle = json.load(f)
    y = design.pop("churn").to_numpy(dtype=float)
    return design, y, oracle
