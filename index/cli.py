"""``youju``: the command-line program. See docs/cli.md.

This module is the program's shell and its core commands (``build``, ``ask``). The other commands belong to
the packages above the core and are plugged in through the ``youju.commands`` entry-point group declared
in pyproject.toml (``serve`` from ``service``, ``eval`` from ``eval``), so the core never imports them:
the layers contract (``make lint``) holds it to that.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from index.config import Settings
from index.errors import InvalidParameterError, YoujuError
from index.records import Answer, FileReport

EXIT_USAGE = 2
EXIT_ERROR = 1
ENTRY_POINT_GROUP = "youju.commands"


@dataclass(frozen=True)
class Command:
    """A ``youju`` subcommand: ``configure`` adds its arguments, ``run`` does the work (exit status)."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]
    order: int = 50  # place in ``youju --help``
    description: str | None = None


# --------------------------------------------------------------------------------------------- build


def _configure_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, help="corpus directory (default: YOUJU_CORPUS_DIR or docs/corpus)")
    p.add_argument("--index", type=Path, help="index directory (default: YOUJU_INDEX_DIR or var/index)")
    p.add_argument("--force", action="store_true", help="rebuild even if the corpus is unchanged")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the build report as JSON (every file, its outcome)")


def print_files(files: Sequence[FileReport], out: TextIO) -> None:
    """The per-file build report as a table: format, pages, OCR pages, passages, outcome, warnings."""
    width = max([len(f.path) for f in files] + [4])
    out.write(f"  {'file':<{width}}  format  pages  ocr  passages  status   notes\n")
    for f in files:
        notes = f.error or "; ".join(f.warnings)
        pages = str(f.pages) if f.pages else "-"
        out.write(
            f"  {f.path:<{width}}  {f.format or '-':<6}  {pages:>5}  {f.ocr_pages or '-':>3}  "
            f"{f.passages if f.status != 'skipped' else '-':>8}  {f.status:<7}  {notes}\n"
        )


def _publish_progress(enabled: bool) -> Callable[[int, int], None] | None:
    """Prints the engine upload's progress on stderr (a line per batch)."""
    if not enabled:
        return None

    def step(done: int, total: int) -> None:
        print(f"publishing: {done}/{total} passages uploaded", file=sys.stderr, flush=True)

    return step


def _run_build(args: argparse.Namespace, settings: Settings) -> int:
    from index.pipeline import build, set_threads

    set_threads(settings.threads)
    report = build(
        settings,
        force=args.force,
        progress=not args.no_progress and sys.stderr.isatty(),
        on_publish=_publish_progress(not args.no_progress),
    )
    if args.json:
        print(
            json.dumps(
                {
                    "build_dir": str(report.build_dir),
                    "up_to_date": report.up_to_date,
                    "documents": report.documents,
                    "passages": report.passages,
                    "embedded": report.embedded,
                    "reused": report.reused,
                    "seconds": round(report.seconds, 3),
                    "collection": report.collection,
                    "files": [f.to_json() for f in report.files],
                },
                ensure_ascii=False,
            )
        )
        return 0
    if report.up_to_date:
        print(f"index is up to date: {report.build_dir} ({report.passages} passages)")
    else:
        print(
            f"built {report.build_dir}: {report.documents} documents, {report.passages} passages "
            f"({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f}s"
        )
    if report.collection is not None:
        print(f"live in qdrant: alias {settings.backend_collection} -> collection {report.collection}")
    print_files(report.files, sys.stdout)
    for s in report.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    return 0


BUILD = Command(
    "build",
    "build or refresh the index from a corpus directory (with YOUJU_BACKEND=qdrant, also publish it)",
    _configure_build,
    _run_build,
    10,
)

# ------------------------------------------------------------------------------------------- publish


def _configure_publish(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, help="index directory (default: YOUJU_INDEX_DIR or var/index)")
    p.add_argument(
        "--url",
        help="the engine: http(s)://host:port of a Qdrant server or a local directory (default: YOUJU_BACKEND_URL)",
    )
    p.add_argument("--batch-size", type=int, default=None, metavar="N", help="passages per upload request (512)")
    p.add_argument("--no-progress", action="store_true", help="print no progress lines")


