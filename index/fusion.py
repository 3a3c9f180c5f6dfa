"""Fusion of dense and lexical scores: a pure module, no I/O, no model.

Why not plain reciprocal-rank fusion: RRF throws the score margins away, so a confident lexical hit
(BM25 R@1 0.92 on DRCD) is diluted by a weak dense ranking (R@1 0.76) and the fusion lands between
the two (0.87). Score fusion keeps the margins: each side's scores are rescaled to [0, 1] over the
candidate set and mixed with a weight.

``convex`` (the default):  s = w * mm(dense) + (1 - w) * mm(bm25)

* ``mm`` is min-max over the candidate set (the union of both sides' top ``CANDIDATES``). Min-max
  rather than z-scores because BM25 score distributions are long-tailed and query-length dependent;
  min-max keeps the best lexical hit at 1 whatever the query.
* ``DENSE_WEIGHT`` was chosen on the dev sets (CMRC2018 dev and DRCD dev with tw2sp questions) by
  ``eval/tune_fusion.py``: it is the weight that maximises the worst of the two sets' MRR, so it is
  not tuned to one language situation. The table it printed is in ``docs/retrieval.md``.

``rrf`` is kept for comparison (``RRF_K = 60`` is the constant of Cormack et al. 2009).

``FIGURE_PENALTY``: a question that asks for a quantity (多少, 几, 比例, how many…) is not answered by
a passage without a single digit, so such passages lose 0.2 of the fused [0, 1] scale. Chosen on the
multi-document gold set (budget tables and narrative reports): 0.0 / 0.1 / 0.2 / 0.3 gave hybrid R@1
0.754 / 0.763 / 0.763 / 0.763 there and 0.880 / 0.876 / 0.885 / 0.885 on the Huairou gold set; see
``docs/retrieval.md``.

``RESIDUAL_PENALTY``: a passage whose subject is a residual "其他…" budget item or table row (其他城乡社区支出
（项）) loses 0.2 unless the question itself says 其他 / other: asked for a class (城乡社区支出预算多少), the
remainder line is not the answer, the class total is. Only the ``PRIOR_CANDIDATES`` best fused passages
are read for it (the rest are behind already). On the multi-document gold set 0.1 and 0.2 both gave hybrid
R@1 0.780 -> 0.788 and no-answer recall 0.720 -> 0.760; the Huairou gold set, CMRC2018 dev and DRCD dev
were unchanged (0.894, 0.988, 0.959).

``ANSWER_TYPE_PENALTY``: among the same ``PRIOR_CANDIDATES``, a passage that does not state the kind of figure
the question asks for loses 0.2 (``index/answertype.py``): a figure in the asked unit (几辆 -> 辆, 多少钱 -> 元),
a duration for 多久 / 多长时间 (20个工作日; not 每月10日), and for any other 多少 / how many a quantity other
than years, dates and list numbers (the 本报告…自2023年1月1日起至2023年12月31日止 lead paragraph states none).
A question for a date (几月几号, 什么时候, when) demotes nothing: dates answer it. Asked how or where to apply
(怎么申请行政复议, 法律援助去哪申请), a passage that names no applicant, papers, office, address, telephone number,
site or steps loses it too: a report's count of the cases is not a guide (unchanged on both gold sets, whose
only answerable how-to question, qh-037, was first already). On the multi-document gold set
hybrid R@1 went 0.788 -> 0.805 (qh-001 and qh-034 first, no question lost); the Huairou gold set kept R@1 0.894.
The same value as the residual penalty: the same kind of evidence (what the passage states), on the same scale.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Method = Literal["convex", "rrf", "dense", "bm25"]

CANDIDATES = 100
DENSE_WEIGHT = 0.4
RRF_K = 60
FIGURE_PENALTY = 0.2
RESIDUAL_PENALTY = 0.2
ANSWER_TYPE_PENALTY = 0.2
PRIOR_CANDIDATES = 20
# The cross-encoder (``YOUJU_RERANKER``) reads the RERANK_CANDIDATES best fused passages and adds
# RERANK_WEIGHT times its probability to their fused score; see ``rerank_blend``.
RERANK_CANDIDATES = 8
RERANK_WEIGHT = 0.5


def minmax(x: FloatArray) -> FloatArray:
    """Rescale to [0, 1]; a constant vector maps to zeros (it carries no preference)."""
    if x.size == 0:
        return x.astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    if hi - lo <= 1e-12:
        return np.zeros_like(x, dtype=np.float32)
    return ((x - lo) / (hi - lo)).astype(np.float32)


def _ranks(x: FloatArray) -> FloatArray:
    order = np.argsort(-x, kind="stable")
    r = np.empty(len(x), dtype=np.float32)
    r[order] = np.arange(1, len(x) + 1, dtype=np.float32)
    return r


def fuse(
    dense: FloatArray,
    lexical: FloatArray,
    method: Method = "convex",
    dense_weight: float = DENSE_WEIGHT,
) -> FloatArray:
    """Fused scores for candidates, given each side's raw scores for the same candidates (same order).

    Higher is better. ``dense`` are cosines; ``lexical`` BM25 scores (0 where no query term matches).
    """
    if dense.shape != lexical.shape:
        raise ValueError("dense and lexical scores must be aligned on the same candidates")
    if method == "dense":
        return dense.astype(np.float32)
    if method == "bm25":
        return lexical.astype(np.float32)
    if method == "rrf":
        rd = 1.0 / (RRF_K + _ranks(dense))
        # A passage with no lexical match has no lexical rank.
        rl = np.where(lexical > 0, 1.0 / (RRF_K + _ranks(lexical)), 0.0)
        return (rd + rl).astype(np.float32)
    if method == "convex":
        w = float(dense_weight)
        return (w * minmax(dense) + (1.0 - w) * minmax(lexical)).astype(np.float32)
    raise ValueError(f"unknown fusion method {method!r}")


def demote(fused: FloatArray, mask: npt.NDArray[np.bool_], penalty: float) -> FloatArray:
    """``fused`` less ``penalty`` for each candidate where ``mask`` is true (the answer-type priors)."""
    return (fused - np.where(mask, penalty, 0.0)).astype(np.float32)


def figure_prior(fused: FloatArray, has_figure: npt.NDArray[np.bool_], penalty: float = FIGURE_PENALTY) -> FloatArray:
    """``fused`` less ``penalty`` for each candidate whose passage has no figure at all."""
    return demote(fused, ~has_figure, penalty)


def rerank_top(fused: FloatArray, n: int = RERANK_CANDIDATES) -> npt.NDArray[np.int64]:
    """Positions of the ``n`` best fused candidates, best first: the ones a cross-encoder reads."""
    return np.argsort(-fused, kind="stable")[:n].astype(np.int64)


def rerank_blend(
    fused: FloatArray, positions: npt.NDArray[np.int64], probs: FloatArray, weight: float = RERANK_WEIGHT
) -> FloatArray:
    """``fused + weight * p`` for the candidates the cross-encoder read (``p`` its probability that the
    passage answers), ``fused`` for the rest, which were behind them already and stay behind."""
    out = fused.astype(np.float32, copy=True)
    out[positions] += np.float32(weight) * probs.astype(np.float32)
    return out
