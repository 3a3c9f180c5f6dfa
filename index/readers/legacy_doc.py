"""Legacy Word 97-2003 (``.doc``): converted to .docx by LibreOffice when it is installed, then read by
``DocxReader``. Without LibreOffice the file is reported with what to do about it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from index.errors import DocumentError
from index.readers.base import ReadResult
from index.readers.docx import DocxReader

CONVERT_TIMEOUT_S = 120


def office_binary() -> str | None:
    """The LibreOffice command on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


class LegacyDocReader:
    name = "doc"
    version = f"1+docx{DocxReader.version}"  # its output is DocxReader's
    suffixes: tuple[str, ...] = (".doc",)

    def read(self, path: Path, display: str) -> ReadResult:
        office = office_binary()
        if office is None:
            raise DocumentError(
                f"{display}: legacy Word .doc files need LibreOffice to convert "
                "(apt-get install libreoffice-writer), or save the file as .docx"
            )
        with tempfile.TemporaryDirectory(prefix="youju-doc-") as tmp:
            out_dir = Path(tmp)
            # A profile of its own, so that a running LibreOffice of the user's does not take the job.
            profile = (out_dir / "profile").as_uri()
            cmd = [
                office,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "docx",
                "--outdir",
                str(out_dir),
                str(path),
            ]
            try:
                done = subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired as e:
                raise DocumentError(f"{display}: LibreOffice took over {CONVERT_TIMEOUT_S} s to convert it") from e
            except OSError as e:
                raise DocumentError(f"{display}: could not run LibreOffice ({e})") from e
            converted = out_dir / (path.stem + ".docx")
            if done.returncode != 0 or not converted.exists():
                detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
                raise DocumentError(f"{display}: LibreOffice could not convert it ({detail[0]})")
            return DocxReader().read(converted, display)
