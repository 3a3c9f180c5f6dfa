"""CPU threads of the encoders, set once per process (``YOUJU_THREADS``, ``index.pipeline.set_threads``).

torch is configured only if it is already imported, or when a torch model is loaded later
(``apply_torch_threads``): the ONNX encoders serve without importing torch at all.
"""

from __future__ import annotations

import sys

_threads = 0
_idle_threads = 0


def set_threads(n: int, idle: int = 0) -> None:
    """Threads for encoders created from now on (0 = the libraries' default: all cores); torch's now if loaded.
    ``idle``: more threads for a question embedded while no other encoder call runs (``OnnxEmbedder``
    ``.embed_queries_idle``; 0 = none), where a server gives each concurrent call one core."""
    global _threads, _idle_threads
    _threads = max(0, n)
    _idle_threads = max(0, idle)
    apply_torch_threads()


def configured_threads() -> int:
    return _threads


def configured_idle_threads() -> int:
    return _idle_threads


def apply_torch_threads() -> None:
    """Give torch the configured thread count, if torch is imported (call after loading a torch model)."""
    torch = sys.modules.get("torch")
    if _threads and torch is not None:
        torch.set_num_threads(_threads)
