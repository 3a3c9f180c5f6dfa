"""Rerankers, chosen by name (``YOUJU_RERANKER``); ``none`` means the fused scores stand."""

from __future__ import annotations

from collections.abc import Callable

from index.rerank.base import Reranker

__all__ = ["RERANKERS", "Reranker", "create"]

# name -> factory; trained rerankers register here.
RERANKERS: dict[str, Callable[[], Reranker]] = {}


def create(name: str) -> Reranker | None:
    if name == "none":
        return None
    try:
        return RERANKERS[name]()
    except KeyError:
        raise ValueError(f"unknown reranker {name!r}; choose one of {['none', *sorted(RERANKERS)]}") from None
