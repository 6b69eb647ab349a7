"""Plain-text reader: UTF-8 (with or without BOM), UTF-16 (BOM), Windows-1258, TCVN3, VNI.

Windows-1258 writes Vietnamese tone marks as separate combining characters; the normalizer's NFC
composes them, so the text compares equal to the same words typed in Unicode. Bytes that are not
UTF-8 may also be text typed for the legacy TCVN3 (ABC) or VNI fonts: the reading with the most
valid Vietnamese syllables decides (`legacy.detect_legacy_text`).
"""

from __future__ import annotations

import codecs
import unicodedata

from baocao.parser.blocks import Block, RawDocument
from baocao.parser.errors import BaocaoError
from baocao.parser.readers import legacy

_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f", "\v"}


def read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    text, encoding = decode(data, path=path)
    return from_text(text, path=path, sha256=sha256, encoding=encoding)


def from_text(text: str, *, path: str | None, sha256: str, encoding: str | None) -> RawDocument:
    if not text.strip():
        raise BaocaoError("no text: the file holds only whitespace", path=path, stage="decode")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = [Block(text=line, line=number) for number, line in enumerate(lines, start=1)]
    return RawDocument(blocks=blocks, format="txt", sha256=sha256, path=path, encoding=encoding)


def decode(data: bytes, *, path: str | None) -> tuple[str, str]:
    """Decode by BOM, then strict UTF-8, then TCVN3, VNI or Windows-1258 (whichever reads as the
    most Vietnamese); refuse binary data."""
    for bom, codec, name in (
        (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec), path), name
            except UnicodeDecodeError as exc:
                raise BaocaoError(
                    f"undecodable: invalid {name} at byte {exc.start}", path=path, stage="decode"
                ) from exc
    if b"\x00" in data:
        raise BaocaoError(
            "binary data, not text (NUL bytes, no UTF-16 BOM)", path=path, stage="decode"
        )
    try:
        return _checked(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError as utf8_error:
        single_byte = legacy.single_byte_text(data)
        encoding = legacy.detect_legacy_text(single_byte)
        if encoding is not None:
            return _checked(legacy.convert(single_byte, encoding), path), encoding
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            raise BaocaoError(
                f"undecodable: not UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at offset "
                f"{utf8_error.start}) nor Windows-1258",
                path=path,
                stage="decode",
            ) from utf8_error
        if not _looks_like_text(text):
            raise BaocaoError(
                f"undecodable: not UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at offset "
                f"{utf8_error.start}) and not readable as Windows-1258",
                path=path,
                stage="decode",
            ) from utf8_error
        return _checked(text, path), "windows-1258"


def _checked(text: str, path: str | None) -> str:
    if not _looks_like_text(text):
        raise BaocaoError("binary data, not text (control characters)", path=path, stage="decode")
    return text


def _looks_like_text(text: str) -> bool:
    """Text of a report is mostly letters and spaces; binary junk is not."""
    sample = text[:20000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in _ALLOWED_CONTROLS)
    if controls > len(sample) * 0.01:
        return False
    visible = [ch for ch in sample if not ch.isspace()]
    if not visible:
        return True
    letters = sum(1 for ch in visible if ch.isalpha() or unicodedata.category(ch) == "Mn")
    return letters / len(visible) >= 0.5
