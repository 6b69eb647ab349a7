"""PDF reader: the text layer where it is good, OCR where it is not, decided page by page.

Per page (recorded in `RawDocument.page_details`):
- `text`: pdfplumber's words, grouped into lines by vertical overlap and ordered left to right; a
  gap far wider than a space (a two-column header: issuer | Quốc hiệu) becomes a tab, so the
  normalizer sees two cells. Ruled tables come out row by row.
- `pdfium`: the same, from pypdfium2's characters, where pdfplumber gives "(cid:N)" glyph codes
  or tone marks split from their letters, or cannot parse the page.
- `ocr`: tesseract on the page image (`ocr.py`) where there is no text layer, where the layer is
  poor (the old OCR layers of archive scans: ASCII-only "ceNG HoA xA HOI", mis-encoded
  "CØNG HOÀ XÃ HØI"), or where a few characters of stamp text sit on a full-page image. A layer
  is judged by the share of its words that are valid Vietnamese syllables, the share written
  with Vietnamese letters, and the share of characters Vietnamese never uses (Ø, Ç, ¡, °).
- `none`: an empty page, or an image page past the per-document OCR cap.

Then, over the document: running headers, footers and bare page numbers go (lines repeated at
the same place on most pages; page numbers stay in `Block.page`); footnotes (small type at the
foot of a page) become note blocks at the end; lines re-join into paragraphs, one block each.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pdfplumber
import pdfplumber.page
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from baocao.models.schema import PageDetail
from baocao.parser.blocks import Block, RawDocument
from baocao.parser.errors import BaocaoError
from baocao.parser.headings import parse_marker
from baocao.parser.readers import ocr

MAX_PAGES = 1000
MAX_OCR_PAGES = 100  # about five minutes of OCR on one core; later image pages are skipped
OCR_WORKERS = max(1, min(4, os.cpu_count() or 1))

# ---------------------------------------------------------------------------------------------
# Vietnamese syllables: is a token a possible syllable (onset + rime + one tone mark)?
# ---------------------------------------------------------------------------------------------

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_STOP_TONES = "\u0301\u0323"  # a syllable closed by c, ch, p, t takes sắc or nặng only
_ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_RIMES = _wordset(
    """
    a ai ao au ay ac ach am an ang anh ap at  ăc ăm ăn ăng ăp ăt  âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et  ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oc oi om on ong op ot oo ooc oong
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet
    ô ôc ôi ôm ôn ông ôp ôt  ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut uân uâng uât uây uê uêch uênh uơ uôc uôi uôm uôn uông uôt
    uy uya uych uyên uyêt uyn uynh uyp uyt uyu
    ư ưa ưc ưi ưm ưn ưng ưp ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêng yêt yêu
    """
)
# After "qu" the u is the glide, so the rime is written without it: quang, quyết, quỳnh, quên.
_QU_RIMES = frozenset(r[1:] for r in _RIMES if r.startswith("u") and len(r) > 1) | _wordset(
    "a ac ach ai an ang anh ao at au ay ăc ăm ăn ăng ăp ăt e en eo et ê ên ênh êt êu i it"
)
_FRONT_VOWELS = ("i", "e", "ê", "y")


@functools.lru_cache(maxsize=65536)  # a report repeats its words: judge each once
def is_vietnamese_syllable(token: str) -> bool:
    """Can `token` be one Vietnamese syllable, as spelled (tone marks included)?"""
    decomposed = unicodedata.normalize("NFD", token.lower())
    tones = [c for c in decomposed if c in _TONE_MARKS]
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    if len(tones) > 1 or not base.isalpha():
        return False
    tone = tones[0] if tones else None
    return any(
        base.startswith(onset) and _rime_fits(onset, base[len(onset) :], tone) for onset in _ONSETS
    )


def _rime_fits(onset: str, rime: str, tone: str | None) -> bool:
    if onset == "qu":
        known = rime in _QU_RIMES
    elif onset == "gi":  # "gì", "gia"; "giếng" is g + iêng
        known = rime == "" or (rime in _RIMES and not rime.startswith("i"))
    else:
        known = rime in _RIMES
    if not known:
        return False
    # Spelling: k, gh, ngh before front vowels; c, ng, g everywhere else.
    if onset in ("k", "gh", "ngh") and not rime.startswith(_FRONT_VOWELS):
        return False
    if onset in ("c", "ng") and rime.startswith(_FRONT_VOWELS):
        return False
    if onset == "g" and rime.startswith(("e", "ê")):
        return False
    return not (tone and rime.endswith(("c", "ch", "p", "t")) and tone not in _STOP_TONES)


# ---------------------------------------------------------------------------------------------
# Text-layer quality
# ---------------------------------------------------------------------------------------------

_VIETNAMESE_LETTERS = set(
    "àáâãèéêìíòóôõùúýăđĩũơưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯ" + "".join(chr(c) for c in range(0x1EA0, 0x1EFA))
)
_PIECE_SPLIT = re.compile(r"[/\-–.,;:()\[\]“”\"'!?…%]+")
_ACRONYM = re.compile(r"^[A-ZĐ]{2,10}$")
MIN_JUDGED_WORDS = 15
GOOD_VALID_SHARE = 0.75
GOOD_ACCENTED_SHARE = 0.2
MAX_MISENCODED_SHARE = 0.01
CID_GARBAGE = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Quality:
    """How Vietnamese a text layer reads."""

    words: int  # pieces judged (numbers, acronyms and single letters are not)
    valid: float  # share that are Vietnamese syllables
    accented: float  # share of those written with Vietnamese letters (ASCII-only OCR has ~0)
    misencoded: float  # share of letters Vietnamese never uses (Ø, Ç, ¡, ° …)

    @property
    def judged(self) -> bool:
        return self.words >= MIN_JUDGED_WORDS

    @property
    def good(self) -> bool:
        return (
            self.valid >= GOOD_VALID_SHARE
            and self.accented >= GOOD_ACCENTED_SHARE
            and self.misencoded <= MAX_MISENCODED_SHARE
        )

    @property
    def score(self) -> float:
        """One figure to compare two readings of the same page."""
        return self.valid * min(1.0, self.accented / GOOD_ACCENTED_SHARE) - 5 * self.misencoded

    def describe(self) -> str:
        return (
            f"{self.valid:.0%} valid syllables, {self.accented:.0%} with Vietnamese letters, "
            f"{self.misencoded:.1%} foreign letters over {self.words} words"
        )


def text_quality(text: str) -> Quality:
    text = CID_GARBAGE.sub(" \x00 ", unicodedata.normalize("NFC", text))
    letters = [c for c in text if c.isalpha()]
    foreign = sum(1 for c in letters if not c.isascii() and c not in _VIETNAMESE_LETTERS)
    foreign += text.count("\x00") + sum(1 for c in text if c in "°¡¿£¥§¤")
    judged = valid = accented = 0
    for token in text.split():
        for piece in _PIECE_SPLIT.split(token):
            if not piece or piece.isdigit() or _ACRONYM.match(piece) or len(piece) == 1:
                continue
            judged += 1
            if is_vietnamese_syllable(piece):
                valid += 1
                accented += any(c in _VIETNAMESE_LETTERS for c in piece)
    return Quality(
        words=judged,
        valid=valid / judged if judged else 0.0,
        accented=accented / valid if valid else 0.0,
        misencoded=foreign / len(letters) if letters else 0.0,
    )


def has_split_diacritics(text: str) -> bool:
    """Tone marks that NFC cannot attach to a letter: the layer lost their placement."""
    composed = unicodedata.normalize("NFC", text)
    loose = sum(
        1
        for i, c in enumerate(composed)
        if unicodedata.category(c) == "Mn" and (i == 0 or not composed[i - 1].isalpha())
    )
    return loose >= 3


# ---------------------------------------------------------------------------------------------
# Layout: words → lines → paragraphs
# ---------------------------------------------------------------------------------------------

COLUMN_GAP_EM = 1.5  # a gap this wide (in font sizes) between two words separates columns
COLUMN_GAP_SPACES = 3.0  # … and at least this many of the page's ordinary word gaps
GLUE_EM = 0.08  # pieces closer than this are one word (a superscript note mark, a font change)
SENTENCE_END = tuple(".:;!?")


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False


@dataclass
class Line:
    """One visual line of a page; `cells` are its column pieces (one for ordinary text)."""

    words: list[Word]
    page: int
    cells: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)  # superscript note marks in the line
    number: int = 0  # 1-based line on its page
    table: int | None = None  # table index, for table rows
    row: int = 0

    @property
    def text(self) -> str:
        return "\t".join(self.cells)

    # A line's words never change once it is made: its geometry is computed once.
    @functools.cached_property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @functools.cached_property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @functools.cached_property
    def top(self) -> float:
        return _band(self.words)[0]

    @functools.cached_property
    def bottom(self) -> float:
        return _band(self.words)[1]

    @property
    def size(self) -> float:
        return statistics.median(w.size for w in self.words)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)


@dataclass
class PageLines:
    number: int
    width: float
    height: float
    lines: list[Line]
    detail: PageDetail
    notes: list[Line] = field(default_factory=list)


def group_lines(pieces: list[list[Word]], page: int, *, sizes_known: bool = True) -> list[Line]:
    """Pieces of lines → lines, top to bottom.

    A piece is one word of a text layer, or one line as tesseract grouped it (its boxes vary
    with tone marks and stray specks, its grouping does not). A piece joins the line whose band
    it overlaps by half the smaller height: side-by-side columns (issuer | Quốc hiệu) share one.
    Superscript note marks are told by their type size, so only where sizes are known.
    """
    rows: list[list[Word]] = []
    bands: list[tuple[float, float]] = []
    for piece in sorted(pieces, key=lambda p: sum(_band(p)) / 2):
        top, bottom = _band(piece)
        for i in range(len(rows) - 1, max(len(rows) - 3, -1), -1):
            row_top, row_bottom = bands[i]
            overlap = min(row_bottom, bottom) - max(row_top, top)
            if overlap >= 0.5 * max(min(bottom - top, row_bottom - row_top), 0.1):
                rows[i].extend(piece)
                break
        else:
            rows.append(list(piece))
            bands.append((top, bottom))
    ordinary_gap = _ordinary_gap(rows)
    lines = [
        _make_line(sorted(r, key=lambda w: w.x0), page, ordinary_gap, sizes_known) for r in rows
    ]
    lines.sort(key=lambda ln: ln.top)
    for n, line in enumerate(lines, start=1):
        line.number = n
    return lines


def _band(words: list[Word]) -> tuple[float, float]:
    """Vertical extent of a piece: median top and bottom, robust to tall marks and specks."""
    return statistics.median(w.top for w in words), statistics.median(w.bottom for w in words)


def _ordinary_gap(rows: list[list[Word]]) -> float:
    gaps = []
    for row in rows:
        ordered = sorted(row, key=lambda w: w.x0)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b.x0 - a.x1 > GLUE_EM * a.size:
                gaps.append(b.x0 - a.x1)
    return statistics.median(gaps) if gaps else 0.0


def _make_line(words: list[Word], page: int, ordinary_gap: float, sizes_known: bool) -> Line:
    size = statistics.median(w.size for w in words)
    baseline = statistics.median(w.bottom for w in words)
    cells: list[list[str]] = [[]]
    marks = []
    prev: Word | None = None
    for word in words:
        if sizes_known and _is_note_mark(word, size, baseline):
            marks.append(word.text)
        if prev is not None:
            gap = word.x0 - prev.x1
            if gap >= max(COLUMN_GAP_EM * size, COLUMN_GAP_SPACES * ordinary_gap):
                cells.append([])
            elif gap > GLUE_EM * size and cells[-1]:
                cells[-1].append(" ")
        cells[-1].append(word.text)
        prev = word
    return Line(words=words, page=page, cells=["".join(c) for c in cells], marks=marks)


def _is_note_mark(word: Word, size: float, baseline: float) -> bool:
    """A superscript number: small type raised above the line's baseline."""
    return (
        word.text.isdigit()
        and len(word.text) <= 3
        and word.size < 0.8 * size
        and word.bottom < baseline - 0.15 * size
    )


