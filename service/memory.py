"""Keeping a long-running service's resident memory flat across index reloads (glibc's allocator).

Each reload allocates a whole new index (and the warm-up runs the model over known passages) while the old
one still serves, then frees the old one. With glibc's defaults that freed memory mostly stays in the
process: after the first large blocks are freed, glibc raises its *dynamic* mmap threshold (up to 32 MiB),
so later large blocks — torch's activation buffers, numpy arrays, the JSON of a build — come from the heap,
where a few long-lived objects allocated on top pin them. Measured with ``python -m eval.soak`` (16 clients,
a reload every 5 s, 2 minutes, the shipped report): resident memory grew +273 MB with the defaults and +48 MB
with the threshold fixed at 128 KiB; a ``malloc_trim`` after each reload gives back what is free at the top
of the heaps (docs/operations.md, "Memory").

So ``youju serve`` fixes the thresholds once at start (``tune``), as ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` would, and the runtime calls ``trim`` after a reload. Both do nothing where the C
library is not glibc (musl, macOS): there is nothing to tune there, and the service runs the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("youju.service")

# mallopt parameter numbers (glibc <malloc.h>).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks of this size and above are mapped on their own and unmapped when freed: 128 KiB is glibc's
# initial value; fixing it switches the dynamic threshold off. Free memory above this at the top of a heap
# is returned to the system at once.
MMAP_THRESHOLD_BYTES = 128 * 1024
TRIM_THRESHOLD_BYTES = 128 * 1024


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def tune() -> bool:
    """Fix glibc's mmap and trim thresholds for this process; False where that is not possible."""
    libc = _glibc()
    if libc is None:
        return False
    ok = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    if not ok:
        log.warning("could not set the allocator's thresholds; memory may grow across reloads")
    return ok


def trim() -> bool:
    """Return the free memory of the allocator's heaps to the system (after a reload dropped an index)."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
