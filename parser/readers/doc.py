""".doc (Word 97-2003) reader: LibreOffice headless converts the file to .docx, which the .docx
reader then reads, so both formats arrive at the same block list.

Each conversion gets its own LibreOffice profile directory: parallel conversions with a shared
profile block each other or fail. A time limit bounds a conversion that hangs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from baocao.parser.blocks import RawDocument
from baocao.parser.errors import BaocaoError

CONVERT_TIMEOUT_S = 120.0
_OLE_WORD_STREAM = "WordDocument".encode("utf-16-le")
_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    _check_ole_content(data, path)
    docx_bytes = convert_to_docx(data, path=path)
    from baocao.parser.readers import docx

    raw = docx.read(docx_bytes, path=path, sha256=sha256)
    raw.format = "doc"
    raw.sha256 = sha256
    return raw


def _check_ole_content(data: bytes, path: str | None) -> None:
    """An OLE container may hold an encrypted Office file or a spreadsheet: say so plainly."""
    if _OLE_ENCRYPTED in data:
        raise BaocaoError("encrypted Office document (password protected)", path=path, fmt="doc")
    if _OLE_WORD_STREAM not in data:
        raise BaocaoError(
            "not a Word document: an OLE container without a WordDocument stream "
            "(an Excel or PowerPoint file?)",
            path=path,
            fmt="doc",
        )


def convert_to_docx(data: bytes, *, path: str | None, timeout: float = CONVERT_TIMEOUT_S) -> bytes:
    soffice = soffice_path()
    if soffice is None:
        raise BaocaoError(
            ".doc needs LibreOffice to convert it: apt-get install libreoffice-writer-nogui",
            path=path,
            fmt="doc",
        )
    with tempfile.TemporaryDirectory(prefix="baocao-doc-") as tmp:
        work = Path(tmp)
        source = work / "input.doc"
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "HOME": tmp},
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise BaocaoError(
                f"LibreOffice did not convert the .doc within {timeout:.0f} s", path=path, fmt="doc"
            ) from exc
        target = work / "out" / "input.docx"
        if result.returncode != 0 or not target.exists():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise BaocaoError(
                f"LibreOffice could not convert the .doc{': ' + detail[:200] if detail else ''}",
                path=path,
                fmt="doc",
            )
        return target.read_bytes()
