"""The calibrated logistic answer decision: pure arithmetic on the best result's signals.

Signals of the question and its top result: its dense cosine to the question (topical closeness) and the
idf-weighted share of the question's terms it contains (``coverage``; terms the corpus never uses weigh
as much as its rarest term, so off-topic questions score low). They are combined by a logistic model
whose coefficients and threshold were fitted by ``eval/calibrate_noanswer.py`` — see
``docs/retrieval.md`` for the data and the figures.
"""

from __future__ import annotations

import math
import re

from index.answerability.base import Decision, Signals

# Fitted by `python -m eval.calibrate_noanswer` (output and held-out figures in docs/retrieval.md).
# Refit when the model, the fusion or the coverage definition changes.
W_DENSE = 12.8157
W_COVERAGE = 2.4637
W_FOREIGN = 0.4396
W_UNKNOWN = -0.5992
W_SCOPE = -3.3996
W_YEAR = -3.6974
W_UNIT = -3.1687
W_MARGIN = 3.6409
BIAS = -13.2059
WEIGHTS = (W_DENSE, W_COVERAGE, W_FOREIGN, W_UNKNOWN, W_SCOPE, W_YEAR, W_UNIT, W_MARGIN)  # in features() order
# The highest confidence that keeps >= 90% of the gold sets' answerable questions answered (fitting half):
# nine in ten answered is the promise, refusal beyond that. Other thresholds: docs/retrieval.md.
THRESHOLD = 0.20
# Another query encoder shifts the confidences a little (its cosines differ from torch's by up to 0.006),
# so each may get its own threshold (docs/performance-encoder.md; `python -m eval.calibrate_noanswer
# --threshold-only` prints the rule's threshold for the configured encoder). The last fit was made with the
# default onnx-int8 encoder and the same rule gave 0.20 for torch and for fp32 onnx too.
THRESHOLDS = {"torch": THRESHOLD, "onnx": THRESHOLD, "onnx-int8": THRESHOLD}

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def features(signals: Signals) -> tuple[float, float, float, float, float, float, float, float]:
    """(dense cosine, term coverage, 1 if the question has no Chinese character else 0, unknown share,
    scope unmatched, year missing, unit missing, margin).

    A question in another language than the corpus (English) shares no terms with it: its coverage and
    unknown share are those of its words' dictionary translations (``index/translate.py``: the share of its
    words and phrases whose translation the best passage holds, and the idf share of those the corpus has no
    word for); the third feature lets the model shift its intercept for such questions.
    ``unknown_share`` is the idf share of the question's terms that no passage contains (护照 in
    怎么办理护照): topics the corpus never mentions. ``scope_unmatched`` is 1 when the question names a
    place or a year that no document covers (洪泽区…, when no document is about 洪泽区; 0.5 when documents
    only mention the year). ``year_missing``: the best result is not of the year named (of its heading's
    year where a section heading names one, else of its document's year or a year its text mentions).
    ``unit_missing``: the question asks for a figure in 张, 天, 元…, or how or where to apply, and the best
    result never states one (``index/answertype.py``).
    ``margin``: how far the best paragraph's fused score is ahead of the second's; a near miss tends to be
    one of several equally plausible passages, an answer stands out."""
    foreign = 0.0 if _CJK.search(signals.query) else 1.0
    unknown = signals.unknown_share
    return (
        signals.dense_top,
        signals.coverage_top,
        foreign,
        unknown,
        signals.scope_unmatched,
        signals.year_missing,
        signals.unit_missing,
        signals.margin,
    )


def confidence(signals: Signals) -> float:
    d, c, foreign, unknown, scope, year, unit, margin = features(signals)
    z = (
        W_DENSE * d
        + W_COVERAGE * c
        + W_FOREIGN * foreign
        + W_UNKNOWN * unknown
        + W_SCOPE * scope
        + W_YEAR * year
        + W_UNIT * unit
        + W_MARGIN * margin
        + BIAS
    )
    return 1.0 / (1.0 + math.exp(-z))


class LogisticAnswerability:
    name = "logistic"

    def __init__(self, threshold: float | None = None, query_encoder: str = "torch") -> None:
        self.threshold = THRESHOLDS.get(query_encoder, THRESHOLD) if threshold is None else threshold

    def decide(self, signals: Signals) -> Decision:
        c = confidence(signals)
        return Decision(answered=c >= self.threshold, confidence=c)
