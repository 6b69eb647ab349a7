""".docx reader: body paragraphs and tables in order, Word numbering, notes, legacy fonts.

python-docx opens the package and parses its parts; the body is walked as XML, since python-docx
does not show what a reader of the page sees in several places:
- auto-numbering labels ("I.", "1.", "5.1.", "a)") live in numbering.xml, not in the text;
  `Numbering` computes them the way Word does (counters shared by the lists of one abstract
  definition, w:startOverride restarting a list, w:lvlRestart, numbering inherited from styles);
- footnotes and endnotes (word/footnotes.xml, word/endnotes.xml) often cite the documents a report
  rests on: each referenced note becomes a "note" block pointing at the paragraph that cites it;
- runs set in legacy Vietnamese fonts (TCVN3 ".VnTime", VNI "VNI-Times") are converted to Unicode
  when their characters say they are legacy-encoded (see `legacy`), group by group of adjacent runs
  in the same legacy encoding, never across runs in another font.
Tables that only lay out the header or the signature block become paragraphs; other tables
become one "table" block per row (blocks.py).

Input is untrusted: a zip that declares a huge uncompressed size is refused before anything is
decompressed, and anything that is not a readable Word package gives a BaocaoError.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.parser import parse_xml
from lxml import etree

from baocao.parser.blocks import Block, BlockKind, RawDocument
from baocao.parser.errors import BaocaoError
from baocao.parser.readers import legacy

# Far above any real report (the corpus's largest .docx unpacks to 0.6 MB), far below a bomb.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100  # compression ratio beyond which a large member is a bomb, not XML
LARGE_MEMBER = 10 * 1024 * 1024
MAX_MEMBERS = 10_000
MAIN_PART = "word/document.xml"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


W_P, W_R, W_T, W_TBL, W_TR, W_TC = map(_w, ("p", "r", "t", "tbl", "tr", "tc"))
W_SDT, W_SDT_CONTENT, W_TXBX = _w("sdt"), _w("sdtContent"), _w("txbxContent")
W_VAL = _w("val")
MC_ALTERNATE = f"{{{_MC}}}AlternateContent"
MC_CHOICE = f"{{{_MC}}}Choice"
MC_FALLBACK = f"{{{_MC}}}Fallback"
# Inline elements whose runs are part of the paragraph's text (w:del and w:moveFrom are not).
_INLINE_CONTAINERS = frozenset(
    map(_w, ("hyperlink", "ins", "moveTo", "smartTag", "sdt", "sdtContent", "fldSimple",
             "customXml", "dir", "bdo"))
)  # fmt: skip
_BLOCK_CONTAINERS = frozenset((W_SDT, W_SDT_CONTENT, _w("customXml")))
_FALSE = frozenset(("0", "false", "off", "none"))
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_BULLETS = "-+*•·●■□▪◦–—"
_SPACE_RUN = re.compile(r"[ \u00a0]{2,}")
_NOTE_SEPARATORS = frozenset(("separator", "continuationSeparator", "continuationNotice"))


def read(data: bytes, *, path: str | None, sha256: str) -> RawDocument:
    open_checked(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, zlib.error,
            etree.LxmlError, EOFError, OSError) as exc:  # fmt: skip
        raise BaocaoError(f"not a valid .docx: {_describe(exc)}", stage="read") from exc
    try:
        raw = _DocxReader(document).read(path=path, sha256=sha256)
        raw.properties = document_properties(data)
        return raw
    except BaocaoError:
        raise
    except (zipfile.BadZipFile, zlib.error, etree.LxmlError, EOFError) as exc:
        raise BaocaoError(f"not a valid .docx: {_describe(exc)}", stage="read") from exc
    except Exception as exc:  # a bug of ours must name the file, never take a batch down
        raise BaocaoError(f"internal error while reading .docx: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# --- The package --------------------------------------------------------------------------------


def open_checked(data: bytes) -> zipfile.ZipFile:
    """Open the zip, refusing bombs (by declared sizes) and zips that are not Word documents."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise BaocaoError(
            f"not a valid .docx: truncated or corrupt zip ({_describe(exc)})", stage="read"
        ) from exc
    check_zip_bomb(members)
    names = {m.filename for m in members}
    if MAIN_PART not in names:
        raise BaocaoError(f"not a valid .docx: {_what_zip_is(names)}", stage="read")
    return archive