# ---------------------------------------------------------------------------------------------
# Reading a PDF, page by page
# ---------------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points from the top left
RuledTable = tuple[Box, list[list[str]]]
OcrJob = tuple[int, "Future[ocr.OcrPage]", PageLines, str]
RULED = -1  # the table index of a ruled table's rows until the document numbers its tables


def read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    start = data.find(b"%PDF-", 0, 1024)
    data = data[start:] if start > 0 else data  # junk before the header (seen in archives)
    try:
        return _read(data, path=path, sha256=sha256)
    except BaocaoError as exc:
        exc.path = exc.path or path
        exc.format = exc.format or "pdf"
        raise
    except MemoryError as exc:
        raise BaocaoError("out of memory while reading the PDF", path=path, fmt="pdf") from exc
    except Exception as exc:  # a broken file must give its reason, never a traceback
        raise BaocaoError(
            f"not a valid PDF: {type(exc).__name__}: {exc}", path=path, fmt="pdf"
        ) from exc


def _read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    document = _open_pdfium(data)
    try:
        count = len(document)
        if count > MAX_PAGES:
            raise BaocaoError(f"too many pages: {count}, the limit is {MAX_PAGES}")
        if count == 0:
            raise BaocaoError("not a valid PDF: it has no pages")
        plumber = _open_pdfplumber(data)
        try:
            pages, warnings = _read_pages(document, plumber)
        finally:
            if plumber is not None:
                plumber.close()
    finally:
        document.close()
    details = [p.detail for p in pages]
    if not any(p.lines for p in pages):
        warnings.append("no text found on any page")
    return RawDocument(
        blocks=assemble_blocks(pages),
        format="pdf",
        sha256=sha256,
        path=path,
        pages=count,
        ocr=any(d.method == "ocr" for d in details),
        page_details=details,
        warnings=warnings,
    )


