"""Vietnamese numerals: regex fragments, value parsing and letter-spaced text recovery.

Reports write `.` between thousands and `,` as the decimal mark ("1.469", "79,8"); sloppy
typing also puts a dot before a one- or two-digit fraction ("39.06%", "1.3 tỷ"), which only
the caller can tell from a thousands group by what follows (`%` or a multiplier).
PDF text layers sometimes space out every character ("5 5 . 8 0 0 đ ồ n g"); `spaced_view`
collapses those runs into a view of the text whose offsets map back to the original.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

# Horizontal space only: an entity never crosses a line break.
SP = r"[ \t\u00a0]"

# A letter (not a digit or underscore): for word boundaries that ignore digits.
LETTER = r"[^\W\d_]"

# "1.469", "4.200.000", "1.000,5", "79,8", "01". The lookahead refuses to stop inside a
# longer numeral ("39.06" is not "39"; "3.5.2025" is nothing).
NUMERAL = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![.,]?\d)"

# "39.06", "1.3": a dot before one or two digits, read as a decimal mark by callers that
# have a reason to (a following % or multiplier).
NUMERAL_DOTDEC = r"\d{1,3}\.\d{1,2}(?![.,]?\d)"

# Either, the decimal-dot reading tried first (it can only match where NUMERAL cannot).
NUMERAL_ANY = rf"(?:{NUMERAL_DOTDEC}|{NUMERAL})"

NUMERAL_RE = re.compile(rf"(?<![\d.,]){NUMERAL}")

_DIGIT_WORDS = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "nhăm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
_BIG_MULTIPLIERS = {
    "nghìn": 1000,
    "ngàn": 1000,
    "triệu": 10**6,
    "tr": 10**6,
    "tỷ": 10**9,
    "tỉ": 10**9,
}
_SMALL_WORDS = sorted(
    [*_DIGIT_WORDS, "mười", "mươi", "chục", "trăm", "linh", "lẻ", "nửa", "rưỡi"],
    key=len,
    reverse=True,
)
_WORD_ALT = "|".join(_SMALL_WORDS)

# Put first in a pattern, lets the regex engine skip quickly to where a number can start.
_FIRST_LETTERS = sorted({w[0] for w in _SMALL_WORDS} | {w[0].upper() for w in _SMALL_WORDS})
NUMBER_START = "(?=[0-9" + "".join(_FIRST_LETTERS) + "])"
DIGIT_START = r"(?=\d)"

# A spelled-out number below one thousand ("hai mươi lăm", "ba trăm", "nửa"); big
# multipliers are left to the caller, who knows whether they mean money or a count.
WORD_NUMERAL = rf"(?<!{LETTER})(?:{_WORD_ALT})(?:{SP}+(?:{_WORD_ALT}))*(?!{LETTER})"

# Words before a number that make it approximate; they belong to the entity's span.
QUALIFIER = (
    rf"(?:ước{SP}+tính|ước{SP}+đạt|ước{SP}+thực{SP}+hiện|ước{SP}+thu|ước|gần{SP}+như|gần|khoảng|xấp{SP}+xỉ|trên{SP}+dưới|trên"
    rf"|hơn|hàng|tối{SP}+đa|tối{SP}+thiểu|ít{SP}+nhất|dưới|chừng)"
)
_QUALIFIER_TAIL_RE = re.compile(rf"(?<!{LETTER}){QUALIFIER}{SP}+\Z", re.IGNORECASE)


def line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def qualifier_before(text: str, start: int) -> int | None:
    """Start of the qualifier ("gần", "khoảng", ...) that ends right before `start`."""
    lo = max(line_start(text, start), start - 20)
    m = _QUALIFIER_TAIL_RE.search(text, lo, start)
    if m is None:
        return None
    if m.group().lower().startswith("hàng") and text[start : start + 1].isdigit():
        return None  # "hàng" approximates "trăm", "nghìn"; "mặt hàng 30 sản phẩm" is exact
    return m.start()


_GROUPED_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
_DOTDEC_RE = re.compile(r"\d+\.\d{1,2}")
_TOKEN_RE = re.compile(r"\d[\d.,]*\d|\d|[^\W\d_]+")


def parse_numeral(s: str, *, dot_decimal: bool = False) -> Decimal | None:
    """Exact value of a written numeral, or None when it is not one."""
    s = s.strip()
    if _GROUPED_RE.fullmatch(s):
        return Decimal(s.replace(".", "").replace(",", "."))
    if dot_decimal and _DOTDEC_RE.fullmatch(s):
        return Decimal(s)
    return None


def parse_number(s: str, *, dot_decimal: bool = False) -> int | float | None:
    """Value of a Vietnamese number in digits, words or both ("2 tỷ 500 triệu").

    Integral values come back as int, others as float; None when `s` is not a number.
    `dot_decimal` reads "39.06" as 39.06 (a typo for "39,06"); without it that is None.
    """
    value = parse_decimal(s, dot_decimal=dot_decimal)
    return None if value is None else to_python_number(value)


def to_python_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def parse_decimal(s: str, *, dot_decimal: bool = False) -> Decimal | None:
    """Like parse_number, exact: the result stays a Decimal."""
    direct = parse_numeral(s, dot_decimal=dot_decimal)
    if direct is not None:
        return direct
    s = s.lower()
    tokens = _TOKEN_RE.findall(s)
    if not tokens or _TOKEN_RE.sub("", s).strip():
        return None  # stray punctuation: "5.", "-5", "2023-2030"
    try:
        return _WordNumberParser(dot_decimal).parse(tokens)
    except (ValueError, InvalidOperation):
        return None


class _WordNumberParser:
    """Reads number words and numerals: "một trăm linh năm", "hai triệu rưỡi", "2 tỷ 500 triệu"."""

    def __init__(self, dot_decimal: bool) -> None:
        self.dot_decimal = dot_decimal
        self.total = Decimal(0)  # groups already scaled by their big multiplier
        self.group = Decimal(0)  # the part below the next big multiplier
        self.pending: Decimal | None = None  # a number not yet placed
        self.before_pending = ""  # kind of token that preceded it
        self.last = ""  # kind of the previous token
        self.last_big = 0  # the last big multiplier applied
        self.unit = Decimal(1)  # what "rưỡi" halves

    def parse(self, tokens: list[str]) -> Decimal:
        for tok in tokens:
            self._step(tok)
        self._place_pending(trailing=True)
        return self.total + self.group

    def _step(self, tok: str) -> None:
        if tok[0].isdigit():
            value = parse_numeral(tok, dot_decimal=self.dot_decimal)
            if value is None:
                raise ValueError(tok)
            self._number(value)
        elif tok in _DIGIT_WORDS:
            self._number(Decimal(_DIGIT_WORDS[tok]))
        elif tok == "nửa":
            self._number(Decimal("0.5"))
        elif tok == "mười":
            self._require_no_pending()
            self.group += 10
            self._mark("tens", 1)
        elif tok in ("mươi", "chục"):
            if self.pending is None and tok == "mươi":
                raise ValueError("mươi without a digit")
            self.group += (self._take() if self.pending is not None else 1) * 10  # "hàng chục"
            self._mark("tens", 1)
        elif tok == "trăm":
            self.group += (self._take() if self.pending is not None else 1) * 100
            self._mark("hundred", 100)
        elif tok in ("linh", "lẻ"):
            self._require_no_pending()
            self._mark("zero-tens", 1)
        elif tok == "rưỡi":
            self._place_pending(trailing=False)
            self.total += self.unit / 2
            self._mark("half", 1)
        elif tok in _BIG_MULTIPLIERS:
            self._big(_BIG_MULTIPLIERS[tok])
        else:
            raise ValueError(tok)

    def _mark(self, kind: str, unit: int) -> None:
        self.last, self.unit = kind, Decimal(unit)

    def _number(self, value: Decimal) -> None:
        self._require_no_pending()
        self.pending, self.before_pending, self.last = value, self.last, "number"

    def _require_no_pending(self) -> None:
        if self.pending is not None:
            raise ValueError("two numbers in a row")

    def _take(self) -> Decimal:
        value, self.pending = self.pending, None
        assert value is not None
        return value

    def _big(self, mult: int) -> None:
        self._place_pending(trailing=False)
        if not self.last:
            self.group = Decimal(1)  # "triệu" alone is one million; "0 triệu" is nothing
        if self.last_big and mult > self.last_big:
            # "một nghìn tỷ": the larger multiplier scales everything read so far.
            self.total = (self.total + self.group) * mult
        else:
            self.total += self.group * mult
        self.group = Decimal(0)
        self.last_big = mult
        self._mark("big", mult)

    def _place_pending(self, trailing: bool) -> None:
        """Add the pending number to the group.

        At the very end a short number fills the places just below the previous
        multiplier, as people say it: "ba triệu hai" is 3.200.000, "một trăm hai" is 120.
        """
        if self.pending is None:
            return
        value = self._take()
        if trailing and self.before_pending == "big" and value < 1000:
            digits = len(str(int(value))) if value >= 1 else 1
            self.total += value * self.unit / Decimal(10) ** digits
        elif trailing and self.before_pending == "hundred" and value < 10:
            self.group += value * 10
        else:
            self.group += value
        self.unit = Decimal(1)


# --- letter-spaced runs -------------------------------------------------------------------

# At least three single characters, each separated from the next by one space.
_SPACED_RUN_RE = re.compile(r"(?<!\S)\S(?: \S){2,}(?!\S)")
_NUMERIC_PUNCT = frozenset(".,/%")
_CLOSING_PUNCT = frozenset(",.;:)!?%")


def _joins(a: str, b: str) -> bool:
    """Whether the space between two spaced-out characters was not in the source text.

    Letters join letters (word boundaries are lost, so callers match loosely inside runs),
    digits join digits and numeric punctuation; a letter and a digit stay apart.
    """
    if a.isalpha() and b.isalpha():
        return True
    if a.isdigit() and (b.isdigit() or b in _NUMERIC_PUNCT):
        return True
    if b.isdigit() and a in _NUMERIC_PUNCT:
        return True
    return b in _CLOSING_PUNCT or a == "(" or (a == "/" and b.isalpha())


@dataclass(frozen=True)
class TextView:
    """A copy of a text with letter-spaced runs collapsed, and the way back to the original.

    `text` is what rules scan. Pieces alternate between stretches copied unchanged and
    collapsed runs, whose characters each remember their original offset.
    """

    original: str
    text: str
    piece_starts: tuple[int, ...] = (0,)
    pieces: tuple[tuple[int, tuple[int, ...] | None], ...] = ((0, None),)
    loose: tuple[tuple[int, int], ...] = ()

    @property
    def identity(self) -> bool:
        return not self.loose

    def to_original(self, pos: int) -> int:
        if self.identity:
            return pos
        if pos >= len(self.text):
            return len(self.original)
        i = bisect_right(self.piece_starts, pos) - 1
        orig_start, mapping = self.pieces[i]
        offset = pos - self.piece_starts[i]
        return orig_start + offset if mapping is None else mapping[offset]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the view span [start, end)."""
        if self.identity:
            return start, end
        return self.to_original(start), self.to_original(end - 1) + 1

    def is_loose(self, pos: int) -> bool:
        """Whether `pos` lies in a collapsed run, where word boundaries are unknown."""
        if not self.loose:
            return False
        i = bisect_right(self.loose, (pos, len(self.text) + 1)) - 1
        return i >= 0 and self.loose[i][0] <= pos < self.loose[i][1]


