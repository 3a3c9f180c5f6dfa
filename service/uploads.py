"""Staff uploads: a document is checked, stored in the corpus, indexed by a background build, and goes live
through the same atomic switch as ``youju build`` (then the service reloads). One build runs at a time.

Checks, before anything is written:

* the name: a plain file name (no directories, no ``..``, no control or hidden names), with the suffix
  of a format youju reads;
* the size: at most ``YOUJU_MAX_UPLOAD_BYTES``;
* the type by content, not by name: ``%PDF-`` for .pdf, a zip holding ``word/document.xml`` for .docx, an
  HTML document for .html, UTF-8 text for .txt/.md — a file whose content is another type is refused;
* a .docx's archive: entry count, unpacked size and compression ratio (zip bombs);
* a PDF's page count: at most ``YOUJU_MAX_PDF_PAGES`` (and it must open: no password, not corrupt).

Then the build reads only the new file (the others are reused unchanged); if its reader cannot read it
after all, the file is removed again and the job says why.
"""

from __future__ import annotations

import io
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.config import Settings
from index.readers import supported_suffixes
from index.records import FileReport
from service.errors import ApiError

log = logging.getLogger("youju.service")

MAX_NAME_CHARS = 120
MAX_ZIP_ENTRIES = 10_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_PENDING_JOBS = 4
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def safe_name(name: str) -> str:
    """The file name an upload is stored under, or ApiError 400 saying what is wrong with it."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in (".", "..") or name.startswith(".") or _BAD_NAME.search(name):
        raise ApiError(400, "bad_file_name", "give a plain file name: no directories, no hidden or special names")
    if len(name) > MAX_NAME_CHARS:
        raise ApiError(400, "bad_file_name", f"the file name is longer than {MAX_NAME_CHARS} characters")
    if not name.lower().endswith(supported_suffixes()):
        raise ApiError(415, "unsupported_format", f"youju reads {', '.join(sorted(set(supported_suffixes())))} files")
    return name


def sniff(data: bytes) -> str:
    """The format the content is: pdf, docx, doc, html, text, or unknown."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if b"\x00" in head:
        return "unknown"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<!--")) or b"<html" in lowered[:512]:
        return "html"
    return "text"


_EXPECTED = {
    ".pdf": {"pdf"},
    ".docx": {"zip"},
    ".doc": {"doc"},
    ".html": {"html"},
    ".htm": {"html"},
    ".shtml": {"html"},
    ".txt": {"text"},
    ".md": {"text"},
    ".markdown": {"text"},
}


def check_content(name: str, data: bytes, settings: Settings) -> None:
    """Refuse content that is not what its name says, zip bombs, and PDFs over the page limit."""
    suffix = Path(name).suffix.lower()
    kind = sniff(data)
    if kind not in _EXPECTED.get(suffix, {kind}):
        raise ApiError(415, "wrong_content", f"{name}: the content is {kind}, not what {suffix} files hold")
    if kind == "zip":
        _check_docx(name, data)
    elif kind == "pdf":
        _check_pdf(name, data, settings.max_pdf_pages)
    elif kind == "text":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ApiError(415, "wrong_content", f"{name}: text files must be UTF-8 (byte {e.start})") from None