def _run_publish(args: argparse.Namespace, settings: Settings) -> int:
    from index import store
    from index.pipeline import engine_url, publish_build

    engine_url(settings, args.url)  # a clear error before anything is read
    if args.batch_size is not None and args.batch_size < 1:
        print("youju publish: --batch-size must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    build_dir = store.resolve(settings.index_dir)
    collection = publish_build(
        settings,
        build_dir,
        url=args.url,
        progress=_publish_progress(not args.no_progress),
        batch_size=args.batch_size,
    )
    print(f"published {build_dir.name}: alias {settings.backend_collection} -> collection {collection}")
    return 0


PUBLISH = Command(
    "publish",
    "upload the live local index into the search engine and make it live there (the way from embedded to qdrant)",
    _configure_publish,
    _run_publish,
    15,
    description=(
        "Upload the live build of the local index (var/index, built by `youju build`) into the search engine\n"
        "(Qdrant: YOUJU_BACKEND_URL or --url) as a new collection, check it, then switch the engine's alias\n"
        "(YOUJU_BACKEND_COLLECTION) to it in one atomic call and drop all but the newest YOUJU_KEEP_BUILDS\n"
        "builds there. A failed upload leaves the previous build live. Nothing is embedded again: the vectors,\n"
        "terms and texts are the build's. This is the upgrade path from the embedded mode; afterwards set\n"
        "YOUJU_BACKEND=qdrant (see docs/scale-out.md)."
    ),
)

# ----------------------------------------------------------------------------------------------- ask


def _configure_ask(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="the question, e.g. 怀柔森林覆盖率多少")
    p.add_argument("--batch", type=Path, metavar="FILE", help="one question per line ('-' = stdin)")
    p.add_argument("--index", type=Path, help="index directory (default: YOUJU_INDEX_DIR or var/index)")
    p.add_argument("--top-k", type=int, default=None, metavar="K", help="results per question (1 to YOUJU_MAX_TOP_K)")
    p.add_argument("--json", action="store_true", help="print JSON (JSON Lines with --batch)")


def _questions(path: Path) -> Iterator[str]:
    stream: TextIO = sys.stdin if str(path) == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    with stream:
        for line in stream:
            if line.strip():
                yield line.rstrip("\n")


def print_answer(ans: Answer, out: TextIO) -> None:
    """An answer as people read it in a terminal: highlights in 【】, the citation under each passage."""
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
            marked += text[last : h.start] + "【" + text[h.start : h.end] + "】"
            last = h.end
        marked += text[last:]
        c = r.citation
        section = " > ".join(c.section) or "（正文）"
        where = f"第{c.page}页" if c.page else f"第{c.paragraph}段"
        if c.page and c.page_end and c.page_end != c.page:
            where = f"第{c.page}–{c.page_end}页"
        if c.printed_page:
            where += f"（页码 {c.printed_page}）"
        notes = "".join(
            [
                "（OCR识别，请核对原件）" if c.ocr else "",
                f"（已有更新版本：{c.superseded_by}）" if c.superseded_by else "",
            ]
        )
        out.write(f"\n[{i}] {marked}\n")
        out.write(f"    —— 《{c.title}》 {section}，{where}，字符 {c.start}–{c.end}（得分 {r.score:.3f}）{notes}\n")
    out.write("\n")


def _run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from index.pipeline import open_searcher, set_threads
    from index.search import check_top_k

    if (args.question is None) == (args.batch is None):
        print("youju ask: give a question or --batch FILE (not both)", file=sys.stderr)
        return EXIT_USAGE
    top_k = args.top_k if args.top_k is not None else settings.default_top_k
    try:
        check_top_k(top_k, settings.max_top_k)
    except InvalidParameterError:
        print(f"youju ask: --top-k must be between 1 and {settings.max_top_k}", file=sys.stderr)
        return EXIT_USAGE
    set_threads(settings.threads)
    searcher = open_searcher(settings, args.index)
    if args.question is not None:
        ans = searcher.search(args.question, top_k)
        if args.json:
            print(json.dumps(ans.to_json(), ensure_ascii=False))
        else:
            print_answer(ans, sys.stdout)
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
            print_answer(ans, sys.stdout)
    return EXIT_ERROR if failures else 0


ASK = Command("ask", "answer a question (or a file of questions) with cited passages", _configure_ask, _run_ask, 20)

# ------------------------------------------------------------------------------------------- program


def commands(only: str | None = None) -> list[Command]:
    """The core commands and those the installed packages plug in, in ``--help`` order. ``only``: when it
    names a plugged-in command, that one and the core's alone: the other packages' modules are not imported
    (the process of ``youju serve`` that starts and watches its workers stays small)."""
    found = {c.name: c for c in (BUILD, PUBLISH, ASK)}
    plugged = entry_points(group=ENTRY_POINT_GROUP)
    if only is not None and only not in plugged.names:
        only = None
    for ep in plugged:
        if ep.name not in found and (only is None or ep.name == only):
            cmd = ep.load()
            if isinstance(cmd, Command):
                found[cmd.name] = cmd
    return sorted(found.values(), key=lambda c: (c.order, c.name))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The program's parser; ``command``: the command asked for, whose package alone is then imported."""
    p = argparse.ArgumentParser(
        prog="youju",
        description="有据 youju: answers questions about government reports with cited passages only.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in commands(command):
        sp = sub.add_parser(
            cmd.name,
            help=cmd.help,
            description=cmd.description or cmd.help,
            formatter_class=argparse.RawDescriptionHelpFormatter if cmd.description else argparse.HelpFormatter,
        )
        cmd.configure(sp)
        sp.set_defaults(run=cmd.run)
    return p


def asked_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` asks for, when only ``-v`` comes before it (else None: ``youju -h serve`` lists
    every command)."""
    for arg in argv:
        if arg not in ("-v", "--verbose"):
            return None if arg.startswith("-") else arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(asked_command(given)).parse_args(given)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    overrides: dict[str, Any] = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = args.corpus
    if getattr(args, "index", None):
        overrides["index_dir"] = args.index
    try:
        settings = Settings(**overrides)
    except ValidationError as e:
        for err in e.errors():
            where = "YOUJU_" + "_".join(str(x) for x in err["loc"]).upper() if err["loc"] else "settings"
            print(f"youju: {where}: {err['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return EXIT_USAGE
    try:
        status: int = args.run(args, settings)
        return status
    except YoujuError as e:
        print(f"youju: {e.message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # python -m index.cli: run the module proper, whose Command plug-ins share
    from index import cli

    sys.exit(cli.main())
