#!/usr/bin/env python3
"""Check eval/gold/huairou_2024.jsonl against the report text.

Usage: python3 eval/gold/verify_huairou_2024.py [--markdown] [--gold PATH]
Exit status 0 when every hard check passes, 1 otherwise. Standard library only.
"""

import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GOLD = HERE / "huairou_2024.jsonl"
DOC_ID = "huairou-2024-law-based-government-report"
DOC = REPO / "docs" / "corpus" / f"{DOC_ID}.txt"

CATEGORIES = ["figure", "programme", "problems", "plan-2025", "responsibility", "measure", "no-answer"]
STYLES = ["colloquial", "paraphrase", "typo", "english", "traditional"]
MINIMUMS = {"answerable": 160, "no-answer": 35, "figure": 25, "programme": 15, "problems": 8, "plan-2025": 12}
TARGET_STYLE = {"colloquial": 55, "paraphrase": 20, "typo": 8, "english": 9, "traditional": 8}
LONG_QUOTE = 40

# Common Traditional-only characters (their Simplified forms differ). Used only as a
# heuristic: Simplified-style questions should contain none, Traditional ones at least one.
TRAD_ONLY = set(
    "們國說這會個來時過還對於與麼裡區懷縣鎮號開關問題辦處從務機構華僅級點數據務證條"
    "經濟發環態審議訴詢複復蓋滿聽講護險規劃價錢廣訊請應該實現歲積體驗讓認識"
    "學習單據為無網門產業費團圍壓權責銷導調幫聯財稅電話車輛勞動職員資訊營業執飯館馬長見"
)


def heading_spans(text: str) -> list[tuple[int, int, str]]:
    """Character spans that are headings only: whole section-heading lines, the
    "(一)...。" title at the start of numbered paragraphs, and short "一是XX。" labels."""
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        if re.match(r"^[一二三四五六七八九十]+、", line):
            spans.append((start, end, line))
        m = re.match(r"^\([一二三四五六七八九十]+\)[^。]*。", line)
        if m:
            spans.append((start, start + m.end(), m.group(0)))
        for m in re.finditer(r"[一二三四五]是[^。,]{2,8}。", line):
            spans.append((start + m.start(), start + m.end(), m.group(0)))
        pos = end + 1
    return spans


