"""PDF reader: text PDFs made by LibreOffice and a real one (007), per-page decisions between the
text layer and OCR (issue 7, traps 1, 2, 6, 8), and every bad PDF of the readers issue."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from fixtures_pdf import RUNNING_HEADER, TABLE_TITLE, blank_pages_pdf, fixtures, merge_pdfs

import baocao
from baocao.models.schema import Section
from baocao.parser.readers import pdf as pdf_reader
from baocao.parser.readers import read_path
from baocao.parser.readers.pdf import (
    _pdfium_words,
    _plumber_words,
    group_lines,
    is_vietnamese_syllable,
    text_quality,
)
from conftest import SEED

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "docs"
PDF_007 = CORPUS / "007_binhthuan-so-noi-vu-to-trinh-bao-cao-hoi-2024.pdf"
A066 = CORPUS / "a066_giao-snv-chuan-bi-noi-dung-dc-phuc-hop-chi-so--493-tb.pdf"
A072 = CORPUS / "a072_cv-298-pc04--298-pc04.pdf"
META_FIELDS = ["issuer", "date", "doc_type", "doc_number", "title", "recipients", "signer"]


def flatten(sections: list[Section], parent: str | None = None) -> list[tuple]:
    """(marker, parent marker, plan, title) for every section, in document order."""
    out: list[tuple] = []
    for s in sections:
        out.append((s.marker, parent, s.plan, s.title))
        out += flatten(s.children, s.marker)
    return out


def entity_share(reference: baocao.Document, doc: baocao.Document) -> float:
    """Share of the reference's (type, value) entities that `doc` also has (multisets)."""

    def bag(d: baocao.Document) -> Counter:
        return Counter((e.type, json.dumps(e.value, sort_keys=True)) for e in d.entities)

    expected = bag(reference)
    return sum((expected & bag(doc)).values()) / sum(expected.values())


# --- Vietnamese syllables and text-layer quality ---------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["CỘNG", "hòa", "xã", "nghĩa", "Việt", "quyết", "quỳnh", "giữ", "gì", "nghiêng", "khuya",
     "thuở", "ương", "Đảng", "oanh", "xoong", "tuyển", "kiểm", "ngoài", "gìn"],
)  # fmt: skip
def test_vietnamese_syllables_are_recognized(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "token",
    # a066's ASCII layer, a072's mis-encoded one, and misspellings Vietnamese forbids
    ["ndm", "ngdy", "b6o", "fithdng", "tldng", "xcuia", "vrET", "CØNG", "HØI", "nghiÇn",
     "ng°Ýi", "ce", "cí", "ngé", "kanh", "tàc", "hoạc̀", "tốt̃", "strong"],
)  # fmt: skip
def test_garbage_tokens_are_not_syllables(token: str) -> None:
    assert not is_vietnamese_syllable(token)


def _layer_text(path: Path, page: int = 0) -> str:
    with pdfplumber.open(path) as pdf:
        return pdf.pages[page].extract_text() or ""


def test_text_layer_quality_tells_real_text_from_old_ocr_layers() -> None:
    good = text_quality(_layer_text(PDF_007))
    ascii_garbage = text_quality(_layer_text(A066))
    misencoded = text_quality(_layer_text(A072))
    unaccented = text_quality("Cong tac lanh dao chi dao trong tam cua cap uy " * 5)
    assert good.good and good.valid > 0.9 and good.accented > 0.6
    assert not ascii_garbage.good and ascii_garbage.valid < 0.5  # "ceNG HoA xA ugr cuu xcuia"
    assert not misencoded.good and misencoded.misencoded > 0.05  # "CØNG HOÀ XÃ HØI"
    assert not unaccented.good and unaccented.accented == 0  # ASCII-only: tone marks lost


# --- Text PDFs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_pdf_doc() -> baocao.Document:
    return baocao.parse(fixtures().seed_pdf)


def test_seed_text_pdf_gives_the_txt_tree_meta_and_entities(
    seed_doc: baocao.Document, seed_pdf_doc: baocao.Document
) -> None:
    doc = seed_pdf_doc
    assert doc.source.format == "pdf" and doc.source.pages == 7 and not doc.source.ocr
    assert [d.method for d in doc.source.page_details] == ["text"] * 7
    assert flatten(doc.sections) == flatten(seed_doc.sections)
    for field in META_FIELDS:
        assert getattr(doc.meta, field) == getattr(seed_doc.meta, field), field
    share = entity_share(seed_doc, doc)
    print(f"text PDF: {share:.1%} of the .txt's {len(seed_doc.entities)} entities")
    assert share >= 0.95


