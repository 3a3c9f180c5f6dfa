"""``youju``: build the index, ask questions, serve the API, evaluate. See docs/cli.md."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from index.config import Settings
from index.errors import YoujuError

EXIT_USAGE = 2
EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="youju",
        description="有据 youju: answers questions about government reports with cited passages only.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="build or refresh the index from a corpus directory")
    b.add_argument("--corpus", type=Path, help="corpus directory (default: YOUJU_CORPUS_DIR or docs/corpus)")
    b.add_argument("--index", type=Path, help="index directory (default: YOUJU_INDEX_DIR or var/index)")
    b.add_argument("--force", action="store_true", help="rebuild even if the corpus is unchanged")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")

    a = sub.add_parser("ask", help="answer a question (or a file of questions) with cited passages")
    a.add_argument("question", nargs="?", help="the question, e.g. 怀柔森林覆盖率多少")
    a.add_argument("--batch", type=Path, metavar="FILE", help="one question per line ('-' = stdin)")
    a.add_argument("--index", type=Path, help="index directory (default: YOUJU_INDEX_DIR or var/index)")
    a.add_argument("--top-k", type=int, default=None, metavar="K", help="results per question (1-20)")
    a.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --batch)")

    s = sub.add_parser("serve", help="serve the HTTP API, citizen widget and staff console")
    s.add_argument("--host", help="bind address (default: YOUJU_HOST or 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default: YOUJU_PORT or 8000)")
    s.add_argument("--index", type=Path, help="index directory (built first if missing)")

    # `youju eval ...` is handed to the harness's own parser (see `youju eval --help`).
    sub.add_parser("eval", help="run retrieval benchmarks and write a report (see docs/evaluation.md)", add_help=False)
    return p


def _questions(path: Path) -> Iterator[str]:
    stream: TextIO = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    with stream:
        for line in stream:
            if line.strip():
                yield line.rstrip("\n")


def _print_answer(ans: Any, out: TextIO) -> None:
    if not ans.answered:
        out.write(f"？ {ans.query}\n  报告中没有找到能回答这个问题的内容。可拨打 12345 热线咨询。\n")
        if ans.results:
            out.write("  （相关度较低的段落：）\n")
    else:
        out.write(f"？ {ans.query}\n")
    for i, r in enumerate(ans.results, 1):
        text = r.text
        marked = ""
        last = 0
        for h in r.highlights:
            marked += text[last : h["start"]] + "【" + text[h["start"] : h["end"]] + "】"
            last = h["end"]
        marked += text[last:]
        c = r.citation
        section = " > ".join(c.section) or "（正文）"
        out.write(f"\n[{i}] {marked}\n")
        out.write(f"    —— 《{c.title}》 {section}，第{c.paragraph}段，字符 {c.start}–{c.end}（得分 {r.score:.3f}）\n")
    out.write("\n")


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from index.runtime import build, set_threads

    set_threads(settings.threads)
    report = build(settings, force=args.force, progress=not args.no_progress and sys.stderr.isatty())
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    if report.up_to_date:
        print(f"index is up to date: {report.build_dir} ({report.passages} passages)")
    else:
        print(
            f"built {report.build_dir}: {report.documents} documents, {report.passages} passages "
            f"({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f}s"
        )
    return 0


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from index.runtime import open_searcher, set_threads

    if (args.question is None) == (args.batch is None):
        print("youju ask: give a question or --batch FILE (not both)", file=sys.stderr)
        return EXIT_USAGE
    top_k = args.top_k if args.top_k is not None else settings.default_top_k
    if not 1 <= top_k <= 20:
        print("youju ask: --top-k must be between 1 and 20", file=sys.stderr)
        return EXIT_USAGE
    set_threads(settings.threads)
    searcher = open_searcher(settings, args.index)
    if args.question is not None:
        ans = searcher.search(args.question, top_k)
        if args.json:
            print(json.dumps(ans.to_json(), ensure_ascii=False))
        else:
            _print_answer(ans, sys.stdout)
        return 0
    failures = 0
    for q in _questions(args.batch):
        try:
            ans = searcher.search(q, top_k)
        except YoujuError as e:
            failures += 1
            obj: dict[str, Any] = {"query": q, "error": {"code": e.code, "message": e.message}}
            if args.json:
                print(json.dumps(obj, ensure_ascii=False), flush=True)
            else:
                print(f"？ {q}\n  错误: {e.message}\n")
            continue
        if args.json:
            print(json.dumps(ans.to_json(), ensure_ascii=False), flush=True)
        else:
            _print_answer(ans, sys.stdout)
    return EXIT_ERROR if failures else 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from service.server import serve
    except ImportError as e:  # the service package is optional for the core
        print(f"youju serve: the service is not available ({e})", file=sys.stderr)
        return EXIT_ERROR
    return serve(settings, host=args.host, port=args.port, index_dir=args.index)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:
        from eval.harness import main as eval_main

        try:
            return eval_main(argv[1:])
        except YoujuError as e:
            print(f"youju: {e.message}", file=sys.stderr)
            return EXIT_ERROR
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    overrides: dict[str, Any] = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = args.corpus
    if getattr(args, "index", None):
        overrides["index_dir"] = args.index
    try:
        settings = Settings(**overrides)
        handler = {"build": _cmd_build, "ask": _cmd_ask, "serve": _cmd_serve}[args.command]
        return handler(args, settings)
    except YoujuError as e:
        print(f"youju: {e.message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