def check_zip_bomb(members: list[zipfile.ZipInfo]) -> None:
    """Refuse by what the zip declares, before decompressing anything."""
    if len(members) > MAX_MEMBERS:
        raise BaocaoError(f"zip bomb: {len(members)} members", stage="read")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise BaocaoError(
            f"zip bomb: declares {total / 1048576:.0f} MiB uncompressed "
            f"(limit {MAX_UNCOMPRESSED / 1048576:.0f} MiB)",
            stage="read",
        )
    for m in members:
        if m.file_size > LARGE_MEMBER and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise BaocaoError(
                f"zip bomb: declares {m.file_size / 1048576:.0f} MiB uncompressed for "
                f"{m.filename} from {m.compress_size} bytes",
                stage="read",
            )


def _what_zip_is(names: set[str]) -> str:
    for marker, what in (
        ("xl/workbook.xml", "an Excel workbook (.xlsx)"),
        ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
        ("content.xml", "an OpenDocument file"),
    ):
        if marker in names:
            return f"a zip archive holding {what}, not a Word document"
    return f"a zip archive without {MAIN_PART}, not a Word document"


def document_properties(data: bytes) -> dict[str, str]:
    """The package's core properties (title, subject, creator …), legacy-encoded ones converted.

    Old files often carry a VNI- or TCVN3-encoded title ("COÂNG AN TÆNH LAÂM ÑOÀNG"): with no font
    to go by, the reading with clearly more Vietnamese syllables is kept.
    """
    archive = open_checked(data)
    try:
        xml = archive.read("docProps/core.xml")
    except KeyError:
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.LxmlError:
        return {}
    properties: dict[str, str] = {}
    for element in root:
        if not isinstance(element.tag, str) or not element.text or not element.text.strip():
            continue
        name = etree.QName(element).localname
        properties[name] = legacy.convert_if_legacy(element.text.strip())[0]
    return properties


# --- Styles -------------------------------------------------------------------------------------

RunProps = dict[str, object]  # keys: ascii, hAnsi, cs (font names), b, caps, vanish (bool)


def _on(element: etree._Element | None) -> bool | None:
    """A toggle property: None when absent, else on unless w:val says off."""
    if element is None:
        return None
    return element.get(W_VAL, "true").lower() not in _FALSE


def _run_props(rpr: etree._Element | None) -> RunProps:
    props: RunProps = {}
    if rpr is None:
        return props
    fonts = rpr.find(_w("rFonts"))
    if fonts is not None:
        for slot in ("ascii", "hAnsi", "cs"):
            if fonts.get(_w(f"{slot}Theme")) is not None:
                props[slot] = ""  # a theme font: never a legacy one
            elif fonts.get(_w(slot)) is not None:
                props[slot] = fonts.get(_w(slot))
    for key in ("b", "caps", "vanish"):
        value = _on(rpr.find(_w(key)))
        if value is not None:
            props[key] = value
    return props


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _val(parent: etree._Element | None, tag: str) -> str | None:
    if parent is None:
        return None
    child = parent.find(_w(tag))
    return child.get(W_VAL) if child is not None else None


@dataclass
class _Style:
    name: str
    based_on: str | None
    run: RunProps
    num_id: str | None
    ilvl: int | None