def test_running_header_and_page_numbers_are_removed_and_pages_kept(
    seed_pdf_doc: baocao.Document,
) -> None:
    # Every page of the fixture carries the running header and "Trang N" at its foot.
    assert RUNNING_HEADER not in seed_pdf_doc.text
    assert "Trang " not in seed_pdf_doc.text
    pages = [p.page for p in seed_pdf_doc.provenance]
    assert pages == sorted(pages) and set(pages) == set(range(1, 8))


def test_wrapped_lines_become_one_paragraph_and_headings_stay_apart() -> None:
    raw = read_path(fixtures().seed_pdf)
    texts = [b.text for b in raw.blocks]
    # One line of the .txt, wrapped over three lines by LibreOffice, is one block again.
    seed_lines = SEED.read_text("utf-8").splitlines()
    long_line = next(line.strip() for line in seed_lines if line.strip().startswith("Ban hành kế"))
    assert long_line in texts
    # A heading that wraps keeps its last word ("… CHÍNH" / "TRỊ"); the next heading is apart.
    heading = "I. CÔNG TÁC XÂY DỰNG ĐẢNG VÀ CÁC TỔ CHỨC TRONG HỆ THỐNG CHÍNH TRỊ"
    assert texts[texts.index(heading) + 1].startswith("1. Công tác lãnh đạo")
    # Two columns on one line are cut by a tab, where the normalizer makes cells.
    assert "Nơi nhận:\tT/M BAN THƯỜNG VỤ" in texts


@pytest.fixture(scope="module")
def doc_007() -> baocao.Document:
    return baocao.parse(PDF_007)


def test_007_header_fields_as_a_reader_sees_them(doc_007: baocao.Document) -> None:
    meta = doc_007.meta
    assert meta.issuer == ["UBND TỈNH BÌNH THUẬN", "SỞ NỘI VỤ"]
    assert meta.motto == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập – Tự do – Hạnh phúc"]
    assert (meta.doc_number, meta.doc_type) == ("3367/TTr-SNV", "TỜ TRÌNH")
    assert (meta.place, meta.date) == ("Bình Thuận", "2024-11-28")
    assert meta.title == (
        "Báo cáo, đề xuất phương án xử lý các hội quần chúng cấp tỉnh theo Công văn số "
        "2769/UBND-NCKSTTHC ngày 24/7/2024 của UBND tỉnh"
    )
    assert meta.addressees == ["Chủ tịch Ủy ban nhân dân tỉnh"]
    assert meta.recipients == [
        "Như trên",
        "Phó GĐ Sở: ông Trần Ngọc Tân",
        "Các sở được phân công quản lý hội",
        "Lưu: VT, TCCC.(Ngan)",
    ]


def test_007_headings_pages_and_footnote(doc_007: baocao.Document) -> None:
    assert [d.method for d in doc_007.source.page_details] == ["text"] * 6
    found = {(m, t) for m, _, _, t in flatten(doc_007.sections)}
    for heading in [
        ("1.", "Căn cứ pháp lý liên quan"),
        ("2.", "Kết quả rà soát và đề xuất"),
        ("a)", "Kết quả thực hiện Công văn số 2769/UBND-NCKSTTHC"),
        ("b)", "Ý kiến đề xuất của Sở Nội vụ"),
    ]:
        assert heading in found
    assert any(m == "3." and t.startswith("Từ các nội dung trên") for m, t in found)
    # The page numbers at the top of pages 2-6 are gone from the text, kept in provenance.
    assert "\n2\n" not in doc_007.text and max(p.page for p in doc_007.provenance) == 6
    # Page 4's footnote is a note at the end, pointing at the paragraph with its mark.
    notes = [p for p in doc_007.provenance if p.kind == "note"]
    assert len(notes) == 1 and notes[0].page == 4
    note_text = doc_007.text[notes[0].start : notes[0].end]
    assert note_text.startswith("1 Công văn số 5956/STNMT-CCBVMT ngày 24/10/2024")
    cited = doc_007.text[notes[0].note_ref : notes[0].note_ref + 200]
    assert cited.startswith("Ngày 21/10/2024, Sở Nội vụ có Công văn số 2903/SNV-TCCC")


