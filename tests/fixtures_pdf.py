"""PDF and image fixtures made with the real tools: python-docx, LibreOffice, pypdfium2, Pillow.

Used by tests/test_reader_pdf.py, tests/test_ocr.py and bench/readers_throughput.py; also a
script, to look at the fixtures by eye:

    python tests/fixtures_pdf.py OUTDIR
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from PIL import Image

FONT = "DejaVu Serif"  # installed with LibreOffice on Debian; covers Vietnamese
SOFFICE_TIMEOUT_S = 120
RUNNING_HEADER = "Đảng bộ xã Cẩm Mỹ – Báo cáo tháng 11 năm 2023"
TABLE_TITLE = "BIỂU TỔNG HỢP KẾT QUẢ THU NGÂN SÁCH NĂM 2023"
SEED = Path(__file__).resolve().parent.parent / "corpus" / "docs" / "000_43d4097de7ba60ac.txt"
Layer = tuple[float, float, str]  # a line of a text layer: x, y from the top (points), text


def text_to_docx(
    text: str,
    dest: Path,
    *,
    size_pt: float = 11,
    margins_cm: float = 2.0,
    font: str = FONT,
    running_header: str | None = None,
    page_numbers: bool = False,
) -> Path:
    """One Word paragraph per line of `text`, as typed: leading spaces dropped, tabs kept.

    `running_header` is repeated at the top of every page; `page_numbers` puts "Trang N" (a
    PAGE field) at the foot of every page.
    """
    doc = DocxDocument()
    style = doc.styles["Normal"]
    style.font.name = font
    style.font.size = Pt(size_pt)
    style.paragraph_format.space_after = Pt(0)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(margins_cm)
        section.top_margin = section.bottom_margin = Cm(margins_cm)
        if running_header:
            section.header.paragraphs[0].text = running_header
        if page_numbers:
            _page_number_field(section.footer.paragraphs[0])
    for line in text.splitlines():
        doc.add_paragraph(line.strip(" \u00a0"))
    doc.save(str(dest))
    return dest


def _page_number_field(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Trang ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def table_docx(
    rows: list[list[str]], dest: Path, *, title: str | None = None, ruled: bool = True
) -> Path:
    """A table on landscape pages, the way an Excel sheet is laid out for printing: with grid
    lines (`ruled`) or without."""
    doc = DocxDocument()
    doc.styles["Normal"].font.name = FONT
    doc.styles["Normal"].font.size = Pt(9)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(1.5)
    if title:
        doc.add_paragraph(title)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    if ruled:
        table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.save(str(dest))
    return dest


def soffice_convert(source: Path, outdir: Path, target: str = "pdf") -> Path:
    """Convert one file with LibreOffice headless; the PDF's path."""
    soffice_convert_many([source], outdir, target)
    result = outdir / (source.stem + ".pdf")
    if not result.exists():
        raise RuntimeError(f"LibreOffice made no PDF from {source}")
    return result


def soffice_convert_many(sources: list[Path], outdir: Path, target: str = "pdf") -> None:
    """Convert files in one LibreOffice run (its start-up is most of the time), in a private
    profile so that runs never collide."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="baocao-lo-") as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                *map(str, sources),
            ],
            check=True,
            capture_output=True,
            timeout=SOFFICE_TIMEOUT_S,
        )


def encrypted_pdf_filter(password: str) -> str:
    """LibreOffice's PDF export filter with a document-open password."""
    options = {
        "EncryptFile": {"type": "boolean", "value": "true"},
        "DocumentOpenPassword": {"type": "string", "value": password},
    }
    return "pdf:writer_pdf_Export:" + json.dumps(options)


def render_pages(pdf_path: Path, dpi: int, pages: list[int] | None = None) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        indices = pages if pages is not None else list(range(len(pdf)))
        images = []
        for i in indices:
            page = pdf[i]
            images.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            page.close()
        return images
    finally:
        pdf.close()


def degrade(image: Image.Image, *, angle: float, noise: float, seed: int) -> Image.Image:
    """A scanner's look: a small tilt, grey paper, sensor noise and dust specks."""
    rng = np.random.default_rng(seed)
    tilted = image.convert("L").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    pixels = np.asarray(tilted, dtype=np.float32) * 0.9 + 12  # paper is never pure white
    pixels += rng.normal(0, noise, pixels.shape)
    specks = rng.random(pixels.shape) < 0.0005
    pixels[specks] = 30
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def images_to_pdf(images: list[Image.Image], dest: Path, dpi: int) -> Path:
    """An image-only PDF, one image per page (Pillow's PDF writer, JPEG inside)."""
    rgb = [im.convert("RGB") for im in images]
    rgb[0].save(dest, "PDF", save_all=True, append_images=rgb[1:], resolution=dpi, quality=85)
    return dest