def _open_pdfium(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise BaocaoError("encrypted PDF: a password is needed to open it") from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise BaocaoError("encrypted PDF: unsupported security handler") from exc
        said = re.search(r"PDFium: ([^)]+)", str(exc))
        reason = said.group(1) if said else str(exc)
        raise BaocaoError(f"not a valid PDF: damaged or truncated ({reason})") from exc


def _open_pdfplumber(data: bytes) -> pdfplumber.PDF | None:
    """pdfplumber on the same bytes; None when pdfminer cannot parse what PDFium could."""
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception:
        return None


def _read_pages(
    document: pdfium.PdfDocument, plumber: pdfplumber.PDF | None
) -> tuple[list[PageLines], list[str]]:
    """Every page's lines: text layers read in turn, page images OCRed in parallel."""
    count = len(document)
    pages: list[PageLines | None] = [None] * count
    ocr_left = MAX_OCR_PAGES
    capped = 0
    pending: list[OcrJob] = []
    with ThreadPoolExecutor(max_workers=OCR_WORKERS) as pool:
        for index in range(count):
            page = document[index]
            try:
                layer, reason = _text_layer(page, plumber, index)
                if reason is None:
                    pages[index] = layer
                elif ocr_left <= 0:
                    pages[index] = _over_cap(layer, reason)
                    capped += 1
                else:
                    ocr_left -= 1
                    ocr.check_tesseract()
                    image = ocr.render_pdf_page(page)
                    pending.append((index, pool.submit(ocr.ocr_image, image), layer, reason))
            finally:
                page.close()
            while len(pending) > 2 * OCR_WORKERS:  # memory: a few page images in flight
                _collect(pending.pop(0), pages)
        for job in pending:
            _collect(job, pages)
    warnings = []
    if capped:
        warnings.append(
            f"{capped} page(s) not OCRed: the cap is {MAX_OCR_PAGES} OCR pages per document"
        )
    return [p for p in pages if p is not None], warnings


def _collect(job: OcrJob, pages: list[PageLines | None]) -> None:
    """The OCR job's page; one page that tesseract fails on (a timeout) costs only that page."""
    index, future, layer, reason = job
    try:
        result = future.result()
    except BaocaoError as exc:
        if exc.reason == ocr.MISSING_TESSERACT:
            raise
        note = f"{reason}; {exc.reason}"
        if layer.lines:
            layer.detail.note = f"{note}; kept the text layer"
        else:
            layer.detail = PageDetail(page=layer.number, method="none", chars=0, note=note)
        pages[index] = layer
        return
    pages[index] = _choose(layer, ocr_page_lines(result, layer.number, reason))


def _text_layer(
    page: pdfium.PdfPage, plumber: pdfplumber.PDF | None, index: int
) -> tuple[PageLines, str | None]:
    """The page's text layer, and why the page must be OCRed instead (None to keep the layer)."""
    number = index + 1
    width, height = page.get_size()
    words: list[Word] | None = None
    tables: list[RuledTable] = []
    note = None
    if plumber is None:
        note = "pdfplumber could not open the file"
    else:
        try:
            words, tables = _plumber_words(plumber.pages[index])
        except Exception as exc:
            note = f"pdfplumber failed on this page ({type(exc).__name__})"
    if words is not None:
        text = " ".join(w.text for w in words)
        if CID_GARBAGE.search(text) or has_split_diacritics(text):
            words, tables, note = None, [], "pdfplumber gave (cid:) codes or split tone marks"
    method = "text" if words is not None else "pdfium"
    if words is None:
        words = _pdfium_words(page)
    lines = group_lines([[w] for w in words], number) + _table_lines(tables, number)
    lines.sort(key=lambda ln: (ln.top, ln.row))
    for n, line in enumerate(lines, start=1):
        line.number = n
    text = "\n".join(line.text for line in lines)
    detail = PageDetail(page=number, method=method, chars=len(text), note=note)
    reason = _ocr_reason(page, text)
    if reason and note:
        reason = f"{note}; {reason}"
    return PageLines(number, width, height, lines, detail), reason


def _ocr_reason(page: pdfium.PdfPage, text: str) -> str | None:
    """Why the page image must be read instead of its text layer; None to keep the layer."""
    letters = sum(c.isalpha() for c in text)
    if letters == 0:
        return "no text layer" if _image_coverage(page) > 0 or _has_drawing(page) else None
    quality = text_quality(text)
    if quality.judged:
        return None if quality.good else f"text layer poor: {quality.describe()}"
    if _image_coverage(page) >= 0.5:
        return f"only {letters} letters of text over a page image"
    return None


def _choose(layer: PageLines, read_back: PageLines) -> PageLines:
    """OCR's reading, unless the text layer it was meant to replace reads better."""
    if not layer.lines:
        return read_back
    old = text_quality("\n".join(ln.text for ln in layer.lines))
    new = text_quality("\n".join(ln.text for ln in read_back.lines))
    if old.judged and old.score >= new.score:
        layer.detail.note = f"kept the text layer: OCR read no better ({new.describe()})"
        return layer
    return read_back


def _over_cap(layer: PageLines, reason: str) -> PageLines:
    note = f"{reason}; not OCRed: the cap of {MAX_OCR_PAGES} OCR pages per document was reached"
    if layer.lines:
        layer.detail.note = note + "; kept the text layer"
    else:
        layer.detail = PageDetail(page=layer.number, method="none", chars=0, note=note)
    return layer


def ocr_page_lines(result: ocr.OcrPage, number: int, reason: str) -> PageLines:
    """An OCRed page as lines: tesseract's lines, side-by-side columns put on one line."""
    pieces: dict[tuple[int, int, int], list[Word]] = {}
    for w in result.words:
        if w.conf < 50 and not any(c.isalnum() for c in w.text):
            continue  # a speck of a stamp or a signature read as a mark
        word = Word(w.text, w.x0, w.x1, w.top, w.bottom, size=max(w.bottom - w.top, 1.0))
        pieces.setdefault(w.line_key, []).append(word)
    lines = group_lines(list(pieces.values()), number, sizes_known=False)
    _size_by_pitch(lines)
    blank = "a blank page image" if result.blank else "OCR found no text"
    detail = PageDetail(
        page=number,
        method="ocr" if lines else "none",
        chars=len("\n".join(line.text for line in lines)),
        ocr_confidence=result.confidence,
        note=reason if lines else f"{reason}; {blank}",
    )
    return PageLines(number, result.width, result.height, lines, detail)


def _size_by_pitch(lines: list[Line]) -> None:
    """OCR gives word boxes, not type sizes: take the line pitch (about 1.2 sizes) instead."""
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False) if b.top > a.top]
    if pitches:
        size = statistics.median(pitches) / 1.2
        for line in lines:
            for word in line.words:
                word.size = size


