"""COUNT and QUANTITY: a number with what it counts or measures.

COUNT: "3 quần chúng", "gần 1.200 lượt hộ dân", "8/8 thôn", "1.023/1.610 hồ sơ".
QUANTITY: "28,7 tấn", "3.320m", "2,5 ha". The counted nouns and the units are data
(rules/data/count_nouns.txt, rules/data/measure_units.tsv); the longest entry after the
number wins. A number is left alone when it is a label ("tổ 7", "kỳ họp thứ 7"), a date
or year ("tháng 11/2023", "năm 2023"), or part of money or a percentage.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal

from . import money, percent
from .base import Match, RuleContext
from .numbers import (
    LETTER,
    NUMBER_START,
    NUMERAL,
    NUMERAL_ANY,
    SP,
    WORD_NUMERAL,
    Lexicon,
    TextView,
    count_nouns,
    line_start,
    measure_units,
    parse_decimal,
    qualifier_before,
    spaced_view,
    to_python_number,
)

CONFIDENCE = 0.95
LOOSE_CONFIDENCE = 0.85  # inside letter-spaced runs, where word boundaries are guessed

_MULTIPLIERS = {"nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}
_CANDIDATE_RE = re.compile(
    rf"{NUMBER_START}(?<![\w.,/])(?P<num>{NUMERAL_ANY}|{WORD_NUMERAL})"
    rf"(?:{SP}*/{SP}*(?P<total>{NUMERAL}))?"
    rf"(?:{SP}*(?P<mult>nghìn|ngàn|triệu|tỷ|tỉ)(?!{LETTER}))?"
    rf"{SP}*(?={LETTER})",
    re.IGNORECASE,
)
_DOT_DECIMAL_RE = re.compile(r"\d+\.\d{1,2}")

# A spelled-out count must be unambiguous: "một" (một số = some), "năm" (year), "tư"
# (tư pháp) and the like only count inside a longer number ("một trăm", "năm mươi").
_SINGLE_WORD_COUNTS = frozenset({"hai", "ba", "bốn", "sáu", "bảy", "bẩy", "tám", "chín", "mười"})

# Words after which a number is a name, an ordinal or a reference, not a count. Words that
# also end common compounds ("đại biểu", "mô hình", "môi trường", "văn phòng") are left out.
_LABELS = (
    "số|thứ|khóa|khoá|đợt|lần|tổ|mạch|đường|quốc{SP}+lộ|tỉnh{SP}+lộ|huyện{SP}+lộ|ql|tl"
    "|điều|khoản|chương|phụ{SP}+lục|chỉ{SP}+thị|nghị{SP}*quyết|nghị{SP}*định|thông{SP}+tư"
    "|tờ{SP}*trình|công{SP}+văn|kế{SP}+hoạch|đề{SP}+án|chương{SP}+trình|ban{SP}+chỉ{SP}+đạo"
    "|bcđ|nđ|nq|qđ|lô|thửa|tờ|thôn|xóm|ấp|tổ{SP}+dân{SP}+phố|khu{SP}+phố|khu{SP}+vực|khu"
    "|khối|đội|chi{SP}+bộ|nhóm|hội{SP}+nghị|ngõ|hẻm|kiệt|ngách|giai{SP}+đoạn|nhiệm{SP}+kỳ"
).replace("{SP}", SP)
# The word before a label that turns it back into an ordinary word ("tổng số 176 người",
# "tài khoản 44 người", "nông thôn 20 lao động").
_LABEL_UNDONE_BY = {
    "số": {"tổng", "dân", "chỉ", "hệ", "đa", "thiểu", "một", "con", "những"},
    "khoản": {"tài", "điều", "các", "những"},
    "đội": {"quân", "bộ", "đồng"},
    "thôn": {"nông"},
    "chương": {"huy", "văn"},
    "điều": {"một", "những"},
    "tờ": {"giấy"},
}
_ANY_LABEL_UNDONE_BY = {"mỗi", "từng"}
# Labels that make a date or time only for numbers in their range ("tháng 11" but "trong
# tháng 185 lượt hội viên" is a count).
_RANGED_LABELS = {
    "năm": (1000, 2999),
    "tháng": (1, 12),
    "ngày": (1, 31),
    "quý": (1, 4),
    "tuần": (1, 53),
    "giờ": (0, 24),
    "lúc": (0, 24),
}
_RANGED = "|".join(_RANGED_LABELS)
_LABEL_TAIL_RE = re.compile(
    rf"(?<!{LETTER})(?P<label>{_LABELS}|{_RANGED})(?:{SP}+số)?{SP}*[:.]?{SP}*\Z", re.IGNORECASE
)
# In collapsed runs words are glued, so only the date words are looked for, unbounded.
_LOOSE_LABEL_TAIL_RE = re.compile(rf"(?P<label>{_RANGED}){SP}*\Z", re.IGNORECASE)
_WORD_TAIL_RE = re.compile(rf"(?<!{LETTER})({LETTER}+){SP}+\Z")
_RANGE_TAIL_RE = re.compile(rf"\d{SP}*[-–—]{SP}*\Z")
_SPACES_RE = re.compile(rf"{SP}+")
_PREFIX_NOUN = "lượt"  # "185 lượt hội viên": lượt + the counted noun


def extract(text: str, ctx: RuleContext | None = None) -> list[Match]:
    """COUNT and QUANTITY matches in `text`, sorted, non-overlapping, offsets into `text`."""
    view = spaced_view(text)
    claimed = _claimed_spans(text)
    found: list[Match] = []
    for m in _CANDIDATE_RE.finditer(view.text):
        match = _build(view, m)
        if match is None or _overlaps(claimed, match.start, match.end):
            continue
        if found and match.start < found[-1].end:
            continue
        found.append(match)
    return [_to_original(view, m) for m in found]


def _claimed_spans(text: str) -> list[tuple[int, int]]:
    """Spans (in view offsets) that money or percent take: never a count."""
    spans = [(m.start, m.end) for m in money.view_matches(text)]
    spans += [(m.start, m.end) for m in percent.view_matches(text)]
    return sorted(spans)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect_left(spans, (start, start))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


def _to_original(view: TextView, m: Match) -> Match:
    start, end = view.span(m.start, m.end)
    return Match(m.type, start, end, dict(m.value), m.confidence)


def _build(view: TextView, m: re.Match[str]) -> Match | None:
    text, start = view.text, m.start()
    num_text = m.group("num")
    value = _number_value(num_text)
    if value is None:
        return None
    total = parse_decimal(m.group("total")) if m.group("total") else None
    if m.group("mult"):
        value *= _MULTIPLIERS[m.group("mult").lower()]
    loose = view.is_loose(m.end())
    found = _unit_at(text, m.end(), loose)
    if found is None:
        return None
    kind, unit, end = found
    dot_decimal = bool(_DOT_DECIMAL_RE.fullmatch(num_text))
    if kind == "COUNT" and (dot_decimal and not m.group("mult")):
        return None  # "1.5 hộ": not a count; only measures take a decimal dot
    if _is_date_ratio(value, total) or _is_range_end(text, start):
        return None
    if kind == "COUNT" and _after_label(view, start, value):
        return None
    qualifier = qualifier_before(text, start)
    start = qualifier if qualifier is not None else start
    confidence = LOOSE_CONFIDENCE if loose else CONFIDENCE
    if kind == "QUANTITY":
        if total is not None:
            return None
        return Match(
            "QUANTITY", start, end, {"value": to_python_number(value), "unit": unit}, confidence
        )
    return Match(
        "COUNT",
        start,
        end,
        {
            "value": to_python_number(value),
            "total": to_python_number(total) if total is not None else None,
            "unit": unit,
            "approx": qualifier is not None,
        },
        confidence,
    )


def _number_value(num_text: str) -> Decimal | None:
    if num_text[0].isdigit():
        return parse_decimal(num_text, dot_decimal=True)
    words = _SPACES_RE.split(num_text.lower())
    if len(words) == 1 and words[0] not in _SINGLE_WORD_COUNTS:
        return None
    return parse_decimal(num_text)


def _unit_at(text: str, pos: int, loose: bool) -> tuple[str, str, int] | None:
    """("COUNT" | "QUANTITY", unit, end) for the longest noun or unit at `pos`."""
    nouns, units = count_nouns(), measure_units()
    noun = nouns.match(text, pos, loose)
    measure = units.match(text, pos)
    if measure is None and loose:
        measure = units.match(text, pos, loose=True)
        if measure is not None and len(measure.group()) < 2:
            measure = None  # a lone "m" glued to the next word is too weak a sign
    if measure is not None and (noun is None or measure.end() >= noun.end()):
        return "QUANTITY", units.normalize(measure.group()), measure.end()
    if noun is None:
        return None
    unit, end = _written(nouns, noun.group(), loose), noun.end()
    if unit == _PREFIX_NOUN:
        nxt = _skip_spaces(text, end)
        second = nouns.match(text, nxt, loose)
        if second is not None:
            unit, end = f"{unit} {_written(nouns, second.group(), loose)}", second.end()
    return "COUNT", unit, end


def _written(nouns: Lexicon, matched: str, loose: bool) -> str:
    """The noun as written, lower case; the lexicon's form where spaces were lost."""
    written = _SPACES_RE.sub(" ", matched).lower()
    canonical = nouns.normalize(written)
    return canonical if loose or (" " in canonical and " " not in written) else written


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\u00a0":
        pos += 1
    return pos