def scan_pdf(
    text_pdf: Path,
    dest: Path,
    *,
    dpi: int = 200,
    angles: tuple[float, ...] = (1.5, -1.2),
    noise: float = 8.0,
    pages: list[int] | None = None,
) -> Path:
    """Print and scan a PDF: every page rendered, tilted and noised, saved as images only."""
    images = render_pages(text_pdf, dpi, pages)
    scanned = [
        degrade(im, angle=angles[i % len(angles)], noise=noise, seed=i)
        for i, im in enumerate(images)
    ]
    return images_to_pdf(scanned, dest, dpi)


def merge_pdfs(parts: list[tuple[Path, list[int] | None]], dest: Path) -> Path:
    """Pages of several PDFs, in order, in one file (pypdfium2's import_pages)."""
    out = pdfium.PdfDocument.new()
    for path, pages in parts:
        src = pdfium.PdfDocument(str(path))
        out.import_pages(src, pages)
        src.close()
    out.save(str(dest))
    out.close()
    return dest


def add_text_layer(
    pdf_path: Path,
    dest: Path,
    page_lines: dict[int, list[Layer]],
    *,
    invisible: bool = True,
    size: float = 12.0,
    behind: bool = False,
) -> Path:
    """Lay text over (or, with `behind`, under) a page's content, as OCR software does.

    `page_lines` maps a page index to (x, y-from-top, text) triples, in points. The font is the
    standard Helvetica: the old OCR layers of real archive scans use it too, and it cannot
    encode Vietnamese letters beyond Latin-1, which is how such layers come to be garbage.
    """
    pdf = pdfium.PdfDocument(str(pdf_path))
    font = pdfium_c.FPDFText_LoadStandardFont(pdf, b"Helvetica")
    for index, lines in page_lines.items():
        page = pdf[index]
        height = page.get_height()
        for n, (x, y, text) in enumerate(lines):
            obj = pdfium_c.FPDFPageObj_CreateTextObj(pdf, font, ctypes.c_float(size))
            encoded = (text + "\0").encode("utf-16-le")
            buffer = ctypes.create_string_buffer(encoded, len(encoded))
            pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
            if invisible:
                pdfium_c.FPDFTextObj_SetTextRenderMode(obj, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
            pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, height - y - size)
            if behind:
                pdfium_c.FPDFPage_InsertObjectAtIndex(page, obj, n)
            else:
                pdfium_c.FPDFPage_InsertObject(page, obj)
        page.gen_content()
        page.close()
    pdf.save(str(dest))
    pdf.close()
    return dest


def add_background_image(pdf_path: Path, dest: Path, image: Image.Image, page_index: int) -> Path:
    """One page of `pdf_path` drawn over a full-page image (letterhead, scanned-paper texture):
    a new page holds the image, then the original page as a form XObject on top of it."""
    source = pdfium.PdfDocument(str(pdf_path))
    out = pdfium.PdfDocument.new()
    width, height = source.get_page_size(page_index)
    page = out.new_page(width, height)
    background = pdfium.PdfImage.new(out)
    background.set_bitmap(pdfium.PdfBitmap.from_pil(image.convert("RGB")))
    background.set_matrix(pdfium.PdfMatrix().scale(width, height))
    page.insert_obj(background)
    page.insert_obj(source.page_as_xobject(page_index, out).as_pageobject())
    page.gen_content()
    page.close()
    out.save(str(dest))
    out.close()
    source.close()
    return dest


def blank_pages_pdf(dest: Path, count: int) -> Path:
    """A PDF of `count` empty A4 pages: cheap to make, however many."""
    pdf = pdfium.PdfDocument.new()
    for _ in range(count):
        pdf.new_page(595, 842).close()
    pdf.save(str(dest))
    pdf.close()
    return dest