class StyleSheet:
    """styles.xml: names, inheritance (w:basedOn), run properties and numbering of styles."""

    def __init__(self, root: etree._Element | None) -> None:
        self.styles: dict[str, _Style] = {}
        self.default_paragraph: str | None = None
        self.defaults: RunProps = {}
        self._merged: dict[tuple[str | None, str | None], RunProps] = {}
        if root is None:
            return
        for element in root.iter(_w("style")):
            style_id = element.get(_w("styleId"))
            if not style_id:
                continue
            ppr = element.find(_w("pPr"))
            num_pr = ppr.find(_w("numPr")) if ppr is not None else None
            self.styles[style_id] = _Style(
                name=_val(element, "name") or style_id,
                based_on=_val(element, "basedOn"),
                run=_run_props(element.find(_w("rPr"))),
                num_id=_val(num_pr, "numId"),
                ilvl=_int(_val(num_pr, "ilvl")),
            )
            is_default = element.get(_w("default")) in ("1", "true")
            if is_default and element.get(_w("type")) == "paragraph":
                self.default_paragraph = style_id
        defaults = root.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
        self.defaults = _run_props(defaults)

    def chain(self, style_id: str | None) -> Iterator[_Style]:
        """The style, then the styles it is based on (cycles and runaway chains cut)."""
        seen: set[str] = set()
        while style_id and style_id in self.styles and style_id not in seen and len(seen) < 20:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            style_id = style.based_on

    def name(self, style_id: str | None) -> str | None:
        """The style's name as Word shows it: built-in names are stored lower-case ("heading 1")."""
        style = self.styles.get(style_id) if style_id else None
        if style is None:
            return None
        return style.name[:1].upper() + style.name[1:]

    def run_props(
        self, paragraph_style: str | None, run_style: str | None, direct: RunProps
    ) -> RunProps:
        """Direct formatting, then the character style, the paragraph style, the defaults."""
        key = (paragraph_style, run_style)
        merged = self._merged.get(key)
        if merged is None:
            merged = {}
            for style in [*self.chain(run_style), *self.chain(paragraph_style)]:
                for name, value in style.run.items():
                    merged.setdefault(name, value)
            for name, value in self.defaults.items():
                merged.setdefault(name, value)
            self._merged[key] = merged
        return {**merged, **direct}

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        num_id: str | None = None
        ilvl: int | None = None
        for style in self.chain(style_id):
            num_id = num_id if num_id is not None else style.num_id
            ilvl = ilvl if ilvl is not None else style.ilvl
        return num_id, ilvl


# --- Numbering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One level of a list definition (w:lvl)."""

    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # w:lvlRestart: None = after any higher level, 0 = never
    legal: bool = False  # w:isLgl: all numbers of the label in decimal
    style: str | None = None  # w:pStyle: the paragraph style bound to this level


def _level(element: etree._Element) -> Level:
    return Level(
        fmt=_val(element, "numFmt") or "decimal",
        text=_val(element, "lvlText") or "",
        start=_int(_val(element, "start"), 1) or 0,
        restart=_int(_val(element, "lvlRestart")),
        legal=_on(element.find(_w("isLgl"))) or False,
        style=_val(element, "pStyle"),
    )


def _levels(parent: etree._Element) -> dict[int, Level]:
    levels = {}
    for element in parent.iter(_w("lvl")):
        ilvl = _int(element.get(_w("ilvl")))
        if ilvl is not None:
            levels[ilvl] = _level(element)
    return levels


def _roman(n: int) -> str:
    out = []
    for value, symbol in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


def format_number(n: int, fmt: str) -> str:
    """A counter value in a w:numFmt. Word's letters have no "đ": a, b, c, d, e …, then aa, bb."""
    if fmt in ("none", "bullet"):
        return ""
    if n <= 0:
        return str(n)
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter"):
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)  # decimal, and the formats a Vietnamese report does not use


@dataclass
class _Num:
    abstract: str
    starts: dict[int, int]  # w:lvlOverride/w:startOverride
    levels: dict[int, Level]  # w:lvlOverride/w:lvl


