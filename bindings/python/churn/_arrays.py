"""_arrays.py -- numpy / pandas inputs as (pointer, dtype, rows, cols, row stride) for the C API.

No hidden copies: a float64 matrix whose rows are each contiguous (C-contiguous, or a row slice
or column prefix of one, i.e. ``strides[1] == 8``) is passed where it lies, with its row stride.
Anything else (float32, integers, Fortran order, a DataFrame, whose blocks are stored column by
column) is converted ONCE to a C-contiguous float64 array before the call.  The returned Matrix
keeps the array alive for as long as the Matrix object lives.
"""
import ctypes

import numpy as np

from ._lib import CHURN_F32, CHURN_F64

try:  # pandas is optional
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None


def is_dataframe(x):
    return pd is not None and isinstance(x, pd.DataFrame)


def feature_names_of(x):
    """Column names of a DataFrame as a list of str (None for other inputs)."""
    if is_dataframe(x):
        return [str(c) for c in x.columns]
    return None


class Matrix:
    """A 2-D float64 array ready for the C API (keeps ``array`` alive)."""

    __slots__ = ("array", "ptr", "dtype", "rows", "cols", "stride", "copied", "names")

    def __init__(self, array, copied, names):
        self.array = array
        self.copied = copied
        self.names = names
        self.rows, self.cols = array.shape
        self.ptr = array.ctypes.data
        size = array.dtype.itemsize
        self.dtype = CHURN_F64 if size == 8 else CHURN_F32
        self.stride = array.strides[0] // size if self.rows > 1 else self.cols


def _rows_contiguous(a, float32_ok):
    size = a.dtype.itemsize
    return ((a.dtype == np.float64 or (float32_ok and a.dtype == np.float32))
            and a.ndim == 2 and a.dtype.isnative
            and (a.shape[1] <= 1 or a.strides[1] == size)
            and (a.shape[0] <= 1 or (a.strides[0] % size == 0
                                     and a.strides[0] >= size * a.shape[1]))
            and a.ctypes.data % size == 0)


def as_matrix(x, name="X", float32_ok=False):
    """Converts x (2-D array-like or DataFrame) into a Matrix, copying only when it must.
    With float32_ok, float32 arrays with contiguous rows are passed as CHURN_F32 (the library
    accumulates in double) instead of being converted."""
    names = feature_names_of(x)
    if is_dataframe(x):
        a = x.to_numpy(dtype=np.float64)
    else:
        a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.ndim == 1:
        raise ValueError(f"{name} must be 2-D (rows x features); got a 1-D array: reshape it "
                         "with x.reshape(-1, 1) for one feature or x.reshape(1, -1) for one row")
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D; got {a.ndim} dimensions")
    if np.iscomplexobj(a):
        raise ValueError(f"{name}: complex data is not supported")
    if _rows_contiguous(a, float32_ok):
        return Matrix(a, a is not x, names)
    return Matrix(np.ascontiguousarray(a, dtype=np.float64), True, names)


def as_vector(v, n=None, name="array", dtype=np.float64):
    """A 1-D C-contiguous float64 array (a view when it already is one), length-checked."""
    if pd is not None and isinstance(v, (pd.Series, pd.Index)):
        v = v.to_numpy()
    a = np.ascontiguousarray(v, dtype=dtype)
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {a.shape}")
    if n is not None and a.shape[0] != n:
        raise ValueError(f"{name} has {a.shape[0]} elements; expected {n}")
    return a


def ptr(a):
    """The address of a numpy array's data (None for None)."""
    return None if a is None else a.ctypes.data


class StringArray:
    """A ``const char *const *`` array of UTF-8 strings (kept alive with this object)."""

    __slots__ = ("_bytes", "array", "ptr", "length")

    def __init__(self, strings):
        self._bytes = [str(s).encode("utf-8") for s in strings]
        self.length = len(self._bytes)
        self.array = (ctypes.c_char_p * max(1, self.length))(*self._bytes)
        self.ptr = ctypes.cast(self.array, ctypes.c_void_p).value


def string_array(strings):
    """A StringArray, or None for None."""
    return None if strings is None else StringArray(strings)
