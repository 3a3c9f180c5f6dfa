"""Optical character recognition for scanned pages, offline.

The engine is RapidOCR (``rapidocr_onnxruntime``, Apache-2.0): PaddleOCR's Chinese/English detection and
recognition models, shipped inside the wheel and run by onnxruntime on the CPU; nothing is downloaded. It is
an optional dependency (``pip install -e ".[ocr]"``, which ``make run`` and ``make test`` install): without
it a scanned page is reported per file ("no OCR engine installed") and the rest of the corpus is indexed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("youju.ocr")


@dataclass(frozen=True)
class OcrLine:
    """One recognised line, in the image's pixel coordinates (origin top left)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float


class OcrEngine(Protocol):
    name: str

    def read_lines(self, image: Any) -> list[OcrLine]:
        """Lines of text in a PIL image, top to bottom."""
        ...


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR  # models ship inside the package

        self._engine = RapidOCR()
        self._lock = threading.Lock()  # one recognition at a time: onnxruntime already uses every core

    def read_lines(self, image: Any) -> list[OcrLine]:
        import numpy as np

        with self._lock:
            found, _ = self._engine(np.asarray(image.convert("RGB")))
        lines = []
        for box, text, score in found or []:
            xs = [float(p[0]) for p in box]
            ys = [float(p[1]) for p in box]
            if str(text).strip():
                lines.append(OcrLine(str(text).strip(), min(xs), min(ys), max(xs), max(ys), float(score)))
        lines.sort(key=lambda ln: (round(ln.top / 8), ln.x0))
        return lines


_engine: OcrEngine | None = None
_checked = False
_lock = threading.Lock()


def default_engine() -> OcrEngine | None:
    """The installed OCR engine (loaded once), or None when there is none."""
    global _engine, _checked
    with _lock:
        if not _checked:
            _checked = True
            try:
                _engine = RapidOcrEngine()
            except ImportError:
                log.info("no OCR engine installed (pip install rapidocr_onnxruntime)")
            except Exception as e:  # noqa: BLE001 - a broken engine must not stop the build
                log.warning("the OCR engine could not start: %s", e)
        return _engine