class Numbering:
    """numbering.xml, and the running counters that turn w:numPr into labels.

    As in Word, lists (w:num) that share an abstract definition share its counters, so one list
    split over several numIds keeps counting; a list with a w:startOverride restarts the counter
    where it first appears. A level restarts after any higher level (or per w:lvlRestart).
    """

    def __init__(self, root: etree._Element | None, styles: StyleSheet) -> None:
        self._styles = styles
        self._abstract_levels: dict[str, dict[int, Level]] = {}
        self._style_links: dict[str, str] = {}  # abstract id → numbering style it stands for
        self._nums: dict[str, _Num] = {}
        self._counters: dict[str, dict[int, int]] = defaultdict(dict)
        self._started: set[tuple[str, int]] = set()
        if root is None:
            return
        for element in root.iter(_w("abstractNum")):
            abstract_id = element.get(_w("abstractNumId"))
            if abstract_id is None:
                continue
            self._abstract_levels[abstract_id] = _levels(element)
            link = _val(element, "numStyleLink")
            if link:
                self._style_links[abstract_id] = link
        for element in root.iter(_w("num")):
            num_id = element.get(_w("numId"))
            abstract = _val(element, "abstractNumId")
            if num_id is None or abstract is None:
                continue
            starts: dict[int, int] = {}
            levels: dict[int, Level] = {}
            for override in element.iter(_w("lvlOverride")):
                ilvl = _int(override.get(_w("ilvl")))
                if ilvl is None:
                    continue
                start = _int(_val(override, "startOverride"))
                if start is not None:
                    starts[ilvl] = start
                lvl = override.find(_w("lvl"))
                if lvl is not None:
                    levels[ilvl] = _level(lvl)
            self._nums[num_id] = _Num(abstract, starts, levels)

    def _abstract(self, num_id: str) -> str | None:
        """The abstract definition holding a list's levels (w:numStyleLink followed)."""
        num = self._nums.get(num_id)
        abstract = num.abstract if num else None
        for _ in range(5):
            link = self._style_links.get(abstract or "")
            linked_num = self._styles.numbering(link)[0] if link else None
            if linked_num is None or linked_num not in self._nums:
                break
            abstract = self._nums[linked_num].abstract
        return abstract

    def levels(self, num_id: str) -> dict[int, Level]:
        abstract = self._abstract(num_id)
        levels = dict(self._abstract_levels.get(abstract or "", {}))
        num = self._nums.get(num_id)
        if num:
            levels.update(num.levels)
        return levels

    def level_of_style(self, num_id: str, style_id: str | None) -> int:
        """The level a numbered paragraph style is bound to (w:lvl/w:pStyle), else 0."""
        for ilvl, level in self.levels(num_id).items():
            if style_id and level.style == style_id:
                return ilvl
        return 0

    def next_label(self, num_id: str, ilvl: int) -> tuple[str, bool] | None:
        """Count one more paragraph of list `num_id` at level `ilvl`: its label, and whether it
        is a bullet. None when the list or level is undefined or the label is empty."""
        num = self._nums.get(num_id)
        abstract = self._abstract(num_id)
        levels = self.levels(num_id)
        level = levels.get(ilvl)
        if num is None or abstract is None or level is None:
            return None
        counters = self._counters[abstract]
        if (num_id, ilvl) not in self._started:
            self._started.add((num_id, ilvl))
            if ilvl in num.starts:
                counters.pop(ilvl, None)
        start = num.starts.get(ilvl, level.start)
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart > 0 and ilvl <= restart - 1):
                del counters[deeper]
        if level.fmt == "bullet":
            mark = level.text.strip()
            return (mark if mark and mark in _BULLETS else "-"), True
        label = re.sub(
            r"%([1-9])", lambda m: self._number(m, levels, counters, num, level.legal), level.text
        ).strip()
        return (label, False) if label else None

    @staticmethod
    def _number(
        match: re.Match[str],
        levels: dict[int, Level],
        counters: dict[int, int],
        num: _Num,
        legal: bool,
    ) -> str:
        k = int(match.group(1)) - 1
        level = levels.get(k, Level())
        value = counters.get(k, num.starts.get(k, level.start))
        fmt = "decimal" if legal and level.fmt not in ("none", "bullet") else level.fmt
        return format_number(value, fmt)


# --- Text with its fonts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run's text, with the legacy encoding its font announces (None for a Unicode font)."""

    text: str
    encoding: str | None = None
    caps: bool = False  # drawn in capitals (w:caps, or a TCVN3 "H" font)


Rich = list[Segment]


def _plain(rich: Rich) -> str:
    return "".join(s.text for s in rich)


