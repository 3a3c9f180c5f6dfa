"""Fit the logistic answer decision of ``index/answerability/logistic.py`` on data.

    python -m eval.calibrate_noanswer [--negatives 600]

Answerable questions: the report's gold set (eval/gold/huairou_2024.jsonl). Unanswerable questions:
the gold set's no-answer questions (near misses written for this report) plus a sample of CMRC2018 dev
questions (Wikipedia trivia, which the report cannot answer) asked against the report.
Gold questions with an even number fit the model; odd ones are held out and reported.
A logistic regression on ``logistic.features`` (dense cosine of the top result, idf-weighted term
coverage of the top result, and whether the question has no Chinese at all, where lexical coverage says
nothing; English negatives come from eval/gold/calibration_negatives_en.txt) gives the confidence;
the threshold is the lowest confidence that keeps the fitting half's
answerable recall >= ``--min-recall`` while maximising balanced accuracy.
"""

from __future__ import annotations

import argparse
import json
import random
import sys

import numpy as np

from eval.datasets import GOLD_DIR, SHARED, load_gold
from eval.retrieval import open_set, query_vectors
from index.answerability import Signals, logistic
from index.config import Settings
from index.pipeline import make_embedder, set_threads
from index.search import Searcher

SEED = 20241


def feature_matrix(searcher: Searcher, texts: list[str], vecs: np.ndarray) -> np.ndarray:
    """One row of ``logistic.features`` per question, from its ranking."""
    rows = []
    for t, v in zip(texts, vecs, strict=True):
        r = searcher.rank(t, query_vector=v, depth=1)
        rows.append(logistic.features(Signals(t, r.dense_top, r.coverage_top, r.unknown_share, r.scope_unmatched)))
    return np.array(rows, dtype=np.float64)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--negatives", type=int, default=600, help="CMRC2018 questions used as negatives")
    ap.add_argument("--min-recall", type=float, default=0.95, help="answerable recall the threshold keeps")
    args = ap.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    settings = Settings()
    set_threads(settings.threads)
    embedder = make_embedder(settings)
    gold = load_gold()
    searcher, _, _ = open_set(gold, settings, embedder)
    cmrc = json.loads((SHARED / "cmrc2018_dev.json").read_text(encoding="utf-8"))
    trivia = [q["question"] for a in cmrc["data"] for p in a["paragraphs"] for q in p["qas"]]
    random.Random(SEED).shuffle(trivia)
    trivia = trivia[: args.negatives]
    english = [
        line.strip()
        for line in (GOLD_DIR / "calibration_negatives_en.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    trivia += english

    texts = [q.text for q in gold.questions] + trivia
    labels = np.array([1 if q.gold else 0 for q in gold.questions] + [0] * len(trivia))
    fit = np.array(
        [int(q.qid.split("-")[-1]) % 2 == 0 for q in gold.questions] + [i % 2 == 0 for i in range(len(trivia))]
    )
    vecs = query_vectors(embedder, searcher, texts, settings.cache_dir / "eval-queries")
    X = feature_matrix(searcher, texts, vecs)

    model = LogisticRegression(C=10.0, max_iter=1000).fit(X[fit], labels[fit])
    w_dense, w_cov, w_foreign, w_unknown, w_scope = (float(x) for x in model.coef_[0])
    bias = float(model.intercept_[0])
    conf = 1.0 / (1.0 + np.exp(-(X @ np.array([w_dense, w_cov, w_foreign, w_unknown, w_scope]) + bias)))

    def rates(mask: np.ndarray, t: float) -> tuple[float, float, float]:
        pos, neg = labels[mask] == 1, labels[mask] == 0
        said = conf[mask] >= t
        recall = float(said[pos].mean())
        specificity = float((~said[neg]).mean())
        no_prec = float((~said & neg).sum() / max(1, (~said).sum()))
        return recall, specificity, no_prec

    best_t, best_ba = 0.5, -1.0
    for t in np.linspace(0.01, 0.99, 99):
        rec, spec, _ = rates(fit, float(t))
        if rec >= args.min_recall and (rec + spec) / 2 > best_ba:
            best_t, best_ba = float(t), (rec + spec) / 2
    print(
        f"W_DENSE = {w_dense:.4f}\nW_COVERAGE = {w_cov:.4f}\nW_FOREIGN = {w_foreign:.4f}\n"
        f"W_UNKNOWN = {w_unknown:.4f}\nW_SCOPE = {w_scope:.4f}\n"
        f"BIAS = {bias:.4f}\nTHRESHOLD = {best_t:.2f}"
    )
    gold_mask = np.arange(len(texts)) < len(gold.questions)
    foreign = X[:, 2] > 0
    for name, mask in [
        ("held-out questions without Chinese (English)", ~fit & foreign),
        ("fit half (gold even + trivia even)", fit),
        ("held-out half (gold odd + trivia odd)", ~fit),
        ("held-out gold only (near misses)", ~fit & gold_mask),
    ]:
        rec, spec, prec = rates(mask, best_t)
        print(
            f"{name}: answerable recall {rec:.3f}, unanswerable caught {spec:.3f}, no-answer precision {prec:.3f}, "
            f"n={int(mask.sum())} ({int((labels[mask] == 0).sum())} unanswerable)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
