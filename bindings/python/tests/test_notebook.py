"""The analyst's notebook (examples/churn_analysis.ipynb) runs top to bottom with nbclient."""
import os

import nbformat
from nbclient import NotebookClient

import churn

from conftest import REPO


def test_notebook_runs(tmp_path, monkeypatch):
    # the kernel is a child process: give it this package and this library
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(churn.__file__)))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [pkg] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.setenv("CHURN_LIBRARY", churn.library_path())
    nb = nbformat.read(os.path.join(REPO, "examples", "churn_analysis.ipynb"), as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "Logit Regression Results" in text and "ROC AUC" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # gains, calibration, retention
    assert (tmp_path / "churn_model.churn").exists()