def _join(parts: list[Rich], separator: str) -> Rich:
    out: Rich = []
    for part in parts:
        if not _plain(part).strip():
            continue
        if out:
            out.append(Segment(separator))
        out.extend(part)
    return out


def _groups(rich: Rich) -> Iterator[tuple[int, int]]:
    """Spans [i, j) of adjacent segments in the same legacy encoding (and caps), the unit a
    conversion decision is made for. A segment proven Unicode stands alone."""
    i = 0
    while i < len(rich):
        first = rich[i]
        j = i + 1
        if first.encoding and not legacy.looks_unicode_vietnamese(first.text):
            while (
                j < len(rich)
                and rich[j].encoding == first.encoding
                and rich[j].caps == first.caps
                and not legacy.looks_unicode_vietnamese(rich[j].text)
            ):
                j += 1
        yield i, j
        i = j


class LegacyJudge:
    """Decides, per group of legacy-font runs, whether to convert; when a group's characters
    cannot tell, the other groups of the document in the same encoding decide."""

    def __init__(self) -> None:
        self._verdicts: dict[tuple[str, str, bool], int] = {}
        self._votes: dict[str, int] = defaultdict(int)
        self.converted: dict[str, int] = defaultdict(int)

    def _verdict(self, text: str, encoding: str, caps: bool) -> int:
        key = (text, encoding, caps)
        if key not in self._verdicts:
            self._verdicts[key] = legacy.verdict(text, encoding, caps=caps)
        return self._verdicts[key]

    def observe(self, rich: Rich) -> None:
        for i, j in _groups(rich):
            encoding = rich[i].encoding
            if encoding:
                self._votes[encoding] += self._verdict(_plain(rich[i:j]), encoding, rich[i].caps)

    def render(self, rich: Rich) -> str:
        out = []
        for i, j in _groups(rich):
            text, encoding, caps = _plain(rich[i:j]), rich[i].encoding, rich[i].caps
            if encoding:
                verdict = self._verdict(text, encoding, caps)
                if verdict > 0 or (verdict == 0 and self._votes[encoding] > 0):
                    converted = legacy.convert(text, encoding)
                    if converted != text:
                        self.converted[encoding] += 1
                    text = converted
            out.append(text.upper() if caps else text)
        return "".join(out)


# --- The body -----------------------------------------------------------------------------------


@dataclass
class _Paragraph:
    """A paragraph's content: its pieces (split at line and page breaks), label, notes cited."""

    pieces: list[Rich]
    label: str | None = None
    bullet: bool = False
    style: str | None = None
    bold: bool = False
    refs: list[tuple[int, str, str]] = field(default_factory=list)  # (piece, note kind, id)
    boxes: list[etree._Element] = field(default_factory=list)  # text boxes anchored in it


@dataclass
class _Pending:
    """A block whose text waits for the document-wide legacy-font decision."""

    text: Rich
    kind: BlockKind
    hints: dict[str, object]
    cells: list[Rich] | None = None
    refs: list[tuple[str, str]] = field(default_factory=list)  # notes cited: (kind, id)
    cited_by: int = 0  # for a note: the pending block that cites it


def _runs(parent: etree._Element) -> Iterator[etree._Element]:
    """The runs shown in a paragraph, in order (deleted text and fallbacks left out)."""
    for child in parent:
        tag = child.tag
        if tag == W_R:
            yield child
        elif tag in _INLINE_CONTAINERS:
            yield from _runs(child)
        elif tag == MC_ALTERNATE:
            chosen = child.find(MC_CHOICE)
            if chosen is None:
                chosen = child.find(MC_FALLBACK)
            if chosen is not None:
                yield from _runs(chosen)


def _text_boxes(element: etree._Element) -> list[etree._Element]:
    """Outermost text boxes under a run's drawing; of alternate content, the first choice."""
    if element.tag == MC_ALTERNATE:
        chosen = element.find(MC_CHOICE)
        if chosen is None:
            chosen = element.find(MC_FALLBACK)
        element = chosen if chosen is not None else element
    boxes = []
    for box in element.iter(W_TXBX):
        if not any(a.tag == W_TXBX for a in box.iterancestors() if a is not element):
            boxes.append(box)
    return boxes