def _image_coverage(page: pdfium.PdfPage) -> float:
    """Share of the page area covered by images (a scan covers all of it)."""
    width, height = page.get_size()
    area = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        area += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return min(1.0, area / (width * height)) if width and height else 0.0


def _has_drawing(page: pdfium.PdfPage, enough: int = 50) -> bool:
    """Many paths and no text: text drawn as outlines, which only OCR can read."""
    paths = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2)
    return sum(1 for _ in zip(range(enough), paths, strict=False)) >= enough


def _plumber_words(page: pdfplumber.page.Page) -> tuple[list[Word], list[RuledTable]]:
    """pdfplumber's words outside ruled tables, and the tables."""
    try:
        tables = _ruled_tables(page)
        words = []
        for w in page.extract_words(
            x_tolerance_ratio=0.15, y_tolerance=3, extra_attrs=["size", "fontname"]
        ):
            box = (w["x0"], w["top"], w["x1"], w["bottom"])
            if any(_center_inside(box, table_box) for table_box, _ in tables):
                continue
            bold = "bold" in str(w["fontname"]).lower()
            words.append(
                Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], float(w["size"]), bold)
            )
        return words, tables
    finally:
        page.close()  # frees pdfplumber's per-page caches: memory stays bounded


def _center_inside(box: Box, outer: Box) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _ruled_tables(page: pdfplumber.page.Page) -> list[RuledTable]:
    """Tables drawn with rules, as (bbox, rows of cell texts); layout tables stay text."""
    if len(page.lines) + len(page.rects) < 6:  # too few rules to draw a grid: skip the search
        return []
    found = []
    for table in page.find_tables():
        rows = [[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
        rows = [row for row in rows if any(row)]
        columns = max((len(r) for r in rows), default=0)
        # Two columns and a few rows: the header or the signature block laid out in a table.
        if len(rows) < 2 or columns < 2 or (columns <= 2 and len(rows) <= 6):
            continue
        found.append((table.bbox, rows))
    return found


def _table_lines(tables: list[RuledTable], page: int) -> list[Line]:
    """Table rows as lines of their own, placed where the table sits on the page."""
    lines = []
    for box, rows in tables:
        x0, top, x1, bottom = box
        pitch = (bottom - top) / len(rows)
        for r, cells in enumerate(rows):
            y = top + r * pitch
            word = Word(" ".join(filter(None, cells)), x0, x1, y, y + pitch * 0.9, size=0.0)
            lines.append(Line(words=[word], page=page, cells=cells, table=RULED, row=r))
    return lines


def _pdfium_words(page: pdfium.PdfPage) -> list[Word]:
    """Words from PDFium's characters and their boxes."""
    textpage = page.get_textpage()
    try:
        height = page.get_height()
        words: list[Word] = []
        chars: list[Word] = []
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1).replace("\ufffe", "-")  # a line-end hyphen
            if not ch or ch.isspace():
                _flush(chars, words)
                continue
            # Loose boxes span the glyph's advance, as pdfplumber's do; tight ones would open
            # gaps at the side bearings of narrow glyphs ("1 1" for "11").
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            size = pdfium_c.FPDFText_GetFontSize(textpage, i) or (top - bottom)
            char = Word(ch, left, right, height - top, height - bottom, size)
            if chars and _starts_word(chars[-1], char):
                _flush(chars, words)
            chars.append(char)
        _flush(chars, words)
        return words
    finally:
        textpage.close()


def _starts_word(last: Word, char: Word) -> bool:
    """A gap wider than letter spacing (PDFium also writes the spaces it infers), or a jump to
    another baseline."""
    return char.x0 - last.x1 > 0.1 * char.size or abs(char.bottom - last.bottom) > char.size / 2


def _flush(chars: list[Word], words: list[Word]) -> None:
    if chars:
        text = unicodedata.normalize("NFC", "".join(c.text for c in chars))
        words.append(
            Word(
                text,
                min(c.x0 for c in chars),
                max(c.x1 for c in chars),
                min(c.top for c in chars),
                max(c.bottom for c in chars),
                statistics.median(c.size for c in chars),
            )
        )
        chars.clear()


# ---------------------------------------------------------------------------------------------
# The document: running lines, footnotes, tables, paragraphs → blocks
# ---------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:(?:trang|page)\s*)?\d{1,4}(?:\s*(?:/|trên|of)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.IGNORECASE,
)
MARGIN_BAND = 0.12  # running headers and footers sit in the top and bottom 12% of a page
RUNNING_TOLERANCE_PT = 12.0
_NOTE_START = re.compile(r"^(\d{1,3})\s*\S")