def _collapse(run: str, base: int) -> tuple[str, tuple[int, ...]]:
    chars = run[0::2]
    out = [chars[0]]
    mapping = [base]
    for i in range(1, len(chars)):
        if not _joins(chars[i - 1], chars[i]):
            out.append(" ")
            mapping.append(base + 2 * i - 1)
        out.append(chars[i])
        mapping.append(base + 2 * i)
    return "".join(out), tuple(mapping)


@lru_cache(maxsize=8)
def spaced_view(text: str) -> TextView:
    """The view of `text` with every letter-spaced run collapsed ("7 6 h ọ c" -> "76 học").

    Cached: the rule modules all scan the view of the same document.
    """
    return collapse_spaced(text)


def collapse_spaced(text: str) -> TextView:
    """Uncached `spaced_view`, for short snippets that should not evict documents."""
    runs = list(_SPACED_RUN_RE.finditer(text))
    if not runs:
        return TextView(original=text, text=text)
    parts: list[str] = []
    starts: list[int] = []
    pieces: list[tuple[int, tuple[int, ...] | None]] = []
    loose: list[tuple[int, int]] = []
    vpos = opos = 0
    for run in runs:
        if run.start() > opos:
            starts.append(vpos)
            pieces.append((opos, None))
            parts.append(text[opos : run.start()])
            vpos += run.start() - opos
        collapsed, mapping = _collapse(run.group(), run.start())
        starts.append(vpos)
        pieces.append((run.start(), mapping))
        loose.append((vpos, vpos + len(collapsed)))
        parts.append(collapsed)
        vpos += len(collapsed)
        opos = run.end()
    starts.append(vpos)
    pieces.append((opos, None))
    parts.append(text[opos:])
    return TextView(text, "".join(parts), tuple(starts), tuple(pieces), tuple(loose))