def _heading_level(style_name: str | None) -> int | None:
    if not style_name:
        return None
    if style_name.strip().lower() == "title":
        return 0
    m = _HEADING_STYLE.match(style_name.strip())
    return int(m.group(1)) if m else None


class _DocxReader:
    def __init__(self, document: WordDocument) -> None:
        self.document = document
        part = document.part
        self.styles = StyleSheet(part.styles.element if _has_rel(part, RT.STYLES) else None)
        numbering_root = part.numbering_part.element if _has_rel(part, RT.NUMBERING) else None
        self.numbering = Numbering(numbering_root, self.styles)
        self.pending: list[_Pending] = []
        self.table_count = 0
        # Floating text boxes ("DỰ THẢO", "MẬT" stamps): anchored anywhere, so read after the body
        # rather than inside the header or a sentence.
        self.text_boxes: list[etree._Element] = []

    # Reading -----------------------------------------------------------------------------------

    def read(self, *, path: str | None, sha256: str) -> RawDocument:
        self.walk(self.document.element.body, self._push_paragraph)
        for box in self.text_boxes:
            first = len(self.pending)
            self.walk(box, self._push_paragraph)
            for item in self.pending[first:]:
                item.hints["text_box"] = True
        notes = self._notes()
        judge = LegacyJudge()
        for pending in [*self.pending, *notes]:
            judge.observe(pending.text)
            for cell in pending.cells or []:
                judge.observe(cell)
        blocks, index_of = self._blocks(self.pending, judge)
        for note in notes:
            text = judge.render(note.text).strip()
            if not text:
                continue
            kind, note_id = note.refs[0]
            citing = index_of.get(note.cited_by, 0)
            hints = {"note_ref": citing, "note_id": note_id, "note_kind": kind}
            blocks.append(Block(text=text, kind="note", hints=hints))
        if not blocks:
            raise BaocaoError("no text: the document holds no words", path=path, stage="decode")
        warnings = [
            f"converted {count} run group(s) in {encoding.upper()} legacy fonts to Unicode"
            for encoding, count in sorted(judge.converted.items())
        ]
        return RawDocument(
            blocks=blocks,
            format="docx",
            sha256=sha256,
            path=path,
            encoding="+".join(sorted(judge.converted)) or None,
            warnings=warnings,
        )

    def _blocks(
        self, pending: list[_Pending], judge: LegacyJudge
    ) -> tuple[list[Block], dict[int, int]]:
        """Render the pending blocks; blank ones go. Also: pending index → block index (for a
        note cited in a blank paragraph, the block before it)."""
        blocks: list[Block] = []
        index_of: dict[int, int] = {}
        for number, item in enumerate(pending):
            # Spaces in Word are typed, not layout (columns are tabs and tables): a run of them is
            # a blank left to fill in ("ngày      tháng 11", "Số:      /BC-UBND"), one space.
            text = _SPACE_RUN.sub(" ", judge.render(item.text)).strip()
            index_of[number] = max(len(blocks) - (0 if text else 1), 0)
            if not text:
                continue
            hints = dict(item.hints)
            if item.cells is not None:
                hints["cells"] = [_SPACE_RUN.sub(" ", judge.render(c)).strip() for c in item.cells]
            elif _all_caps(text):
                hints["caps"] = True
            blocks.append(Block(text=text, kind=item.kind, hints=hints))
        return blocks, index_of

    # The body ----------------------------------------------------------------------------------

    def walk(self, container: etree._Element, on_paragraph: Callable[[_Paragraph], None]) -> None:
        """Block-level content in order: paragraphs, tables, content controls."""
        for child in container:
            if child.tag == W_P:
                on_paragraph(self.paragraph(child))
            elif child.tag == W_TBL:
                self.table(child)
            elif child.tag in _BLOCK_CONTAINERS:
                self.walk(child, on_paragraph)

    def _push_paragraph(self, para: _Paragraph) -> None:
        level = _heading_level(self.styles.name(para.style))
        for number, piece in enumerate(para.pieces):
            hints: dict[str, object] = {}
            kind: BlockKind = "paragraph"
            text = piece
            if number == 0:
                if para.label:
                    hints["numbering"] = para.label
                    text = [Segment(para.label + " "), *piece]
                    kind = "list_item" if para.bullet else kind
                if level is not None:
                    kind = "heading"
                    hints.update(style=self.styles.name(para.style), heading_level=level)
            if para.bold:
                hints["bold"] = True
            refs = [(kind_, id_) for p, kind_, id_ in para.refs if p == number]
            self.pending.append(_Pending(text, kind, hints, refs=refs))
        self.text_boxes.extend(para.boxes)

    def paragraph(self, p: etree._Element) -> _Paragraph:
        ppr = p.find(_w("pPr"))
        style = _val(ppr, "pStyle") or self.styles.default_paragraph
        para = _Paragraph(pieces=[[]], style=style)
        label = self._label(ppr, style)
        if label:
            para.label, para.bullet = label
        bold_runs = text_runs = 0
        for run in _runs(p):
            rpr = run.find(_w("rPr"))
            props = self.styles.run_props(style, _val(rpr, "rStyle"), _run_props(rpr))
            if props.get("vanish"):  # hidden text: not on the page
                continue
            if self._run(run, props, para):
                text_runs += 1
                bold_runs += bool(props.get("b"))
        para.bold = text_runs > 0 and bold_runs == text_runs
        return para

    def _run(self, run: etree._Element, props: RunProps, para: _Paragraph) -> bool:
        """Add a run's content to the paragraph; True when it shows some non-blank text."""
        # The font Word draws non-ASCII Latin text in: w:hAnsi, else w:ascii, else w:cs.
        font = str(next((props[k] for k in ("hAnsi", "ascii", "cs") if k in props), ""))
        encoding = legacy.is_legacy_font(font)
        caps = bool(props.get("caps")) or legacy.is_capitals_font(font)
        text: list[str] = []
        visible = False

        def flush() -> None:
            nonlocal visible
            if text:
                chunk = "".join(text)
                visible = visible or bool(chunk.strip())
                if encoding is None and caps:
                    chunk = chunk.upper()
                para.pieces[-1].append(Segment(chunk, encoding, caps and encoding is not None))
                text.clear()

        for child in run:
            tag = child.tag
            if tag == W_T:
                text.append(child.text or "")
            elif tag in (_w("tab"), _w("ptab")):
                text.append("\t")
            elif tag == _w("noBreakHyphen"):
                text.append("-")
            elif tag in (_w("br"), _w("cr")):
                flush()
                para.pieces.append([])
            elif tag in (_w("footnoteReference"), _w("endnoteReference")):
                kind = "footnote" if tag == _w("footnoteReference") else "endnote"
                para.refs.append((len(para.pieces) - 1, kind, child.get(_w("id"), "")))
            elif tag in (_w("drawing"), _w("pict"), MC_ALTERNATE):
                para.boxes.extend(_text_boxes(child))
        flush()
        return visible

    def _label(self, ppr: etree._Element | None, style: str | None) -> tuple[str, bool] | None:
        num_pr = ppr.find(_w("numPr")) if ppr is not None else None
        num_id, ilvl = _val(num_pr, "numId"), _int(_val(num_pr, "ilvl"))
        if num_id is None or ilvl is None:
            style_num, style_ilvl = self.styles.numbering(style)
            num_id = num_id if num_id is not None else style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
        if num_id is None or num_id == "0":
            return None
        if ilvl is None:
            ilvl = self.numbering.level_of_style(num_id, style)
        return self.numbering.next_label(num_id, ilvl)

    # Tables ------------------------------------------------------------------------------------

    def table(self, tbl: etree._Element) -> None:
        trs = list(_children(tbl, W_TR))
        rows = [list(_children(tr, W_TC)) for tr in trs]
        if len(rows) <= 3 and all(sum(map(_has_text, cells)) <= 2 for cells in rows):
            # The header or signature layout (spacer columns aside): cells as paragraphs.
            for cells in rows:
                for tc in cells:
                    if not _continues_merge(tc):
                        self.walk(tc, self._push_paragraph)
            return
        index = self.table_count
        self.table_count += 1
        for number, (tr, cells) in enumerate(zip(trs, rows, strict=True)):
            trpr = tr.find(_w("trPr"))
            texts: list[Rich] = [[] for _ in range(_int(_val(trpr, "gridBefore"), 0) or 0)]
            refs: list[tuple[str, str]] = []
            for tc in cells:
                text, cell_refs = ([], []) if _continues_merge(tc) else self._cell(tc)
                texts.append(text)
                refs.extend(cell_refs)
                span = _int(_val(tc.find(_w("tcPr")), "gridSpan"), 1) or 1
                texts.extend([] for _ in range(span - 1))
            if not any(_plain(t).strip() for t in texts):
                continue
            row = _join(texts, "\t")
            hints: dict[str, object] = {"table": index, "row": number}
            self.pending.append(_Pending(row, "table", hints, cells=texts, refs=refs))

    def _cell(self, container: etree._Element) -> tuple[Rich, list[tuple[str, str]]]:
        """A table cell's (or a note's) text: its paragraphs joined by spaces, tabs as spaces."""
        parts: list[Rich] = []
        refs: list[tuple[str, str]] = []

        def collect(para: _Paragraph) -> None:
            label = [Segment(para.label + " ")] if para.label else []
            parts.append(_join([label, *para.pieces], " "))
            refs.extend((kind, id_) for _, kind, id_ in para.refs)
            self.text_boxes.extend(para.boxes)

        for child in container.iter(W_P):
            if not any(a.tag == W_TXBX for a in child.iterancestors() if a is not container):
                collect(self.paragraph(child))
        rich = [Segment(s.text.replace("\t", " "), s.encoding, s.caps) for s in _join(parts, " ")]
        return rich, refs

    # Notes -------------------------------------------------------------------------------------

    def _notes(self) -> list[_Pending]:
        """Referenced footnotes and endnotes, in the order of their first reference."""
        parts = {"footnote": _note_elements(self.document, RT.FOOTNOTES, "footnote"),
                 "endnote": _note_elements(self.document, RT.ENDNOTES, "endnote")}  # fmt: skip
        notes: list[_Pending] = []
        seen: set[tuple[str, str]] = set()
        for number, pending in enumerate(self.pending):
            for ref in pending.refs:
                element = parts[ref[0]].get(ref[1])
                if ref in seen or element is None:
                    continue
                seen.add(ref)
                text, _ = self._cell(element)
                notes.append(_Pending(text, "note", {}, refs=[ref], cited_by=number))
        return notes


