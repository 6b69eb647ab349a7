"""The heading grammar: which paragraph openings are section markers, and of which family.

Families, highest first by custom (a document's own order is learned by the segmenter):
PHẦN/Phần, Chương, A., I., 1., 1.1./5.1, a), (1), and Điều N. (articles of decisions and
regulations). Bullets (-, +, *, •) open list items, not sections.
Real reports write markers loosely: "5.1 ." with a space, "5.3:" with a colon, "11.Hoàn" without a
space, "4 . 2 . 6 ." letter-spaced by a PDF text layer, "I-" for "I.". The examples in
`parser/examples/headings.jsonl` pin down what is and is not a marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Marker families that open sections; bullets open list items inside a section.
SECTION_FAMILIES = frozenset(
    {"part", "chapter", "article", "upper", "roman", "decimal", "lower", "paren"}
)
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_UPPER_VI = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_ANY_LETTER = r"[^\W\d_]"

_CHAPTER = re.compile(r"^(?P<m>Chương\s+(?P<n>[IVXL]{1,6}|\d{1,2}))\s*[.:\-–]?\s*(?=\S|$)")
_ARTICLE = re.compile(r"^(?P<m>Điều\s+(?P<n>\d{1,3})\s*[.:])\s*")
_PART = re.compile(
    r"^(?P<m>(?:PHẦN|Phần)\s+(?:THỨ\s+|thứ\s+)?(?P<n>[IVX]{1,5}|\d{1,2}|[^\W\d_]{2,5}))\s*[.:\-–]?\s*"
)
_UPPER = re.compile(rf"^(?P<m>(?P<n>[A-H])\s*[.)])\s+(?=[{_UPPER_VI}])")
# "V/v …" (về việc) opens a subject line, not section V.
_ROMAN = re.compile(r"^(?P<m>(?P<n>[IVXL]{1,6})\s*(?:[.:)\-–]|/(?![vV]\b)))\s*(?=\S)")
_DECIMAL = re.compile(
    # "1." "1)" "5.3:" "11.Hoàn" "4 . 2 . 6 ."; a multi-level number may also go without a final
    # separator ("5.1 Văn hóa"), a single number may not (" 4 chi hội" is a count).
    # PDF letter-spacing may split a two-digit component ("4 . 2 . 1 0 .").
    r"^(?P<m>(?P<n>\d{1,2}(?:\s*\.\s*(?:\d \d|\d{1,2})){0,4})"
    r"(?:\s*[.):](?!\d)|(?<=\d)(?<!^\d)(?<!^\d\d)(?=\s+" + _ANY_LETTER + r")))\s*"
)
# OCR reads "1." as "1," now and then; a comma after a line-initial number is taken for the
# period only when a capitalised title follows ("1, Công tác …", not "1, 2 và 3 …").
_OCR_COMMA = re.compile(rf"^(?P<m>(?P<n>\d{{1,2}}),)\s+(?=[{_UPPER_VI}])")
_LOWER = re.compile(r"^(?P<m>(?P<n>[a-zđ])\s*\))\s*(?=\S)")
_PAREN = re.compile(r"^(?P<m>\((?P<n>\d{1,2})\))\s*(?=\S)")
_BULLET = re.compile(r"^(?P<m>[-+*•·●■□▪◦–—])\s*(?=\S)")
_VI_ALPHABET = "abcdđeghiklmnopqrstuvxyfjwz"  # a) b) c) d) đ) e) g) …: the Vietnamese order
_WORD_ORDINALS = {"nhất": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7}


@dataclass(frozen=True)
class Marker:
    """A recognized opening: its family, ordinal(s), the marker as written, where the title starts.

    `family` is one of part, upper, roman, decimal, lower, paren, bullet; decimal markers carry
    their depth ("5.1" is depth 2) so that each depth ranks as its own family.
    """

    family: str  # part, chapter, article, upper, roman, decimal, lower, paren, bullet
    ordinals: tuple[int, ...]
    raw: str
    title_offset: int

    @property
    def rank_key(self) -> str:
        return f"decimal{len(self.ordinals)}" if self.family == "decimal" else self.family

    @property
    def ordinal(self) -> int:
        return self.ordinals[-1]


def roman_to_int(s: str) -> int | None:
    total = 0
    prev = 0
    for ch in reversed(s):
        value = ROMAN_VALUES.get(ch)
        if value is None:
            return None
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total if _int_to_roman(total) == s else None


def _int_to_roman(n: int) -> str:
    out = []
    for value, sym in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def parse_marker(text: str) -> Marker | None:
    """The marker that opens `text`, if any (bullets included, as family 'bullet')."""
    m = _PART.match(text)
    if m:
        n = m.group("n")
        ordinal = roman_to_int(n) or (int(n) if n.isdigit() else _WORD_ORDINALS.get(n.lower()))
        if ordinal:
            return Marker("part", (ordinal,), m.group("m"), m.end())
    m = _CHAPTER.match(text)
    if m:
        n = m.group("n")
        ordinal = int(n) if n.isdigit() else roman_to_int(n)
        if ordinal:
            return Marker("chapter", (ordinal,), m.group("m"), m.end())
    m = _ARTICLE.match(text)
    if m:
        return Marker("article", (int(m.group("n")),), m.group("m"), m.end())
    m = _ROMAN.match(text)
    if m:
        value = roman_to_int(m.group("n"))
        if value and value <= 40 and _title_follows(text, m.end()):
            return Marker("roman", (value,), m.group("m"), m.end())
    m = _UPPER.match(text)
    if m:
        return Marker("upper", (ord(m.group("n")) - ord("A") + 1,), m.group("m"), m.end())
    m = _DECIMAL.match(text)
    if m and _title_follows(text, m.end()):
        parts = tuple(int(p.replace(" ", "")) for p in re.findall(r"\d(?: \d)?\d?", m.group("n")))
        if all(p <= 99 for p in parts) and parts[0] >= 1:
            return Marker("decimal", parts, m.group("m").rstrip(), m.end())
    m = _OCR_COMMA.match(text)
    if m:
        return Marker("decimal", (int(m.group("n")),), m.group("m"), m.end())
    m = _LOWER.match(text)
    if m:
        return Marker("lower", (_VI_ALPHABET.index(m.group("n")) + 1,), m.group("m"), m.end())
    m = _PAREN.match(text)
    if m:
        return Marker("paren", (int(m.group("n")),), m.group("m"), m.end())
    m = _BULLET.match(text)
    if m and not _is_negative_number(text):
        return Marker("bullet", (0,), m.group("m"), m.end())
    return None


def as_roman_if_misread(marker: Marker, title: str) -> Marker:
    """OCR reads a Roman "I." / "II." / "III." as "1." / "11." / "111."; a number made only of
    ones before a title in capitals, in a document that numbers its parts in Roman, is Roman."""
    digits = re.sub(r"\D", "", marker.raw)
    if marker.family == "decimal" and len(marker.ordinals) == 1 and set(digits) == {"1"}:
        letters = [ch for ch in title[:40] if ch.isalpha()]
        if letters and all(ch.isupper() for ch in letters):
            return Marker("roman", (len(digits),), marker.raw, marker.title_offset)
    return marker


def _title_follows(text: str, pos: int) -> bool:
    """A marker is followed by words, not by more digits (1.469 cờ, 2023, 30/11)."""
    rest = text[pos:].lstrip()
    return bool(rest) and not rest[0].isdigit() and rest[0] not in "/%,"


def _is_negative_number(text: str) -> bool:
    """A signed amount ("-15 triệu") or the rest of a range broken before its dash ("– 2030"),
    unlike a bullet item that starts with a count ("- 5 hộ")."""
    return bool(re.match(r"^[-–]\d|^[–—]\s*\d", text))


_TITLE_END = re.compile(
    rf"(?P<colon>:)\s+(?=\S)|(?<!\b[A-ZĐ])(?<!\.\.)(?P<stop>\.)\s+(?=[{_UPPER_VI}\"“‘(])"
)


def title_length(rest: str) -> int:
    """How much of the text after a marker is the heading's title.

    Run-in headings ("2.1. Công tác tuyên truyền: Tuyên truyền phòng chống...", "9. Rà soát ...
    quà. Thực hiện ...") end at their first colon or first sentence; the body follows.
    """
    m = _TITLE_END.search(rest)
    return m.end("colon") if m and m.group("colon") else (m.end("stop") if m else len(rest))
