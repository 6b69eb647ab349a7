"""Legacy Vietnamese encodings (TCVN3, VNI-Windows): tables, the Unicode-or-legacy decision, and
text files in those encodings."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import baocao
from baocao.parser.readers import legacy
from baocao.parser.readers.docx import LegacyJudge, Segment
from conftest import SEED

TONES = "\u0300\u0301\u0303\u0309\u0323"
BASES = "aăâeêioôơuưy"
# Every toned Vietnamese vowel, small, and đ.
LETTERS = [unicodedata.normalize("NFC", b + t) for b in BASES for t in ["", *TONES]] + ["đ"]


def test_vni_round_trips_every_letter_in_both_cases() -> None:
    text = "".join(LETTERS)
    for word in (text, text.upper()):
        encoded = legacy.encode(word, legacy.VNI)
        assert legacy.looks_unicode_vietnamese(word) and not legacy.looks_unicode_vietnamese(
            encoded
        )
        assert legacy.convert(encoded, legacy.VNI) == word


def test_tcvn3_round_trips_small_letters_and_its_seven_capitals() -> None:
    text = "".join(LETTERS) + "ĂÂÊÔƠƯĐ"
    encoded = legacy.encode(text, legacy.TCVN3)
    assert all(0xA1 <= ord(c) <= 0xFE for c in encoded if not c.isascii())
    assert legacy.convert(encoded, legacy.TCVN3) == text


def test_tcvn3_capitals_font_draws_small_codes_as_capitals() -> None:
    # .VnTimeH writes "Ộ" with the code of "ộ": convert, then upper-case; never lower capitals.
    encoded = legacy.encode("ĐẢNG CỘNG SẢN", legacy.TCVN3)
    assert legacy.convert(encoded, legacy.TCVN3) == "ĐảNG CộNG SảN"
    assert legacy.convert(encoded, legacy.TCVN3, caps=True) == "ĐẢNG CỘNG SẢN"


@pytest.mark.parametrize(
    ("stored", "encoding", "unicode"),
    [
        # As such files hold them (bytes shown as Windows-1252 characters).
        ("B\xb8o c\xb8o k\xd5t qu\xb6", "tcvn3", "Báo cáo kết quả"),
        ("\xa7\xb6ng \xf1y x\xb7 M\xad\xeang Kh\xad\xacng", "tcvn3", "Đảng ủy xã Mường Khương"),
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("COÂNG AN TÆNH LAÂM ÑOÀNG", "vni", "CÔNG AN TỈNH LÂM ĐỒNG"),
        ("\uf0a7\uf0b6ng", "tcvn3", "Đảng"),  # a symbol-charset font: bytes at U+F0xx
    ],
)
def test_known_legacy_strings(stored: str, encoding: str, unicode: str) -> None:
    assert legacy.convert(stored, encoding) == unicode


def test_font_names() -> None:
    assert (
        legacy.is_legacy_font(".VnTime")
        == legacy.is_legacy_font(".VnCentury Schoolbook")
        == "tcvn3"
    )
    assert legacy.is_legacy_font("VNI-Times") == legacy.is_legacy_font("VNI-Helve") == "vni"
    assert legacy.is_legacy_font("Times New Roman") is legacy.is_legacy_font(None) is None
    assert legacy.is_capitals_font(".VnTimeH") and legacy.is_capitals_font(".VnArialH")
    assert not legacy.is_capitals_font(".VnTime") and not legacy.is_capitals_font("VNI-Times")


@pytest.mark.parametrize(
    "word",
    ["Báo", "nghiêng", "khuỷu", "quốc", "quýt", "quỳnh", "giữa", "gì", "ĐẢNG", "người", "xoong"],
)
def test_valid_syllables(word: str) -> None:
    assert legacy.is_syllable(word)


@pytest.mark.parametrize("word", ["Ơng", "B¸o", "Coâng", "TÆNH", "kÕt", "hoá́", "UBND", "str"])
def test_invalid_syllables(word: str) -> None:
    assert not legacy.is_syllable(word)


def test_verdict_reads_the_characters_not_the_font() -> None:
    assert legacy.verdict("B\xb8o c\xb8o k\xd5t qu\xb6", legacy.TCVN3) == 1
    assert legacy.verdict("Baùo caùo keát quaû", legacy.VNI) == 1
    # Letters only Unicode has: already Unicode, whatever the font says.
    assert legacy.verdict("Quyết định thành lập", legacy.VNI) == -1
    # Latin-1 letters only, but "Ông Hòa" reads as Vietnamese and "Ơng Hịa" does not.
    assert legacy.verdict("Ông Hòa", legacy.VNI) == -1
    # Nothing to convert, or both readings equally Vietnamese: undecided.
    assert legacy.verdict("UBND 2025", legacy.TCVN3) == 0
    assert legacy.verdict("Lê", legacy.TCVN3) == 0  # "Lê" or TCVN3 "Lờ"


def test_undecided_runs_follow_the_document() -> None:
    def render(*groups: str) -> list[str]:
        judge = LegacyJudge()
        riches = [[Segment(text, legacy.TCVN3)] for text in groups]
        for rich in riches:
            judge.observe(rich)
        return [judge.render(rich) for rich in riches]

    # In a TCVN3 document, "Lª" (undecided on its own) is TCVN3 too; in a Unicode one it stays.
    assert render("B\xb8o c\xb8o k\xd5t qu\xb6", "L\xea") == ["Báo cáo kết quả", "Lờ"]
    assert render("Ông Hòa Bình", "L\xea") == ["Ông Hòa Bình", "Lê"]


def test_a_run_proven_unicode_never_joins_a_legacy_group() -> None:
    judge = LegacyJudge()
    rich = [
        Segment(legacy.encode("Kết qu", legacy.TCVN3), legacy.TCVN3),
        Segment(legacy.encode("ả", legacy.TCVN3), legacy.TCVN3),
        Segment(" tốt ", legacy.TCVN3),  # Unicode typed in the same legacy face
        Segment(legacy.encode("vượt", legacy.VNI), legacy.VNI),
    ]
    judge.observe(rich)
    assert judge.render(rich) == "Kết quả tốt vượt"


def test_document_property_encoding_is_guessed() -> None:
    assert legacy.convert_if_legacy("COÂNG AN TÆNH LAÂM ÑOÀNG") == ("CÔNG AN TỈNH LÂM ĐỒNG", "vni")
    assert legacy.convert_if_legacy("B\xb8o c\xb8o t\xe6ng k\xd5t") == ("Báo cáo tổng kết", "tcvn3")
    assert legacy.convert_if_legacy("Báo cáo tổng kết") == ("Báo cáo tổng kết", None)
    assert legacy.convert_if_legacy("Du_Thao_HDKS_2019_2.doc") == ("Du_Thao_HDKS_2019_2.doc", None)


# --- Text files ---------------------------------------------------------------------------------

SAMPLE = (
    "Báo cáo kết quả thực hiện nhiệm vụ tháng 11\n1. Công tác tư tưởng\n"
    "Hội Nông dân huyện thu hồi 10 hộ vay vốn 380 triệu đồng; đạt 75,7% kế hoạch."
)


def _parse_bytes(tmp_path: Path, data: bytes) -> baocao.Document:
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    return baocao.parse(path)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_text_files_decode(tmp_path: Path, encoding: str) -> None:
    doc = _parse_bytes(tmp_path, legacy.encode_bytes(SAMPLE, encoding))
    assert doc.source.encoding == encoding
    assert doc.text.splitlines() == SAMPLE.splitlines()


def test_vni_seed_reads_like_the_unicode_seed(tmp_path: Path, seed_doc: baocao.Document) -> None:
    doc = _parse_bytes(tmp_path, legacy.encode_bytes(SEED.read_text("utf-8"), legacy.VNI))
    assert doc.source.encoding == "vni"
    assert doc.text == seed_doc.text
    assert doc.meta == seed_doc.meta
    assert doc.sections == seed_doc.sections


def test_tcvn3_seed_reads_right_but_for_toned_capitals(tmp_path: Path, seed_doc) -> None:
    # A TCVN3 text file cannot say "Ả" (that takes an "H" font): the letters come back small.
    doc = _parse_bytes(tmp_path, legacy.encode_bytes(SEED.read_text("utf-8"), legacy.TCVN3))
    assert doc.source.encoding == "tcvn3"
    assert doc.text.lower() == seed_doc.text.lower()


def test_windows_1258_text_is_not_mistaken_for_a_legacy_font() -> None:
    # Windows-1258 keeps â, ư, đ … precomposed and writes tone marks apart.
    pieces = []
    for ch in SAMPLE:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        pieces.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)))
        pieces.append(tones)
    data = "".join(pieces).encode("cp1258")
    assert legacy.detect_legacy_text(legacy.single_byte_text(data)) is None
