"""``youju serve``: plugged into the ``youju`` program through the ``youju.commands`` entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from index.cli import EXIT_ERROR, Command
from index.config import Settings


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="bind address (default: YOUJU_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: YOUJU_PORT or 8000)")
    p.add_argument("--index", type=Path, help="index directory (built first if missing)")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from service.server import serve
    except ImportError as e:  # a core-only installation
        print(f"youju serve: the service is not available ({e})", file=sys.stderr)
        return EXIT_ERROR
    return serve(settings, host=args.host, port=args.port, index_dir=args.index)


SERVE = Command("serve", "serve the HTTP API, citizen widget and staff console", _configure, _run, 30)
