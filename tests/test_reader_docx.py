""".docx reader: Word numbering, tables, notes, legacy fonts, bad packages, and the real files."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.parser import parse_xml
from fixtures_docx import (
    CITING_TEXT,
    ENDNOTE_TEXT,
    FOOTNOTE_TEXT,
    STYLE_TCVN3_TEXT,
    TCVN3_CAPS_TEXT,
    TCVN3_TEXT,
    UNICODE_IN_VNI,
    UNICODE_LATIN1_IN_VNI,
    VNI_TEXT,
    Lvl,
    Num,
    footnote_docx,
    layout_table,
    legacy_docx,
    line_break_paragraph,
    number,
    numbering_xml,
    seed_docx,
    set_numbering,
)

import baocao
from baocao.models.schema import Section
from baocao.parser.blocks import RawDocument
from baocao.parser.headings import parse_marker
from baocao.parser.readers import docx as docx_reader
from conftest import SEED

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "docs"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _read(path: Path) -> RawDocument:
    return docx_reader.read(path.read_bytes(), path=str(path), sha256="0" * 64)


def _texts(raw: RawDocument) -> list[str]:
    return [b.text for b in raw.blocks]


def _save(document: docx.document.Document, tmp_path: Path, name: str = "t.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


# --- The seed as a Word document ----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[baocao.Document, baocao.Document]:
    path = seed_docx(tmp_path_factory.mktemp("seed") / "seed.docx")
    return baocao.parse(SEED), baocao.parse(path)


def _tree(sections: list[Section], parent: tuple | None = None) -> list[tuple]:
    """Each section as (marker family and ordinals, title, parent's key, plan, implicit): the
    marker as written may differ ("5.1 ." in the text file, "5.1." from Word's numbering)."""
    rows = []
    for s in sections:
        marker = parse_marker(f"{s.marker} X") if s.marker else None
        key = ((marker.family, marker.ordinals) if marker else None, s.title)
        rows.append((*key, parent, s.plan, s.implicit))
        rows.extend(_tree(s.children, key))
    return rows


def test_seed_docx_has_the_section_tree_of_the_text(seed_pair) -> None:
    txt, word = seed_pair
    assert word.source.format == "docx"
    assert len(_tree(txt.sections)) >= 40
    assert _tree(word.sections) == _tree(txt.sections)


def test_seed_docx_has_the_meta_of_the_text(seed_pair) -> None:
    txt, word = seed_pair
    for key in ("date", "doc_type", "doc_number", "title", "recipients", "issuer", "place"):
        assert getattr(word.meta, key) == getattr(txt.meta, key), key
    assert word.meta.signer.role == txt.meta.signer.role == "T/M BAN THƯỜNG VỤ"


def test_seed_docx_keeps_the_entities_of_the_text(seed_pair) -> None:
    txt, word = seed_pair
    expected = Counter((e.type, repr(e.value)) for e in txt.entities)
    found = Counter((e.type, repr(e.value)) for e in word.entities)
    assert sum(expected.values()) >= 100
    assert sum((expected & found).values()) / sum(expected.values()) >= 0.95


def test_seed_docx_headings_carry_word_numbering_labels(tmp_path: Path) -> None:
    raw = _read(seed_docx(tmp_path / "seed.docx"))
    labels = [b.hints["numbering"] for b in raw.blocks if "numbering" in b.hints]
    assert labels[:6] == ["A.", "I.", "1.", "2.", "3.", "4."]
    assert "5.1." in labels and "III." in labels
    # The restarted list (w:startOverride) counts 1. to 12. again after "III. TỒN TẠI" and its 1.
    after_iii = labels[labels.index("III.") + 1 :]
    assert after_iii[:3] == ["1.", "1.", "2."] and "12." in after_iii
    recipients = [b for b in raw.blocks if b.kind == "list_item"]
    assert [b.text for b in recipients][:2] == ["- TT huyện uỷ Cẩm Xuyên;", "- VP Huyện ủy;"]


# --- Numbering ----------------------------------------------------------------------------------


def _numbered_doc(
    tmp_path: Path,
    abstracts: dict[int, list[Lvl]],
    nums: list[Num],
    items: list[tuple[int, int, str]],
) -> list[str]:
    """Paragraphs (num_id, ilvl, text) in a document with those lists; the texts read back."""
    document = docx.Document()
    for num_id, ilvl, text in items:
        number(document.add_paragraph(text), num_id, ilvl)
    set_numbering(document, numbering_xml(abstracts, nums))
    return _texts(_read(_save(document, tmp_path)))


def test_multilevel_labels_and_lower_levels_restarting(tmp_path: Path) -> None:
    levels = [Lvl("upperRoman", "%1."), Lvl("decimal", "%2."), Lvl("decimal", "%2.%3.")]
    items = [(1, 0, "Một"), (1, 1, "Hai"), (1, 2, "Ba"), (1, 2, "Bốn"), (1, 1, "Năm"),
             (1, 2, "Sáu"), (1, 0, "Bảy"), (1, 1, "Tám")]  # fmt: skip
    assert _numbered_doc(tmp_path, {0: levels}, [Num(1, 0)], items) == [
        "I. Một", "1. Hai", "1.1. Ba", "1.2. Bốn", "2. Năm", "2.1. Sáu", "II. Bảy", "1. Tám",
    ]  # fmt: skip


def test_letter_roman_formats_and_start_values(tmp_path: Path) -> None:
    # Word's lowerLetter has no "đ": a) … e); after z comes aa.
    levels = {
        0: [Lvl("lowerLetter", "%1)")],
        1: [Lvl("lowerRoman", "(%1)", start=3)],
        2: [Lvl("upperLetter", "%1.", start=26)],
        3: [Lvl("decimalZero", "%1.")],
    }
    nums = [Num(1, 0), Num(2, 1), Num(3, 2), Num(4, 3)]
    items = [(1, 0, "x")] * 5 + [(2, 0, "y")] * 2 + [(3, 0, "z")] * 2 + [(4, 0, "w")]
    assert _numbered_doc(tmp_path, levels, nums, items) == [
        "a) x", "b) x", "c) x", "d) x", "e) x", "(iii) y", "(iv) y", "Z. z", "AA. z", "01. w",
    ]  # fmt: skip


def test_lvl_restart_zero_keeps_counting_across_higher_levels(tmp_path: Path) -> None:
    levels = [Lvl("upperRoman", "%1."), Lvl("decimal", "%2.", restart=0)]
    items = [(1, 0, "A"), (1, 1, "b"), (1, 1, "c"), (1, 0, "D"), (1, 1, "e")]
    assert _numbered_doc(tmp_path, {0: levels}, [Num(1, 0)], items) == [
        "I. A", "1. b", "2. c", "II. D", "3. e",
    ]  # fmt: skip


def test_lists_sharing_a_definition_continue_unless_start_is_overridden(tmp_path: Path) -> None:
    # As Word counts: numIds 1 and 2 share abstract 0 (one running count); numId 3 restarts it.
    nums = [Num(1, 0), Num(2, 0), Num(3, 0, ((0, 1),))]
    items = [(1, 0, "a"), (1, 0, "b"), (2, 0, "c"), (3, 0, "d"), (3, 0, "e"), (1, 0, "f")]
    assert _numbered_doc(tmp_path, {0: [Lvl("decimal", "%1.")]}, nums, items) == [
        "1. a", "2. b", "3. c", "1. d", "2. e", "3. f",
    ]  # fmt: skip


def test_legal_numbering_and_empty_labels(tmp_path: Path) -> None:
    levels = [Lvl("upperRoman", "%1."), Lvl("decimal", "%1.%2.", legal=True), Lvl("none", "")]
    items = [(1, 0, "Một"), (1, 1, "Hai"), (1, 2, "Không nhãn")]
    assert _numbered_doc(tmp_path, {0: levels}, [Num(1, 0)], items) == [
        "I. Một", "1.1. Hai", "Không nhãn",
    ]  # fmt: skip


def test_bullets_become_list_items(tmp_path: Path) -> None:
    document = docx.Document()
    for num_id, text in ((1, "Symbol-font bullet"), (2, "round bullet")):
        number(document.add_paragraph(text), num_id, 0)
    set_numbering(
        document,
        numbering_xml(
            {0: [Lvl("bullet", "\uf0b7")], 1: [Lvl("bullet", "•")]}, [Num(1, 0), Num(2, 1)]
        ),
    )
    raw = _read(_save(document, tmp_path))
    assert [(b.kind, b.text, b.hints["numbering"]) for b in raw.blocks] == [
        ("list_item", "- Symbol-font bullet", "-"),
        ("list_item", "• round bullet", "•"),
    ]


def test_numbering_inherited_from_the_paragraph_style(tmp_path: Path) -> None:
    document = docx.Document()
    style = document.styles.add_style("Muc", WD_STYLE_TYPE.PARAGRAPH)
    num_pr = parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:numId w:val="5"/></w:numPr>')
    style.element.get_or_add_pPr().append(num_pr)
    for text in ("Công tác tuyên truyền", "Công tác kiểm tra"):
        document.add_paragraph(text, style="Muc")
    number(document.add_paragraph("Bỏ đánh số"), 0, 0)  # numId 0 removes numbering
    set_numbering(document, numbering_xml({0: [Lvl("decimal", "%1.")]}, [Num(5, 0)]))
    assert _texts(_read(_save(document, tmp_path))) == [
        "1. Công tác tuyên truyền", "2. Công tác kiểm tra", "Bỏ đánh số",
    ]  # fmt: skip


def test_num_style_link_is_followed(tmp_path: Path) -> None:
    # Abstract 1 only points at a numbering style; the style's list holds the levels (abstract 0).
    document = docx.Document()
    style = document.styles.add_style("Outline", WD_STYLE_TYPE.LIST)
    num_pr = parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:numId w:val="7"/></w:numPr>')
    style.element.get_or_add_pPr().append(num_pr)
    number(document.add_paragraph("Mục"), 8, 0)
    xml = numbering_xml(
        {0: [Lvl("upperRoman", "%1.")], 1: []}, [Num(7, 0), Num(8, 1)], {1: style.style_id}
    )
    set_numbering(document, xml)
    assert _texts(_read(_save(document, tmp_path))) == ["I. Mục"]


@pytest.mark.parametrize(
    ("n", "fmt", "label"),
    [(4, "upperRoman", "IV"), (14, "lowerRoman", "xiv"), (5, "lowerLetter", "e"),
     (28, "lowerLetter", "bb"), (3, "decimalZero", "03"), (7, "ordinalText", "7")],
)  # fmt: skip
def test_format_number(n: int, fmt: str, label: str) -> None:
    assert docx_reader.format_number(n, fmt) == label


# --- Paragraphs ---------------------------------------------------------------------------------


def test_heading_styles_bold_caps_and_line_breaks(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Báo cáo tổng kết", style="Title")
    document.add_heading("Kết quả đạt được", level=2)
    document.add_paragraph().add_run("Chỉ đạo điều hành").bold = True
    run = document.add_paragraph().add_run("nhiệm vụ trọng tâm")
    run.font.all_caps = True  # w:caps: the page shows capitals
    line_break_paragraph(document, ["ỦY BAN NHÂN DÂN", "TỈNH LÂM ĐỒNG"])
    blocks = _read(_save(document, tmp_path)).blocks
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Báo cáo tổng kết"),
        ("heading", "Kết quả đạt được"),
        ("paragraph", "Chỉ đạo điều hành"),
        ("paragraph", "NHIỆM VỤ TRỌNG TÂM"),
        ("paragraph", "ỦY BAN NHÂN DÂN"),
        ("paragraph", "TỈNH LÂM ĐỒNG"),
    ]
    assert blocks[0].hints["heading_level"] == 0 and blocks[0].hints["style"] == "Title"
    assert blocks[1].hints["heading_level"] == 2 and blocks[1].hints["style"] == "Heading 2"
    assert blocks[2].hints.get("bold") is True and "caps" not in blocks[2].hints
    assert blocks[3].hints.get("caps") is True


def test_deleted_hidden_and_inserted_text(tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("Giải ngân ")
    hidden = paragraph.add_run("(ẩn) ")
    hidden.font.hidden = True
    paragraph._p.append(
        parse_xml(
            f'<w:del xmlns:w="{W_NS}" w:id="1" w:author="a"><w:r><w:delText>50</w:delText></w:r>'
            f"</w:del>"
        )
    )
    paragraph._p.append(
        parse_xml(
            f'<w:ins xmlns:w="{W_NS}" w:id="2" w:author="a"><w:r><w:t>90 triệu đồng</w:t></w:r>'
            f"</w:ins>"
        )
    )
    assert _texts(_read(_save(document, tmp_path))) == ["Giải ngân 90 triệu đồng"]


def test_blank_fill_spaces_become_one_space(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Lâm Đồng, ngày         tháng 11 năm 2025")
    document.add_paragraph("   ")
    document.add_paragraph("Số:          /BC-UBND\tKính gửi")
    assert _texts(_read(_save(document, tmp_path))) == [
        "Lâm Đồng, ngày tháng 11 năm 2025",
        "Số: /BC-UBND\tKính gửi",  # a tab stays: in Word it is a column
    ]


# --- Tables -------------------------------------------------------------------------------------


def test_layout_table_reads_as_paragraphs_left_then_right(tmp_path: Path) -> None:
    document = docx.Document()
    layout_table(document, ["ỦY BAN NHÂN DÂN", "Số: 12/BC-UBND"], ["CỘNG HÒA", "Độc lập"])
    raw = _read(_save(document, tmp_path))
    assert [(b.kind, b.text) for b in raw.blocks] == [
        ("paragraph", "ỦY BAN NHÂN DÂN"),
        ("paragraph", "Số: 12/BC-UBND"),
        ("paragraph", "CỘNG HÒA"),
        ("paragraph", "Độc lập"),
    ]


def test_data_table_rows_with_merged_cells_do_not_repeat_text(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate(
        [["STT", "Nội dung", "Kết quả"], ["1", "Ban hành 02 kế hoạch", "Hoàn thành"],
         ["2", "Tổ chức 03 hội nghị", ""], ["Tổng cộng", "", "5 việc"]]
    ):  # fmt: skip
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 2).merge(table.cell(2, 2))  # vertical merge (w:vMerge)
    table.cell(3, 0).merge(table.cell(3, 1))  # horizontal merge (w:gridSpan)
    path = _save(document, tmp_path)
    raw = _read(path)
    assert [b.kind for b in raw.blocks] == ["table"] * 4
    assert [b.hints["cells"] for b in raw.blocks] == [
        ["STT", "Nội dung", "Kết quả"],
        ["1", "Ban hành 02 kế hoạch", "Hoàn thành"],
        ["2", "Tổ chức 03 hội nghị", ""],
        ["Tổng cộng", "", "5 việc"],
    ]
    assert [(b.hints["table"], b.hints["row"]) for b in raw.blocks] == [(0, r) for r in range(4)]
    assert raw.blocks[1].text == "1\tBan hành 02 kế hoạch\tHoàn thành"
    parsed = baocao.parse(path)
    assert parsed.text.count("Hoàn thành") == 1 and parsed.text.count("Tổng cộng") == 1
    assert parsed.tables[0].rows[3] == ["Tổng cộng", "", "5 việc"]
    assert any(e.type == "COUNT" and e.value["value"] == 2 for e in parsed.entities)


# --- Footnotes and endnotes ---------------------------------------------------------------------


def test_footnotes_and_endnotes_become_notes_at_their_reference(tmp_path: Path) -> None:
    path = footnote_docx(tmp_path / "notes.docx")
    raw = _read(path)
    notes = [b for b in raw.blocks if b.kind == "note"]
    assert [b.text for b in notes] == [FOOTNOTE_TEXT, ENDNOTE_TEXT]  # unreferenced note left out
    assert raw.blocks[notes[0].hints["note_ref"]].text == CITING_TEXT
    assert notes[0].hints["note_kind"] == "footnote" and notes[1].hints["note_kind"] == "endnote"
    assert raw.blocks[-3].kind != "note"  # notes come last

    doc = baocao.parse(path)
    assert FOOTNOTE_TEXT in doc.text
    note_loc = next(p for p in doc.provenance if p.kind == "note")
    assert doc.text[note_loc.start : note_loc.end] == FOOTNOTE_TEXT
    assert doc.text[note_loc.note_ref :].startswith(CITING_TEXT)
    refs = [e for e in doc.entities if e.type == "LEGAL_REF"]
    cited = next(e for e in refs if e.value["number"] == "1234/QĐ-UBND")
    assert note_loc.start <= cited.span[0] < note_loc.end
    assert cited.value["date"] == "2024-03-15"


# --- Legacy fonts -------------------------------------------------------------------------------


def test_legacy_runs_convert_and_unicode_runs_in_legacy_faces_do_not(tmp_path: Path) -> None:
    raw = _read(legacy_docx(tmp_path / "legacy.docx"))
    assert _texts(raw) == [
        TCVN3_TEXT,
        TCVN3_CAPS_TEXT,  # .VnTimeH: capitals kept, not lowered
        VNI_TEXT,
        UNICODE_IN_VNI,
        UNICODE_LATIN1_IN_VNI,
        "Kết quả: đạt 95% kế hoạch, vượt chỉ tiêu",
        STYLE_TCVN3_TEXT,
    ]
    assert raw.encoding == "tcvn3+vni"


def test_document_properties_convert_a_legacy_title(tmp_path: Path) -> None:
    properties = docx_reader.document_properties(legacy_docx(tmp_path / "p.docx").read_bytes())
    assert properties["title"] == "CÔNG AN TỈNH LÂM ĐỒNG"
    assert properties["creator"] == "Nguyễn Văn Hòa"


# --- Bad input ----------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(megabytes: int, members: int = 1) -> bytes:
    """A real zip bomb: members of zeros that deflate a thousandfold, written in chunks."""
    buffer = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        for m in range(members):
            with archive.open(f"word/media/pad{m}.bin", "w", force_zip64=True) as handle:
                for _ in range(megabytes // members):
                    handle.write(chunk)
    return buffer.getvalue()


def _parse_bytes(tmp_path: Path, name: str, data: bytes) -> baocao.Document:
    path = tmp_path / name
    path.write_bytes(data)
    return baocao.parse(path)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("bomb_total", "zip bomb: declares 210 MiB uncompressed"),
        ("bomb_ratio", "zip bomb: declares 20 MiB uncompressed for word/media/pad0.bin"),
        ("truncated", "not a valid .docx: truncated or corrupt zip"),
        ("not_word", "not a valid .docx: a zip archive without word/document.xml"),
        ("xlsx", "an Excel workbook (.xlsx), not a Word document"),
        ("bad_xml", "not a valid .docx"),
    ],
)
def test_bad_packages_give_a_clear_error(tmp_path: Path, kind: str, reason: str) -> None:
    good = footnote_docx(tmp_path / "good.docx").read_bytes()
    data = {
        "bomb_total": lambda: _bomb(210, members=3),
        "bomb_ratio": lambda: _bomb(20),
        "truncated": lambda: good[: len(good) // 2],
        "not_word": lambda: _zip({"hello.txt": b"xin chao"}),
        "xlsx": lambda: _zip({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b"<x/>"}),
        "bad_xml": lambda: _zip({"word/document.xml": b"<w:document", "[Content_Types].xml": b""}),
    }[kind]()
    with pytest.raises(baocao.BaocaoError) as info:
        _parse_bytes(tmp_path, f"{kind}.docx", data)
    assert reason in str(info.value) and str(tmp_path) in str(info.value)
    assert info.value.stage == "read" and info.value.format == "docx"


@pytest.mark.parametrize("name", ["BAOCAO.DOCX", "baocao.doc", "baocao.txt"])
def test_format_is_read_from_content_not_the_name(tmp_path: Path, name: str) -> None:
    data = footnote_docx(tmp_path / "notes.docx").read_bytes()
    doc = _parse_bytes(tmp_path, name, data)
    assert doc.source.format == "docx" and doc.meta.doc_number == "12/BC-UBND"


# --- The real files -----------------------------------------------------------------------------
# Expected values written by reading each document (LibreOffice's text export, by eye).


def _real(prefix: str) -> Path:
    paths = sorted(CORPUS.glob(f"{prefix}_*.docx"))
    assert paths, f"{prefix} is shipped in {CORPUS}"
    return paths[0]


def _top(doc: baocao.Document) -> list[tuple[str | None, str | None, bool]]:
    return [(s.marker, s.title, s.plan) for s in doc.sections]


def test_real_003_monthly_report() -> None:
    doc = baocao.parse(_real("003"))
    meta = doc.meta
    assert meta.issuer[:1] == ["UBND TỈNH LÂM ĐỒNG"]
    assert (meta.doc_type, meta.doc_number, meta.place) == ("BÁO CÁO", "/BC-BCĐ", "Lâm Đồng")
    assert (meta.date_parts.year, meta.date_parts.month, meta.date_parts.day) == (2025, 11, None)
    assert meta.title == "Kết quả triển khai Đề án 06 trên địa bàn tỉnh Lâm Đồng tháng 11/2025"
    assert _top(doc) == [
        ("I.", "CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI", False),
        ("II.", "KẾT QUẢ CÁC MẶT CÔNG TÁC", False),
        ("III.", "PHƯƠNG HƯỚNG, NHIỆM VỤ TRONG THỜI GIAN TỚI", True),
    ]
    assert [c.marker for c in doc.sections[2].children] == [f"{n}." for n in range(1, 13)]
    assert (meta.signer.role, meta.signer.name) == ("TM. BAN CHỈ ĐẠO", "Nguyễn Ngọc Phúc")
    notes = [p for p in doc.provenance if p.kind == "note"]
    assert len(notes) == 7  # seven footnotes, each at its reference mark
    first = doc.text[notes[0].start : notes[0].end]
    assert first.startswith("Công văn số 2136/TGV ngày 20/10/2025")
    assert doc.text[notes[0].note_ref :].startswith("d) Chỉ đạo các sở, ban, ngành")


def test_real_008_annual_report() -> None:
    doc = baocao.parse(_real("008"))
    meta = doc.meta
    assert meta.issuer == ["UỶ BAN NHÂN DÂN", "TỈNH LÀO CAI"]
    assert (meta.doc_type, meta.doc_number, meta.place) == ("BÁO CÁO", "/BC-UBND", "Lào Cai")
    assert meta.date_parts.year == 2026 and meta.date_parts.month is None
    assert meta.title == (
        "Công tác quản lý nhà nước về địa chất, khoáng sản năm 2025 trên địa bàn tỉnh Lào Cai"
    )
    assert meta.addressees == ["Bộ Nông nghiệp và Môi trường", "Bộ Công Thương", "Bộ Xây dựng"]
    assert [s.marker for s in doc.sections] == ["I.", "II.", "III.", "IV."]
    first = doc.sections[0].children[0]
    assert (first.marker, [c.marker for c in first.children]) == ("1.", ["1.1.", "1.2."])
    assert (meta.signer.role, meta.signer.position, meta.signer.name) == (
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Thành Sinh",
    )  # fmt: skip
    notes = [p for p in doc.provenance if p.kind == "note"]
    assert len(notes) == 12
    assert doc.text[notes[0].start :].startswith("Văn bản số 206/UBND-KT ngày 12/7/2025")
    assert doc.text[notes[0].note_ref :].startswith("Để triển khai Luật Địa chất và khoáng sản")


def test_real_a096_unicode_text_in_legacy_faces_is_left_alone() -> None:
    path = _real("a096")
    reader = docx_reader._DocxReader(docx.Document(str(path)))
    reader.walk(reader.document.element.body, reader._push_paragraph)
    in_legacy_faces = [s.text for p in reader.pending for s in p.text if s.encoding == "vni"]
    assert in_legacy_faces  # the trap is there: VNI-Times runs ("N", "i nh", "n:" of "Nơi nhận:")
    raw = _read(path)
    assert raw.encoding is None and raw.warnings == []  # nothing converted
    text = "\n".join(_texts(raw))
    for words in (
        "QUYẾT ĐỊNH",
        "Quyết định này có hiệu lực thi hành",
        "Nơi nhận:",
        "Về việc thành lập Hội đồng An toàn, vệ sinh lao động tỉnh Lâm Đồng",
        "Ông Đỗ Văn Chung, Giám đốc Sở Nội vụ",
        "Điều 2. Hội đồng an toàn",
        "Hồ Văn Mười",
    ):
        assert words in text
    # No legacy-code mojibake: VNI marks that are no Vietnamese letter, TCVN3 bytes ("¸", "µ").
    assert not any(c in text for c in "¸µ¶·¹¨©ª«¬®ñöøûïëäåæ")
    doc = baocao.parse(path)
    assert (doc.meta.doc_type, doc.meta.doc_number) == ("QUYẾT ĐỊNH", "/QĐ-UBND")
    assert doc.meta.issuer == ["UỶ BAN NHÂN DÂN", "TỈNH LÂM ĐỒNG"]
    assert doc.meta.title.startswith(
        "Về việc thành lập Hội đồng An toàn, vệ sinh lao động tỉnh Lâm Đồng"
    )
    assert (doc.meta.signer.position, doc.meta.signer.name) == ("CHỦ TỊCH", "Hồ Văn Mười")
    box = [b for b in raw.blocks if b.hints.get("text_box")]
    assert [b.text for b in box] == ["DỰ THẢO"]  # the floating stamp, once, after the body


def test_text_boxes_are_read_once_after_the_body(tmp_path: Path) -> None:
    document = docx.Document()
    host = document.add_paragraph("Nội dung chính")
    document.add_paragraph("Đoạn sau")
    box = parse_xml(
        f'<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        f' xmlns:w="{W_NS}"><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r>'
        f"<w:t>MẬT</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback>"
        f"<w:pict><w:txbxContent><w:p><w:r><w:t>MẬT</w:t></w:r></w:p></w:txbxContent></w:pict>"
        f"</mc:Fallback></mc:AlternateContent>"
    )
    run = OxmlElement("w:r")
    run.append(box)
    host._p.append(run)
    raw = _read(_save(document, tmp_path))
    assert _texts(raw) == ["Nội dung chính", "Đoạn sau", "MẬT"]
    assert raw.blocks[2].hints == {"text_box": True, "caps": True}
