"""Readers: one module per format, chosen by the file's content (magic bytes), not its name."""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

from baocao.parser.blocks import RawDocument
from baocao.parser.errors import BaocaoError
from baocao.parser.readers import text as text_reader

# Far above any real report (the seed is 27 kB; a 40-page scan is tens of MB); refuses runaway
# inputs before reading them.
MAX_TEXT_BYTES = 16 * 1024 * 1024
MAX_INPUT_BYTES = 256 * 1024 * 1024
SNIFF_BYTES = 1024  # PDFs in the wild may carry junk before "%PDF-"

# Every reader module exposes read(data: bytes, *, path: str | None, sha256: str) -> RawDocument.
Reader = Callable[..., RawDocument]
READERS = {"txt": "text", "docx": "docx", "doc": "doc", "pdf": "pdf", "image": "image"}

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
]


def sniff_format(head: bytes) -> str:
    """The format a file's first bytes announce; 'txt' when none does."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return "pdf"
    return "txt"


def read_path(
    path: str | os.PathLike[str],
    max_bytes: int = MAX_INPUT_BYTES,
    max_text_bytes: int = MAX_TEXT_BYTES,
) -> RawDocument:
    """Read one file into blocks, or raise BaocaoError naming the file and the reason."""
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise BaocaoError("no such file", path=shown)
    if p.is_dir():
        raise BaocaoError("is a directory, not a file", path=shown)
    if not p.is_file():
        raise BaocaoError("not a regular file", path=shown)
    size = p.stat().st_size
    if size == 0:
        raise BaocaoError("empty file (0 bytes)", path=shown)
    try:
        with open(p, "rb") as handle:
            fmt = sniff_format(handle.read(SNIFF_BYTES))
            limit = max_text_bytes if fmt == "txt" else max_bytes
            if size > limit:
                raise BaocaoError(
                    f"file too large: {size / 1048576:.1f} MiB, the limit for {fmt} is "
                    f"{limit / 1048576:.0f} MiB",
                    path=shown,
                    fmt=fmt,
                )
            handle.seek(0)
            data = handle.read()
    except OSError as exc:
        raise BaocaoError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    sha256 = hashlib.sha256(data).hexdigest()
    reader = _reader_for(fmt)
    if reader is None:
        raise BaocaoError(f"unsupported format: {fmt}", path=shown, fmt=fmt)
    try:
        raw = reader(data, path=shown, sha256=sha256)
    except BaocaoError as exc:
        exc.path = exc.path or shown
        exc.format = exc.format or fmt
        raise
    return raw


def _reader_for(fmt: str) -> Reader | None:
    """The reader module for a format, imported only when a file of that format shows up."""
    module_name = READERS.get(fmt)
    if module_name is None:
        return None
    qualified = f"baocao.parser.readers.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:  # no reader for this format yet
            return None
        raise
    return module.read


def read_string(text: str) -> RawDocument:
    """Text handed in directly (API use): already decoded, so only split into blocks."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return text_reader.from_text(text, path=None, sha256=sha, encoding=None)