# --- Tables as documents (trap 6) -------------------------------------------------------------


def test_ruled_table_over_three_pages_is_one_table_of_whole_rows() -> None:
    raw = read_path(fixtures().office_pdfs["ruled"])
    rows = [b for b in raw.blocks if b.kind == "table"]
    assert {b.hints["table"] for b in rows} == {0}
    assert [b.hints["row"] for b in rows] == list(range(61))  # header + 60 rows, none split
    assert {b.page for b in rows} == {1, 2, 3}
    for n, block in enumerate(rows[1:], start=1):
        assert block.hints["cells"] == [
            f"{n}.", block.hints["cells"][1], f"I. Thu ngân sách đợt {n}",
            str(n * 10), str(n * 9), str(90 + n % 10),
        ]  # fmt: skip
    doc = baocao.parse(fixtures().office_pdfs["ruled"])
    assert doc.sections == []  # "1." and "I." in cells are not headings
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) == 61
    assert TABLE_TITLE in doc.text


def test_table_without_rules_is_still_a_table() -> None:
    raw = read_path(fixtures().office_pdfs["plain"])
    rows = [b for b in raw.blocks if b.kind == "table"]
    assert len(rows) == 8 and {b.hints["table"] for b in rows} == {0}
    assert rows[3].hints["cells"] == [
        "3.",
        "Xã Cẩm Sơn",
        "I. Thu ngân sách đợt 3",
        "30",
        "27",
        "93",
    ]
    assert baocao.parse(fixtures().office_pdfs["plain"]).sections == []


# --- Per-page decisions (traps 1 and 2) -------------------------------------------------------


@pytest.fixture(scope="module")
def traps_doc() -> baocao.Document:
    """One document, five pages, four decisions (see `Fixtures.traps`)."""
    return baocao.parse(fixtures().traps)


def test_each_page_takes_its_own_path(traps_doc: baocao.Document) -> None:
    details = traps_doc.source.page_details
    assert [(d.page, d.method) for d in details] == [
        (1, "text"),  # a text page
        (2, "ocr"),  # a scan under an ASCII layer from an English OCR pass
        (3, "ocr"),  # a scan with twelve letters of stamp text over it
        (4, "text"),  # good text laid over a full-page image
        (5, "ocr"),  # an image-only last page
    ]
    assert details[1].note.startswith("text layer poor: ")
    assert details[2].note == "only 12 letters of text over a page image"
    assert details[3].note is None
    assert details[4].note == "no text layer"
    assert all(d.ocr_confidence > 80 for d in details if d.method == "ocr")
    assert traps_doc.source.ocr and traps_doc.source.pages == 5


def test_ocr_pages_read_what_the_scan_shows(traps_doc: baocao.Document) -> None:
    text = traps_doc.text
    pages = {p.page for p in traps_doc.provenance}
    assert pages == {1, 2, 3, 4, 5}
    # Page 2 is the seed's second page; its old layer read "Ban Thuong truc Uy ban MTTQ xa".
    assert "Ban Thường trực Ủy ban MTTQ xã ban hành 02 kế hoạch" in text
    assert "Thuong truc" not in text
    # The stamp's letters are not lost either: OCR sees them on the image.
    assert "SAO Y" in text
    # The image-only last page still gives the footer.
    assert traps_doc.meta.signer.role == "T/M BAN THƯỜNG VỤ"
    assert traps_doc.meta.recipients[-1] == "Lưu VP"


@pytest.mark.parametrize("which", ["seed", "007"])
def test_pdfium_words_give_the_same_lines_as_pdfplumber(which: str) -> None:
    """The fallback path lays out PDFium's characters as the main path lays out pdfplumber's
    (justified spacing, bold and italic runs, line-end hyphens, two-column lines)."""
    path = fixtures().seed_pdf if which == "seed" else PDF_007
    document = pdfium.PdfDocument(str(path))
    with pdfplumber.open(path) as plumber:
        for index in range(len(document)):
            words, _ = _plumber_words(plumber.pages[index])
            fallback = _pdfium_words(document[index])
            assert [ln.text for ln in group_lines([[w] for w in fallback], 1)] == [
                ln.text for ln in group_lines([[w] for w in words], 1)
            ]
    document.close()


