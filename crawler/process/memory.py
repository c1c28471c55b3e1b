"""Give the C heap's free pages back to the system (glibc's malloc_trim), where available."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
try:
    _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
    _trim = None


def release_free_memory() -> None:
    """Return the heap's free pages to the operating system.

    lxml builds, copies and frees trees of several megabytes for every page; glibc keeps the
    freed pages for later, so a process's resident size climbs to its largest page's
    high-water mark plus fragmentation. malloc_trim (about 0.1 ms) returns them: an extraction
    worker stays at about its import size.
    """
    if _trim is not None:
        _trim(0)
