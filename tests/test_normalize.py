"""Normalizer: NFC, spaces, and offsets that keep pointing at what the document says."""

from __future__ import annotations

import unicodedata

import baocao
from baocao.parser.blocks import Block, RawDocument
from baocao.parser.normalize import clean_line, is_hard_wrapped, normalize
from conftest import SEED


def _raw(*lines: str) -> RawDocument:
    return RawDocument([Block(t, line=i) for i, t in enumerate(lines, 1)], "txt", "0" * 64)


def test_tabs_odd_spaces_and_zero_width_go_but_stray_spaces_before_punctuation_stay() -> None:
    text, gaps, indent = clean_line("\t2. Công tác chính trị , tư\u00a0tưởng\u200b ")
    assert text == "2. Công tác chính trị , tư tưởng"
    assert indent == 4 and gaps == []


def test_wide_gaps_become_cells() -> None:
    norm = normalize(_raw("Nơi nhận:\t\t\t\t     T/M  BAN THƯỜNG VỤ"))
    unit = norm.units[0]
    assert [norm.text[a:b] for a, b in unit.cells(norm.text)] == ["Nơi nhận:", "T/M BAN THƯỜNG VỤ"]


def test_nfc_composes_decomposed_marks() -> None:
    decomposed = unicodedata.normalize("NFD", "Hội Nông dân xã")
    assert normalize(_raw(decomposed)).text == "Hội Nông dân xã"


def test_seed_offsets_map_back_to_source_lines(seed_doc: baocao.Document) -> None:
    source = SEED.read_text("utf-8").splitlines()
    for loc in seed_doc.provenance:
        piece = seed_doc.text[loc.start : loc.end]
        assert loc.line is not None
        # Same words as the source line, only spacing normalized.
        assert piece.split() == source[loc.line - 1].split()


def test_hard_wrapped_pdf_text_is_rejoined() -> None:
    lines = [
        "Ngày 30/9/2025, Ban Thường vụĐảng uỷ họp nghe báo cáo và cho ý kiến",
        "một sốnội dung: (1) đánh giá tình hình thực hiện nhiệm vụquý III và nhiệm vụ",
        "trọng tâm 3 tháng cuối năm 2025; (2) rà soát danh mục đầu tư công giai đoạn 2026",
        "– 2030; (3) một sốnội dung liên quan công tác cán bộ. Cùng tham dựcó các đồng",
        "chí lãnh đạo các cơ quan: Đảng uỷUBND xã, phòng Kinh tế, phòng Văn hoá – Xã",
        "hội, Văn phòng Đảng uỷ, Văn phòng HĐND & UBND xã.",
        "I. Vềđánh giá tình hình thực hiện nhiệm vụquý III và nhiệm vụtrọng",
        "tâm 3 tháng cuối năm 2025:",
        "- Tình hình kinh tếxã hội tiếp tục phát triển tích cực, bền vững, tiến bộvà",
        "công bằng xã hội.",
    ]
    assert is_hard_wrapped(lines)
    norm = normalize(_raw(*lines))
    paragraphs = norm.text.split("\n")
    assert len(paragraphs) == 3
    assert paragraphs[1] == " ".join(lines[6:8])
    # The joined paragraph still knows its source lines.
    offset = norm.text.rindex("tâm 3 tháng cuối")
    assert norm.source_line(offset) == 8


def test_seed_is_not_treated_as_wrapped(seed_doc: baocao.Document) -> None:
    assert len(seed_doc.provenance) == len(
        [ln for ln in SEED.read_text("utf-8").splitlines() if ln.strip()]
    )
