"""Fit the logistic answer decision of ``index/answerability/logistic.py`` on data.

    python -m eval.calibrate_noanswer [--negatives 600] [--min-recall 0.90] [--near-miss-weight 5]

Two deployments, each question asked against its own index:

* the Huairou report alone (``huairou-gold``: answerable questions and near misses written for it);
* the multi-document estate (``multidoc-gold``: 9 documents in 6 formats, with unanswerable questions
  that name another year, another district, or a topic the documents only brush against).

Negatives besides the gold sets' unanswerable questions: CMRC2018 dev questions (Wikipedia trivia, which
neither corpus answers), half asked of each index, and the English off-topic questions of
eval/gold/calibration_negatives_en.txt, asked of both.
Gold questions with an even number, and even-numbered negatives, fit the model; the others are held out
and reported per deployment. The features are ``logistic.features`` (dense cosine and idf-weighted term
coverage of the top result, no-Chinese flag, share of terms the corpus never uses, how far the corpus is
from the year/place the question names, whether the best result is of or mentions that year, whether it
states the unit asked for, and its margin over the second-best paragraph). The gold sets' unanswerable
questions weigh ``--near-miss-weight`` times a trivia question in the fit: they are the near misses a
citizen meets, and 600 easy trivia questions would otherwise decide the model. The threshold is the
highest that keeps the fitting half's answerable recall >= ``--min-recall`` (answer nine in ten answerable
questions, refuse as much as possible beyond that); a table of other thresholds follows, for operators who
set YOUJU_NO_ANSWER_THRESHOLD to trade one against the other.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass

import numpy as np

from eval.datasets import GOLD_DIR, SHARED, load_set
from eval.retrieval import open_resolved, query_vectors
from index.answerability import logistic
from index.config import Settings
from index.pipeline import make_embedder, set_threads
from index.search import Searcher

SEED = 20241


def feature_matrix(searcher: Searcher, texts: list[str], vecs: np.ndarray) -> np.ndarray:
    """One row of ``logistic.features`` per question, from its ranking."""
    rows = []
    for t, v in zip(texts, vecs, strict=True):
        r = searcher.rank(t, query_vector=v, depth=1)
        rows.append(logistic.features(r.signals(t)))
    return np.array(rows, dtype=np.float64)


@dataclass
class Group:
    """Questions asked of one index: features, labels (1 answerable), fitting mask, source of each row."""

    name: str
    X: np.ndarray
    labels: np.ndarray
    fit: np.ndarray
    gold: np.ndarray  # True for the gold set's own questions, False for added negatives


def embedder_name(embedder: object) -> str:
    return str(getattr(embedder, "query_encoder", getattr(embedder, "encoder", "?")))


def _number(qid: str) -> int:
    return int(qid.split("-")[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--negatives", type=int, default=600, help="CMRC2018 questions used as negatives (split in two)")
    ap.add_argument("--min-recall", type=float, default=0.90, help="answerable recall the threshold keeps")
    ap.add_argument("--near-miss-weight", type=float, default=5.0, help="weight of a gold unanswerable question")
    ap.add_argument(
        "--threshold-only",
        action="store_true",
        help="keep logistic.py's coefficients and choose only the threshold, by the same rule (for another "
        "query encoder, whose scores shift slightly: docs/performance-encoder.md)",
    )
    args = ap.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    settings = Settings()
    set_threads(settings.threads)
    embedder = make_embedder(settings)
    cmrc = json.loads((SHARED / "cmrc2018_dev.json").read_text(encoding="utf-8"))
    trivia = [q["question"] for a in cmrc["data"] for p in a["paragraphs"] for q in p["qas"]]
    random.Random(SEED).shuffle(trivia)
    trivia = trivia[: args.negatives]
    english = [
        line.strip()
        for line in (GOLD_DIR / "calibration_negatives_en.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    halves = {"huairou-gold": trivia[0::2], "multidoc-gold": trivia[1::2]}

    groups: list[Group] = []
    for set_name, negatives in halves.items():
        evalset, searcher, _, _ = open_resolved(load_set(set_name, settings), settings, embedder)
        extra = negatives + english
        texts = [q.text for q in evalset.questions] + extra
        vecs = query_vectors(embedder, searcher, texts, settings.cache_dir / "eval-queries")
        n = len(evalset.questions)
        parity = [_number(q.qid) % 2 == 0 for q in evalset.questions] + [i % 2 == 0 for i in range(len(extra))]
        groups.append(
            Group(
                set_name,
                feature_matrix(searcher, texts, vecs),
                np.array([1 if q.gold else 0 for q in evalset.questions] + [0] * len(extra)),
                np.array(parity),
                np.arange(len(texts)) < n,
            )
        )
    X = np.vstack([g.X for g in groups])
    labels = np.concatenate([g.labels for g in groups])
    fit = np.concatenate([g.fit for g in groups])
    near_miss = np.concatenate([g.gold & (g.labels == 0) for g in groups])
    weight = np.where(near_miss, args.near_miss_weight, 1.0)

    if args.threshold_only:
        weights = np.array(logistic.WEIGHTS, dtype=np.float64)
        bias = logistic.BIAS
    else:
        model = LogisticRegression(C=10.0, max_iter=5000).fit(X[fit], labels[fit], sample_weight=weight[fit])
        weights = np.array(model.coef_[0], dtype=np.float64)
        bias = float(model.intercept_[0])

    def conf(x: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-(x @ weights + bias))))

    def rates(x: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float, float]:
        said = conf(x) >= t
        pos, neg = y == 1, y == 0
        recall = float(said[pos].mean()) if pos.any() else float("nan")
        caught = float((~said[neg]).mean()) if neg.any() else float("nan")
        precision = float((~said & neg).sum() / max(1, (~said).sum()))
        return recall, caught, precision

    gold = np.concatenate([g.gold for g in groups])

    def balanced(mask: np.ndarray, t: float) -> tuple[float, float]:
        """(answerable recall, mean of near misses refused and added negatives refused) on ``mask``."""
        rec, near, _ = rates(X[mask & gold], labels[mask & gold], t)
        _, other, _ = rates(X[mask & ~gold], labels[mask & ~gold], t)
        return rec, (near + other) / 2

    # Refuse as much as possible while the fitting half's answerable questions are still answered at
    # --min-recall: nine in ten answerable questions answered is the promise; the rest is refusal.
    best_t = 0.01
    for t in np.linspace(0.01, 0.99, 99):
        rec, _ = balanced(fit, float(t))
        if rec >= args.min_recall:
            best_t = float(t)
    names = ("W_DENSE", "W_COVERAGE", "W_FOREIGN", "W_UNKNOWN", "W_SCOPE", "W_YEAR", "W_UNIT", "W_MARGIN")
    if not args.threshold_only:
        print("\n".join(f"{k} = {w:.4f}" for k, w in zip(names, weights, strict=True)))
        print(f"BIAS = {bias:.4f}")
    print(f"THRESHOLD = {best_t:.2f}  (query encoder {embedder_name(embedder)})\n")
    print("| questions | half | answerable answered | unanswerable refused | no-answer precision | n (unanswerable) |")
    print("|---|---|---|---|---|---|")
    for g in groups:
        for label, mask in [
            ("gold set", g.gold),
            ("gold set", g.gold & ~g.fit),
            ("added negatives", ~g.gold & ~g.fit),
        ]:
            half = "all" if mask is g.gold else "held-out"
            rec, caught, prec = rates(g.X[mask], g.labels[mask], best_t)
            print(
                f"| {g.name} {label} | {half} | {rec:.3f} | {caught:.3f} | {prec:.3f} | "
                f"{int(mask.sum())} ({int((g.labels[mask] == 0).sum())}) |"
            )
    print("\nOther thresholds (YOUJU_NO_ANSWER_THRESHOLD), all questions of each gold set / added negatives:\n")
    print("| threshold | " + " | ".join(f"{g.name} answered | refused | negatives refused" for g in groups) + " |")
    print("|---" * (1 + 3 * len(groups)) + "|")
    for t in sorted({round(float(x), 2) for x in np.arange(0.05, 0.61, 0.05)} | {round(best_t, 2)}):
        cells = []
        for g in groups:
            rec, caught, _ = rates(g.X[g.gold], g.labels[g.gold], float(t))
            _, other, _ = rates(g.X[~g.gold], g.labels[~g.gold], float(t))
            cells += [f"{rec:.3f}", f"{caught:.3f}", f"{other:.3f}"]
        mark = f"**{t:.2f} (chosen)**" if abs(t - best_t) < 1e-9 else f"{t:.2f}"
        print(f"| {mark} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
