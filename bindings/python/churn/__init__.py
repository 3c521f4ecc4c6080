"""churn -- Python binding of libchurn: churn-risk models, evaluation and retention KPIs for
cable-TV, broadband and mobile operators.

A pure-Python package over the C library through ctypes.  The library is found through the
CHURN_LIBRARY environment variable, then the meson build trees of the source checkout, then the
system; see churn._lib.  Every failing C call raises churn.ChurnError (or a subclass that is
also a ValueError, OSError, MemoryError, ... as fits) with .status, .status_name and .message.

numpy arrays pass to the library without copies when they are float64 with contiguous rows
(C-contiguous, or a row/column slice of such an array); anything else, and pandas DataFrames
(stored column by column), is converted once to a C-contiguous float64 array.
"""
from ._version import __version__
from ._errors import (ChurnError, ChurnValueError, ChurnFormatError, ChurnSchemaError,
                      ChurnFitError, ChurnMemoryError, ChurnIOError, ChurnNotFoundError,
                      ChurnStateError, ChurnInternalError)
from ._lib import LIB as _LIB, pystr as _pystr
from ._options import Options, option_names, option_info
from . import metrics
from .model import LogisticRegression, load_model
from .design import Design
from .separation import check_separation, Separation
from .dataset import Dataset, event_kind_names, simulate
from . import kpi
from .forecast import (ShiftedBetaGeometric, BetaDiscreteWeibull, GeometricRetention,
                       CohortModel)
from .features import (features, labels, warnings, contact_deadline, feature_catalog,
                       feature_category)


def library_version():
    """The version string of the libchurn actually loaded ("1.1.0")."""
    return _pystr(_LIB.churn_version_string())


def library_path():
    """The path of the libchurn actually loaded."""
    return _LIB.path


__all__ = ["Design", "__version__", "library_version", "library_path", "ChurnError", "ChurnValueError",
           "ChurnFormatError", "ChurnSchemaError", "ChurnFitError", "ChurnMemoryError",
           "ChurnIOError", "ChurnNotFoundError", "ChurnStateError", "ChurnInternalError",
           "Options", "option_names", "option_info", "metrics", "LogisticRegression",
           "load_model", "check_separation", "Separation", "Dataset", "event_kind_names",
           "simulate", "kpi", "features", "labels", "warnings", "contact_deadline", "feature_catalog",
           "feature_category", "ShiftedBetaGeometric", "BetaDiscreteWeibull",
           "GeometricRetention", "CohortModel"]


def __getattr__(name):
    # churn.dask and churn.plot import dask / matplotlib, so they load on first use
    if name in ("dask", "plot"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