def assemble_blocks(pages: list[PageLines]) -> list[Block]:
    """Pages of lines → the block list: one block per paragraph or table row, notes last."""
    remove_running_lines(pages)
    for page in pages:
        split_footnotes(page)
    number_tables(pages)
    blocks = list(_paragraph_blocks(pages))
    return blocks + list(_note_blocks(pages, blocks))


def remove_running_lines(pages: list[PageLines]) -> None:
    """Drop bare page numbers, and lines repeated at the same place on most pages.

    Lines are compared by their letters without tone marks and numbers (OCR misreads a tone
    mark here and there; a running footer counts pages), and by their distance from the nearer
    page edge, within a tolerance (scans sit a little differently on every page).
    """
    seen: dict[str, list[tuple[Line, float]]] = {}
    for page in pages:
        for line in _margin_lines(page):
            seen.setdefault(_running_text(line), []).append((line, _edge_distance(page, line)))
    repeated = max(2, math.ceil(0.6 * len(pages)))
    drop = set()
    for text, places in seen.items():
        usual = statistics.median(d for _, d in places)
        same_place = [line for line, d in places if abs(d - usual) <= RUNNING_TOLERANCE_PT]
        # Lines of a few letters ("- 05 hội", "- 04 hội") would match by chance.
        if len(text) >= 6 and len({ln.page for ln in same_place}) >= repeated:
            drop.update(map(id, same_place))
    for page in pages:
        drop.update(id(ln) for ln in _margin_lines(page) if _PAGE_NUMBER.match(ln.text.strip()))
        page.lines = [ln for ln in page.lines if id(ln) not in drop]


