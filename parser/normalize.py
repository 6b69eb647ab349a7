"""Normalizer: blocks → one NFC text of paragraphs, with a map back to the source.

What changes: Unicode NFC (composes Windows-1258 and other decomposed tone marks), tabs and odd
spaces become one space, runs of spaces collapse, zero-width characters go, and lines that a PDF
text layer hard-wrapped are re-joined into their paragraph. What does not change: every word and
punctuation mark as written, including stray spaces before punctuation ("chính trị , tư tưởng"),
so spans keep pointing at what the document says.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from baocao.parser.blocks import Block, RawDocument
from baocao.parser.headings import parse_marker

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# A tab, or three or more spaces, between two words: a column boundary in flattened layouts
# (issuer | Quốc hiệu in the header, Nơi nhận | signer in the footer).
_WIDE_GAP = re.compile(r"[ \u00a0]*\t[\t \u00a0]*|[ \u00a0]{3,}")
_SPACES = re.compile(r"\s+")
_TERMINAL = tuple(".:;!?")
_CONTINUATION_START = re.compile(
    r"[a-zàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ(]"
)
_FLOW = ("paragraph", "heading", "list_item")  # kinds that may be re-joined into one paragraph
_SEPARATOR_LINE = re.compile(r"^[\s*\-–—_=.~+]+$")
# A heading number alone on its line ("4 . 2 . 7 ."): its title is on the next line.
_BARE_MARKER = re.compile(r"^\d{1,2}(?:\s*\.\s*(?:\d \d|\d{1,2}))*\s*\.$|^[IVXL]{1,6}\s*\.$")


@dataclass
class Unit:
    """A normalized paragraph: its place in `text`, where it came from, and layout hints."""

    start: int
    end: int
    lines: list[int | None]
    blocks: list[int]
    page: int | None
    blank_before: bool
    indent: int
    gaps: list[int] = field(default_factory=list)
    hints: dict[str, object] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.hints.get("kind", "paragraph"))

    @property
    def in_flow(self) -> bool:
        """Part of the running text that headings structure (not a table row or a note)."""
        return self.kind in _FLOW

    def cells(self, text: str) -> list[tuple[int, int]]:
        """Column cells of a flattened multi-column line, as spans of `text`."""
        bounds = [self.start, *(self.start + g for g in self.gaps), self.end]
        cells = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            while a < b and text[a] == " ":
                a += 1
            while b > a and text[b - 1] == " ":
                b -= 1
            if b > a:
                cells.append((a, b))
        return cells


@dataclass
class NormalizedText:
    text: str
    units: list[Unit]

    @cached_property
    def _starts(self) -> list[int]:
        return [u.start for u in self.units]

    def unit_at(self, offset: int) -> Unit | None:
        i = bisect_right(self._starts, offset) - 1
        return self.units[i] if i >= 0 and offset <= self.units[i].end else None

    def units_between(self, start: int, end: int) -> list[Unit]:
        """The paragraphs that begin inside [start, end)."""
        return self.units[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    def source_line(self, offset: int) -> int | None:
        """The 1-based source line an offset of `text` comes from (first line of its paragraph
        when the paragraph was re-joined from several lines, refined by the joins)."""
        unit = self.unit_at(offset)
        if unit is None:
            return None
        if len(unit.lines) == 1:
            return unit.lines[0]
        # Re-joined lines were glued with one space each; walk the pieces.
        pos = unit.start
        for line, piece_len in zip(unit.lines, unit.hints.get("piece_lengths", []), strict=False):
            if offset < pos + piece_len + 1:
                return line
            pos += piece_len + 1
        return unit.lines[-1]


def clean_line(raw: str) -> tuple[str, list[int], int]:
    """NFC, zero-width removal and space collapsing for one line.

    Returns the cleaned text, the offsets (in the cleaned text) where a wide gap was collapsed,
    and the indentation width of the raw line.
    """
    line = unicodedata.normalize("NFC", raw).translate(_ZERO_WIDTH)
    indent_match = re.match(r"[\s]*", line)
    indent = len(indent_match.group(0).expandtabs(4)) if indent_match else 0
    line = line.strip()
    gaps: list[int] = []
    out: list[str] = []
    pos = 0
    length = 0
    for m in _WIDE_GAP.finditer(line):
        chunk = _SPACES.sub(" ", _control_free(line[pos : m.start()]))
        out.append(chunk)
        length += len(chunk)
        gaps.append(length)
        out.append(" ")
        length += 1
        pos = m.end()
    tail = _SPACES.sub(" ", _control_free(line[pos:]))
    out.append(tail)
    return "".join(out), gaps, indent


def _control_free(s: str) -> str:
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zs") and ch != " " else ch for ch in s
    )


def is_hard_wrapped(lines: list[str]) -> bool:
    """Does this text look like a PDF text layer, with line breaks inside sentences?

    Counted over long lines: how often the next line continues the sentence (starts in lower
    case) while the line itself ends without terminal punctuation.
    """
    long_lines = 0
    continued = 0
    for cur, nxt in zip(lines, lines[1:], strict=False):
        if len(cur) < 40:
            continue
        long_lines += 1
        if nxt and not cur.endswith(_TERMINAL) and _CONTINUATION_START.match(nxt):
            continued += 1
    return long_lines >= 5 and continued / long_lines >= 0.15


def _continues(prev: str, nxt: str, wide: int) -> bool:
    """Should `nxt` be glued to `prev` as the rest of the same paragraph?"""
    if _SEPARATOR_LINE.match(prev) or _SEPARATOR_LINE.match(nxt):
        return False
    if parse_marker(nxt) is not None or prev.endswith((".", "!", "?")):
        return False
    if prev.endswith((";", ",")):
        return True  # an item that stops at ";" goes on until a new marker or a full stop
    if prev.endswith(_TERMINAL):
        # After ":" a line in lower case still goes on with the same sentence.
        return bool(_CONTINUATION_START.match(nxt))
    if _CONTINUATION_START.match(nxt):
        return True
    # A line that fills the text width and stops mid-sentence goes on, whatever starts the next.
    return len(prev) >= wide


def normalize(raw: RawDocument) -> NormalizedText:
    cleaned = [(clean_line(b.text), b) for b in raw.blocks]
    texts = [c[0][0] for c in cleaned]
    wrapped = raw.format == "txt" and is_hard_wrapped([t for t in texts if t])
    lengths = sorted(len(t) for t in texts if t)
    wide = int(lengths[int(len(lengths) * 0.9)] * 0.8) if lengths else 0

    parts: list[str] = []
    units: list[Unit] = []
    offset = 0
    blank = False
    for index, ((text, gaps, indent), block) in enumerate(cleaned):
        if not text:
            blank = True
            continue
        glue = (
            units
            and block.kind in _FLOW
            and units[-1].kind in _FLOW
            and (
                _BARE_MARKER.match(parts[-1])
                or (wrapped and not blank and _continues(parts[-1], text, wide))
            )
        )
        if glue:
            _append_to_last(parts, units, text, gaps, block, index)
            offset = units[-1].end + 1
            continue
        unit = Unit(
            start=offset,
            end=offset + len(text),
            lines=[block.line],
            blocks=[index],
            page=block.page,
            blank_before=blank,
            indent=indent,
            gaps=list(gaps),
            hints={**block.hints, "piece_lengths": [len(text)], "kind": block.kind},
        )
        parts.append(text)
        units.append(unit)
        offset = unit.end + 1
        blank = False
    return NormalizedText(text="\n".join(parts), units=units)


def _append_to_last(
    parts: list[str], units: list[Unit], text: str, gaps: list[int], block: Block, index: int
) -> None:
    unit = units[-1]
    base = len(parts[-1]) + 1
    parts[-1] = parts[-1] + " " + text
    unit.end = unit.start + len(parts[-1])
    unit.lines.append(block.line)
    unit.blocks.append(index)
    unit.gaps.extend(base + g for g in gaps)
    pieces = unit.hints.setdefault("piece_lengths", [])
    assert isinstance(pieces, list)
    pieces.append(len(text))
