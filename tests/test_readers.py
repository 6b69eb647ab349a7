"""Text reader: encodings, and every kind of bad input named in the foundation issue."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest

import baocao
from baocao.parser.readers import MAX_TEXT_BYTES, sniff_format
from conftest import SEED

SAMPLE = (
    "BÁO CÁO\nKết quả thực hiện nhiệm vụ tháng 11\n1. Công tác tư tưởng\n"
    "Hội Nông dân huyện thu hồi 10 hộ."
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16"),
    ],
)
def test_unicode_encodings_read_the_same(tmp_path: Path, encoded: bytes, encoding: str) -> None:
    doc = baocao.parse(_write(tmp_path, "r.txt", encoded))
    assert doc.source.encoding == encoding
    assert doc.text.splitlines() == SAMPLE.splitlines()


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters (â, ơ, ư, đ …) precomposed, tone marks apart."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def test_windows_1258_decomposed_tone_marks_become_nfc(tmp_path: Path) -> None:
    # Windows-1258 has no precomposed "ế" or "ộ": the tone mark is a separate combining character.
    data = to_cp1258(SAMPLE)
    assert data.decode("cp1258") != SAMPLE  # the bytes really hold decomposed marks
    doc = baocao.parse(_write(tmp_path, "r.txt", data))
    assert doc.source.encoding == "windows-1258"
    assert doc.text.splitlines() == SAMPLE.splitlines()
    assert unicodedata.is_normalized("NFC", doc.text)


def test_windows_1258_seed_round_trip(tmp_path: Path) -> None:
    text = SEED.read_text("utf-8")
    data = to_cp1258(text)
    doc = baocao.parse(_write(tmp_path, "seed.txt", data))
    assert doc.meta.date == "2023-11-30"
    assert doc.meta.doc_type == "BÁO CÁO"


BAD_INPUTS = {
    "empty": (b"", "empty file"),
    "whitespace": (b" \n\t\n   \n", "only whitespace"),
    "binary": (bytes(range(256)) * 8, "binary data"),
    "undecodable": (b"\x81\x8d\x8f\x90\x9d" * 50, "undecodable"),
    "pdf_named_txt": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not a valid PDF"),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_names_file_and_reason(tmp_path: Path, kind: str) -> None:
    data, reason = BAD_INPUTS[kind]
    path = _write(tmp_path, f"{kind}.txt", data)
    with pytest.raises(baocao.BaocaoError) as info:
        baocao.parse(path)
    message = str(info.value)
    assert str(path) in message and reason in message
    assert "\n" not in message


def test_directory_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(baocao.BaocaoError, match="is a directory"):
        baocao.parse_file(tmp_path)
    with pytest.raises(baocao.BaocaoError, match="no such file"):
        baocao.parse_file(tmp_path / "missing.txt")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with open(path, "wb") as handle:  # a sparse 50 MB file: cheap to make, too big to read
        handle.truncate(50 * 1024 * 1024)
    assert path.stat().st_size > MAX_TEXT_BYTES
    with pytest.raises(baocao.BaocaoError, match="file too large: 50.0 MiB"):
        baocao.parse(path)


def test_input_file_is_never_modified(tmp_path: Path) -> None:
    path = _write(tmp_path, "seed.txt", SEED.read_bytes())
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    baocao.parse(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"%PDF-1.4", "pdf"),
        (b"PK\x03\x04", "docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),
        (b"\x89PNG\r\n\x1a\n", "image"),
        (b"BAO CAO", "txt"),
        (b"\r\n\x00junk%PDF-1.4", "pdf"),
    ],
)
def test_format_by_content(head: bytes, fmt: str) -> None:
    assert sniff_format(head) == fmt


def test_parse_accepts_text_as_well_as_paths() -> None:
    doc = baocao.parse(SEED.read_text("utf-8"))
    assert doc.source.path is None
    assert doc.meta.date == "2023-11-30"