def _margin_lines(page: PageLines) -> list[Line]:
    """The first and last three lines of a page, where they sit in its margin bands."""
    body = [ln for ln in page.lines if ln.table is None]
    band = page.height * MARGIN_BAND
    edges = {id(ln): ln for ln in body[:3] + body[-3:]}
    return [ln for ln in edges.values() if ln.top < band or ln.bottom > page.height - band]


def _running_text(line: Line) -> str:
    letters = unicodedata.normalize("NFD", line.text.lower().replace("đ", "d"))
    return "".join(c for c in letters if c.isalpha() and c.isascii())


def _edge_distance(page: PageLines, line: Line) -> float:
    """Distance from the top edge (positive) or the bottom edge (negative)."""
    return line.top if line.top < page.height / 2 else -(page.height - line.bottom)


def split_footnotes(page: PageLines) -> None:
    """Footnotes: lines in smaller type at the foot of a text page, the first opening with its
    number. They leave the running text, where they would cut a paragraph in two."""
    body = [ln for ln in page.lines if ln.table is None]
    if page.detail.method == "ocr" or len(body) < 4:
        return
    body_size = statistics.median(ln.size for ln in body)
    start = len(page.lines)
    while start > 2:
        line = page.lines[start - 1]
        if line.table is not None or line.size >= 0.9 * body_size:
            break
        start -= 1
    if start < len(page.lines) and _NOTE_START.match(page.lines[start].text):
        page.notes = page.lines[start:]
        page.lines = page.lines[:start]


