"""awscrt's native library, loaded when first used rather than when imported.

botocore imports awscrt as it is itself imported (to know whether it is there), and that import loads awscrt's
native library, ``_awscrt``: about 30 ms of a start's CPU and 6 MiB of its memory, for what a server uses only
in a few calls (CRC64NVME checksums, their combination, and a client's SigV4A). awscrt's Python modules read
the library only inside their functions and methods, never as they are imported, so a stand-in under its name
lets them all be imported, unchanged; the first attribute read loads the library, and the stand-in takes on
its contents, so that later reads are plain module reads. botocore still sees awscrt installed (HAS_CRT).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

NATIVE = "_awscrt"
_loading = threading.Lock()


class _Deferred(types.ModuleType):
    def __getattr__(self, name: str):
        with _loading:
            if sys.modules.get(NATIVE) is self:
                del sys.modules[NATIVE]
            native = importlib.import_module(NATIVE)
            self.__dict__.update(native.__dict__)
        return getattr(native, name)


def defer() -> None:
    """Put the stand-in in place, unless the library is loaded already or not installed."""
    if NATIVE in sys.modules:
        return
    spec = importlib.util.find_spec(NATIVE)
    if spec is not None:
        stand_in = _Deferred(NATIVE)
        vars(stand_in)["__spec__"] = spec  # what importlib reads of a module
        sys.modules[NATIVE] = stand_in
