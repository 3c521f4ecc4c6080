"""_table.py -- a churn_table (named typed columns) as a pandas DataFrame, and the free."""
import ctypes

import numpy as np
import pandas as pd

from ._lib import CHURN_F64, CHURN_I64, CHURN_STR, LIB, check, pystr


def table_to_frame(h):
    """Copies a churn_table into a DataFrame and frees the table (also on error)."""
    try:
        n = LIB.churn_table_nrows(h)
        cols = {}
        for j in range(LIB.churn_table_ncols(h)):
            name, dtype = ctypes.c_char_p(), ctypes.c_int()
            check(LIB.churn_table_column_info(h, j, ctypes.byref(name), ctypes.byref(dtype)))
            data = ctypes.c_void_p()
            if dtype.value == CHURN_F64:
                check(LIB.churn_table_f64(h, j, ctypes.byref(data)))
                col = _copy(data, n, np.float64)
            elif dtype.value == CHURN_I64:
                check(LIB.churn_table_i64(h, j, ctypes.byref(data)))
                col = _copy(data, n, np.int64)
            elif dtype.value == CHURN_STR:
                check(LIB.churn_table_str(h, j, ctypes.byref(data)))
                arr = ctypes.cast(data, ctypes.POINTER(ctypes.c_char_p))
                col = np.array([pystr(arr[i]) for i in range(n)], dtype=object)
            else:  # pragma: no cover - the header promises only these three
                raise TypeError(f"table column {pystr(name.value)!r} has unknown type "
                                f"{dtype.value}")
            cols[pystr(name.value)] = col
        return pd.DataFrame(cols)
    finally:
        LIB.churn_table_free(h)


def _copy(addr, n, dtype):
    if n == 0:
        return np.empty(0, dtype=dtype)
    buf = (ctypes.c_char * (n * 8)).from_address(addr.value)
    return np.frombuffer(buf, dtype=dtype).copy()
