"""_options.py -- a churn_options object set by key names ("fit.C"), as the C API names them."""
import ctypes
import numbers

from ._lib import LIB, check, cstr, pystr

_INT, _REAL, _STRING = 1, 2, 3


def option_key(name):
    """The enum value of an option name (ChurnError CHURN_E_NOT_FOUND for an unknown name)."""
    key = ctypes.c_int()
    check(LIB.churn_option_find(cstr(name), ctypes.byref(key)))
    return key.value


def option_names():
    """Every option name the library knows, in key order."""
    out, i = [], 0
    key = ctypes.c_int()
    while LIB.churn_option_at(i, ctypes.byref(key)) == 0:
        out.append(pystr(LIB.churn_option_name(key.value)))
        i += 1
    LIB.churn_clear_error()
    return out


def option_info(name):
    """(type, min, max, default) of an option; type is "int", "real" or "string"."""
    t, lo, hi, d = ctypes.c_int(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    check(LIB.churn_option_bounds(option_key(name), ctypes.byref(t), ctypes.byref(lo),
                                  ctypes.byref(hi), ctypes.byref(d)))
    return {_INT: "int", _REAL: "real", _STRING: "string"}[t.value], lo.value, hi.value, d.value


class Options:
    """Owns one churn_options handle; ``Options(**{"fit.C": 2.0})`` or ``opts["fit.C"] = 2.0``."""

    def __init__(self, values=None):
        h = ctypes.c_void_p()
        check(LIB.churn_options_new(ctypes.byref(h)))
        self._h = h
        for k, v in (values or {}).items():
            self[k] = v

    @property
    def handle(self):
        return self._h

    def __setitem__(self, name, value):
        key = option_key(name)
        kind = option_info(name)[0]
        if kind == "string":
            check(LIB.churn_options_set_string(self._h, key, cstr(value)))
        elif kind == "int" and isinstance(value, numbers.Integral):
            check(LIB.churn_options_set_int(self._h, key, int(value)))
        else:
            check(LIB.churn_options_set_real(self._h, key, float(value)))

    def __getitem__(self, name):
        key = option_key(name)
        kind = option_info(name)[0]
        if kind == "int":
            v = ctypes.c_int64()
            check(LIB.churn_options_get_int(self._h, key, ctypes.byref(v)))
            return v.value
        if kind == "real":
            v = ctypes.c_double()
            check(LIB.churn_options_get_real(self._h, key, ctypes.byref(v)))
            return v.value
        v = ctypes.c_char_p()
        check(LIB.churn_options_get_string(self._h, key, ctypes.byref(v)))
        return pystr(v.value)

    def close(self):
        h, self._h = getattr(self, "_h", None), None
        if h:
            LIB.churn_options_free(h)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
