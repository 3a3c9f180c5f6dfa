"""The engine benchmark's code path on a small corpus: a real local build of synthetic passages, published into
qdrant-client's local mode, both backends' candidates compared, both replicas loaded in fresh processes, the
report written with its tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eval import bench_engine, synth
from index.lexical import JiebaTokenizer, with_bigrams
from index.normalize import Normalizer
from tests.helpers import HashEmbedder

CORPUS = Path(__file__).resolve().parents[2] / "docs" / "corpus" / "huairou-2024-law-based-government-report.txt"


def _sources(emb: HashEmbedder) -> tuple[list[str], np.ndarray]:
    normalizer = Normalizer()
    texts: list[str] = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        norm = normalizer(line.strip())
        texts += [norm[i : i + 200] for i in range(0, len(norm), 200) if len(norm[i : i + 200]) > 10]
    return texts, emb.embed_passages(texts)


def test_engine_benchmark_at_300_passages(tmp_path: Path) -> None:
    emb = HashEmbedder(dimension=32)
    texts, vectors = _sources(emb)
    src, text = bench_engine.sources_of(texts, vectors)
    assert len(text.sentences) == len(src.sent_chars) == len(text.shown)
    tokenizer = JiebaTokenizer()
    asked = [t[:30] for t in texts[:12]]
    queries = synth.Queries(asked, emb.embed_queries(asked), [with_bigrams(q, tokenizer(q)) for q in asked])

    res = bench_engine.run(300, src, text, queries, emb.model_id, tmp_path, engine_queries=12, search_queries=4)

    c = res["candidates"]
    assert c["compared"] == 12
    assert c["top10_identical_share"] >= 0.75 and c["top10_overlap_mean"] >= 0.9
    assert res["publish"]["passages_per_s"] > 0 and res["publish"]["disk_mb"] > 0
    emb_r, eng_r = res["replica"]["embedded"], res["replica"]["engine"]
    assert emb_r["embed_misses"] == 0 and eng_r["embed_misses"] == 0
    assert eng_r["full"]["n"] == 4 and emb_r["full"]["n"] == 12
    assert res["sizing"]["qps_per_replica_core"] > 0

    md = bench_engine.report([res], {"command": "test", "date": "today", "machine": bench_engine.machine()})
    for heading in ("### Build and publish", "### `candidates()`", "### What a replica holds", "### Sizing"):
        assert heading in md
    assert "| qdrant, local mode" in md and "QPS per replica core" in md and "per million passages" in md
    assert "pure-Python engine" in md
