"""``youju serve`` and ``youju db``: plugged into the ``youju`` program through the ``youju.commands`` entry
point."""

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


# ------------------------------------------------------------------------------------------------ db


def _configure_db(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("upgrade", help="apply the pending migrations (the service does it on start-up too)")
    sub.add_parser("current", help="print the revision of each database and the latest one")
    copy = sub.add_parser("copy-sqlite", help="copy SQLite files' rows into YOUJU_DATABASE_URL's database")
    copy.add_argument("files", nargs="+", type=Path, help="e.g. var/feedback.sqlite3 var/youju.sqlite3")


def _run_db(args: argparse.Namespace, settings: Settings) -> int:
    from service.db.engine import Database, head_revision
    from service.db.migrate import CopyError, copy_sqlite

    url = settings.database_url.get_secret_value() if settings.database_url is not None else None
    if args.action == "copy-sqlite":
        if url is None:
            print("youju db copy-sqlite: set YOUJU_DATABASE_URL to the target database", file=sys.stderr)
            return EXIT_ERROR
        try:
            report = copy_sqlite(args.files, url)
        except (CopyError, ValueError) as e:
            print(f"youju db copy-sqlite: {e}", file=sys.stderr)
            return EXIT_ERROR
        print("\n".join(report.lines()))
        return 0
    targets: list[Path | str] = [url] if url is not None else [settings.feedback_db, settings.state_db]
    for target in targets:
        db = Database.open(target)
        try:
            if args.action == "upgrade":
                db.upgrade()
            print(f"{db.where}: {db.revision() or 'not migrated'} (latest {head_revision()})")
        except Exception as e:  # noqa: BLE001 - reported to the operator without the URL's password
            print(f"youju db {args.action}: {db.where}: {db.scrub(str(e))}", file=sys.stderr)
            return EXIT_ERROR
        finally:
            db.close()
    return 0


DB = Command("db", "the service database: migrations, revisions, copying SQLite data", _configure_db, _run_db, 40)
