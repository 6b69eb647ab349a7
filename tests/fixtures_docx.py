""".docx fixtures made with python-docx, plus the XML python-docx cannot write (numbering
definitions, footnotes, endnotes) added through its OPC layer.

Run as a script to write them for a look in Word or LibreOffice:
    python tests/fixtures_docx.py OUTDIR
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.table import Table
from docx.text.paragraph import Paragraph

from baocao.parser.headings import parse_marker
from baocao.parser.readers import legacy

SEED = Path(__file__).resolve().parent.parent / "corpus" / "docs" / "000_43d4097de7ba60ac.txt"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- Numbering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lvl:
    fmt: str
    text: str
    start: int = 1
    restart: int | None = None  # w:lvlRestart
    legal: bool = False


@dataclass(frozen=True)
class Num:
    num_id: int
    abstract_id: int
    start_overrides: tuple[tuple[int, int], ...] = ()  # (ilvl, start)


def numbering_xml(
    abstracts: dict[int, Sequence[Lvl]],
    nums: Iterable[Num],
    style_links: dict[int, str] | None = None,
) -> str:
    """A numbering.xml with the given abstract definitions and list instances."""
    parts = [f'<w:numbering xmlns:w="{W_NS}">']
    for abstract_id, levels in abstracts.items():
        parts.append(f'<w:abstractNum w:abstractNumId="{abstract_id}">')
        if style_links and abstract_id in style_links:
            parts.append(f'<w:numStyleLink w:val="{style_links[abstract_id]}"/>')
        for ilvl, lvl in enumerate(levels):
            restart = f'<w:lvlRestart w:val="{lvl.restart}"/>' if lvl.restart is not None else ""
            legal = "<w:isLgl/>" if lvl.legal else ""
            parts.append(
                f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{lvl.start}"/>'
                f'<w:numFmt w:val="{lvl.fmt}"/>{restart}{legal}'
                f'<w:lvlText w:val="{escape(lvl.text, {chr(34): "&quot;"})}"/></w:lvl>'
            )
        parts.append("</w:abstractNum>")
    for num in nums:
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
            for ilvl, start in num.start_overrides
        )
        parts.append(
            f'<w:num w:numId="{num.num_id}"><w:abstractNumId w:val="{num.abstract_id}"/>'
            f"{overrides}</w:num>"
        )
    parts.append("</w:numbering>")
    return "".join(parts)


def set_numbering(document: WordDocument, xml: str) -> None:
    """Replace the template's numbering definitions."""
    document.part.numbering_part._element = parse_xml(xml)


def number(paragraph: Paragraph, num_id: int, ilvl: int) -> Paragraph:
    """Attach a paragraph to a list: w:pPr/w:numPr (python-docx has no API for it)."""
    num_pr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", ilvl), ("w:numId", num_id)):
        child = OxmlElement(tag)
        child.set(qn("w:val"), str(value))
        num_pr.append(child)
    paragraph._p.get_or_add_pPr().append(num_pr)
    return paragraph


# --- Notes --------------------------------------------------------------------------------------


def add_notes(document: WordDocument, kind: str, notes: dict[int, str]) -> None:
    """Write word/footnotes.xml or word/endnotes.xml, with Word's two separator notes."""
    tag = kind  # "footnote" | "endnote"
    body = [
        f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>',
        f'<w:{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        f"<w:continuationSeparator/></w:r></w:p></w:{tag}>",
    ]
    for note_id, text in notes.items():
        body.append(
            f'<w:{tag} w:id="{note_id}"><w:p><w:r><w:{tag}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:{tag}>'
        )
    xml = f'<w:{tag}s xmlns:w="{W_NS}">{"".join(body)}</w:{tag}s>'
    content_type, reltype = (
        (CT.WML_FOOTNOTES, RT.FOOTNOTES) if kind == "footnote" else (CT.WML_ENDNOTES, RT.ENDNOTES)
    )
    part = Part(
        PackURI(f"/word/{tag}s.xml"), content_type, xml.encode("utf-8"), document.part.package
    )
    document.part.relate_to(part, reltype)


