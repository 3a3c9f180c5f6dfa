"""The soak test's short variant (``eval/soak.py`` runs the long one): 16 clients for a few seconds with the
index reloaded under load every few seconds; nothing but 200s and 503s with Retry-After, every reload
succeeds, memory stays flat."""

from __future__ import annotations

import os

from eval.datasets import load_gold
from eval.soak import rss_of, soak
from tests.service.helpers import ServeFn

ADMIN_KEY = "admin-key-for-the-soak-0123456789"


def test_sixteen_clients_with_reloads_under_load(serve: ServeFn) -> None:
    live = serve(admin_key=ADMIN_KEY, max_concurrent_searches=2)
    questions = list(dict.fromkeys(q.text for q in load_gold().questions))
    result = soak(
        live.url,
        questions,
        seconds=15,
        clients=16,
        reload_every=3,
        admin_key=ADMIN_KEY,
        memory=lambda: rss_of(os.getpid()),  # server and clients share this process
        sample_every=1,
    )
    assert result.requests > 100, result.lines()
    assert result.bad_count == 0, result.lines()
    assert result.reloads >= 3 and not result.reload_failures, result.lines()
    assert result.growth_mb < 150, result.lines()