def number_tables(pages: list[PageLines]) -> None:
    """Give every table its index in the document. Ruled tables come tagged by the reader; runs
    of three or more lines of three or more cells are a table printed without rules. A table
    that goes on over a page break with the same columns keeps its index, and a row broken by
    the page break (its first cell empty on the new page) is mended."""
    count = 0
    last: Line | None = None  # the last row of a table that reaches the foot of a page
    for page in pages:
        for n, group in enumerate(_table_groups(page.lines)):
            columns = len(group[0].cells)
            goes_on = n == 0 and group[0] is page.lines[0]
            if goes_on and last is not None and len(last.cells) == columns:
                index, first_row = last.table, last.row + 1
                if not group[0].cells[0] and any(group[0].cells):
                    _mend_row(last, group[0], page)
                    group = group[1:]
            else:
                index, first_row = count, 0
                count += 1
            for r, line in enumerate(group):
                line.table, line.row = index, first_row + r
            last = group[-1] if group else last
        if not page.lines or page.lines[-1].table is None:
            last = None


def _mend_row(row: Line, rest: Line, page: PageLines) -> None:
    row.cells = [" ".join(filter(None, pair)) for pair in zip(row.cells, rest.cells, strict=True)]
    page.lines.remove(rest)


def _table_groups(lines: list[Line]) -> list[list[Line]]:
    """Consecutive table rows: each ruled table, and each run of unruled grid lines."""
    groups: list[list[Line]] = []
    run: list[Line] = []
    for line in [*lines, None]:
        grid = line is not None and line.table is None and len(line.cells) >= 3
        if grid:
            run.append(line)  # type: ignore[arg-type]
            continue
        if len(run) >= 3:
            groups.append(run)
        run = []
        if line is not None and line.table == RULED:
            if line.row == 0 or not groups or groups[-1][-1].table != RULED:
                groups.append([])
            groups[-1].append(line)
    groups.sort(key=lambda g: g[0].number)
    return groups


@dataclass
class _PageLayout:
    """A page's text block: left and right edges, line pitch, paragraph style."""

    left: float
    right: float
    center: float
    pitch: float
    indented_paragraphs: bool

    @classmethod
    def of(cls, page: PageLines) -> _PageLayout:
        body = [ln for ln in page.lines if ln.table is None and len(ln.cells) == 1]
        if not body:
            return cls(0.0, page.width, page.width / 2, 0.0, False)
        left = _left_edge(body)
        rights = sorted(ln.x1 for ln in body)
        right = rights[min(len(rights) - 1, int(len(rights) * 0.97))]
        pitches = [b.top - a.top for a, b in zip(body, body[1:], strict=False) if b.top > a.top]
        size = statistics.median(ln.size for ln in body)
        indented = sum(1 for ln in body if size < ln.x0 - left < 6 * size)
        return cls(
            left=left,
            right=right,
            center=(left + right) / 2,
            pitch=statistics.median(pitches) if pitches else 0.0,
            indented_paragraphs=indented >= max(2, 0.05 * len(body)),
        )


