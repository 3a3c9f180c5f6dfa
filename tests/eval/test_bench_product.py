"""The product-loader benchmark's code path on a small corpus: a real build of synthetic passages through the
product's writers (IVF forced, as ``auto`` picks it at scale), loaded and searched in a fresh process."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import bench_engine, bench_product, synth
from index import store
from index.lexical import JiebaTokenizer, with_bigrams
from tests.eval.test_bench_engine import _sources
from tests.helpers import HashEmbedder


@pytest.mark.slow
def test_product_benchmark_at_2000_passages(tmp_path: Path) -> None:
    emb = HashEmbedder(dimension=32)
    texts, vectors = _sources(emb)
    sources = bench_engine.sources_of(texts, vectors)
    tokenizer = JiebaTokenizer()
    asked = [t[:30] for t in texts[:20]]
    queries = synth.Queries(asked, emb.embed_queries(asked), [with_bigrams(q, tokenizer(q)) for q in asked])

    res = bench_product.run(2000, tmp_path / "work", sources, queries, emb.model_id, ann_kind="ivf")

    build = Path(res["build"])
    assert store.read_manifest(build).ann == "ivf" and (build / "rows" / "passages.offsets.npy").is_file()
    s = res["serve"]
    assert s["passages"] == 2000 and s["lazy"] and s["ann"] == "ivf" and s["questions"] == 20
    assert 0.5 <= s["recall@10"] <= 1.0
    assert s["load_s"] > 0 and 0 < s["warm"]["p50_ms"] <= s["warm"]["p95_ms"]
    assert s["rss_after_questions_mb"] >= s["rss_before_load_mb"] > 0