# --- what numbers count: the noun and unit lexicons (rules/data/) ----------------------------

_DATA = Path(__file__).with_name("data")

# Old and new tone placement in open syllables ("hóa"/"hoá", "thủy"/"thuỷ").
_TONED = {"o": "òóỏõọ", "a": "àáảãạ", "e": "èéẻẽẹ", "u": "ùúủũụ", "y": "ỳýỷỹỵ"}
_TONE_SWAPS: list[tuple[str, str]] = []
for _v1, _v2 in (("o", "a"), ("o", "e"), ("u", "y")):
    for _t1, _t2 in zip(_TONED[_v1], _TONED[_v2], strict=True):
        _TONE_SWAPS += [(_t1 + _v2, _v1 + _t2), (_v1 + _t2, _t1 + _v2)]


def tone_variants(phrase: str) -> set[str]:
    """The phrase with each open oa/oe/uy syllable in both tone placements."""
    variants = {phrase}
    for old, new in _TONE_SWAPS:
        pattern = re.compile(rf"(?<!q){re.escape(old)}(?!\w)")
        variants |= {pattern.sub(new, v) for v in variants}
    return variants


def _read_lines(name: str) -> list[str]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def _key(phrase: str) -> str:
    return re.sub(r"[\s\-]+", "", phrase.lower())