def cite_note(paragraph: Paragraph, kind: str, note_id: int) -> None:
    """A reference mark run (w:footnoteReference / w:endnoteReference) at the paragraph's end."""
    run = paragraph.add_run()
    ref = OxmlElement(f"w:{kind}Reference")
    ref.set(qn("w:id"), str(note_id))
    run._r.append(ref)


# --- Layout -------------------------------------------------------------------------------------


def layout_table(document: WordDocument, left: Sequence[str], right: Sequence[str]) -> Table:
    """A one-row, two-column table as Word templates lay out the header and the signature."""
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, (left, right), strict=True):
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    return table


def line_break_paragraph(document: WordDocument, lines: Sequence[str]) -> Paragraph:
    """One paragraph whose lines are separated by soft line breaks (w:br)."""
    paragraph = document.add_paragraph()
    for i, line in enumerate(lines):
        run = paragraph.add_run(line)
        if i < len(lines) - 1:
            run.add_break()
    return paragraph


# --- The seed as a Word document ----------------------------------------------------------------

# The seed's heading families as Word levels: A. / I. / 1. / 5.1.
SEED_LEVELS = (
    Lvl("upperLetter", "%1."),
    Lvl("upperRoman", "%2."),
    Lvl("decimal", "%3."),
    Lvl("decimal", "%3.%4."),
)
_FAMILY_LEVEL = {("upper", 1): 0, ("roman", 1): 1, ("decimal", 1): 2, ("decimal", 2): 3}
SEED_HEADER_LINES = 7  # "*", "Số", Quốc hiệu, place-date | type | two title lines