def _left_edge(body: list[Line]) -> float:
    """Where the body's lines start: the leftmost x0 shared by several lines (3 pt bins)."""
    lefts = Counter(round(ln.x0 / 3) * 3 for ln in body)
    common = lefts.most_common(1)[0][1]
    if common < 2:
        return min(ln.x0 for ln in body)
    return float(min(x for x, n in lefts.items() if n >= max(2, common * 0.3)))


def _paragraph_blocks(pages: list[PageLines]) -> Iterator[Block]:
    layouts = {p.number: _PageLayout.of(p) for p in pages}
    current: list[Line] = []
    for page in pages:
        for line in page.lines:
            if line.table is not None:
                if current:
                    yield _paragraph(current)
                    current = []
                yield _table_row(line)
            elif current and not _continues(current[-1], line, layouts):
                yield _paragraph(current)
                current = [line]
            else:
                current.append(line)
    if current:
        yield _paragraph(current)


def _continues(prev: Line, line: Line, layouts: dict[int, _PageLayout]) -> bool:
    """Is `line` the rest of the paragraph that `prev` belongs to?"""
    if len(prev.cells) > 1 or len(line.cells) > 1 or parse_marker(line.text) is not None:
        return False  # column lines are layout; a heading or bullet opens its own paragraph
    here, there = layouts[line.page], layouts[prev.page]
    size = max(line.size, prev.size, 1.0)
    if prev.page == line.page and here.pitch and line.top - prev.top > here.pitch + 0.45 * size:
        return False  # paragraph spacing
    starts_lower = line.text[:1].islower() or line.text[:1] in "(“\"'"
    if _centered(line, here, size) and abs((prev.x0 + prev.x1) / 2 - there.center) < 1.5 * size:
        return starts_lower and not prev.text.endswith(SENTENCE_END)  # a centered title
    if line.x0 - here.left > size:
        return False  # first-line indent of a new paragraph, or a line set apart
    first_word = line.words[0]
    fills = there.right - prev.x1 < (first_word.x1 - first_word.x0) + 0.5 * size
    if prev.text.endswith(SENTENCE_END):
        # Where paragraphs open with an indent, a full line that ends a sentence goes on.
        return fills and here.indented_paragraphs
    return starts_lower or fills


def _centered(line: Line, layout: _PageLayout, size: float) -> bool:
    middle = (line.x0 + line.x1) / 2
    return line.x0 - layout.left > size and abs(middle - layout.center) < 1.5 * size


def _paragraph(lines: list[Line]) -> Block:
    text = lines[0].text
    for line in lines[1:]:
        # A compound or a document code broken at its hyphen ("NĐ-" / "CP") is one word.
        glue = "" if re.search(r"\w[-–]$", text) and line.text[:1].isalnum() else " "
        text += glue + line.text
    hints: dict[str, object] = {}
    if all(line.bold for line in lines):
        hints["bold"] = True
    marks = [m for line in lines for m in line.marks]
    if marks:
        hints["note_marks"] = marks
    return Block(text=text, line=lines[0].number, page=lines[0].page, hints=hints)


def _table_row(line: Line) -> Block:
    cells = list(line.cells)
    return Block(
        text="\t".join(cells),
        kind="table",
        line=line.number,
        page=line.page,
        hints={"table": line.table, "row": line.row, "cells": cells},
    )


def _note_blocks(pages: list[PageLines], blocks: list[Block]) -> Iterator[Block]:
    """Footnotes after the running text, each pointing at the block that holds its mark."""
    for page in pages:
        for note in _split_notes(page.notes):
            number = _NOTE_START.match(note[0].text)
            ref = _block_with_mark(blocks, page.number, number.group(1)) if number else None
            yield Block(
                text=" ".join(line.text for line in note),
                kind="note",
                line=note[0].number,
                page=page.number,
                hints={} if ref is None else {"note_ref": ref},
            )


def _split_notes(lines: list[Line]) -> list[list[Line]]:
    notes: list[list[Line]] = []
    for line in lines:
        if not notes or (_NOTE_START.match(line.text) and line.marks):
            notes.append([line])
        else:
            notes[-1].append(line)
    return notes


def _block_with_mark(blocks: list[Block], page: int, mark: str) -> int | None:
    """The last block up to `page` whose text carries the superscript `mark`."""
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        marks = block.hints.get("note_marks")
        on_or_before = block.page is not None and block.page <= page
        if on_or_before and isinstance(marks, list) and mark in marks:
            return index
    return None