@dataclass(frozen=True)
class Lexicon:
    """Phrases matched right after a number, longest first, with their canonical form.

    Syllables may be glued as PDF text layers glue them ("hồsơ"). `strict` demands a word
    boundary after the phrase; `loose` does not, for collapsed letter-spaced runs.
    """

    strict: re.Pattern[str]
    loose: re.Pattern[str]
    canonical: dict[str, str]

    @classmethod
    def build(cls, entries: dict[str, str]) -> Lexicon:
        canonical: dict[str, str] = {}
        for surface, norm in entries.items():
            for variant in tone_variants(surface.lower()):
                canonical.setdefault(_key(variant), norm)
        forms = {v for s in entries for v in tone_variants(s.lower())}
        alternatives = sorted(forms, key=lambda f: (-len(_key(f)), f))
        body = "|".join(
            rf"{SP}?".join(re.escape(syl) for syl in form.split()) for form in alternatives
        )
        return cls(
            strict=re.compile(rf"(?:{body})(?!\w)", re.IGNORECASE),
            loose=re.compile(rf"(?:{body})", re.IGNORECASE),
            canonical=canonical,
        )

    def match(self, text: str, pos: int, loose: bool = False) -> re.Match[str] | None:
        return (self.loose if loose else self.strict).match(text, pos)

    def normalize(self, matched: str) -> str:
        """The canonical form of a matched phrase (unknown phrases come back unchanged)."""
        return self.canonical.get(_key(matched), matched)


@lru_cache(maxsize=1)
def count_nouns() -> Lexicon:
    """rules/data/count_nouns.txt; canonical form = the entry itself."""
    return Lexicon.build({entry: entry for entry in _read_lines("count_nouns.txt")})


@lru_cache(maxsize=1)
def measure_units() -> Lexicon:
    """rules/data/measure_units.tsv; canonical form = the normalized unit symbol."""
    pairs = (line.split("\t") for line in _read_lines("measure_units.tsv"))
    return Lexicon.build({surface.strip(): norm.strip() for surface, norm in pairs})