def _has_rel(part: object, reltype: str) -> bool:
    rels = getattr(part, "rels", {})
    return any(rel.reltype == reltype and not rel.is_external for rel in rels.values())


def _note_elements(document: WordDocument, reltype: str, tag: str) -> dict[str, etree._Element]:
    """Notes by id, separators left out (python-docx has no API for them: parse the part)."""
    part = next(
        (r.target_part for r in document.part.rels.values()
         if r.reltype == reltype and not r.is_external),
        None,
    )  # fmt: skip
    if part is None:
        return {}
    root = parse_xml(part.blob)
    notes = {}
    for element in root.iter(_w(tag)):
        note_id = element.get(_w("id"))
        if note_id is None or note_id in ("-1", "0"):  # Word's separator notes
            continue
        if element.get(_w("type")) in _NOTE_SEPARATORS:
            continue
        notes[note_id] = element
    return notes


def _children(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Direct children with a tag, looking through content controls (w:sdt)."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _children(child, tag)


def _continues_merge(tc: etree._Element) -> bool:
    """A cell that continues a vertical merge: its text, if any, belongs to the cell above."""
    tcpr = tc.find(_w("tcPr"))
    merge = tcpr.find(_w("vMerge")) if tcpr is not None else None
    return merge is not None and merge.get(W_VAL, "continue") == "continue"


def _has_text(element: etree._Element) -> bool:
    return any((t.text or "").strip() for t in element.iter(W_T))


def _all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)
