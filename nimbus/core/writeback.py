"""Starting the disk writes of a file's bytes as soon as they are written, not when it is synced.

A large upload is spooled a megabyte at a time and fdatasynced once whole, before it is acknowledged. Left to
itself, the kernel writes most of those pages only when the sync asks, so the sync waits for all 64 MiB of a
64 MiB upload (about 35 ms here) after its last byte. ``sync_file_range(SYNC_FILE_RANGE_WRITE)`` on each
megabyte as it is written starts its writeback at once, without waiting for it: by the time the body has
arrived, the final fdatasync has little left to wait for. It promises nothing itself (the fdatasync still does),
so where the call is missing (not Linux), nothing is done.
"""
from __future__ import annotations

import functools

_SYNC_FILE_RANGE_WRITE = 2


@functools.cache
def _sync_file_range():
    import ctypes  # on first use: an idle server does not load ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Start writing ``length`` bytes of ``fd`` from ``offset`` to disk; return at once."""
    call = _sync_file_range()
    if call is not None and length > 0:
        call(fd, offset, length, _SYNC_FILE_RANGE_WRITE)  # advisory: a failure leaves the work to the sync