def test_layer_without_unicode_map_goes_to_pdfium_then_ocr(tmp_path: Path) -> None:
    # Without its /ToUnicode map (renamed in place: offsets stay valid) the font's codes mean
    # nothing: pdfplumber gives "(cid:N)", PDFium control characters. Only the image is left.
    data = merge_pdfs([(fixtures().seed_pdf, [6])], tmp_path / "last.pdf").read_bytes()
    assert data.count(b"/ToUnicode") == 1
    path = tmp_path / "no_unicode.pdf"
    path.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))
    raw = read_path(path)
    (detail,) = raw.page_details
    assert detail.method == "ocr"
    assert detail.note.startswith("pdfplumber gave (cid:) codes or split tone marks; text layer")
    assert "Nơi nhận:\tT/M BAN THƯỜNG VỤ" in [b.text for b in raw.blocks]


# --- Long documents (trap 8) ------------------------------------------------------------------


def test_a_42_page_text_pdf_reads_page_by_page_quickly(tmp_path: Path) -> None:
    seed = fixtures().seed_pdf
    path = merge_pdfs([(seed, None)] * 6, tmp_path / "long.pdf")
    start = time.perf_counter()
    raw = read_path(path)
    seconds = time.perf_counter() - start
    print(f"42-page text PDF read in {seconds:.1f} s")
    assert raw.pages == 42 and {d.method for d in raw.page_details} == {"text"}
    assert {b.page for b in raw.blocks} == set(range(1, 43))
    assert not any(RUNNING_HEADER in b.text for b in raw.blocks)
    assert seconds < 30


def test_ocr_cap_keeps_what_the_text_layers_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "MAX_OCR_PAGES", 0)
    raw = read_path(fixtures().traps)
    assert [d.method for d in raw.page_details] == ["text", "text", "text", "text", "none"]
    capped = "not OCRed: the cap of 0 OCR pages per document was reached"
    notes = [d.note or "" for d in raw.page_details]
    assert notes[1].startswith("text layer poor") and capped in notes[1]  # kept, for want of OCR
    assert notes[2].startswith("only 12 letters") and notes[2].endswith("kept the text layer")
    assert notes[4] == f"no text layer; {capped}"
    assert raw.warnings == ["3 page(s) not OCRed: the cap is 0 OCR pages per document"]


# --- Bad input: clear errors, quickly ---------------------------------------------------------


def _timed_error(path: Path) -> tuple[str, float]:
    start = time.perf_counter()
    with pytest.raises(baocao.BaocaoError) as info:
        baocao.parse(path)
    return str(info.value), time.perf_counter() - start


def test_encrypted_pdf(tmp_path: Path) -> None:
    message, seconds = _timed_error(fixtures().encrypted_pdf)
    assert "encrypted PDF: a password is needed to open it" in message and seconds < 3


def test_truncated_pdf(tmp_path: Path) -> None:
    data = fixtures().seed_pdf.read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) * 2 // 3])
    message, seconds = _timed_error(path)
    assert f"{path}: not a valid PDF: damaged or truncated" in message and seconds < 3


def test_two_thousand_pages_are_refused_before_any_work(tmp_path: Path) -> None:
    path = blank_pages_pdf(tmp_path / "long.pdf", 2000)
    message, seconds = _timed_error(path)
    assert "too many pages: 2000, the limit is 1000" in message and seconds < 3


def test_header_but_no_pdf_inside(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"garbage " * 1000)
    message, _ = _timed_error(path)
    assert "not a valid PDF" in message and "\n" not in message


def test_text_file_named_pdf_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(SEED.read_bytes())
    doc = baocao.parse(path)
    assert doc.source.format == "txt" and doc.meta.date == "2023-11-30"


def test_junk_before_the_header_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"\r\n\x00<html>junk</html>\n" + PDF_007.read_bytes())
    doc = baocao.parse(path)
    assert doc.source.format == "pdf" and doc.meta.doc_number == "3367/TTr-SNV"