def _is_date_ratio(value: Decimal, total: Decimal | None) -> bool:
    """ "10/2025": a month and a year, not ten out of 2025."""
    return total is not None and 1 <= value <= 12 and 1900 <= total <= 2100


def _is_range_end(text: str, start: int) -> bool:
    """The second number of "2021-2023", "5 - 7": ranges are not counted here."""
    lo = max(line_start(text, start), start - 6)
    return _RANGE_TAIL_RE.search(text, lo, start) is not None


def _after_label(view: TextView, start: int, value: Decimal) -> bool:
    """Whether the number names or orders something: "tổ 7", "thứ 7", "năm 2023"."""
    text = view.text
    lo = max(line_start(text, start), start - 30)
    pattern = _LOOSE_LABEL_TAIL_RE if view.is_loose(start) else _LABEL_TAIL_RE
    m = pattern.search(text, lo, start)
    if m is None:
        return False
    label = _SPACES_RE.sub(" ", m.group("label").lower())
    if label in _RANGED_LABELS:
        low, high = _RANGED_LABELS[label]
        return low <= value <= high
    before = _WORD_TAIL_RE.search(text, max(line_start(text, start), m.start() - 12), m.start())
    word = before.group(1).lower() if before else ""
    return word not in _ANY_LABEL_UNDONE_BY and word not in _LABEL_UNDONE_BY.get(label, ())
