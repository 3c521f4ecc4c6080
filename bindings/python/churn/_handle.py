"""_handle.py -- owns one C handle and frees it exactly once (when closed or collected)."""


class Handle:
    __slots__ = ("ptr", "_free")

    def __init__(self, ptr, free):
        self.ptr = ptr
        self._free = free

    def close(self):
        p, self.ptr = self.ptr, None
        if p:
            self._free(p)

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __bool__(self):
        return bool(self.ptr)
