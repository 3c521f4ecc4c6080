"""_errors.py -- the exceptions a libchurn status turns into.

Every non-OK status raises a ChurnError (or a subclass) carrying ``status`` (the number),
``status_name`` ("CHURN_E_DATA") and ``message`` (churn_last_error(): names the argument, row,
column or byte offset at fault).  The subclasses also derive from the matching built-in
exception, so code written for scikit-learn conventions (``except ValueError``) keeps working.
"""


class ChurnError(Exception):
    """A libchurn call failed."""

    def __init__(self, status, status_name, message):
        self.status = status
        self.status_name = status_name
        self.message = message
        super().__init__(f"{message} [{status_name}]" if message else status_name)

    def __str__(self):
        return f"{self.message} [{self.status_name}]" if self.message else self.status_name

    def __reduce__(self):
        # pickled by the class and its three fields, so an error raised in a Dask worker
        # arrives whole on the client (Exception's default pickles the text only)
        return (self.__class__, (self.status, self.status_name, self.message))


class ChurnValueError(ChurnError, ValueError):
    """Bad argument or data value (CHURN_E_ARG, CHURN_E_DATA, CHURN_E_RANGE, CHURN_E_REJECTED)."""


class ChurnFormatError(ChurnValueError):
    """Malformed, corrupt or newer-version input (CHURN_E_FORMAT, CHURN_E_VERSION)."""


class ChurnSchemaError(ChurnValueError):
    """Feature names or schema do not match (CHURN_E_SCHEMA)."""


class ChurnFitError(ChurnValueError):
    """The model cannot be fitted on these data (CHURN_E_SINGULAR, CHURN_E_SEPARATION,
    CHURN_E_NOT_CONVERGED)."""


class ChurnMemoryError(ChurnError, MemoryError):
    """Out of memory (CHURN_E_NOMEM)."""


class ChurnIOError(ChurnError, OSError):
    """Input/output error (CHURN_E_IO)."""

    def __init__(self, status, status_name, message):
        ChurnError.__init__(self, status, status_name, message)


class ChurnNotFoundError(ChurnError, LookupError):
    """Unknown id or name (CHURN_E_NOT_FOUND)."""


class ChurnStateError(ChurnError, RuntimeError):
    """The object is not in a state that allows the call (CHURN_E_STATE)."""


class ChurnInternalError(ChurnError, RuntimeError):
    """A bug in libchurn (CHURN_E_INTERNAL) or a status this binding does not know."""


_BY_STATUS = {
    1: ChurnValueError,      # CHURN_E_ARG
    2: ChurnMemoryError,     # CHURN_E_NOMEM
    3: ChurnIOError,         # CHURN_E_IO
    4: ChurnFormatError,     # CHURN_E_FORMAT
    5: ChurnFormatError,     # CHURN_E_VERSION
    6: ChurnValueError,      # CHURN_E_DATA
    7: ChurnSchemaError,     # CHURN_E_SCHEMA
    8: ChurnNotFoundError,   # CHURN_E_NOT_FOUND
    9: ChurnFitError,        # CHURN_E_SINGULAR
    10: ChurnFitError,       # CHURN_E_SEPARATION
    11: ChurnFitError,       # CHURN_E_NOT_CONVERGED
    12: ChurnStateError,     # CHURN_E_STATE
    13: ChurnError,          # CHURN_E_BUFFER (the binding retries; never seen by users)
    14: ChurnValueError,     # CHURN_E_REJECTED
    15: ChurnValueError,     # CHURN_E_RANGE
    16: ChurnInternalError,  # CHURN_E_INTERNAL
}


def error_for(status, status_name, message):
    """The exception object for a status."""
    return _BY_STATUS.get(status, ChurnInternalError)(status, status_name, message)
