"""The ONNX encoders (``YOUJU_ENCODER=onnx`` / ``onnx-int8``): a sentence-transformers model exported once to
ONNX (optionally int8-quantised), then run with onnxruntime and the model's own fast tokenizer, without torch.

Why not sentence-transformers' own ONNX backend: it needs ``optimum-onnx``, whose releases require
transformers < 4.58 while sentence-transformers 6 requires transformers >= 5, so the two cannot be installed
together. The export is therefore done here with ``torch.onnx.export`` (the whole sentence-transformers
pipeline: transformer, pooling, normalisation, traced as one graph), fused by onnxruntime's transformer
optimizer where the model is BERT-like (one ``Attention`` node a layer instead of ~80 small ones), and
``onnxruntime.quantization.quantize_dynamic`` (int8 weights, per channel, for the matrix products, the
attention projections and the word-embedding table).

Exports are made offline at first use and cached: for a model materialised under the cache directory in
``<model dir>/onnx/``, for any other model in ``<cache>/models/onnx-exports/<name>-<hash of its path>/``.
Each file has a sidecar ``<file>.json`` written after it, saying what it was exported from; a file without a
matching sidecar (a crash mid-export, a copied-in file, a changed source model) is exported again. Files are
written in a temporary directory beside them and moved in with one rename. An export checks itself against
the torch model (cosine of a few embeddings) before it is kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import Encoder
from index.embed.base import ONNX_EXPORT_VERSION, Vectors
from index.embed.locking import exclusive
from index.embed.models import DEFAULT_MODEL_ID, default_prefixes, resolve_model_path
from index.errors import ModelUnavailableError

#: Bump (in ``base.py``) when the export changes, so files written by an older exporter are made again.
EXPORTER_VERSION = ONNX_EXPORT_VERSION
#: An export is kept only if its embeddings of the check texts are this close (cosine) to the torch model's.
MIN_EXPORT_COSINE = {"onnx": 0.9999, "onnx-int8": 0.99}
#: Hugging Face ``model_type`` values whose exports onnxruntime's BERT fusions apply to (encoder-only, post-LN).
FUSABLE_MODEL_TYPES = frozenset({"bert", "roberta", "xlm-roberta"})
# Texts of different lengths, so the traced graph sees padding (a batch without padding lets transformers
# drop the attention mask, and a trace of that would ignore masks forever).
_CHECK_TEXTS = (
    "query: 怀柔区2024年法治政府建设情况如何",
    "passage: 推进严格规范公正文明执法，全面落实行政执法三项制度，行政复议和应诉工作进一步规范。",
    "query: What did the report say about administrative reconsideration?",
    "passage: 一",
)

logger = logging.getLogger("youju.embed")


def quantization_target() -> tuple[str, bool]:
    """(name, reduce_range) of the int8 configuration for this CPU, as optimum names them: with VNNI
    (AVX-512 or AVX) int8 products cannot saturate, so the full 8-bit range is used; plain AVX2 keeps 7-bit
    weights (``reduce_range``) to avoid overflow in its u8*s8 instructions; ARM has no such limit."""
    if platform.machine().lower() in ("aarch64", "arm64"):
        return "arm64", False
    flags: set[str] = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if "avx512_vnni" in flags:
        return "avx512_vnni", False
    if "avx_vnni" in flags:
        return "avx_vnni", False
    return "avx2", True


def export_file_name(encoder: Encoder) -> str:
    """``model.onnx`` or ``model_qint8_<cpu config>.onnx`` (sentence-transformers' naming)."""
    if encoder == "onnx-int8":
        return f"model_qint8_{quantization_target()[0]}.onnx"
    if encoder == "onnx":
        return "model.onnx"
    raise ValueError(f"{encoder!r} is not an ONNX encoder")


def export_dir(model_path: Path, cache_dir: Path) -> Path:
    """Where the exports of the model at ``model_path`` live (see the module docstring)."""
    model_path = model_path.resolve()
    models = (Path(cache_dir) / "models").resolve()
    if model_path.is_relative_to(models) and model_path != models:
        return model_path / "onnx"
    tag = hashlib.sha256(str(model_path).encode()).hexdigest()[:10]
    return models / "onnx-exports" / f"{model_path.name}-{tag}"


def source_fingerprint(model_path: Path) -> str:
    """Names, sizes and modification times of the model's files (not its exports): changes when it does."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(model_path):
        dirs[:] = sorted(d for d in dirs if d != "onnx" and not d.startswith("."))
        for name in sorted(files):
            p = Path(root) / name
            with contextlib.suppress(OSError):
                st = p.stat()
                h.update(f"{p.relative_to(model_path)}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1e".encode())
    return h.hexdigest()


def _ort_version() -> str:
    try:
        return importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class ExportInfo:
    """The sidecar of an export: what it was made from and how to feed it."""

    file: Path
    dimension: int
    input_names: tuple[str, ...]
    max_length: int
    pad_id: int
    pad_token: str
    lowercase: bool


def _marker_path(file: Path) -> Path:
    return file.with_name(file.name + ".json")


def read_export(file: Path, model_path: Path, encoder: Encoder) -> ExportInfo | None:
    """The export at ``file`` if complete and made from the model as it is now, else ``None``."""
    try:
        marker = json.loads(_marker_path(file).read_text(encoding="utf-8"))
        size = file.stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict):
        return None
    expected = {
        "exporter_version": EXPORTER_VERSION,
        "encoder": encoder,
        "source_fingerprint": source_fingerprint(model_path),
        "bytes": size,
    }
    if any(marker.get(k) != v for k, v in expected.items()):
        return None
    try:
        return ExportInfo(
            file=file,
            dimension=int(marker["dimension"]),
            input_names=tuple(str(n) for n in marker["input_names"]),
            max_length=int(marker["max_length"]),
            pad_id=int(marker["pad_id"]),
            pad_token=str(marker["pad_token"]),
            lowercase=bool(marker["lowercase"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _load_for_export(model_path: Path) -> Any:
    """The sentence-transformers model, with the plain ("eager") attention of Hugging Face models where it
    has one: its traced graph is the pattern onnxruntime's transformer optimizer fuses (the default SDPA
    attention traces into ~25 shape nodes a layer that no fusion recognises)."""
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(
            str(model_path), device="cpu", local_files_only=True, model_kwargs={"attn_implementation": "eager"}
        )
    except Exception:  # noqa: BLE001 - a model without that option: its default attention
        return SentenceTransformer(str(model_path), device="cpu", local_files_only=True)


def _fuse(fp32: Path, st_model: Any, work: Path) -> tuple[Path, dict[str, int]] | None:
    """``fp32`` with onnxruntime's BERT fusions (one ``Attention`` node a layer, skip-layer-norms, bias-GELU,
    the embedding layer norm), or ``None`` where the model is not of that family or nothing fused. On
    e5-small: 997 nodes become 116, and an int8 question 7-9 % faster (docs/performance-encoder.md)."""
    config: Any = getattr(getattr(st_model[0], "auto_model", None), "config", None)
    if getattr(config, "model_type", None) not in FUSABLE_MODEL_TYPES:
        return None
    from onnxruntime.transformers.optimizer import optimize_model

    with _quiet_loggers("fusion", "onnx_model", "onnxruntime"):
        opt = optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
            opt_level=0,  # the Python fusions only; onnxruntime applies its own when a session opens
        )
        stats = {k: int(v) for k, v in opt.get_fused_operator_statistics().items() if v}
        if stats.get("Attention", 0) < int(config.num_hidden_layers):
            return None
        out = work / "fused.onnx"
        opt.save_model_to_file(str(out))
    return out, stats


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    _, reduce_range = quantization_target()
    with _quiet_loggers("", "onnxruntime"):  # "consider pre-processing": meant for static quantisation
        quantize_dynamic(
            str(fp32),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,  # per-tensor scales cost ~0.01 cosine on e5-small; per channel ~0.003
            reduce_range=reduce_range,
            # Gather: the 250k-word embedding table, 4x smaller; Attention and EmbedLayerNormalization are
            # where a fused graph keeps the query/key/value weights and that table.
            op_types_to_quantize=["MatMul", "Gather", "Attention", "EmbedLayerNormalization"],
            # The fused nodes are onnxruntime's own ops, which ONNX shape inference cannot type.
            extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
        )


def _export(model_path: Path, encoder: Encoder, work: Path) -> tuple[Path, dict[str, Any]]:
    """Export (and quantise) the model into ``work``; returns the file and its sidecar's content. Needs torch.
    The fused graph is kept if it passes the parity check, else the plain one (which must)."""
    import torch

    model = _load_for_export(model_path)
    model.eval()
    first = model[0]
    hf_tokenizer = getattr(first, "tokenizer", None)
    if not (model_path / "tokenizer.json").is_file() or hf_tokenizer is None:
        raise ModelUnavailableError(
            f"model {model_path} has no fast tokenizer (tokenizer.json): it cannot run as ONNX; use YOUJU_ENCODER=torch"
        )
    features = {k: v for k, v in model.preprocess(list(_CHECK_TEXTS)).items() if isinstance(v, torch.Tensor)}
    names = tuple(features)

    class Pipeline(torch.nn.Module):
        def __init__(self, st: torch.nn.Module) -> None:
            super().__init__()
            self.st = st

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.st(dict(zip(names, inputs, strict=True)))["sentence_embedding"]
            return out

    fp32 = work / "traced.onnx"
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"sentence_embedding": {0: "batch"}}
    with torch.no_grad(), _quiet_warnings():  # the tracer's warnings do not apply (see _CHECK_TEXTS)
        torch.onnx.export(
            Pipeline(model).eval(),
            tuple(features[n] for n in names),
            str(fp32),
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, dynamic axes as named
            input_names=list(names),
            output_names=["sentence_embedding"],
            dynamic_axes=axes,
            opset_version=17,
        )
    dim = model.get_embedding_dimension()
    meta: dict[str, Any] = {
        "exporter_version": EXPORTER_VERSION,
        "encoder": encoder,
        "source_fingerprint": source_fingerprint(model_path),
        "source": str(model_path),
        "dimension": int(dim or 0),
        "input_names": list(names),
        "max_length": int(model.max_seq_length or 512),
        "pad_id": int(hf_tokenizer.pad_token_id if hf_tokenizer.pad_token_id is not None else 0),
        "pad_token": str(hf_tokenizer.pad_token or ""),
        "lowercase": bool(getattr(first, "do_lower_case", False)),
        "quantization": quantization_target()[0] if encoder == "onnx-int8" else None,
        "onnxruntime": _ort_version(),
        "torch": torch.__version__,
        "created_unix": int(time.time()),
    }
    # Check the whole runner (tokenizer + graph) against sentence-transformers before keeping the file.
    ref = model.encode(list(_CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    info = ExportInfo(
        file=fp32,
        dimension=meta["dimension"],
        input_names=names,
        max_length=meta["max_length"],
        pad_id=meta["pad_id"],
        pad_token=meta["pad_token"],
        lowercase=meta["lowercase"],
    )

    def check(graph: Path) -> tuple[Path, float]:
        """The file the encoder would run (``graph``, or its int8 version) and its worst cosine to torch."""
        file = graph.with_name(f"{graph.stem}.int8.onnx") if encoder == "onnx-int8" else graph
        if encoder == "onnx-int8":
            _quantize(graph, file)
        runner = OnnxRunner(dataclasses.replace(info, file=file), model_path, threads=0)
        got = runner.encode(list(_CHECK_TEXTS), batch_size=len(_CHECK_TEXTS))
        return file, float(np.min(np.sum(np.asarray(ref, dtype=np.float32) * got, axis=1)))

    fused = None
    try:
        fused = _fuse(fp32, model, work)
    except Exception as e:  # noqa: BLE001 - the optimizer is best effort: the plain graph serves
        logger.warning("cannot fuse the ONNX graph of %s (%s: %s); using it unfused", model_path, type(e).__name__, e)
    meta["fused"] = {}
    if fused is not None:
        file, cos = check(fused[0])
        if cos >= MIN_EXPORT_COSINE[encoder]:
            meta["fused"] = fused[1]
        else:
            logger.warning("the fused ONNX graph of %s is off (cosine %.4f); using it unfused", model_path, cos)
    if not meta["fused"]:
        file, cos = check(fp32)
    if cos < MIN_EXPORT_COSINE[encoder]:
        raise ModelUnavailableError(
            f"the {encoder} export of {model_path} differs from the model (cosine {cos:.4f} < "
            f"{MIN_EXPORT_COSINE[encoder]}); use YOUJU_ENCODER=torch"
        )
    meta["check_min_cosine"] = round(cos, 6)
    meta["bytes"] = file.stat().st_size
    return file, meta


class _OnlyErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@contextlib.contextmanager
def _quiet_loggers(*prefixes: str) -> Iterator[None]:
    """Records below ERROR made on the loggers whose names start with ``prefixes`` ("" is the root logger
    itself) are dropped during the block: onnxruntime's tools log every fusion step at INFO. A logger's filter
    sees only its own records, so nothing else that reaches the root logger is touched."""
    names = [n for n in list(logging.Logger.manager.loggerDict) if any(p and n.startswith(p) for p in prefixes)]
    loggers = [logging.getLogger(n) for n in names] + ([logging.getLogger()] if "" in prefixes else [])
    only_errors = _OnlyErrors()
    for log in loggers:
        log.addFilter(only_errors)
    try:
        yield
    finally:
        for log in loggers:
            log.removeFilter(only_errors)


@contextlib.contextmanager
def _quiet_warnings() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def ensure_export(model_path: Path, cache_dir: Path, encoder: Encoder) -> ExportInfo:
    """The export of ``model_path`` for ``encoder``, made first if missing, partial or stale (needs torch
    then, and ~20 s for e5-small). Raises :class:`ModelUnavailableError` when the model cannot be exported."""
    model_path = Path(model_path)
    directory = export_dir(model_path, cache_dir)
    file = directory / export_file_name(encoder)
    info = read_export(file, model_path, encoder)
    if info is not None:
        return info
    directory.mkdir(parents=True, exist_ok=True)
    with exclusive(directory / f".{file.name}.lock"):
        info = read_export(file, model_path, encoder)
        if info is not None:  # another process made it while we waited
            return info
        logger.info("exporting %s to %s (one-off, offline)", model_path, file)
        t0 = time.perf_counter()
        work = Path(tempfile.mkdtemp(prefix=f".{file.name}.tmp-", dir=directory))
        try:
            made, meta = _export(model_path, encoder, work)
            # The sidecar goes last: a file without it (a crash between the two renames) is made again.
            with contextlib.suppress(FileNotFoundError):
                _marker_path(file).unlink()
            os.replace(made, file)
            tmp_marker = work / "marker.json"
            tmp_marker.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp_marker, _marker_path(file))
        except ModelUnavailableError:
            raise
        except Exception as e:  # noqa: BLE001 - disk full, an unexportable architecture...: unavailable
            raise ModelUnavailableError(
                f"could not export {model_path} to ONNX ({type(e).__name__}: {e}); use YOUJU_ENCODER=torch"
            ) from e
        finally:
            shutil.rmtree(work, ignore_errors=True)
        logger.info("exported %s in %.1fs", file, time.perf_counter() - t0)
    info = read_export(file, model_path, encoder)
    if info is None:  # pragma: no cover - the source changed during the export
        raise ModelUnavailableError(f"the ONNX export {file} changed while it was written; try again")
    return info


# Microseconds a thread of a multi-threaded session spins for work before it sleeps: long enough for the
# steps of one call, short enough to leave the cores alone between calls. Two workers on 2 cores, interleaved
# runs on the shipped report (eval/loadgen.py): 16 clients 366 / 350 requests/s and one client's median
# 4.9 / 5.0 ms, against 295 / 279 and 4.8 / 5.0 with the default spinning, 322 / 365 and 6.9 / 6.9 without.
SPIN_US = 100


class OnnxRunner:
    """Tokenizer + onnxruntime session of one export: texts in, L2-normalised float32 vectors out.

    ``idle_threads`` > ``threads`` (> 0) adds a second session of the same file with more threads, for
    ``encode(..., idle=True)``: a question embedded while no other call runs (``service/batching.py``). The
    tokenizer is shared (it is the larger part: 282 MB for e5's 250k-piece vocabulary, against 141 MB for an
    int8 session)."""

    def __init__(self, info: ExportInfo, model_path: Path, *, threads: int, idle_threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.info = info
        tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=info.max_length)
        tokenizer.enable_padding(pad_id=info.pad_id, pad_token=info.pad_token)
        self._tokenizer = tokenizer

        def session(n: int) -> Any:
            options = ort.SessionOptions()
            if n:
                options.intra_op_num_threads = n
            options.inter_op_num_threads = 1
            if n > 1:
                # The pool's threads spin this long for work before they sleep (onnxruntime's default spins
                # much longer, so a session used now and then kept a core busy between calls: with two
                # workers, one client kept the machine 98 % busy and the other worker's calls waited).
                options.add_session_config_entry("session.intra_op.spin_duration_us", str(SPIN_US))
            return ort.InferenceSession(str(info.file), options, providers=["CPUExecutionProvider"])

        self._session = session(threads)
        self._idle_session = session(idle_threads) if threads and idle_threads > threads else None

    @property
    def has_idle_session(self) -> bool:
        return self._idle_session is not None

    def _run(self, texts: list[str], idle: bool = False) -> Vectors:
        encs = self._tokenizer.encode_batch([t.lower() for t in texts] if self.info.lowercase else texts)
        columns = {
            "input_ids": [e.ids for e in encs],
            "attention_mask": [e.attention_mask for e in encs],
            "token_type_ids": [e.type_ids for e in encs],
        }
        feed = {n: np.asarray(columns[n], dtype=np.int64) for n in self.info.input_names}
        session = self._idle_session if idle and self._idle_session is not None else self._session
        out = np.asarray(session.run(["sentence_embedding"], feed)[0], dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normalised: Vectors = (out / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
        return normalised

    def encode(self, texts: list[str], *, batch_size: int, progress: bool = False, idle: bool = False) -> Vectors:
        """Like sentence-transformers: longest texts first, so each batch pads little; original order back.
        ``idle``: on the session with more threads, if there is one."""
        out = np.zeros((len(texts), self.info.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        starts = range(0, len(order), batch_size)
        bar: Any = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="embedding", unit="passage")
        for start in starts:
            idx = order[start : start + batch_size]
            out[idx] = self._run([texts[i] for i in idx], idle)
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out


class OnnxEmbedder:
    """The ``Embedder`` of a sentence-transformers model run as ONNX (fp32 or int8). Vectors are compatible
    with the torch encoder's (cosine >= 0.99 for int8, tested), so ``model_id`` is the model's own."""

    def __init__(
        self,
        model_id: str = DEFAULT_MODEL_ID,
        *,
        cache_dir: Path,
        encoder: Encoder = "onnx-int8",
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        threads: int = 0,
        idle_threads: int = 0,
    ) -> None:
        if encoder == "torch":
            raise ValueError("OnnxEmbedder runs the ONNX encoders; use SentenceTransformerEmbedder for torch")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.model_id = model_id
        self.encoder: str = encoder
        qp, pp = default_prefixes(model_id)
        self.query_prefix = qp if query_prefix is None else query_prefix
        self.passage_prefix = pp if passage_prefix is None else passage_prefix
        self.batch_size = batch_size
        path = Path(resolve_model_path(model_id, cache_dir))
        if not path.is_dir():
            raise ModelUnavailableError(
                f"cannot load embedding model {model_id!r} offline for ONNX: not a local directory or a cached "
                "model. Use a local directory, a model already in the Hugging Face cache, or the default."
            )
        info = ensure_export(path, cache_dir, encoder)
        # idle_threads: a second session for questions embedded while no other call runs. On 2 cores a lone
        # question takes about two thirds of the time on two threads, while concurrent calls go faster on
        # one core each (service/batching.py).
        try:
            self._runner = OnnxRunner(info, path, threads=threads, idle_threads=idle_threads)
        except Exception:  # noqa: BLE001 - a damaged file that kept its size: export again, once
            logger.warning("cannot open %s; exporting it again", info.file)
            _marker_path(info.file).unlink(missing_ok=True)
            info = ensure_export(path, cache_dir, encoder)
            self._runner = OnnxRunner(info, path, threads=threads, idle_threads=idle_threads)
        self.dimension = info.dimension

    def _encode(self, texts: list[str], prefix: str, progress: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._runner.encode([prefix + t for t in texts], batch_size=self.batch_size, progress=progress)

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, self.query_prefix, False)

    def embed_queries_idle(self, texts: list[str]) -> Vectors:
        """``embed_queries`` for a caller that knows no other encoder call runs: on the session with
        ``idle_threads`` threads where there is one. Its vectors equal ``embed_queries``' to float rounding."""
        if not texts:
            return self.embed_queries(texts)
        return self._runner.encode([self.query_prefix + t for t in texts], batch_size=self.batch_size, idle=True)

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors:
        return self._encode(texts, self.passage_prefix, progress)