def english_ocr_layer(pdf_path: Path, page_index: int, dpi: int = 100) -> list[Layer]:
    """What an old OCR pass with an English model made of a Vietnamese scan: ASCII guesses
    ("pANG CONG SAN VIET NAM"), as (x, y, text) lines in points, ready for `add_text_layer`."""
    import pytesseract

    image = render_pages(pdf_path, dpi, [page_index])[0]
    data = pytesseract.image_to_data(image, lang="eng", output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[tuple[float, float, str]]] = {}
    for i, text in enumerate(data["text"]):
        if text.strip():
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            x, y = data["left"][i] * 72 / dpi, data["top"][i] * 72 / dpi
            lines.setdefault(key, []).append((x, y, text))
    return [(words[0][0], words[0][1], " ".join(w[2] for w in words)) for words in lines.values()]


def table_rows(count: int) -> list[list[str]]:
    """A spreadsheet's rows; cells that would look like headings out of a table ("1.", "I.")."""
    communes = ["Cẩm Mỹ", "Cẩm Hà", "Cẩm Lạc", "Cẩm Sơn"]
    rows = [["STT", "Đơn vị", "Chỉ tiêu", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)"]]
    for i in range(1, count + 1):
        rows.append(
            [
                f"{i}.",
                f"Xã {communes[i % 4]}",
                f"I. Thu ngân sách đợt {i}",
                str(i * 10),
                str(i * 9),
                str(90 + i % 10),
            ]
        )
    return rows


class Fixtures:
    """Every fixture, built once per process on first use, in one temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @functools.cached_property
    def office_pdfs(self) -> dict[str, Path]:
        """The Word documents, converted by LibreOffice in one run."""
        docx = [
            text_to_docx(
                SEED.read_text("utf-8"),
                self.root / "seed.docx",
                running_header=RUNNING_HEADER,
                page_numbers=True,
            ),
            table_docx(table_rows(60), self.root / "ruled.docx", title=TABLE_TITLE),
            table_docx(table_rows(7), self.root / "plain.docx", title="Bảng số liệu", ruled=False),
        ]
        soffice_convert_many(docx, self.root)
        return {d.stem: d.with_suffix(".pdf") for d in docx}

    @property
    def seed_pdf(self) -> Path:
        return self.office_pdfs["seed"]

    @functools.cached_property
    def encrypted_pdf(self) -> Path:
        out = self.root / "encrypted"
        return soffice_convert(self.root / "seed.docx", out, encrypted_pdf_filter("x"))

    @functools.cached_property
    def seed_scan(self) -> Path:
        """The seed printed and scanned: 200 dpi, tilted ±1.5°, noise and specks."""
        return scan_pdf(self.seed_pdf, self.root / "seed_scan.pdf")

    @functools.cached_property
    def traps(self) -> Path:
        """One PDF whose pages each need their own decision (issue 7, traps 1 and 2):

        1. a text page;
        2. a scan under an invisible ASCII layer from an English OCR pass (as in a066);
        3. a scan with a few visible letters of stamp text over it;
        4. a good text page laid over a full-page image of paper texture;
        5. the last page, scanned: an image only.
        """
        seed = self.seed_pdf
        scans = scan_pdf(seed, self.root / "scans.pdf", pages=[1, 2, 6])
        garbage = add_text_layer(scans, self.root / "garbage.pdf", {0: english_ocr_layer(scans, 0)})
        stamp = {1: [(440.0, 8.0, "SAO Y"), (440.0, 20.0, "BAN CHINH")]}  # top right corner
        stamped = add_text_layer(garbage, self.root / "stamped.pdf", stamp, invisible=False, size=9)
        rng = np.random.default_rng(1)
        paper = Image.fromarray((235 + rng.normal(0, 6, (842, 595))).clip(0, 255).astype("uint8"))
        background = add_background_image(seed, self.root / "background.pdf", paper, 3)
        parts = [(seed, [0]), (stamped, [0, 1]), (background, None), (stamped, [2])]
        return merge_pdfs(parts, self.root / "traps.pdf")


@functools.lru_cache(maxsize=1)
def fixtures() -> Fixtures:
    root = Path(tempfile.mkdtemp(prefix="baocao-fixtures-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return Fixtures(root)


def main(outdir: str) -> None:
    """Build every fixture into OUTDIR, to look at them by eye."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    built = Fixtures(out)
    for name in ("office_pdfs", "encrypted_pdf", "seed_scan", "traps"):
        getattr(built, name)
    print("\n".join(str(p) for p in sorted(out.rglob("*.pdf"))))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures-out")