def _check_docx(name: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise ApiError(415, "wrong_content", f"{name}: not a readable .docx (zip) file") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ApiError(422, "zip_bomb", f"{name}: {len(infos)} entries in the archive; at most {MAX_ZIP_ENTRIES}")
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
        raise ApiError(422, "zip_bomb", f"{name}: unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB")
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > MAX_ZIP_RATIO * max(1, i.compress_size):
            raise ApiError(422, "zip_bomb", f"{name}: {i.filename} is compressed more than {MAX_ZIP_RATIO} times")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise ApiError(415, "wrong_content", f"{name}: a zip file, but not a Word document")


def _check_pdf(name: str, data: bytes, max_pages: int) -> None:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        why = "password-protected" if "password" in str(e).lower() else f"not readable ({e})"
        raise ApiError(422, "unreadable_document", f"{name}: the PDF is {why}") from None
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages > max_pages:
        raise ApiError(413, "too_many_pages", f"{name}: {pages} pages; the limit is {max_pages}")


@dataclass
class Job:
    """A background build after an upload or a removal."""

    id: str
    action: str  # upload | delete
    file: str  # corpus-relative path
    status: str = "queued"  # queued | running | done | failed
    message: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    report: FileReport | None = None
    build_id: str | None = None


BuildFn = Callable[[], tuple[str, list[FileReport]]]  # build + reload: (build id, file reports)


class Jobs:
    """Builds one at a time, in a worker thread; the last jobs are kept for staff to look up."""

    def __init__(self, build: BuildFn, keep: int = 50) -> None:
        self._build = build
        self._keep = keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise ApiError(404, "not_found", f"no job {job_id!r}")
        return job

    def recent(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def submit(
        self,
        action: str,
        file: str,
        on_failure: Callable[[], None] | None = None,
        on_success: Callable[[], None] | None = None,
    ) -> Job:
        with self._lock:
            pending = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
            if pending >= MAX_PENDING_JOBS:
                raise ApiError(503, "busy", "too many builds are waiting; try again shortly", {"Retry-After": "30"})
            job = Job(uuid.uuid4().hex[:12], action, file)
            self._jobs[job.id] = job
            for old in self.recent()[self._keep :]:
                self._jobs.pop(old.id, None)
        threading.Thread(
            target=self._run, args=(job, on_failure, on_success), name=f"youju-build-{job.id}", daemon=True
        ).start()
        return job

    def wait(self, job: Job, timeout: float = 60.0) -> Job:
        """Block until the job has finished (tests, the CLI)."""
        deadline = time.monotonic() + timeout
        while job.finished is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return job

    def _run(self, job: Job, on_failure: Callable[[], None] | None, on_success: Callable[[], None] | None) -> None:
        with self._run_lock:
            job.status = "running"
            try:
                build_id, files = self._build()
                job.build_id = build_id
                job.report = next((f for f in files if f.path == job.file), None)
                if job.action == "upload" and (job.report is None or job.report.status == "skipped"):
                    reason = job.report.error if job.report else "the file was not found by the build"
                    if on_failure is not None:
                        on_failure()
                        self._build()  # back to the corpus as it was (everything else is reused)
                    job.status, job.message = "failed", f"{job.file} could not be indexed: {reason}"
                else:
                    if on_success is not None:
                        on_success()
                    job.status = "done"
            except Exception as e:  # noqa: BLE001 - reported on the job; the old index keeps serving
                log.exception("build after %s of %s failed", job.action, job.file)
                if on_failure is not None:
                    on_failure()
                job.status, job.message = "failed", f"{type(e).__name__}: {e}"
            finally:
                job.finished = time.time()


@dataclass(frozen=True)
class Stored:
    """An uploaded file in place; ``undo`` puts back what was there before (the previous version, or nothing)."""

    path: Path
    relative: str
    previous: Path | None

    def undo(self) -> None:
        if self.previous is not None:
            os.replace(self.previous, self.path)
        else:
            self.path.unlink(missing_ok=True)

    def commit(self) -> None:
        if self.previous is not None:
            self.previous.unlink(missing_ok=True)


def store_upload(corpus_dir: Path, upload_dir: str, name: str, data: bytes) -> Stored:
    """Write the file atomically under the upload directory, keeping a replaced version until the build
    has read the new one (hidden files are not indexed)."""
    target_dir = corpus_dir / upload_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / name
    if target.resolve().parent != target_dir.resolve():
        raise ApiError(400, "bad_file_name", "give a plain file name")
    tmp = target_dir / f".{name}.{uuid.uuid4().hex[:8]}.part"
    previous = None
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            previous = target_dir / f".{name}.previous"
            os.replace(target, previous)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return Stored(target, target.relative_to(corpus_dir).as_posix(), previous)
