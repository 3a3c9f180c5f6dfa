"""What hotline managers read from the query log: the most frequent questions, the refused ones, the
low-confidence ones and the answers marked not helpful, each with counts and a trend (the same period just
before), and an export of them as a gold-set file to be labelled (``youju eval --sets gold:FILE``).

Questions are counted by their folded form (``querylog.grouping_key``); the wording shown is the latest.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from service.querylog import grouping_key
from service.schemas import AnalyticsReport, DayStat, NotHelpfulStat, QuestionStat

# An answered question whose median confidence is below this is listed as low-confidence: the answer
# decision's threshold is far lower (0.16, docs/retrieval.md), so these were answered, but barely.
LOW_CONFIDENCE = 0.5
TOP = 20

ExportKind = Literal["top", "refused", "low_confidence", "not_helpful"]


@dataclass
class _Group:
    query: str = ""
    count: int = 0
    previous: int = 0
    answered: int = 0
    refused: int = 0
    last_seen: str = ""
    confidences: list[float] = field(default_factory=list)
    top_passage: str | None = None

    def stat(self) -> QuestionStat:
        return QuestionStat(
            query=self.query,
            count=self.count,
            previous=self.previous,
            answered=self.answered,
            last_seen=self.last_seen,
            confidence=round(statistics.median(self.confidences), 3) if self.confidences else 0.0,
            top_passage_id=self.top_passage,
        )


def report(
    rows: Iterable[Any],
    feedback: Iterable[Any],
    *,
    days: int,
    now: datetime | None = None,
    fold: Callable[[str], str] = grouping_key,
    feedback_error: str | None = None,
    limit: int = TOP,
) -> AnalyticsReport:
    """The report of the last ``days`` days; ``rows`` are query log rows of the last ``2 * days`` days
    (the earlier half gives the trend), ``feedback`` the not-helpful feedback of the last ``days`` days."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=days)).isoformat(timespec="seconds")
    before = (now - timedelta(days=2 * days)).isoformat(timespec="seconds")
    groups: dict[str, _Group] = defaultdict(_Group)
    daily: dict[str, list[int]] = {}
    for d in range(days - 1, -1, -1):
        daily[(now - timedelta(days=d)).date().isoformat()] = [0, 0, 0]
    total = answered = refused = not_q = pinned = 0
    channels: Counter[str] = Counter()
    for r in rows:
        if r["created_at"] < before:
            continue
        g = groups[r["grouping"]]
        if r["created_at"] < since:
            g.previous += 1
            continue
        if r["reason"] == "not_a_question":
            not_q += 1
            total += 1
            channels[r["channel"]] += 1
            continue
        total += 1
        channels[r["channel"]] += 1
        g.query, g.last_seen = r["query"], r["created_at"]
        g.count += 1
        pinned += int(r["pinned"])
        day = daily.get(r["created_at"][:10])
        if r["answered"]:
            answered += 1
            g.answered += 1
            g.confidences.append(float(r["confidence"]))
            g.top_passage = r["top_passage"]
        else:
            refused += 1
            g.refused += 1
        if day is not None:
            day[0] += 1
            day[1 if r["answered"] else 2] += 1
    seen = [g for g in groups.values() if g.count]
    by_count = sorted(seen, key=lambda g: (-g.count, g.query))
    low = [g for g in by_count if g.answered and g.confidences and statistics.median(g.confidences) < LOW_CONFIDENCE]
    return AnalyticsReport(
        days=days,
        since=since,
        total=total,
        answered=answered,
        refused=refused,
        not_a_question=not_q,
        pinned=pinned,
        channels=dict(channels),
        daily=[DayStat(date=d, total=v[0], answered=v[1], refused=v[2]) for d, v in daily.items()],
        top=[g.stat() for g in by_count[:limit]],
        refused_questions=[g.stat() for g in by_count if g.refused][:limit],
        low_confidence=[g.stat() for g in low[:limit]],
        not_helpful=not_helpful(feedback, fold)[:limit],
        feedback_error=feedback_error,
    )


def not_helpful(feedback: Iterable[Any], fold: Callable[[str], str]) -> list[NotHelpfulStat]:
    groups: dict[tuple[str, str], NotHelpfulStat] = {}
    for f in feedback:
        key = (fold(f["query"]), f["passage_id"])
        s = groups.get(key)
        if s is None:
            s = groups[key] = NotHelpfulStat(query=f["query"], passage_id=f["passage_id"], count=0, last_seen="")
        s.count += 1
        if f["created_at"] >= s.last_seen:
            s.last_seen, s.query = f["created_at"], f["query"]
            s.comment = f["comment"] or s.comment
    return sorted(groups.values(), key=lambda s: (-s.count, s.last_seen))


def export_lines(rep: AnalyticsReport, kind: ExportKind) -> list[str]:
    """JSON lines in the gold-set format (eval/gold/README.md) with empty ``answers``, to be labelled:
    add ``{"document", "quote"}`` answers where the documents answer, leave them empty where they do not
    (a no-answer question). ``youju eval --sets gold:FILE`` reads the file against the configured corpus."""
    items: list[tuple[str, int, str | None]]
    if kind == "not_helpful":
        items = [(s.query, s.count, s.passage_id) for s in rep.not_helpful]
    else:
        stats = {"top": rep.top, "refused": rep.refused_questions, "low_confidence": rep.low_confidence}[kind]
        items = [(s.query, s.count, s.top_passage_id) for s in stats]
    out: list[str] = []
    for query, count, passage in items:
        qid = "log-" + hashlib.sha1(query.encode("utf-8")).hexdigest()[:10]
        line = {
            "id": qid,
            "question": query,
            "answers": [],
            "category": f"log:{kind}",
            "style": "logged",
            "count": count,
            "shown_passage_id": passage,
        }
        out.append(json.dumps(line, ensure_ascii=False))
    return out