def main() -> int:
    markdown = "--markdown" in sys.argv
    gold = Path(sys.argv[sys.argv.index("--gold") + 1]) if "--gold" in sys.argv else GOLD
    text = DOC.read_text(encoding="utf-8")
    lines = text.split("\n")
    headings = heading_spans(text)
    errors: list[str] = []
    warnings: list[str] = []

    items = []
    for n, raw in enumerate(gold.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            errors.append(f"line {n}: blank line")
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: does not parse: {exc}")
            continue
        obj["_line"] = n
        items.append(obj)

    ids = collections.Counter(o.get("id") for o in items)
    for k, v in ids.items():
        if v > 1:
            errors.append(f"duplicate id {k} ({v} times)")
    qs = collections.Counter(o.get("question") for o in items)
    for k, v in qs.items():
        if v > 1:
            errors.append(f"duplicate question {k!r} ({v} times)")

    covered_lines = set()
    not_found = []
    quote_lengths = []
    for o in items:
        where = f"{o.get('id')} (line {o['_line']})"
        for key in ("id", "question", "category", "style", "answers"):
            if key not in o:
                errors.append(f"{where}: missing key {key}")
        extra = set(o) - {"id", "question", "category", "style", "answers", "note", "_line"}
        if extra:
            errors.append(f"{where}: unexpected keys {sorted(extra)}")
        if not re.fullmatch(r"hr-\d{3}", str(o.get("id", ""))):
            errors.append(f"{where}: id not in hr-NNN form")
        if o.get("category") not in CATEGORIES:
            errors.append(f"{where}: bad category {o.get('category')!r}")
        if o.get("style") not in STYLES:
            errors.append(f"{where}: bad style {o.get('style')!r}")
        answers = o.get("answers", [])
        if (o.get("category") == "no-answer") != (answers == []):
            errors.append(f"{where}: category no-answer must go with empty answers and vice versa")
        for a in answers:
            if a.get("document") != DOC_ID:
                errors.append(f"{where}: document {a.get('document')!r} != {DOC_ID}")
            quote = a.get("quote", "")
            quote_lengths.append(len(quote))
            if not quote or quote not in text:
                not_found.append((o.get("id"), quote))
                continue
            count = text.count(quote)
            if count > 1:
                warnings.append(f"{where}: quote occurs {count} times: {quote}")
            if len(quote) > LONG_QUOTE:
                warnings.append(f"{where}: long quote ({len(quote)} chars): {quote}")
            for m in re.finditer(re.escape(quote), text):
                s, e = m.start(), m.end()
                covered_lines.add(text.count("\n", 0, s))
                for hs, he, h in headings:
                    if hs <= s and e <= he:
                        errors.append(f"{where}: quote lies inside a heading only: {quote} (heading {h})")
        # language-of-question heuristics
        question = o.get("question", "")
        style = o.get("style")
        trad = [c for c in question if c in TRAD_ONLY]
        if style == "english":
            if re.search(r"[\u4e00-\u9fff]", question) and not re.search(r"[A-Za-z]{3}", question):
                errors.append(f"{where}: english question is not in English: {question}")
        elif style == "traditional":
            if not trad:
                warnings.append(f"{where}: traditional question has no Traditional-only character: {question}")
        elif trad:
            errors.append(f"{where}: {style} question contains Traditional characters {''.join(trad)}: {question}")

    for qid, quote in not_found:
        errors.append(f"{qid}: quote NOT FOUND in report: {quote!r}")

    content_lines = {i for i, ln in enumerate(lines) if ln.strip() and not re.match(r"^[一二三四五六七八九十]+、", ln)}
    for i in sorted(content_lines - covered_lines):
        errors.append(f"report line {i + 1} has no question quoting it: {lines[i][:30]}...")

    cat = collections.Counter(o.get("category") for o in items)
    sty = collections.Counter(o.get("style") for o in items)
    cross = collections.Counter((o.get("category"), o.get("style")) for o in items)
    total = len(items)
    answerable = total - cat["no-answer"]
    counts = dict(cat)
    counts["answerable"] = answerable
    for k, minimum in MINIMUMS.items():
        if counts.get(k, 0) < minimum:
            errors.append(f"count {k} = {counts.get(k, 0)} below minimum {minimum}")

    # ---- report
    print(f"file: {gold}  lines parsed: {total}")
    print(f"answerable: {answerable}   no-answer: {cat['no-answer']}   answer entries: {len(quote_lengths)}")
    if quote_lengths:
        ql = sorted(quote_lengths)
        print(f"quote length: min {ql[0]}, median {ql[len(ql) // 2]}, max {ql[-1]}")
    print(f"report lines covered: {len(covered_lines & content_lines)}/{len(content_lines)} content lines")
    print()
    if markdown:
        print("| category | " + " | ".join(STYLES) + " | total |")
        print("|---" * (len(STYLES) + 2) + "|")
        for cname in CATEGORIES:
            print(f"| {cname} | " + " | ".join(str(cross[(cname, st)]) for st in STYLES) + f" | {cat[cname]} |")
        print(
            "| **total** | "
            + " | ".join(f"{sty[st]} ({100 * sty[st] / total:.0f}%)" for st in STYLES)
            + f" | {total} |"
        )
    else:
        print("by category:")
        for cname in CATEGORIES:
            min_txt = f"  (min {MINIMUMS[cname]})" if cname in MINIMUMS else ""
            print(f"  {cname:15s} {cat[cname]:4d}{min_txt}")
        print("by style (actual % / target %):")
        for sname in STYLES:
            print(f"  {sname:15s} {sty[sname]:4d}  {100 * sty[sname] / total:5.1f}% / {TARGET_STYLE[sname]}%")
    print()
    for w in warnings:
        print("WARN ", w)
    for err in errors:
        print("ERROR", err)
    print()
    print("RESULT:", "OK" if not errors else f"FAILED ({len(errors)} errors)", f"{len(warnings)} warnings")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