def seed_docx(path: Path) -> Path:
    """The seed report as Word would hold it: the header in a two-column table, headings as
    auto-numbering (a new list with w:startOverride where the seed's numbering restarts), the
    recipients as a bulleted list in the signature table."""
    lines = [ln.strip() for ln in SEED.read_text("utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    header, rest = lines[:SEED_HEADER_LINES], lines[SEED_HEADER_LINES:]
    footer_at = next(i for i, ln in enumerate(rest) if ln.startswith("Nơi nhận"))
    body, footer = rest[:footer_at], rest[footer_at:]

    document = docx.Document()
    layout_table(document, header[0:2], header[2:4])
    document.add_paragraph().add_run(header[4]).bold = True
    line_break_paragraph(document, header[5:7])

    nums = [Num(1, 0)]
    last: dict[int, int] = {}
    for line in body:
        marker = parse_marker(line)
        level = _FAMILY_LEVEL.get((marker.family, len(marker.ordinals))) if marker else None
        if marker is None or level is None:
            document.add_paragraph(line)
            continue
        if last.get(level, 0) + 1 != marker.ordinal:  # numbering restarts: a new list
            nums.append(Num(len(nums) + 1, 0, ((level, marker.ordinal),)))
        last = {k: v for k, v in last.items() if k < level} | {level: marker.ordinal}
        number(document.add_paragraph(line[marker.title_offset :].strip()), nums[-1].num_id, level)

    head, _, signer = footer[0].partition("\t")
    table = layout_table(document, [head.strip()], [signer.strip()])
    left = table.rows[0].cells[0]
    bullets = Num(len(nums) + 1, 1)
    for item in footer[1:]:
        number(left.add_paragraph(item.lstrip("-").strip()), bullets.num_id, 0)
    set_numbering(
        document,
        numbering_xml({0: SEED_LEVELS, 1: [Lvl("bullet", "-")]}, [*nums, bullets]),
    )
    document.save(str(path))
    return path


# --- Footnotes and endnotes ---------------------------------------------------------------------

FOOTNOTE_TEXT = "Quyết định số 1234/QĐ-UBND ngày 15/3/2024 của UBND tỉnh về phê duyệt kế hoạch."
ENDNOTE_TEXT = "Kế hoạch số 17-KH/ĐU ngày 09/10/2025 của Ban Thường vụ Đảng ủy."
CITING_TEXT = "Trong tháng, UBND xã đã ban hành 02 văn bản chỉ đạo triển khai thực hiện."


def footnote_docx(path: Path) -> Path:
    """A short report whose body cites a footnote and an endnote (and one unreferenced note)."""
    document = docx.Document()
    layout_table(
        document,
        ["ỦY BAN NHÂN DÂN", "XÃ CẨM MỸ", "Số: 12/BC-UBND"],
        ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "Cẩm Mỹ, ngày 30 tháng 11 năm 2023"],
    )  # fmt: skip
    document.add_paragraph("BÁO CÁO")
    document.add_paragraph("Kết quả thực hiện nhiệm vụ tháng 11 năm 2023")
    document.add_paragraph("I. KẾT QUẢ ĐẠT ĐƯỢC")
    cite_note(document.add_paragraph(CITING_TEXT), "footnote", 1)
    second = document.add_paragraph("Tổ chức 03 hội nghị triển khai kế hoạch của Đảng ủy.")
    cite_note(second, "endnote", 1)
    document.add_paragraph("II. NHIỆM VỤ THÁNG 12")
    document.add_paragraph("1. Tiếp tục triển khai các nhiệm vụ trọng tâm.")
    add_notes(document, "footnote", {1: FOOTNOTE_TEXT, 2: "Ghi chú không được trích dẫn."})
    add_notes(document, "endnote", {1: ENDNOTE_TEXT})
    document.save(str(path))
    return path


# --- Legacy fonts -------------------------------------------------------------------------------

TCVN3_TEXT = "Báo cáo kết quả công tác tháng 11 của xã"
TCVN3_CAPS_TEXT = "ĐẢNG CỘNG SẢN VIỆT NAM"
VNI_TEXT = "Quyết định thành lập Hội đồng an toàn, vệ sinh lao động"
UNICODE_IN_VNI = "Ông Nguyễn Văn Hòa, Phó Chủ tịch Ủy ban nhân dân"
UNICODE_LATIN1_IN_VNI = "Ông Hòa"  # no letter beyond Latin-1: only its syllables tell
STYLE_TCVN3_TEXT = "Tổ chức hội nghị đối thoại với thanh niên"


def legacy_docx(path: Path) -> Path:
    """One document mixing real legacy runs and Unicode runs set in legacy faces."""
    document = docx.Document()
    document.add_paragraph().add_run(legacy.encode(TCVN3_TEXT, legacy.TCVN3)).font.name = ".VnTime"
    caps = legacy.encode(TCVN3_CAPS_TEXT, legacy.TCVN3)
    document.add_paragraph().add_run(caps).font.name = ".VnTimeH"
    document.add_paragraph().add_run(legacy.encode(VNI_TEXT, legacy.VNI)).font.name = "VNI-Times"
    document.add_paragraph().add_run(UNICODE_IN_VNI).font.name = "VNI-Times"
    document.add_paragraph().add_run(UNICODE_LATIN1_IN_VNI).font.name = "VNI-Times"
    # One paragraph, three fonts: each run converted (or not) on its own; Word splits the TCVN3
    # word "quả" over two runs of the same font, which must still convert as one.
    mixed = document.add_paragraph()
    mixed.add_run(legacy.encode("Kết qu", legacy.TCVN3)).font.name = ".VnTime"
    mixed.add_run(legacy.encode("ả: ", legacy.TCVN3)).font.name = ".VnTime"
    mixed.add_run("đạt 95% kế hoạch, ").font.name = "Times New Roman"
    mixed.add_run(legacy.encode("vượt chỉ tiêu", legacy.VNI)).font.name = "VNI-Times"
    # A legacy font inherited from the paragraph style, not set on the run.
    style = document.styles.add_style("Legacy Body", WD_STYLE_TYPE.PARAGRAPH)
    style.font.name = ".VnTime"
    document.add_paragraph(legacy.encode(STYLE_TCVN3_TEXT, legacy.TCVN3), style="Legacy Body")
    document.core_properties.title = legacy.encode("CÔNG AN TỈNH LÂM ĐỒNG", legacy.VNI)
    document.core_properties.author = "Nguyễn Văn Hòa"
    document.save(str(path))
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for make, name in ((seed_docx, "seed.docx"), (footnote_docx, "notes.docx"),
                       (legacy_docx, "legacy.docx")):  # fmt: skip
        print(make(out / name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
