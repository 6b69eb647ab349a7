"""Segmenter behaviours beyond the gold documents: OCR confusions, articles, learned ranks."""

from __future__ import annotations

import baocao
from baocao.models.schema import Section, iter_sections

HEADER = (
    "ỦY BAN NHÂN DÂN\nXÃ CẨM MỸ\nSố: 12/BC-UBND\nCẩm Mỹ, ngày 30 tháng 11 năm 2023\n"
    "BÁO CÁO\nKết quả tháng 11\n"
)


def _tree(sections: list[Section]) -> list[tuple[str | None, list]]:
    return [(s.marker, _tree(s.children)) for s in sections]


def test_ocr_reads_roman_as_ones() -> None:
    doc = baocao.parse_text(
        HEADER
        + "I. KẾT QUẢ ĐẠT ĐƯỢC\n1. Công tác tuyên truyền\nĐã tổ chức 3 hội nghị.\n"
        + "11. NHIỆM VỤ THÁNG 12\n1, Tiếp tục tuyên truyền vận động.\n2. Hoàn thành hồ sơ.\n"
    )
    assert _tree(doc.sections) == [
        ("I.", [("1.", [])]),
        ("11.", [("1,", []), ("2.", [])]),
    ]
    assert doc.sections[1].plan and all(c.plan for c in doc.sections[1].children)


def test_articles_of_a_decision_rank_above_their_clauses() -> None:
    doc = baocao.parse_text(
        HEADER.replace("BÁO CÁO", "QUYẾT ĐỊNH")
        + "Điều 1. Thành lập Tổ công tác.\n1. Tổ trưởng.\n2. Tổ viên.\n"
        + "Điều 2. Nhiệm vụ của Tổ.\na) Rà soát hồ sơ.\nb) Báo cáo kết quả.\n"
    )
    assert _tree(doc.sections) == [
        ("Điều 1.", [("1.", []), ("2.", [])]),
        ("Điều 2.", [("a)", []), ("b)", [])]),
    ]


def test_ranks_are_learned_from_first_appearance() -> None:
    # Here a) comes above 1.: the document's own order wins over custom.
    doc = baocao.parse_text(
        HEADER + "a) Lĩnh vực kinh tế\n1. Nông nghiệp\n2. Thương mại\nb) Lĩnh vực xã hội\n1. Y tế\n"
    )
    assert _tree(doc.sections) == [("a)", [("1.", []), ("2.", [])]), ("b)", [("1.", [])])]
    assert [s.level for s in iter_sections(doc.sections)] == [1, 2, 2, 1, 2]


def test_table_cells_never_open_sections(tmp_path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("I. KẾT QUẢ")
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"{r + 1}. Mục {c}" if c == 0 else f"{r * 10 + c} hộ"
    document.add_paragraph("II. NHIỆM VỤ")
    path = tmp_path / "t.docx"
    document.save(path)
    doc = baocao.parse(path)
    assert _tree(doc.sections) == [("I.", []), ("II.", [])]
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) == 4
    assert doc.tables[0].rows[1] == ["2. Mục 0", "11 hộ", "12 hộ"]
    assert any(e.type == "COUNT" and e.value["value"] == 11 for e in doc.entities)
